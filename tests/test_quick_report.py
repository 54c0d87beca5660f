"""Quick reports: one message is a report at once (a reference straight away), pending with its
category, place and date unknown; a moderator completes them from the card before approval, and
only then do digests and exports show it."""

from __future__ import annotations

import json

from bot.exports import ExportFormat
from bot.forms.types.media import VOICE_ANSWER
from tests.harness import BotHarness, SimUser
from tests.moderation_support import load_report, reply
from tests.report_helpers import reporter, reports_of
from tests.test_export import export_text


async def voice(user: SimUser) -> None:
    await user.bot.process(user.state.send_voice(user.id, b"OggS-quick", 11))


async def test_a_quick_report_by_voice_is_completed_and_approved_by_a_moderator(
    relaxed_bot: BotHarness,
) -> None:
    field = await reporter(relaxed_bot, 601)
    await voice(field)  # one interaction: the voice note is the report
    [report] = await reports_of(relaxed_bot, field.id)
    assert report.category == "quick_report" and report.status == "pending"
    assert report.answers["description"] == VOICE_ANSWER and len(report.answers["voice"]) == 1
    assert report.reference in field.last_text
    assert report.occurred_on is None and report.province_pcode is None

    moderator = await relaxed_bot.user(9, "Mod", role="moderator")
    await moderator.send("/pending")
    assert any(m.voice for m in moderator.replies)  # the voice note above the card
    assert "Set the category" in moderator.buttons
    await moderator.press("Approve")  # not yet: the category, place and date are unknown
    assert "category" in (moderator.last_alert or "")
    assert (await load_report(relaxed_bot.db, report.id)).status == "pending"
    await moderator.press("Set the category")
    await moderator.press("Attack on health care")
    stored = await load_report(relaxed_bot.db, report.id)
    assert stored.category == "health_attack" and stored.answers["voice"] == report.answers["voice"]
    await moderator.press("Approve")  # the date and place are still missing
    assert "date" in (moderator.last_alert or "")
    await moderator.press("Edit an answer")
    await moderator.press("Date", exact=True)
    await reply(moderator, "2026-11-20")
    await moderator.press("Edit an answer")
    await moderator.press("District", exact=True)
    await reply(moderator, "Asadabad")
    stored = await load_report(relaxed_bot.db, report.id)
    assert (stored.province_pcode, stored.district_pcode) == ("AF15", "AF1501")
    assert stored.occurred_on is not None and stored.occurred_on.isoformat() == "2026-11-20"
    assert json.loads(await export_text(relaxed_bot.db, ExportFormat.JSON)) == []  # not approved yet
    await moderator.press("Approve")
    await moderator.press("Confirmed")
    await moderator.press("Not urgent")
    stored = await load_report(relaxed_bot.db, report.id)
    assert stored.status == "approved"
    [record] = json.loads(await export_text(relaxed_bot.db, ExportFormat.JSON))
    assert record["category"] == "health_attack" and record["voice"] == 1 and record["province"] == "AF15"


async def test_an_album_with_a_caption_is_one_quick_report_and_text_needs_the_command(
    relaxed_bot: BotHarness,
) -> None:
    field = await reporter(relaxed_bot, 602)
    photos = [b"\xff\xd8one\xff\xd9", b"\xff\xd8two\xff\xd9", b"\xff\xd8three\xff\xd9"]
    for update_id in field.state.send_album(field.id, photos, caption="Checkpoint burned"):
        await relaxed_bot.process(update_id)
    [report] = await reports_of(relaxed_bot, field.id)
    assert len(report.answers["photos"]) == 3 and report.answers["description"] == "Checkpoint burned"
    await field.send("hello")  # plain text without a report in progress stays a stray message
    assert len(await reports_of(relaxed_bot, field.id)) == 1 and "/report" in field.last_text
    await field.send("/quick Shooting near the market in Asadabad")
    assert len(await reports_of(relaxed_bot, field.id)) == 2 and "R-" in field.last_text
