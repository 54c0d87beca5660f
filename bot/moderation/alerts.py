"""Moderators' alerts: how many reports are waiting, at most once per interval."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import ngettext, use_locale
from bot.localize import format_number
from bot.roles import Role
from domain.vocabulary import OutboxKind
from storage import outbox
from storage.models import ModeratorAlert
from storage.review import ReviewRepository

ALERT_INTERVAL = timedelta(minutes=5)
REVIEWER_ROLES = (Role.MODERATOR.value, Role.ADMIN.value)


async def announce_new_reports(session: AsyncSession, now: datetime) -> int:
    """Tell each active moderator how many reports arrived since their last alert, at most once per
    `ALERT_INTERVAL`; returns the number of alerts queued. Safe to run from several instances: the
    outbox key makes a second alert for the same newest report a no-op."""
    repo = ReviewRepository(session)
    newest = await repo.newest_pending_id()
    if newest == 0:
        return 0
    sent = 0
    for reviewer in await repo.active_reviewers(REVIEWER_ROLES):
        state = await repo.alert_state(reviewer.id)
        if state is not None and now - state.last_sent_at < ALERT_INTERVAL:
            continue
        count = await repo.count_pending(after_id=state.last_report_id if state else 0)
        if count == 0:
            continue
        with use_locale(reviewer.language):
            text = ngettext(
                "{n} new report is waiting for review. Send /pending to see it.",
                "{n} new reports are waiting for review. Send /pending to see them.",
                count,
            ).format(n=format_number(count))
        if await outbox.enqueue(
            session,
            key=f"review-alert:{reviewer.id}:{newest}",
            chat_id=reviewer.id,
            kind=OutboxKind.NOTICE,
            text=text,
        ):
            sent += 1
        state = state or ModeratorAlert(user_id=reviewer.id, last_sent_at=now)
        state.last_sent_at, state.last_report_id = now, newest
        await repo.save_alert_state(state)
    return sent
