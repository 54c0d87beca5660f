"""Drafts survive restarts and replays; Submit is idempotent; references are sequential; /wipe,
wipe-after-submit, /settings and /myreports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import col

from bot.forms.actions import ReportAction
from bot.forms.engine import get_form
from bot.intake.submit import file_report
from handlers.callbacks import WipeSetting
from storage.db import Database
from storage.models import ChatMessage, Draft, ReportEvent, User
from storage.reports import ReportRepository
from tests.harness import BotHarness, SimUser
from tests.report_helpers import (
    action_prefix,
    choose,
    data_of,
    draft_of,
    finish,
    opening,
    pick,
    place,
    press,
    reporter,
    reports_of,
    start_report,
)


async def to_summary(user: SimUser) -> None:
    await opening(user, "other_security")
    await pick(user, "other_security", "incident_type", "crime")
    await pick(user, "other_security", "aid_workers_affected", "no")
    await user.send("1")
    await user.send("2")
    await user.send("Robbery on the road.")
    await pick(user, "other_security", "source_type", "media")
    await choose(user, ReportAction.SKIP, "photos")


async def test_restart_between_two_answers_resumes_without_loss(bot: BotHarness) -> None:
    user = await reporter(bot, 301, language="fa_AF")
    await start_report(user, "other_security")
    await choose(user, ReportAction.DAY, "occurred_on", "1")
    await place(user, "AF01", "Paghman")
    before = await draft_of(bot, user.id)
    assert before is not None and before.step == "incident_type"

    await bot.restart()

    await user.send("Armed clash")  # first message after the restart: asks continue / discard
    after = await draft_of(bot, user.id)
    assert after is not None and after.step == "incident_type" and after.answers == before.answers
    assert data_of(user, action_prefix(ReportAction.RESUME)) and data_of(
        user, action_prefix(ReportAction.DISCARD)
    )
    await press(user, action_prefix(ReportAction.RESUME))  # continue: the same question again
    await user.send("Armed clash")  # an option typed by its name
    resumed = await draft_of(bot, user.id)
    assert resumed is not None and resumed.step == "aid_workers_affected"
    assert resumed.answers["occurred_on"] == before.answers["occurred_on"]
    assert resumed.answers["incident_type"] == "armed_clash"
    assert (resumed.answers["province"], resumed.answers["district"]) == ("AF01", "AF0102")


async def test_a_button_after_restart_applies_directly(bot: BotHarness) -> None:
    user = await reporter(bot, 302)
    await start_report(user, "other_security")
    await choose(user, ReportAction.DAY, "occurred_on", "0")
    await place(user, "AF01", "Paghman")
    await bot.restart()
    await pick(user, "other_security", "incident_type", "abduction")
    draft = await draft_of(bot, user.id)
    assert draft is not None and draft.answers["incident_type"] == "abduction"


async def test_report_command_with_a_draft_offers_continue_or_discard(bot: BotHarness) -> None:
    user = await reporter(bot, 303)
    await start_report(user, "other_security")
    await choose(user, ReportAction.DAY, "occurred_on", "0")
    token = (await draft_of(bot, user.id)).token  # type: ignore[union-attr]
    await user.send("/report")
    await press(user, action_prefix(ReportAction.DISCARD))  # discard
    assert await draft_of(bot, user.id) is None
    await start_report(user, "displacement")
    draft = await draft_of(bot, user.id)
    assert draft is not None and draft.category == "displacement" and draft.token != token


async def test_a_replayed_old_message_is_not_applied_to_the_next_field(bot: BotHarness) -> None:
    user = await reporter(bot, 304)
    await opening(user, "other_security")
    await pick(user, "other_security", "incident_type", "crime")
    await pick(user, "other_security", "aid_workers_affected", "no")
    await user.send("7")  # killed
    state = bot.emulator.state
    seven = next(m for m in reversed(state.messages[user.id]) if not m.from_bot and m.text == "7")
    payload = state.message_json(seven) | {"from": state.users[user.id].as_json()}
    await bot.process(state.push_update({"message": payload}))  # the same message delivered again
    draft = await draft_of(bot, user.id)
    assert draft is not None and draft.step == "injured" and "injured" not in draft.answers
    assert draft.answers["killed"] == 7


async def test_double_submit_and_replayed_callback_make_one_report(bot: BotHarness) -> None:
    user = await reporter(bot, 305)
    await to_summary(user)
    submit = data_of(user, action_prefix(ReportAction.SUBMIT))
    summary = user.last_reply
    assert summary is not None
    state = bot.emulator.state
    # Two presses queued before the bot handles either (a double tap on a slow connection).
    first = state.press(user.id, summary.message_id, submit)
    second = state.press(user.id, summary.message_id, submit)
    await bot.process(first)
    await bot.process(second)
    await user.press_data(submit, summary.message_id)  # and once more, later
    reports = await reports_of(bot, user.id)
    assert len(reports) == 1
    assert await draft_of(bot, user.id) is None
    assert reports[0].reference in (user.last_alert or "")
    async with bot.db.session() as session:
        events = list((await session.execute(select(ReportEvent))).scalars())
    assert [e.action for e in events] == ["submitted"]


async def test_a_submit_whose_draft_is_gone_files_nothing_more(bot: BotHarness) -> None:
    """A press that read the draft before another press took it (SQLite: two processes; the read is
    outside the write lock) gets the report the other filed, and uses no reference number; one that
    read a draft discarded meanwhile files nothing."""
    user = await reporter(bot, 309)
    await to_summary(user)
    draft = await draft_of(bot, user.id)
    assert draft is not None
    form, now = get_form("other_security"), datetime.now(UTC)

    async def file(draft: Draft) -> str | None:
        async with bot.db.session() as session:
            account = await session.get(User, user.id)
            assert account is not None
            return await file_report(session, form, account, draft, now, 1999)

    first, second = await file(draft), await file(draft)
    assert first == second == "R-1999-000001"
    assert len(await reports_of(bot, user.id)) == 1
    async with bot.db.session() as session:
        assert await ReportRepository(session).next_number(1999) == 2  # no number skipped
    await to_summary(user)
    discarded = await draft_of(bot, user.id)
    assert discarded is not None
    await user.send("/wipe")  # discards the draft
    assert await file(discarded) is None
    assert len(await reports_of(bot, user.id)) == 1


async def test_references_are_sequential_per_year(bot: BotHarness) -> None:
    year = datetime.now(UTC).astimezone(bot.settings.tz).year
    for n, uid in enumerate((306, 307), start=1):
        user = await reporter(bot, uid)
        await to_summary(user)
        await press(user, action_prefix(ReportAction.SUBMIT))
        [report] = await reports_of(bot, uid)
        assert report.reference == f"R-{year}-{n:06d}"


async def test_concurrent_numbering_is_gap_free(db: Database) -> None:
    async def one() -> int:
        async with db.session() as session:
            return await ReportRepository(session).next_number(1999)

    numbers = await asyncio.gather(*(one() for _ in range(8)))
    assert sorted(numbers) == list(range(1, 9))


async def test_wipe_deletes_both_sides_and_the_draft(bot: BotHarness) -> None:
    user = await reporter(bot, 308)
    await user.send("/help")
    await start_report(user, "other_security")
    await choose(user, ReportAction.DAY, "occurred_on", "0")
    await user.send("typed text")
    await user.send("/wipe")
    messages = bot.emulator.state.messages[user.id]
    *wiped, confirmation = messages
    assert all(m.deleted for m in wiped) and len(wiped) >= 6
    assert any(not m.from_bot for m in wiped) and any(m.from_bot for m in wiped)
    assert confirmation.from_bot and not confirmation.deleted
    assert await draft_of(bot, user.id) is None
    async with bot.db.session() as session:
        logged = list((await session.execute(select(col(ChatMessage.message_id)))).scalars())
    assert logged == [confirmation.message_id]


async def test_wipe_after_submit_keeps_only_the_confirmation(bot: BotHarness) -> None:
    user = await reporter(bot, 309)
    await user.send("/help")
    before = [m.message_id for m in bot.emulator.state.messages[user.id]]
    await to_summary(user)
    await press(user, action_prefix(ReportAction.SUBMIT))
    [report] = await reports_of(bot, user.id)
    visible = [m for m in bot.emulator.state.messages[user.id] if not m.deleted]
    assert [m.message_id for m in visible[:-1]] == before  # what came before /report stays
    assert visible[-1].from_bot and report.reference in (visible[-1].text or "")


async def test_settings_turns_wipe_after_submit_off(bot: BotHarness) -> None:
    user = await reporter(bot, 310)
    await user.send("/settings")
    await press(user, WipeSetting(False).pack())
    async with bot.db.session() as session:
        account = await session.get(User, user.id)
        assert account is not None and account.wipe_after_submit is False
    await to_summary(user)
    await press(user, action_prefix(ReportAction.SUBMIT))
    assert not any(m.deleted for m in bot.emulator.state.messages[user.id])
    await user.send("/settings")
    await press(user, WipeSetting(True).pack())
    async with bot.db.session() as session:
        account = await session.get(User, user.id)
        assert account is not None and account.wipe_after_submit is True
    await user.press_data("set:wipe:7")  # forged value: refused, setting unchanged
    async with bot.db.session() as session:
        account = await session.get(User, user.id)
        assert account is not None and account.wipe_after_submit is True


async def test_myreports_lists_own_reports_only(bot: BotHarness) -> None:
    user = await reporter(bot, 311)
    other = await reporter(bot, 312)
    for _ in range(2):
        await to_summary(user)
        await press(user, action_prefix(ReportAction.SUBMIT))
    await to_summary(other)
    await press(other, action_prefix(ReportAction.SUBMIT))
    await user.send("/myreports")
    mine = await reports_of(bot, user.id)
    theirs = await reports_of(bot, other.id)
    assert all(r.reference in user.last_text for r in mine)
    assert theirs[0].reference not in user.last_text


async def test_finish_helper_used_by_flows(bot: BotHarness) -> None:
    user = await reporter(bot, 314)
    await opening(user, "other_security")
    await pick(user, "other_security", "incident_type", "threat")
    await pick(user, "other_security", "aid_workers_affected", "unknown")
    await choose(user, ReportAction.UNKNOWN, "killed")
    await choose(user, ReportAction.UNKNOWN, "injured")
    await finish(user, "other_security")
    [report] = await reports_of(bot, user.id)
    assert report.killed is None and report.answers["killed"] == "unknown"


async def test_answers_sent_in_a_rush_are_applied_in_order(bot: BotHarness) -> None:
    """On a poor connection several messages arrive together: one chat's updates are handled one
    after another, in order, so each answer lands on its own question."""
    user = await reporter(bot, 130)
    await opening(user, "other_security", day="1", place_at=("AF13", "Jani Khail"))
    await pick(user, "other_security", "incident_type", "abduction")
    await pick(user, "other_security", "aid_workers_affected", "yes")
    state = bot.emulator.state
    queued = [state.send_text(user.id, text) for text in ("0", "2", "Two staff were taken at a checkpoint.")]
    await asyncio.gather(*(bot.process(update_id) for update_id in queued))
    draft = await draft_of(bot, user.id)
    assert draft is not None
    assert (draft.answers["killed"], draft.answers["injured"]) == (0, 2)
    assert draft.answers["description"] == "Two staff were taken at a checkpoint."
