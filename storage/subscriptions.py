"""Subscriptions, the /subscribe wizard's drafts, scan watermarks and the report reads digests need."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import col

from domain.vocabulary import Certainty, OutboxStatus, ReportStatus, SubscriptionStatus, UserStatus
from storage.columns import list_read
from storage.models import Outbox, Report, Subscription, SubscriptionDraft, User, Watermark, utcnow


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """A subscription as the digest and alert jobs read it: its columns, in table order."""

    id: int
    user_id: int
    frequency: str
    weekday: int | None
    hour: int
    timezone: str
    provinces: list[str]
    categories: list[str]
    min_certainty: Certainty
    send_empty: bool
    alerts: bool
    status: SubscriptionStatus
    last_period_end: datetime | None
    created_at: datetime


AnySubscription = Subscription | SubscriptionRow  # what schedules, filters and digests read
_S = Subscription.__table__.c  # type: ignore[attr-defined]
_U = User.__table__.c  # type: ignore[attr-defined]
assert tuple(c.key for c in _S) == tuple(SubscriptionRow.__dataclass_fields__)


_ACTIVE = _S.status == SubscriptionStatus.ACTIVE


def _owner_may_receive(roles: Sequence[str]) -> tuple[ColumnElement[bool], ...]:
    """An active user holding one of `roles`: whose active subscriptions are served."""
    return _U.status == UserStatus.ACTIVE, _U.role.in_(roles)


def _active(
    stmt: Select[Any], roles: Sequence[str], alerts_only: bool, ids: Sequence[int] | None
) -> Select[Any]:
    """`stmt` narrowed to active subscriptions of active users holding one of `roles`, in id order."""
    stmt = (
        stmt.join(User.__table__, _U.id == _S.user_id)  # type: ignore[attr-defined]
        .where(_ACTIVE, *_owner_may_receive(roles))
        .order_by(_S.id)
    )
    if alerts_only:
        stmt = stmt.where(_S.alerts.is_(True))
    return stmt if ids is None else stmt.where(_S.id.in_(ids))


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- subscriptions ----------------------------------------------------------------------------

    async def get(self, subscription_id: int) -> Subscription | None:
        return await self.session.get(Subscription, subscription_id)

    async def add(self, subscription: Subscription) -> Subscription:
        self.session.add(subscription)
        await self.session.flush()
        return subscription

    async def save(self, subscription: Subscription) -> None:
        self.session.add(subscription)
        await self.session.flush()

    async def for_user(
        self, user_id: int, statuses: Collection[str] = SubscriptionStatus.LISTED
    ) -> list[Subscription]:
        stmt = (
            select(Subscription)
            .where(col(Subscription.user_id) == user_id, col(Subscription.status).in_(statuses))
            .order_by(col(Subscription.id))
        )
        return list((await self.session.execute(stmt)).scalars())

    async def active(self, roles: Sequence[str]) -> list[Subscription]:
        """Active subscriptions of active users holding one of `roles`, in id order."""
        stmt = _active(select(Subscription), roles, False, None)
        return list((await self.session.execute(stmt)).scalars())

    async def active_rows(
        self, roles: Sequence[str], *, alerts_only: bool = False, ids: Sequence[int] | None = None
    ) -> list[tuple[SubscriptionRow, str | None]]:
        """`active` as plain rows with each owner's language, for the digest and alert jobs, which only
        read them (ten thousand ORM objects were a tenth of a digest build)."""
        stmt = _active(select(*_S, _U.language), roles, alerts_only, ids)
        return [(SubscriptionRow(*row[:-1]), row[-1]) for row in await self.session.execute(stmt)]

    async def active_page(
        self, roles: Sequence[str], *, after_id: int, limit: int
    ) -> tuple[list[tuple[SubscriptionRow, str | None]], int | None]:
        """`active_rows` a page at a time: up to `limit` active subscriptions after `after_id`, those
        of active owners holding one of `roles`, and the last id read (None when none was left; a
        page may keep no row while more follow).

        The page is read by id alone and its owners looked up by id after: joined in one statement
        with a limit, PostgreSQL without statistics (a freshly loaded table) looped over every user
        and scanned the id range for each, ~4 s a page."""
        page = select(*_S).where(_ACTIVE, _S.id > after_id)
        subs = [
            SubscriptionRow(*row) for row in await self.session.execute(page.order_by(_S.id).limit(limit))
        ]
        if not subs:
            return [], None
        owners = select(_U.id, _U.language).where(
            _U.id.in_(sorted({s.user_id for s in subs})), *_owner_may_receive(roles)
        )
        language = {int(i): lang for i, lang in await self.session.execute(owners)}
        return [(s, language[s.user_id]) for s in subs if s.user_id in language], subs[-1].id

    async def with_language(self, subscription_id: int) -> tuple[Subscription, str | None] | None:
        stmt = (
            select(Subscription, col(User.language))
            .join(User, col(User.id) == col(Subscription.user_id))
            .where(col(Subscription.id) == subscription_id)
        )
        row = (await self.session.execute(stmt)).first()
        return (row[0], row[1]) if row else None

    async def advance(self, subscription_id: int, old_end: datetime | None, new_end: datetime) -> bool:
        """Move the digest watermark only if nobody else moved it first; True if this call did."""
        condition = (
            col(Subscription.last_period_end).is_(None)
            if old_end is None
            else col(Subscription.last_period_end) == old_end
        )
        result = await self.session.execute(
            update(Subscription)
            .where(col(Subscription.id) == subscription_id, condition)
            .values(last_period_end=new_end)
        )
        return bool(getattr(result, "rowcount", 0))

    async def advance_many(self, ids: Sequence[int], old_end: datetime, new_end: datetime) -> list[int]:
        """`advance` for many subscriptions sharing one period; returns the ids this call moved."""
        result = await self.session.execute(
            update(Subscription)
            .where(col(Subscription.id).in_(ids), col(Subscription.last_period_end) == old_end)
            .values(last_period_end=new_end)
            .returning(col(Subscription.id))
            # The caller holds the period it is closing; matching the rows of its session's identity
            # map against the WHERE clause (the default) cost more than the UPDATE.
            .execution_options(synchronize_session=False)
        )
        return [row[0] for row in result.all() if row[0] is not None]

    async def set_status(self, subscription_id: int, status: SubscriptionStatus) -> None:
        await self.session.execute(
            update(Subscription).where(col(Subscription.id) == subscription_id).values(status=status)
        )

    async def cancel_pending(self, subscription_id: int, reason: str) -> int:
        """Fail the outbox rows of a subscription that were not sent yet."""
        result = await self.session.execute(
            update(Outbox)
            .where(col(Outbox.subscription_id) == subscription_id, col(Outbox.status) == OutboxStatus.PENDING)
            .values(status=OutboxStatus.FAILED, error=reason)
        )
        return int(getattr(result, "rowcount", 0))

    # --- wizard drafts ----------------------------------------------------------------------------

    async def draft(self, user_id: int) -> SubscriptionDraft | None:
        return await self.session.get(SubscriptionDraft, user_id)

    async def save_draft(self, draft: SubscriptionDraft) -> None:
        draft.updated_at = utcnow()
        merged = await self.session.merge(draft)
        # A JSON column mutated in place is not seen as changed; say so.
        flag_modified(merged, "data")
        await self.session.flush()

    async def delete_draft(self, user_id: int) -> bool:
        draft = await self.draft(user_id)
        if draft is None:
            return False
        await self.session.delete(draft)
        await self.session.flush()
        return True

    # --- watermarks -------------------------------------------------------------------------------

    async def watermark(self, name: str) -> datetime | None:
        row = await self.session.get(Watermark, name)
        return row.at if row else None

    async def set_watermark(self, name: str, at: datetime) -> None:
        row = await self.session.get(Watermark, name)
        if row is None:
            self.session.add(Watermark(name=name, at=at))
        else:
            row.at = at
        await self.session.flush()


@dataclass(slots=True)  # not frozen, as storage.exports.ExportRow: a day's thousand rows built faster
class DigestReport:
    """What a digest, an alert or /search shows of an approved report: plain columns, no ORM row
    (a day's thousand reports loaded as ORM objects cost more than rendering them)."""

    id: int
    reference: str
    category: str
    answers: dict[str, Any]
    sensitive_fields: list[str]
    occurred_on: date | None
    province_pcode: str | None
    district_pcode: str | None
    killed: int | None
    injured: int | None
    certainty: Certainty | None
    urgent: bool  # listed first
    corroborations: int
    incident_id: str | None  # facets of one incident count once


# Table columns, not ORM attributes: a Core select skips the ORM's row loading (a day is ~1,000 rows).
_R = Report.__table__.c  # type: ignore[attr-defined]
_DIGEST_COLUMNS = tuple(
    list_read(_R[name]) if name == "sensitive_fields" else _R[name]
    for name in DigestReport.__dataclass_fields__
)


def _approved_in(start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    """Approved in [start, end)."""
    return _R.status == ReportStatus.APPROVED, _R.approved_at >= start, _R.approved_at < end


class DigestReportRepository:
    """Approved reports by approval time: what digests and alerts are made of."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def approved_between(self, start: datetime, end: datetime) -> list[DigestReport]:
        stmt = select(*_DIGEST_COLUMNS).where(*_approved_in(start, end)).order_by(_R.approved_at, _R.id)
        return [DigestReport(*row) for row in await self.session.execute(stmt)]

    async def approved_keys_between(
        self, start: datetime, end: datetime
    ) -> list[tuple[str, str | None, str | None, list[str], int]]:
        """(category, province, certainty, sensitive fields, how many reports) of the reports approved
        in [start, end), grouped: for totals only (the sensitive fields say whether the province may
        be counted). Grouped in the database: a day's thousands of rows come back as hundreds."""
        hidden = list_read(_R.sensitive_fields)
        # The certainty as stored: keys compare as strings, and a row's enum lookup was a tenth of the read.
        certainty = type_coerce(_R.certainty, String)
        key = (_R.category, _R.province_pcode, certainty, hidden.element)
        stmt = select(*key[:3], hidden, func.count()).where(*_approved_in(start, end)).group_by(*key)
        return [(c, p, k, s, n) for c, p, k, s, n in await self.session.execute(stmt)]

    async def urgent_approved_since(self, since: datetime) -> list[Report]:
        stmt = (
            select(Report)
            .where(
                col(Report.status) == ReportStatus.APPROVED,
                col(Report.urgent).is_(True),
                col(Report.approved_at) > since,
            )
            .order_by(col(Report.approved_at), col(Report.id))
        )
        return list((await self.session.execute(stmt)).scalars())
