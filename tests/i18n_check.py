"""Checks that a bot reply reads as written in the user's language: reusable by any flow test.

    from tests.i18n_check import assert_localized, assert_replies_localized
    user = checked(await bot.user(101, "Name", "fa", role="reporter"), "fa_AF", allowed=["Kabul"])
    ... drive the flow: every send/press is followed by the checks ...

or, after the fact, `assert_replies_localized(user, "fa_AF", since=seen, allowed=[...])`.

A Dari or Pashto reply fails when it holds a Latin-script word that is not a command (/report), a
reference (R-2026-000123), a P-code (AF0101), a crossing code, a URL or one of the `allowed` values
(what the user typed, a Latin place name): that is an untranslated fallback. It also fails on ASCII
digits outside an isolate (numbers must be shown in Persian digits), a line that would render left to
right, and a Latin run that is not wrapped in FSI…PDI.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.emulator import EmuMessage
from bot.localize import starts_rtl
from tests.harness import SimUser

RTL = frozenset({"fa_AF", "ps"})
# Names of the languages in the chooser are each in their own script by design.
LANGUAGE_NAMES = ("English",)
# Telegram's own interface labels, quoted as the app shows them (it has no Pashto interface).
TELEGRAM_LABELS = ("Location",)

_NEUTRAL_TOKENS = re.compile(
    r"https?://\S+|t\.me/\S+"  # links
    r"|/[A-Za-z_]+(?:@\w+)?"  # commands
    r"|\bR-\d{4}-\d{3,}\b"  # report references
    r"|\bAF\d{2,4}\b"  # P-codes
    r"|\bBCP-[A-Z]{3}-[A-Z]{3}\b"  # border crossing codes
)
# Solar Hijri month names only Iran uses (دی, تیر and مهر are also ordinary words, so not listed).
IRANIAN_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "مرداد", "شهریور", "آبان", "آذر", "بهمن", "اسفند")
_ISOLATED_COMMAND = re.compile("\u2068/[^\u2069]*\u2069")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_ISOLATED = re.compile("[\u2066-\u2068][^\u2069]*\u2069")
_LATIN_RUN = re.compile(r"/?[A-Za-z][A-Za-z0-9_\-./:@#+]*")


def untranslated_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """Latin-script words in `text` other than commands, references, P-codes, URLs and `allowed`."""
    for value in sorted(allowed, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    text = _ISOLATED_COMMAND.sub(" ", text)  # a command with its arguments (/invite reporter 5)
    text = _NEUTRAL_TOKENS.sub(" ", text)
    return _LATIN_WORD.findall(text)


def problems(text: str, language: str, allowed: Iterable[str] = (), *, html: bool = False) -> list[str]:
    """Everything wrong with one reply for a user of `language` (empty when it is fine)."""
    allowed = list(allowed)
    found: list[str] = []
    if language not in RTL:
        return found
    lines = text.split("\n")
    if html:
        text = html_lib.unescape(re.sub(r"<[^>]*>", "", text))
    words = untranslated_words(text, allowed)
    if words:
        found.append(f"untranslated words {words}")
    iranian = [m for m in IRANIAN_MONTHS if re.search(rf"\b{m}\b", text)]
    if iranian:
        found.append(f"Iranian month names {iranian} (Afghanistan uses حمل … حوت, وری … کب)")
    outside = _ISOLATED.sub(" ", text)
    for value in allowed:
        outside = outside.replace(value, " ")
    if re.search(r"[0-9]", outside):
        found.append("ASCII digits outside an isolate (Dari and Pashto show Persian digits)")
    stray = [run for run in _LATIN_RUN.findall(outside) if run not in allowed]
    if stray:
        found.append(f"Latin runs not wrapped in FSI…PDI: {stray}")
    for line in lines:
        if starts_rtl(line, html=html) is False:
            found.append(f"line would render left to right: {line!r}")
    return found


def assert_localized(text: str, language: str, allowed: Iterable[str] = (), *, html: bool = False) -> None:
    found = problems(text, language, allowed, html=html)
    assert not found, f"reply in {language} is not localized: {found}\n{text}"


def assert_replies_localized(
    user: SimUser, language: str, *, since: int = 0, allowed: Iterable[str] = ()
) -> int:
    """Check every bot message (text and buttons) from `since` on, and every alert; return how many
    messages were checked, so a test can assert it checked something."""
    allowed = [*allowed, *LANGUAGE_NAMES, *TELEGRAM_LABELS]
    messages = user.replies[since:]
    for message in messages:
        html = (message.parse_mode or "").upper() == "HTML"
        assert_localized(message.text or message.caption or "", language, allowed, html=html)
        for label in message.button_labels:
            if language in RTL:
                words = untranslated_words(label, allowed)
                assert not words, f"button {label!r} in {language} has untranslated words {words}"
                bare = _ISOLATED.sub("", _NEUTRAL_TOKENS.sub("", label))
                assert not re.search("[0-9]", bare), f"button {label!r} in {language} has ASCII digits"
    if language in RTL:
        for query in user.state.callback_queries.values():
            if query["user_id"] == user.id and query.get("text"):
                assert not untranslated_words(query["text"], allowed), query["text"]
    return len(messages)


@dataclass
class CheckedUser(SimUser):
    """A simulated user whose every action is followed by the checks above on all the bot's messages
    in the chat (messages the bot edits in place are checked in each state they pass through)."""

    language: str = "en"
    allowed: list[str] = field(default_factory=list)
    checks: int = 0

    def check(self) -> None:
        assert_replies_localized(self, self.language, allowed=self.allowed)
        self.checks += 1

    async def send(self, text: str) -> EmuMessage | None:
        reply = await super().send(text)
        self.check()
        return reply

    async def send_photo(self, data: bytes | None = None, caption: str | None = None) -> EmuMessage | None:
        reply = await super().send_photo(data, caption)
        self.check()
        return reply

    async def send_location(self, latitude: float, longitude: float) -> EmuMessage | None:
        reply = await super().send_location(latitude, longitude)
        self.check()
        return reply

    async def press_data(self, data: str, message_id: int | None = None) -> EmuMessage | None:
        reply = await super().press_data(data, message_id)
        self.check()
        return reply


def checked(user: SimUser, language: str, allowed: Iterable[str] = ()) -> CheckedUser:
    """The same Telegram user, checked after every action: `user = checked(user, "fa_AF")`."""
    return CheckedUser(user.bot, user.id, user.first_name, user.language_code, language, list(allowed))
