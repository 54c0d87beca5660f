"""Voice notes and photos end to end: a voice note answers a free-text question, photos (an album,
as Telegram sends it) and voice notes are added at the summary, the moderator gets them with the
card by file id, and exports count them without file ids."""

from __future__ import annotations

import json

from bot.exports import ExportFormat
from bot.forms.types.media import VOICE_ANSWER
from domain.vocabulary import ReportStatus
from storage.models import Report
from tests.harness import BotHarness, SimUser
from tests.report_helpers import opening, pick, reporter, reports_of, submit
from tests.test_export import export_text


async def voice(user: SimUser, data: bytes = b"OggS-voice", duration: int = 4) -> None:
    await user.bot.process(user.state.send_voice(user.id, data, duration))


async def album(user: SimUser, count: int) -> None:
    for update_id in user.state.send_album(user.id, [b"\xff\xd8photo-%d\xff\xd9" % n for n in range(count)]):
        await user.bot.process(update_id)


async def file_with_media(bot: BotHarness) -> Report:
    user = await reporter(bot, 501)
    await opening(user, "other_security", place_at=("AF13", "Jani Khail"))
    await pick(user, "other_security", "incident_type", "abduction")
    await pick(user, "other_security", "aid_workers_affected", "yes")
    await user.send("0 0")  # killed and injured at once
    await voice(user)  # the description, spoken
    await pick(user, "other_security", "source_type", "witness")
    await album(user, 2)  # at the summary: added
    await voice(user, b"OggS-second", 9)
    await submit(user)
    [report] = await reports_of(bot, user.id)
    return report


async def test_voice_answers_the_description_and_media_reach_the_moderators_card(bot: BotHarness) -> None:
    report = await file_with_media(bot)
    assert report.answers["description"] == VOICE_ANSWER
    assert len(report.answers["voice"]) == 2 and len(report.answers["photos"]) == 2
    assert (report.killed, report.injured) == (0, 0)
    moderator = await bot.user(9, "Mod", role="moderator")
    await moderator.send("/pending")
    sent = moderator.replies
    photos = [m for m in sent if m.photo]
    voices = [m for m in sent if m.voice]
    assert (
        len(photos) == 2 and photos[0].media_group_id and photos[0].media_group_id == photos[1].media_group_id
    )
    assert len(voices) == 2
    card = sent[-1]
    assert report.reference in (card.text or "") and card.buttons  # the card under its media
    assert max(m.message_id for m in photos + voices) < card.message_id


async def test_exports_count_media_and_never_carry_file_ids(bot: BotHarness) -> None:
    report = await file_with_media(bot)
    async with bot.db.session() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        row.status, row.approved_at = ReportStatus.APPROVED, row.created_at
    files = [*report.answers["photos"], *report.answers["voice"]]
    for fmt in ExportFormat:
        text = await export_text(bot.db, fmt)
        assert report.reference in text and not any(f in text for f in files)
    [record] = json.loads(await export_text(bot.db, ExportFormat.JSON))
    assert (record["photos"], record["voice"]) == (2, 2)
