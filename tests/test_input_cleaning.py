"""Input normalisation (security review findings 12 and 13): one cleaning of every update's typed
text (bot.normalize, applied in the application before any handler), superscript digits refused
politely, edited messages answered, first names isolated in /users."""

from __future__ import annotations

import time
from typing import Any, cast

from telegram import Update

from bot.forms.actions import ReportAction
from bot.localize import parse_date
from bot.normalize import clean_text, clean_update
from bot.runtime.application import cleaned
from handlers.callbacks import ReportPress
from tests.harness import BotHarness
from tests.report_helpers import (
    action_prefix,
    data_of,
    draft_of,
    finish,
    opening,
    pick,
    reporter,
    reports_of,
    start_report,
)

WENT_WRONG = "something went wrong"
ZWNJ = "\u200c"


def test_clean_text_strips_controls_bidi_and_zero_width_but_keeps_zwnj() -> None:
    spoof = "Killed: 5\u202e01\u202c\x00\x07 \u2066x\u2069 a\u200bb\ufeff"
    assert clean_text(spoof) == "Killed: 501 x ab"
    dari = "می" + ZWNJ + "شود\nدو خط\tو 👨\u200d👩\u200d👧"  # ZWNJ spelling, newline, tab and an emoji family
    assert clean_text(dari) == dari


def test_clean_update_moves_entities_with_the_text() -> None:
    data: dict[str, Any] = {
        "update_id": 1,
        "message": {
            "text": "\u202e/wipe now",
            "entities": [{"type": "bot_command", "offset": 1, "length": 5}],
            "from": {"id": 5, "first_name": "Ali\u202e"},
        },
        "callback_query": {"id": "1", "data": "rep:day:\x00tok", "from": {"id": 5, "first_name": "\u2067A"}},
    }
    assert clean_update(data)
    assert data["message"]["text"] == "/wipe now"
    assert data["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert data["message"]["from"]["first_name"] == "Ali"
    assert data["callback_query"]["data"] == "rep:day:tok"
    assert data["callback_query"]["from"]["first_name"] == "A"
    assert not clean_update({"update_id": 2, "message": {"text": "plain " + ZWNJ}})


def test_the_application_cleans_each_field_clean_update_cleans_and_passes_clean_updates_as_they_are() -> None:
    """`cleaned` looks at the update's objects before taking the JSON round trip: each field that
    `clean_update` cleans must bring it there."""
    chat = {"id": 5, "type": "private"}
    sender = {"id": 5, "is_bot": False, "first_name": "Ali"}
    message = {"message_id": 9, "date": 0, "chat": chat, "from": sender, "text": "hello " + ZWNJ}
    query = {"id": "1", "chat_instance": "c", "from": sender, "data": "rep:x"}
    dirty = "\u202e"
    variants: list[dict[str, Any]] = [
        {"message": message | {"text": dirty + "hi"}},
        {"message": message | {"caption": "a" + dirty}},
        {"edited_message": message | {"edit_date": 1, "text": "x" + dirty}},
        {"message": message | {"from": sender | {"first_name": dirty + "Ali"}}},
        {"message": message | {"from": sender | {"last_name": dirty}}},
        {"message": message | {"from": sender | {"username": "a" + dirty}}},
        {"callback_query": query | {"data": "rep:" + dirty}},
        {"callback_query": query | {"from": sender | {"first_name": dirty}}},
    ]
    for variant in variants:
        update = Update.de_json({"update_id": 1, **variant}, None)
        result = cleaned(update, None)
        assert result is not update and dirty not in repr(cast(Update, result).to_dict()), variant
    clean_ones: list[dict[str, Any]] = [{"message": message}, {"callback_query": query}]
    for clean in clean_ones:
        update = Update.de_json({"update_id": 2, **clean}, None)
        assert cleaned(update, None) is update


def test_superscript_digits_are_not_a_date() -> None:
    assert parse_date("1/1/²⁰²⁶") is None
    assert parse_date("1/1/2026") is not None


async def test_odd_digits_get_a_polite_answer(bot: BotHarness) -> None:
    user = await reporter(bot, 301)
    await start_report(user, "health_attack")
    await user.send("1/1/²⁰²⁶")
    assert WENT_WRONG not in user.last_text.lower()
    token = data_of(user, action_prefix(ReportAction.DAY)).split(":")[2]
    await user.press_data(ReportPress(ReportAction.DAY, token, "occurred_on", "²").pack())
    assert WENT_WRONG not in (user.last_alert or "").lower() and WENT_WRONG not in user.last_text.lower()
    draft = await draft_of(bot, user.id)
    assert draft is not None and "occurred_on" not in draft.answers


async def test_stored_free_text_has_no_nul_bidi_or_zero_width_characters(bot: BotHarness) -> None:
    user = await reporter(bot, 302)
    await opening(user, "other_security")
    typed = "Nul\x00 here, RLO \u202eevil\u202c, zero\u200bwidth, Dari می" + ZWNJ + "شود"
    await pick(user, "other_security", "incident_type", "crime")
    await pick(user, "other_security", "aid_workers_affected", "no")
    await user.send("0")  # killed
    await user.send("0")  # injured
    await finish(user, "other_security", description=typed)
    assert WENT_WRONG not in user.last_text.lower()
    [report] = await reports_of(bot, user.id)
    assert report.answers["description"] == "Nul here, RLO evil, zerowidth, Dari می" + ZWNJ + "شود"


async def test_an_edited_message_gets_a_clear_answer(bot: BotHarness) -> None:
    user = await reporter(bot, 303)
    await start_report(user, "health_attack")
    await user.send("2026-01-05")
    state = bot.emulator.state
    [*_, mine] = [m for m in state.messages[user.id] if not m.from_bot]
    edited = state.message_json(mine) | {
        "from": state.users[user.id].as_json(),
        "edit_date": int(time.time()),
        "text": "2026-01-06",
    }
    await bot.process(state.push_update({"edited_message": edited}))
    assert "Edits to a sent message are not read" in user.last_text
    draft = await draft_of(bot, user.id)
    assert draft is not None and draft.answers["occurred_on"] == "2026-01-05"


async def test_users_shows_first_names_isolated(bot: BotHarness) -> None:
    admin = await bot.user(1, "Admin", role="admin")
    await bot.user(70, "\u202eanuhgraZ", role="coordinator")
    await admin.send("/users")
    # A name stored as it came (names are cleaned as updates arrive, see above):
    # the isolate keeps its override from reordering the line.
    assert "70 \u2068\u202eanuhgraZ\u2069: coordinator" in admin.last_text
