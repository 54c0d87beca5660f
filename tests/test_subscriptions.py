"""Subscriptions: the /subscribe wizard, /subscriptions management, the schedule (Asia/Kabul,
UTC+04:30), due digests, downtime catch-up, urgent alerts and /digest_now."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.scheduler import due_digests, scan_alerts, send_now
from bot.subscriptions import WizardAction, due_period, latest_boundary, next_boundary
from handlers.callbacks import SubscriptionStep
from storage.models import Subscription, SubscriptionDraft
from tests.delivery_support import (
    KABUL,
    add_report,
    add_subscribers,
    get_sub,
    hours,
    outbox_rows,
    utc,
)
from tests.harness import BotHarness


async def _subs(bot: BotHarness, user_id: int) -> list[Subscription]:
    async with bot.db.session() as session:
        stmt = select(Subscription).where(Subscription.user_id == user_id)  # type: ignore[arg-type]
        return list((await session.execute(stmt)).scalars())


# --- the wizard ------------------------------------------------------------------------------------


async def test_wizard_creates_weekly_subscription_and_survives_restart(relaxed_bot: BotHarness) -> None:
    user = await relaxed_bot.user(201, "Coord", "en", role="coordinator")
    await user.send("/subscribe")
    assert user.buttons[:2] == ["Daily", "Weekly"]
    await user.press("Weekly")
    assert user.buttons[:2] == ["Saturday", "Sunday"]  # the Afghan week starts on Saturday
    await user.press("Saturday")
    await user.press("07:00")
    assert "Selected: 0" in user.last_text
    await user.press("Badakhshan")
    await user.press("Next ›")
    await user.press("Kabul")
    assert "Selected: 2" in user.last_text
    # The wizard lives in the database: a restart in the middle loses nothing.
    await relaxed_bot.restart()
    await user.press("Done")
    await user.press("Attack on health care")
    assert "✓ Attack on health care" in user.buttons
    await user.press("Done")
    await user.press("Confirmed and probable")
    await user.press("No")  # no "nothing new" digests
    await user.press("Yes")  # urgent alerts
    assert "Subscription saved." in user.last_text
    assert "Weekly: Saturday, 07:00" in user.last_text
    assert "Badakhshan, Kabul" in user.last_text or "Kabul, Badakhshan" in user.last_text
    [sub] = await _subs(relaxed_bot, 201)
    assert (sub.frequency, sub.weekday, sub.hour, sub.timezone) == ("weekly", 5, 7, KABUL)
    assert sorted(sub.provinces) == ["AF01", "AF17"]
    assert sub.categories == ["health_attack"]
    assert (sub.min_certainty, sub.send_empty, sub.alerts, sub.status) == ("probable", False, True, "active")
    # The first period starts at the last boundary before subscribing, never earlier.
    assert sub.last_period_end is not None
    assert next_boundary(sub, sub.last_period_end) > sub.created_at
    # A second press on the last button (or a replayed update) saves nothing more, and says the
    # setup has ended rather than asking to start again (issue 18: a lost reply is resent).
    await user.press_data(SubscriptionStep(WizardAction.ALERTS, "1").pack())
    assert "already ended" in (user.last_alert or "")
    assert len(await _subs(relaxed_bot, 201)) == 1


async def test_wizard_refuses_reporters_and_forged_or_stale_buttons(relaxed_bot: BotHarness) -> None:
    reporter = await relaxed_bot.user(202, "Rep", "en", role="reporter")
    await reporter.send("/subscribe")
    assert "permission" in reporter.last_text
    await reporter.press_data(SubscriptionStep(WizardAction.FREQUENCY, "d").pack())
    assert "permission" in (reporter.last_alert or "")

    user = await relaxed_bot.user(203, "Coord", "en", role="coordinator")
    await user.press_data(SubscriptionStep(WizardAction.FREQUENCY, "d").pack())  # no wizard running
    assert "no longer valid" in (user.last_alert or "")
    await user.send("/subscribe")
    await user.press_data(
        SubscriptionStep(WizardAction.HOUR, "7").pack()
    )  # a step that is not the current one
    assert "no longer valid" in (user.last_alert or "")
    await user.press("Daily")
    await user.press_data(SubscriptionStep(WizardAction.HOUR, "99").pack())  # out of range
    assert "no longer valid" in (user.last_alert or "")
    await user.press("23:00")
    await user.press_data(SubscriptionStep(WizardAction.PROVINCE, "XX99").pack())  # not a province
    assert "no longer valid" in (user.last_alert or "")
    await user.press("Cancel")
    assert "Nothing was saved" in user.last_text
    async with relaxed_bot.db.session() as session:
        assert await session.get(SubscriptionDraft, 203) is None
    assert await _subs(relaxed_bot, 203) == []


async def test_list_pause_resume_edit_delete_with_ownership(relaxed_bot: BotHarness) -> None:
    now = utc(2026, 3, 10, 12)
    owner = await relaxed_bot.user(10_000, "Owner", "en", role="coordinator")
    [sub] = await add_subscribers(relaxed_bot, 1, last_period_end=now - timedelta(days=5), hour=7)
    other = await relaxed_bot.user(205, "Other", "en", role="coordinator")

    await owner.send("/subscriptions")
    assert f"Subscription #{sub.id} (active)" in owner.last_text
    assert owner.buttons == ["Edit", "Pause", "Delete"]
    # Someone else's subscription: every button is refused.
    for action in ("pause", "resume", "edit", "del", "delok", "keep"):
        await other.press_data(f"sub:{action}:{sub.id}")
        assert "no longer valid" in (other.last_alert or ""), action
    assert (await get_sub(relaxed_bot.db, sub.id or 0)).status == "active"

    await owner.press("Pause")
    assert (await get_sub(relaxed_bot.db, sub.id or 0)).status == "paused"
    assert "Resume" in owner.buttons
    await owner.press("Resume")
    resumed = await get_sub(relaxed_bot.db, sub.id or 0)
    assert resumed.status == "active"
    # Resuming gives no backlog: the schedule restarts from the last boundary.
    assert resumed.last_period_end is not None and resumed.last_period_end > now

    await owner.press("Edit")
    await owner.press("Daily")
    await owner.press("18:00")
    await owner.press("All provinces")
    await owner.press("All categories")
    await owner.press("Confirmed only")
    await owner.press("Yes")
    await owner.press("No")
    assert "Subscription updated." in owner.last_text
    edited = await get_sub(relaxed_bot.db, sub.id or 0)
    assert (edited.hour, edited.min_certainty, edited.send_empty, edited.alerts) == (
        18,
        "confirmed",
        True,
        False,
    )

    await owner.send("/subscriptions")
    await owner.press("Delete")
    assert "Delete this subscription?" in owner.last_text
    await owner.press("Yes, delete")
    assert "deleted" in owner.last_text
    assert (await get_sub(relaxed_bot.db, sub.id or 0)).status == "deleted"
    await owner.send("/subscriptions")
    assert "no subscriptions" in owner.last_text


# --- the schedule ----------------------------------------------------------------------------------


def test_daily_boundaries_in_kabul() -> None:
    sub = Subscription(user_id=1, frequency="daily", hour=7, timezone=KABUL)
    # 07:00 in Kabul is 02:30 UTC.
    assert latest_boundary(sub, utc(2026, 3, 10, 2, 29)) == utc(2026, 3, 9, 2, 30)
    assert latest_boundary(sub, utc(2026, 3, 10, 2, 30)) == utc(2026, 3, 10, 2, 30)
    assert next_boundary(sub, utc(2026, 3, 10, 2, 30)) == utc(2026, 3, 11, 2, 30)
    # Local midnight is 19:30 UTC the day before: the local date, not the UTC date, decides.
    midnight = Subscription(user_id=1, frequency="daily", hour=0, timezone=KABUL)
    assert latest_boundary(midnight, utc(2026, 3, 10, 19, 45)) == utc(2026, 3, 10, 19, 30)
    assert latest_boundary(midnight, utc(2026, 3, 10, 19, 15)) == utc(2026, 3, 9, 19, 30)
    assert next_boundary(midnight, utc(2026, 3, 10, 19, 15)) == utc(2026, 3, 10, 19, 30)


def test_weekly_boundaries_in_kabul() -> None:
    # Saturday 00:00 in Kabul is Friday 19:30 UTC. 2026-03-13 is a Friday.
    sub = Subscription(user_id=1, frequency="weekly", weekday=5, hour=0, timezone=KABUL)
    assert next_boundary(sub, utc(2026, 3, 13, 19, 0)) == utc(2026, 3, 13, 19, 30)
    assert next_boundary(sub, utc(2026, 3, 13, 19, 30)) == utc(2026, 3, 20, 19, 30)
    assert latest_boundary(sub, utc(2026, 3, 13, 19, 29)) == utc(2026, 3, 6, 19, 30)
    assert latest_boundary(sub, utc(2026, 3, 14, 12, 0)) == utc(2026, 3, 13, 19, 30)
    sub.last_period_end = utc(2026, 3, 6, 19, 30)
    assert due_period(sub, utc(2026, 3, 13, 19, 29)) is None
    assert due_period(sub, utc(2026, 3, 13, 19, 30)) == (utc(2026, 3, 6, 19, 30), utc(2026, 3, 13, 19, 30))


async def test_daily_digest_due_at_local_hour_once(relaxed_bot: BotHarness) -> None:
    start = utc(2026, 3, 9, 2, 30)  # 07:00 Kabul
    [sub] = await add_subscribers(relaxed_bot, 1, last_period_end=start, hour=7, timezone=KABUL)
    await add_report(relaxed_bot.db, approved_at=start + hours(3))
    await add_report(relaxed_bot.db, approved_at=start + hours(25))  # after the period: next digest

    assert (await due_digests(relaxed_bot.db, utc(2026, 3, 10, 2, 29))).digests == 0  # 06:59 Kabul
    result = await due_digests(relaxed_bot.db, utc(2026, 3, 10, 2, 30))  # 07:00 Kabul
    assert (result.digests, result.messages) == (1, 1)
    [row] = await outbox_rows(relaxed_bot.db)
    assert row.key == f"digest:{sub.id}:2026-03-10T02:30:00+00:00:1"
    assert (row.chat_id, row.kind, row.subscription_id) == (sub.user_id, "digest", sub.id)
    assert "1 approved report" in row.text and "R-2026-" in row.text
    assert (await get_sub(relaxed_bot.db, sub.id or 0)).last_period_end == utc(2026, 3, 10, 2, 30)
    # Ticking again (or after a restart) queues nothing more.
    assert (await due_digests(relaxed_bot.db, utc(2026, 3, 10, 2, 31))).digests == 0
    assert len(await outbox_rows(relaxed_bot.db)) == 1


async def test_weekly_digest_on_its_day(relaxed_bot: BotHarness) -> None:
    # Weekly on Saturday 08:00 Kabul = Saturday 03:30 UTC.
    last = utc(2026, 3, 7, 3, 30)
    [sub] = await add_subscribers(relaxed_bot, 1, last_period_end=last, frequency="weekly", weekday=5, hour=8)
    await add_report(relaxed_bot.db, approved_at=last + timedelta(days=2))
    for day in range(8, 14):  # Sunday .. Friday: nothing
        assert (await due_digests(relaxed_bot.db, utc(2026, 3, day, 12))).digests == 0
    assert (await due_digests(relaxed_bot.db, utc(2026, 3, 14, 3, 29))).digests == 0
    assert (await due_digests(relaxed_bot.db, utc(2026, 3, 14, 3, 30))).digests == 1
    [row] = await outbox_rows(relaxed_bot.db)
    assert row.key.startswith(f"digest:{sub.id}:2026-03-14T03:30:00")


async def test_downtime_caught_up_in_one_combined_digest(relaxed_bot: BotHarness) -> None:
    last = utc(2026, 3, 9, 2, 30)
    [sub] = await add_subscribers(relaxed_bot, 1, last_period_end=last, hour=7)
    for day in range(3):  # one report in each of three missed days
        await add_report(relaxed_bot.db, approved_at=last + timedelta(days=day, hours=1))
    # The bot was down for three days and comes back at 12:00 Kabul on the 12th.
    result = await due_digests(relaxed_bot.db, utc(2026, 3, 12, 7, 30))
    assert result.digests == 1
    rows = await outbox_rows(relaxed_bot.db)
    assert len(rows) == 1 and "3 approved reports" in rows[0].text
    assert "9 Mar 2026 07:00 – 12 Mar 2026 07:00" in rows[0].text
    assert (await get_sub(relaxed_bot.db, sub.id or 0)).last_period_end == utc(2026, 3, 12, 2, 30)
    assert (await due_digests(relaxed_bot.db, utc(2026, 3, 12, 8))).digests == 0


async def test_empty_period_and_paused_and_demoted(relaxed_bot: BotHarness) -> None:
    last = utc(2026, 3, 9, 2, 30)
    quiet, loud, paused, demoted = await add_subscribers(relaxed_bot, 4, last_period_end=last)
    async with relaxed_bot.db.session() as session:
        for sub, changes in (
            (loud, {"send_empty": True}),
            (paused, {"status": "paused", "send_empty": True}),
        ):
            row = await session.get(Subscription, sub.id)
            assert row is not None
            for name, value in changes.items():
                setattr(row, name, value)
        from storage.users import UserRepository

        await UserRepository(session).set_role(demoted.user_id, "reporter")
    await due_digests(relaxed_bot.db, utc(2026, 3, 10, 3))
    rows = await outbox_rows(relaxed_bot.db)
    assert [r.subscription_id for r in rows] == [loud.id]
    assert "No new approved reports" in rows[0].text
    # The quiet one's period still advanced: nothing was owed.
    assert (await get_sub(relaxed_bot.db, quiet.id or 0)).last_period_end == utc(2026, 3, 10, 2, 30)


async def test_urgent_alerts_go_once_to_matching_subscribers(relaxed_bot: BotHarness) -> None:
    now = utc(2026, 3, 10, 12)
    kabul, nangarhar, no_alerts, strict = await add_subscribers(relaxed_bot, 4, last_period_end=now)
    async with relaxed_bot.db.session() as session:
        for sub, changes in (
            (kabul, {"provinces": ["AF01"]}),
            (nangarhar, {"provinces": ["AF06"]}),
            (no_alerts, {"alerts": False}),
            (strict, {"min_certainty": "confirmed"}),
        ):
            row = await session.get(Subscription, sub.id)
            assert row is not None
            for name, value in changes.items():
                setattr(row, name, value)
    assert await scan_alerts(relaxed_bot.db, now) == 0  # first run sets the watermark
    urgent = await add_report(
        relaxed_bot.db, approved_at=now + timedelta(minutes=1), urgent=True, certainty="probable"
    )
    await add_report(relaxed_bot.db, approved_at=now + timedelta(minutes=1), urgent=False)
    await add_report(relaxed_bot.db, approved_at=now + timedelta(minutes=1), urgent=True, status="pending")
    assert await scan_alerts(relaxed_bot.db, now + timedelta(minutes=2)) == 1
    [alert] = await outbox_rows(relaxed_bot.db, "alert")
    assert alert.key == f"alert:{kabul.id}:{urgent.id}"
    assert "Urgent" in alert.text and urgent.reference in alert.text
    # Later scans (and the overlap re-scan) queue nothing twice.
    assert await scan_alerts(relaxed_bot.db, now + timedelta(minutes=3)) == 0
    assert len(await outbox_rows(relaxed_bot.db, "alert")) == 1


async def test_digest_now_for_admin_and_for_a_chosen_subscription(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(10_000, "Admin", "en", role="admin")
    coordinator = await relaxed_bot.user(10_001, "Coord", "en", role="coordinator")
    last = utc(2026, 3, 9, 2, 30)
    mine, theirs = await add_subscribers(relaxed_bot, 2, last_period_end=last)
    await add_report(relaxed_bot.db, approved_at=last + hours(1))

    await coordinator.send("/digest_now")
    assert "permission" in coordinator.last_text
    await admin.send("/digest_now")
    assert "Digest queued: 1 message" in admin.last_text
    [row] = await outbox_rows(relaxed_bot.db)
    assert (row.chat_id, row.subscription_id) == (admin.id, mine.id)
    await admin.send(f"/digest_now {theirs.id}")
    assert "Digest queued" in admin.last_text
    assert (await outbox_rows(relaxed_bot.db))[-1].chat_id == coordinator.id
    await admin.send("/digest_now 99999")
    assert "no active subscription" in admin.last_text
    await admin.send("/digest_now abc")
    assert "subscription number" in admin.last_text
    # On-demand digests leave the schedule alone.
    assert (await get_sub(relaxed_bot.db, mine.id or 0)).last_period_end == last
    async with relaxed_bot.db.session() as session:
        result = await send_now(session, utc(2026, 3, 9, 5))
    assert result.digests == 2
