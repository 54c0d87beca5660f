"""The review queue through the emulator: cards, approve, reject, needs-info round trip, merge,
edit, sensitive answers, the audit trail and the reporter's notices."""

from __future__ import annotations

from sqlalchemy import select

from bot.forms.actions import ReportAction
from bot.moderation import ANSWER_PREFIX, REASON_PREFIX
from storage.models import PendingInput
from tests.harness import BotHarness
from tests.moderation_support import (
    events_of,
    load_report,
    make_report,
    notices,
    reply,
)

MODERATOR_ID, REPORTER_ID = 7345, 10


async def test_pending_shows_oldest_card_with_answers_and_possible_duplicates(
    relaxed_bot: BotHarness,
) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    first = await make_report(relaxed_bot.db, REPORTER_ID)
    second = await make_report(relaxed_bot.db, REPORTER_ID, description="Second account of the same clash.")
    await make_report(relaxed_bot.db, REPORTER_ID, district="AF0102")  # other district: not a duplicate
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    text = moderator.last_text
    assert f"Report {first.reference}" in text
    assert "Armed men stopped the vaccination team at the clinic gate." in text  # free text as written
    assert "Kabul" in text and "Source: I saw it myself" in text  # answers rendered by the engine
    assert f"Possible duplicates (same district and category within 48 hours): {second.reference}" in text
    assert moderator.buttons == [
        "Approve",
        "Reject",
        "Ask the reporter",
        "Duplicate of",
        "Edit an answer",
        "Hide sensitive answers",
        "Skip",
    ]
    await moderator.press("Skip")
    assert f"Report {second.reference}" in moderator.last_text


async def test_audit_trail_from_submission_to_approval(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    moderator = await relaxed_bot.user(MODERATOR_ID, "Moderator Name", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Approve")
    assert moderator.buttons == ["Confirmed", "Probable", "Possible", "Back"]
    await moderator.press("Probable")
    await moderator.press("Urgent")
    assert moderator.last_text == f"Report {report.reference} approved as urgent. Certainty: Probable."

    stored = await load_report(relaxed_bot.db, report.id)
    assert (stored.status, stored.certainty, stored.urgent) == ("approved", "probable", True)
    assert stored.approved_at is not None and stored.version == 1

    events = await events_of(relaxed_bot.db, report.id)
    assert [(e.action, e.actor_id) for e in events] == [
        ("submitted", REPORTER_ID),
        ("approved", MODERATOR_ID),
    ]
    assert events[1].before["status"] == "pending" and events[1].after["status"] == "approved"
    assert events[1].after["certainty"] == "probable" and events[1].after["urgent"] is True

    [notice] = await notices(relaxed_bot.db, REPORTER_ID)
    assert notice.key == f"notice:{report.id}:{events[1].id}" and notice.kind == "notice"
    assert report.reference in notice.text and "approved" in notice.text
    assert "Moderator Name" not in notice.text and str(MODERATOR_ID) not in notice.text

    admin = await relaxed_bot.user(1, "Admin", role="admin")
    await admin.send(f"/history {report.reference}")
    lines = admin.last_text.splitlines()
    assert lines[0] == f"History of report {report.reference}:"
    assert "submitted" in lines[1] and "approved" in lines[2] and "Certainty: — → Probable" in lines[2]
    await moderator.send(f"/history {report.reference}")
    assert moderator.last_text == "You don't have permission to do that."


async def test_reject_with_preset_or_typed_reason(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter", language="fa_AF")
    first = await make_report(relaxed_bot.db, REPORTER_ID)
    second = await make_report(relaxed_bot.db, REPORTER_ID, district="AF0102")
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Reject")
    await moderator.press("Sent by mistake")
    assert "rejected" in moderator.last_text
    assert (await load_report(relaxed_bot.db, first.id)).status == "rejected"

    await moderator.press("Next report")
    await moderator.press("Reject")
    await moderator.press("Other reason")
    assert moderator.last_text.startswith("✍️")
    await reply(moderator, "Location does not match the description.")
    assert "rejected" in moderator.last_text
    events = await events_of(relaxed_bot.db, second.id)
    assert events[-1].action == "rejected" and events[-1].note == "Location does not match the description."
    texts = [n.text for n in await notices(relaxed_bot.db, REPORTER_ID)]
    assert len(texts) == 2
    # Rendered in the reporter's language: Dari wraps the Latin reference in isolates.
    assert all("\u2068" in t for t in texts)
    # A typed reason stays in the bot: the notice links to it, and only the reporter can open it.
    assert "Location does not match the description." not in texts[1]
    assert f"?start={REASON_PREFIX}{second.reference}" in texts[1]
    reporter = await relaxed_bot.user(REPORTER_ID, "Field", language_code="fa")
    await reporter.send(f"/start {REASON_PREFIX}{second.reference}")
    assert "Location does not match the description" in reporter.last_text
    await moderator.send(f"/start {REASON_PREFIX}{second.reference}")
    assert "Location does not match the description." not in moderator.last_text


async def test_needs_info_round_trip(relaxed_bot: BotHarness) -> None:
    reporter = await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Ask the reporter")
    await reply(moderator, "Was anyone from the vaccination team hurt?")
    assert "was sent to the reporter" in moderator.last_text
    assert (await load_report(relaxed_bot.db, report.id)).status == "needs_info"
    await moderator.send("/pending")
    assert moderator.last_text == "No reports are waiting for review."

    [notice] = await notices(relaxed_bot.db, REPORTER_ID)
    assert "Was anyone from the vaccination team hurt?" not in notice.text  # shown by the link
    link = f"?start={ANSWER_PREFIX}{report.reference}"
    assert link in notice.text and "Mod" not in notice.text

    # The reporter follows the link (Telegram sends /start with the parameter) and replies.
    await reporter.send(f"/start {ANSWER_PREFIX}{report.reference}")
    assert "Was anyone from the vaccination team hurt?" in reporter.last_text
    await reply(reporter, "Two vaccinators had minor injuries.")
    assert "back with the reviewers" in reporter.last_text
    stored = await load_report(relaxed_bot.db, report.id)
    assert stored.status == "pending"
    events = await events_of(relaxed_bot.db, report.id)
    assert [e.action for e in events] == ["submitted", "needs_info", "info_answered"]
    assert events[-1].actor_id == REPORTER_ID and events[-1].note == "Two vaccinators had minor injuries."

    # Back in the queue, with the exchange on the card.
    await moderator.send("/pending")
    assert "Question to the reporter: Was anyone from the vaccination team hurt?" in moderator.last_text
    assert "Reporter's answer: Two vaccinators had minor injuries." in moderator.last_text

    # Replaying the reply, or opening the link again, changes nothing.
    await reply(reporter, "again")
    assert "already answered" in reporter.last_text
    await reporter.send(f"/start {ANSWER_PREFIX}{report.reference}")
    assert "no longer needs an answer" in reporter.last_text
    assert len(await events_of(relaxed_bot.db, report.id)) == 3


async def test_answer_link_of_someone_elses_report_is_refused(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    other = await relaxed_bot.user(11, "Other", role="reporter")
    await other.send(f"/start {ANSWER_PREFIX}{report.reference}")
    assert "not valid for you" in other.last_text
    async with relaxed_bot.db.session() as session:
        assert (await session.execute(select(PendingInput))).first() is None


async def test_merge_counts_corroborations(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    kept = await make_report(relaxed_bot.db, REPORTER_ID)
    dup1 = await make_report(relaxed_bot.db, REPORTER_ID)
    dup2 = await make_report(relaxed_bot.db, REPORTER_ID, district="AF0102")
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Skip")  # to dup1
    await moderator.press("Duplicate of")
    await moderator.press(f"Duplicate of {kept.reference}")
    assert "merged" in moderator.last_text

    await moderator.press("Next report")  # kept is first in the queue
    await moderator.press("Skip")  # dup2
    assert dup2.reference in moderator.last_text
    await moderator.press("Duplicate of")
    await moderator.press("Type a reference")
    await reply(moderator, dup2.reference)
    assert "cannot be a duplicate of itself" in moderator.replies[-2].text  # type: ignore[operator]
    await reply(moderator, kept.reference.lower())
    assert "merged" in moderator.last_text

    stored = await load_report(relaxed_bot.db, kept.id)
    assert stored.corroborations == 2 and stored.status == "pending"
    for dup in (dup1, dup2):
        merged = await load_report(relaxed_bot.db, dup.id)
        assert (merged.status, merged.merged_into_id) == ("merged", kept.id)
    assert [e.action for e in await events_of(relaxed_bot.db, kept.id)] == [
        "submitted",
        "corroborated",
        "corroborated",
    ]
    await moderator.send("/pending")
    assert "Corroborated by 2 other reports." in moderator.last_text
    assert len(await notices(relaxed_bot.db, REPORTER_ID)) == 2


async def test_edit_answer_uses_the_form_validation(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Edit an answer")
    await moderator.press("Injured", exact=True)
    await reply(moderator, "many")
    assert moderator.replies[-2].text == "Please type a number, for example 3."
    await reply(moderator, "۳")  # Persian digits, as a Dari-speaking moderator types them
    stored = await load_report(relaxed_bot.db, report.id)
    assert stored.answers["injured"] == 3 and stored.injured == 3
    edit = (await events_of(relaxed_bot.db, report.id))[-1]
    assert (edit.action, edit.before, edit.after) == ("edited", {"injured": 2}, {"injured": 3})

    await moderator.press("Edit an answer")
    await moderator.press("Source")
    await moderator.press("Official")
    assert (await load_report(relaxed_bot.db, report.id)).answers["source_type"] == "official"


async def test_edit_place_by_name_or_p_code(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID, district="AF0101")
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Edit an answer")
    await moderator.press("District", exact=True)
    assert moderator.last_text.endswith("District is now: Kabul (Kabul). Type the place name or its P-code.")
    await reply(moderator, "Jani Khail")  # two districts of that name, in a common spelling
    assert moderator.replies[-2].text == (
        "Several places match:\nJani Khel (Paktika) AF1209\nJani Khel (Paktya) AF1309\n"
        "Type the P-code of the one you mean."
    )
    await reply(moderator, "af1309")
    stored = await load_report(relaxed_bot.db, report.id)
    # The province follows the district, in the answers and in the columns digests and exports read.
    assert (stored.answers["province"], stored.answers["district"]) == ("AF13", "AF1309")
    assert (stored.province_pcode, stored.district_pcode) == ("AF13", "AF1309")
    edit = (await events_of(relaxed_bot.db, report.id))[-1]
    assert (edit.before, edit.after) == (
        {"province": "AF01", "district": "AF0101"},
        {"province": "AF13", "district": "AF1309"},
    )

    await moderator.press("Edit an answer")
    await moderator.press("Province", exact=True)
    await reply(moderator, "Kabul")
    assert moderator.replies[-2].text == (
        "Jani Khel (Paktya) is not in Kabul. Change the district instead: its province follows."
    )
    await reply(moderator, "Atlantis")
    assert moderator.replies[-2].text == (
        "No place of that name was found. Try another spelling, or type its P-code."
    )
    assert (await load_report(relaxed_bot.db, report.id)).province_pcode == "AF13"

    await moderator.press("District", exact=True)  # the menu of answers is still there
    await reply(moderator, "پغمان")  # names match in Dari and Pashto too
    stored = await load_report(relaxed_bot.db, report.id)
    assert (stored.province_pcode, stored.district_pcode) == ("AF01", "AF0102")


async def test_edit_crossing_moves_the_report_with_it(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    answers = {
        "occurred_on": "2026-11-20",
        "crossing": "BCP-PAK-TKH",
        "status": "closed",
        "direction": "both",
        "goods_blocked": "goods",
        "killed": 0,
        "injured": 0,
        "source_type": "official",
    }
    report = await make_report(relaxed_bot.db, REPORTER_ID, category="border_crossing", answers=answers)
    assert (report.province_pcode, report.district_pcode) == ("AF06", "AF0617")
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Edit an answer")
    await moderator.press("Crossing", exact=True)
    await moderator.press("Spin Boldak")
    stored = await load_report(relaxed_bot.db, report.id)
    # Digests and exports filter on these columns: they follow the crossing's place.
    assert (stored.province_pcode, stored.district_pcode) == ("AF27", "AF2711")


async def test_mark_sensitive(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Hide sensitive answers")
    await moderator.press("Description")
    assert "🔒 Description" in moderator.buttons
    await moderator.press("Done")
    assert "Withheld from digests and exports: Description" in moderator.last_text
    stored = await load_report(relaxed_bot.db, report.id)
    assert stored.sensitive_fields == ["description"] and stored.status == "pending"
    assert (await events_of(relaxed_bot.db, report.id))[-1].action == "sensitive"


async def test_audit_trail_of_a_report_filed_through_the_bot(relaxed_bot: BotHarness) -> None:
    from tests.report_helpers import choose, finish, pick, place, reporter, reports_of, start_report

    field = await reporter(relaxed_bot, 106)
    await start_report(field, "control_change")
    await field.send("2026-11-20")
    await choose(field, ReportAction.SKIP, "time_of_day")
    await place(field, "AF30", "Nahr-i-Saraj")
    await choose(field, ReportAction.SKIP, "place_name")
    await choose(field, ReportAction.SKIP, "location")
    await pick(field, "control_change", "site_type", "checkpoint")
    await field.send("Group A")
    await choose(field, ReportAction.SKIP, "new_control")
    await pick(field, "control_change", "fighting", "no")
    await field.send("0")
    await field.send("1")
    await finish(field, "control_change")
    [report] = await reports_of(relaxed_bot, field.id)

    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    assert f"Report {report.reference}" in moderator.last_text and "Group A" in moderator.last_text
    await moderator.press("Approve")
    await moderator.press("Confirmed")
    await moderator.press("Not urgent")

    admin = await relaxed_bot.user(1, "Admin", role="admin")
    await admin.send(f"/history {report.reference}")
    lines = admin.last_text.splitlines()
    assert len(lines) == 3
    assert "reporter: submitted" in lines[1] and "106" not in lines[1]  # never the Telegram id
    assert f"user {MODERATOR_ID}: approved" in lines[2] and "Status: pending review → approved" in lines[2]
    [notice] = await notices(relaxed_bot.db, field.id)
    assert report.reference in notice.text


async def test_needs_info_round_trip_in_dari_and_pashto(relaxed_bot: BotHarness) -> None:
    """The prompts are recognised whatever direction marks right-to-left sending adds."""
    reporter = await relaxed_bot.user(REPORTER_ID, "Field", "ps", role="reporter", language="ps")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", "fa", role="moderator", language="fa_AF")
    await moderator.send("/pending")
    data, message_id = next(
        (b["callback_data"], m.message_id)
        for m in reversed(moderator.replies)
        for row in m.buttons
        for b in row
        if b["callback_data"].startswith("mod:ni:")
    )
    await moderator.press_data(data, message_id)
    await reply(moderator, "آیا کسی زخمی شد؟")
    assert (await load_report(relaxed_bot.db, report.id)).status == "needs_info"
    [notice] = await notices(relaxed_bot.db, REPORTER_ID)
    assert "آیا کسی زخمی شد؟" not in notice.text and "\u2068" in notice.text  # rendered for Pashto
    await reporter.send(f"/start {ANSWER_PREFIX}{report.reference}")
    assert "آیا کسی زخمی شد؟" in reporter.last_text  # the link shows the question
    await reply(reporter, "هو، دوه کسان.")
    stored = await load_report(relaxed_bot.db, report.id)
    assert stored.status == "pending"
    assert (await events_of(relaxed_bot.db, report.id))[-1].note == "هو، دوه کسان."


async def test_card_stays_under_telegrams_limit(relaxed_bot: BotHarness) -> None:
    from datetime import UTC, datetime

    from bot import moderation

    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID, description="d" * 2000)
    assert report.id is not None
    for n in range(4):
        async with relaxed_bot.db.session() as session:
            asked = await moderation.ask_info(
                session,
                report_id=report.id,
                version=2 * n,
                actor_id=MODERATOR_ID,
                question="q" * 2000,
                bot_username="khabar_sandbox_bot",
                now=datetime.now(UTC),
            )
            assert asked.done
            answered = await moderation.answer_info(
                session,
                report_id=report.id,
                reporter_id=REPORTER_ID,
                answer="a" * 2000,
                now=datetime.now(UTC),
            )
            assert answered.done
    moderator = await relaxed_bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    assert moderator.last_text.startswith(f"Report {report.reference}") and len(moderator.last_text) <= 4096
    assert "Approve" in moderator.buttons


async def test_long_history_is_split_not_cut(relaxed_bot: BotHarness) -> None:
    from datetime import UTC, datetime

    from bot import moderation

    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    assert report.id is not None
    for n in range(12):
        async with relaxed_bot.db.session() as session:
            await moderation.ask_info(
                session,
                report_id=report.id,
                version=2 * n,
                actor_id=MODERATOR_ID,
                question=f"question {n} " + "q" * 1500,
                bot_username="khabar_sandbox_bot",
                now=datetime.now(UTC),
            )
            await moderation.answer_info(
                session,
                report_id=report.id,
                reporter_id=REPORTER_ID,
                answer="a" * 1500,
                now=datetime.now(UTC),
            )
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    await admin.send(f"/history {report.reference}")
    texts = [m.text or "" for m in admin.replies]
    assert len(texts) > 1 and all(len(t) <= 4096 for t in texts)
    assert sum(t.count("question to the reporter") for t in texts) == 12
    assert "question 11" in texts[-1]
