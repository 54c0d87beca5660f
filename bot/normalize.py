"""One cleaning of everything people type, applied to each update before any handler sees it.

Removed (security review findings 12 and 13): NUL and the other control characters except tab and
newline (PostgreSQL refuses NUL in text, and none of them belongs in a report); the bidi embeddings
and overrides U+202A–U+202E and the isolates U+2066–U+2069, which can make stored text read
differently from what it says (reversed numbers, fake lines) in moderator cards, digests and
exports; and the zero-width space, word joiner, invisible operators and byte-order mark, which can
split a word so /search does not find it. Kept on purpose: ZWNJ (U+200C), which Dari and Pashto
spelling needs (می‌شود), and ZWJ (U+200D), which joins emoji and Arabic-script letters; neither
reorders text. The bot adds its own isolates when it shows text, after this cleaning.

Telegram counts entity offsets (a command's position) in UTF-16 code units, so removing characters
moves the entities with them. Pure functions on the update's JSON: no Telegram library here.
"""

from __future__ import annotations

import re
from typing import Any

_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # controls other than tab and newline
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides and isolates
    "\u200b\u2060-\u2064\ufeff\u180e]"  # zero-width space, joiners that are not ZWNJ/ZWJ, BOM
)
# Where free text and names arrive: a message's text or caption, a sender's names, button data.
_MESSAGE_KEYS = ("message", "edited_message")
_TEXT_ENTITIES = (("text", "entities"), ("caption", "caption_entities"))
_NAMES = ("first_name", "last_name", "username")


def clean_text(text: str) -> str:
    """`text` without the characters listed above."""
    return _UNWANTED.sub("", text)


def unwanted(text: object) -> bool:
    """Whether `text` is a string holding any character `clean_text` removes."""
    return isinstance(text, str) and _UNWANTED.search(text) is not None


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _clean_with_entities(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    kept: list[str] = []
    # new_offset[i]: UTF-16 position in the cleaned text of UTF-16 position i of the original.
    new_offset: dict[int, int] = {}
    old = new = 0
    for char in text:
        new_offset[old] = new
        old += _units(char)
        if not _UNWANTED.match(char):
            kept.append(char)
            new += _units(char)
    new_offset[old] = new
    moved = []
    for entity in entities:
        start = new_offset.get(entity.get("offset", 0), 0)
        end = new_offset.get(entity.get("offset", 0) + entity.get("length", 0), new)
        if end > start:
            moved.append(entity | {"offset": start, "length": end - start})
    return "".join(kept), moved


def _clean_names(person: Any) -> None:
    if isinstance(person, dict):
        for key in _NAMES:
            if isinstance(person.get(key), str):
                person[key] = clean_text(person[key])


def clean_update(data: dict[str, Any]) -> bool:
    """Clean, in place, the free text of an update's message (or edited message), the sender's names
    and a button's data. True when anything changed. A quoted message is left as it came: it is the
    bot's own text, or already stored."""
    before = repr(data)
    for key in _MESSAGE_KEYS:
        message = data.get(key)
        if not isinstance(message, dict):
            continue
        _clean_names(message.get("from"))
        for text_key, entities_key in _TEXT_ENTITIES:
            text = message.get(text_key)
            if isinstance(text, str) and _UNWANTED.search(text):
                message[text_key], entities = _clean_with_entities(
                    text, list(message.get(entities_key) or [])
                )
                if entities_key in message:
                    message[entities_key] = entities
    query = data.get("callback_query")
    if isinstance(query, dict):
        _clean_names(query.get("from"))
        if isinstance(query.get("data"), str):
            query["data"] = clean_text(query["data"])
    return repr(data) != before
