"""SQL of the retention policy and of erasing one person; the rules (periods, pseudonyms) are in
`bot/retention.py`. Every function is part of the caller's transaction and returns a row count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import (
    ChatMessage,
    Delivery,
    Draft,
    InviteAttempt,
    ModeratorAlert,
    Outbox,
    PendingInput,
    Report,
    ReportEvent,
    SeenUpdate,
    Subscription,
    SubscriptionDraft,
    User,
)

CLOSED = ("approved", "rejected", "merged")
Pseudonym = Callable[[int], str]


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def idle_drafts(session: AsyncSession, before: datetime) -> int:
    n = _count(await session.execute(delete(Draft).where(col(Draft.updated_at) < before)))
    stmt = delete(SubscriptionDraft).where(col(SubscriptionDraft.updated_at) < before)
    return n + _count(await session.execute(stmt))


async def technical(session: AsyncSession, before: datetime) -> int:
    """Replay guard and invite cool-down rows: needed for hours, not kept for longer."""
    n = _count(await session.execute(delete(SeenUpdate).where(col(SeenUpdate.at) < before)))
    return n + _count(await session.execute(delete(InviteAttempt).where(col(InviteAttempt.at) < before)))


async def sent_text(session: AsyncSession, before: datetime) -> int:
    """Blank the text of notices, digests and alerts delivered (or given up) before `before`, and
    forget their delivery attempts. The rows stay: their keys keep a message from being queued twice."""
    done = col(Outbox.status).in_(("sent", "failed"))
    old = func.coalesce(col(Outbox.sent_at), col(Outbox.created_at)) < before
    n = _count(
        await session.execute(
            update(Outbox).where(done, old, col(Outbox.text) != "").values(text="", error=None)
        )
    )
    return n + _count(await session.execute(delete(Delivery).where(col(Delivery.at) < before)))


async def strangers(session: AsyncSession, before: datetime) -> int:
    """People who never had access (no invite, never revoked) and have not written since `before`."""
    last_seen = func.coalesce(col(User.refused_at), col(User.created_at))
    stmt = select(col(User.id)).where(
        col(User.role) == "stranger",
        col(User.invite_id).is_(None),
        col(User.revoked_at).is_(None),
        last_seen < before,
        ~select(col(Report.id)).where(col(Report.reporter_id) == col(User.id)).exists(),
    )
    ids = list((await session.execute(stmt)).scalars())
    for user_id in ids:
        await forget_person(session, user_id)
    return len(ids)


async def pseudonymise_closed(session: AsyncSession, before: datetime, name: Pseudonym) -> int:
    """Closed reports last changed before `before` lose their reporter's and actors' ids."""
    stmt = select(Report).where(
        col(Report.status).in_(CLOSED), col(Report.updated_at) < before, col(Report.reporter_id).is_not(None)
    )
    reports = list((await session.execute(stmt)).scalars())
    for report in reports:
        assert report.id is not None and report.reporter_id is not None
        await _unlink_report(session, report.id, report.reporter_id, name, all_actors=True)
    return len(reports)


async def _unlink_report(
    session: AsyncSession, report_id: int, reporter_id: int, name: Pseudonym, *, all_actors: bool
) -> None:
    await session.execute(
        update(Report)
        .where(col(Report.id) == report_id)
        .values(reporter_id=None, reporter_pseudonym=name(reporter_id))
    )
    events = select(ReportEvent).where(
        col(ReportEvent.report_id) == report_id, col(ReportEvent.actor_id).is_not(None)
    )
    if not all_actors:
        events = events.where(col(ReportEvent.actor_id) == reporter_id)
    for event in (await session.execute(events)).scalars():
        assert event.actor_id is not None
        event.actor_pseudonym, event.actor_id = name(event.actor_id), None
        session.add(event)


async def unlink_reports(session: AsyncSession, user_id: int, name: Pseudonym) -> int:
    """Erasure: every report of `user_id` keeps its facts under a pseudonym; so do their actions
    as a moderator (the audit trail stays checkable by whoever holds the key)."""
    stmt = select(col(Report.id)).where(col(Report.reporter_id) == user_id)
    report_ids = list((await session.execute(stmt)).scalars())
    for report_id in report_ids:
        await _unlink_report(session, report_id or 0, user_id, name, all_actors=False)
    await session.execute(
        update(ReportEvent)
        .where(col(ReportEvent.actor_id) == user_id)
        .values(actor_id=None, actor_pseudonym=name(user_id))
    )
    return len(report_ids)


async def forget_person(session: AsyncSession, user_id: int) -> dict[str, int]:
    """Delete what is kept about one person apart from reports: drafts, chat log, subscriptions and
    the messages queued or sent to them, prompts, cool-down rows and the account itself.
    Returns counts (what was deleted, never the data)."""
    counts: dict[str, int] = {}
    outbox_ids = select(col(Outbox.id)).where(col(Outbox.chat_id) == user_id).scalar_subquery()
    await session.execute(delete(Delivery).where(col(Delivery.outbox_id).in_(outbox_ids)))
    await session.execute(delete(Delivery).where(col(Delivery.chat_id) == user_id))
    counts["messages"] = _count(await session.execute(delete(Outbox).where(col(Outbox.chat_id) == user_id)))
    await session.execute(delete(SubscriptionDraft).where(col(SubscriptionDraft.user_id) == user_id))
    subs = select(col(Subscription.id)).where(col(Subscription.user_id) == user_id).scalar_subquery()
    await session.execute(
        update(Outbox).where(col(Outbox.subscription_id).in_(subs)).values(subscription_id=None)
    )
    counts["subscriptions"] = _count(
        await session.execute(delete(Subscription).where(col(Subscription.user_id) == user_id))
    )
    counts["drafts"] = _count(await session.execute(delete(Draft).where(col(Draft.user_id) == user_id)))
    counts["chat_log"] = _count(
        await session.execute(delete(ChatMessage).where(col(ChatMessage.chat_id) == user_id))
    )
    await session.execute(delete(PendingInput).where(col(PendingInput.chat_id) == user_id))
    await session.execute(delete(ModeratorAlert).where(col(ModeratorAlert.user_id) == user_id))
    await session.execute(delete(InviteAttempt).where(col(InviteAttempt.user_id) == user_id))
    await session.execute(delete(User).where(col(User.id) == user_id))
    return counts


async def rename_target(session: AsyncSession, old: str, new: str) -> int:
    """Audit rows about a person name them by pseudonym once the person is erased."""
    from storage.models import AdminEvent

    stmt = update(AdminEvent).where(col(AdminEvent.target) == old).values(target=new)
    return _count(await session.execute(stmt))
