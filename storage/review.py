"""Reports repository, moderation side: the queue, versioned state changes, audit rows, reply
prompts and the moderators' new-report alerts. Report creation lives in `storage.reports`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.vocabulary import ReportStatus, UserStatus
from storage.models import ModeratorAlert, PendingInput, Report, ReportEvent, User


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- reading --------------------------------------------------------------------------------

    async def get(self, report_id: int) -> Report | None:
        # populate_existing: a report read earlier in this session may have changed since.
        stmt = select(Report).where(col(Report.id) == report_id).execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalars().first()

    async def by_reference(self, reference: str) -> Report | None:
        stmt = select(Report).where(col(Report.reference) == reference)
        return (await self.session.execute(stmt)).scalars().first()

    async def oldest_pending(self, after: Report | None = None) -> Report | None:
        """The oldest pending report, or the next one after `after` in queue order."""
        stmt = select(Report).where(col(Report.status) == ReportStatus.PENDING)
        if after is not None and after.id is not None:
            stmt = stmt.where(
                (col(Report.created_at) > after.created_at)
                | ((col(Report.created_at) == after.created_at) & (col(Report.id) > after.id))
            )
        stmt = stmt.order_by(col(Report.created_at), col(Report.id)).limit(1)
        return (await self.session.execute(stmt)).scalars().first()

    async def count_pending(self, after_id: int = 0) -> int:
        stmt = select(func.count()).where(
            col(Report.status) == ReportStatus.PENDING, col(Report.id) > after_id
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def newest_pending_id(self) -> int:
        stmt = select(func.max(Report.id)).where(col(Report.status) == ReportStatus.PENDING)
        return int((await self.session.execute(stmt)).scalar_one() or 0)

    async def nearby(self, report: Report, window: timedelta) -> list[Report]:
        """Other live reports of the same category and district submitted within `window`."""
        if report.district_pcode is None:
            return []
        stmt = (
            select(Report)
            .where(
                col(Report.id) != report.id,
                col(Report.category) == report.category,
                col(Report.district_pcode) == report.district_pcode,
                col(Report.status).in_(ReportStatus.LIVE),
                col(Report.created_at) >= report.created_at - window,
                col(Report.created_at) <= report.created_at + window,
            )
            .order_by(col(Report.created_at))
            .limit(5)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def same_place_and_day(self, report: Report) -> list[Report]:
        """Other live reports of another category in the same district on the same day, not already
        in the report's incident: possibly other facets of it."""
        if report.district_pcode is None or report.occurred_on is None:
            return []
        stmt = (
            select(Report)
            .where(
                col(Report.id) != report.id,
                col(Report.category) != report.category,
                col(Report.district_pcode) == report.district_pcode,
                col(Report.occurred_on) == report.occurred_on,
                col(Report.status).in_(ReportStatus.LIVE),
            )
            .order_by(col(Report.created_at))
            .limit(5)
        )
        found = (await self.session.execute(stmt)).scalars()
        return [r for r in found if report.incident_id is None or r.incident_id != report.incident_id]

    async def by_ids(self, ids: list[int]) -> list[Report]:
        if not ids:
            return []
        stmt = select(Report).where(col(Report.id).in_(ids)).execution_options(populate_existing=True)
        return list((await self.session.execute(stmt)).scalars())

    async def events(self, report_id: int) -> list[ReportEvent]:
        stmt = (
            select(ReportEvent).where(col(ReportEvent.report_id) == report_id).order_by(col(ReportEvent.id))
        )
        return list((await self.session.execute(stmt)).scalars())

    # --- writing --------------------------------------------------------------------------------

    async def change(self, report_id: int, version: int, values: dict[str, Any]) -> bool:
        """Apply `values` only if the report is still at `version`; True if this call won."""
        stmt = (
            update(Report)
            .where(col(Report.id) == report_id, col(Report.version) == version)
            .values(**values, version=version + 1)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def add_corroboration(self, report_id: int) -> None:
        # Not versioned: a corroboration must not invalidate a card another moderator has open.
        stmt = (
            update(Report)
            .where(col(Report.id) == report_id)
            .values(corroborations=col(Report.corroborations) + 1)
        )
        await self.session.execute(stmt)

    async def add_event(self, event: ReportEvent) -> ReportEvent:
        self.session.add(event)
        await self.session.flush()
        return event

    # --- reply prompts --------------------------------------------------------------------------

    async def add_prompt(self, prompt: PendingInput) -> None:
        self.session.add(prompt)
        await self.session.flush()

    async def prompt(self, chat_id: int, message_id: int) -> PendingInput | None:
        stmt = select(PendingInput).where(
            col(PendingInput.chat_id) == chat_id, col(PendingInput.message_id) == message_id
        )
        return (await self.session.execute(stmt)).scalars().first()

    async def drop_prompt(self, prompt_id: int) -> None:
        await self.session.execute(delete(PendingInput).where(col(PendingInput.id) == prompt_id))

    async def drop_prompts_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(delete(PendingInput).where(col(PendingInput.created_at) < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    # --- moderators' alerts ---------------------------------------------------------------------

    async def active_reviewers(self, roles: tuple[str, ...]) -> list[User]:
        stmt = (
            select(User)
            .where(col(User.role).in_(roles), col(User.status) == UserStatus.ACTIVE)
            .order_by(col(User.id))
        )
        return list((await self.session.execute(stmt)).scalars())

    async def alert_state(self, user_id: int) -> ModeratorAlert | None:
        return await self.session.get(ModeratorAlert, user_id)

    async def save_alert_state(self, state: ModeratorAlert) -> None:
        self.session.add(state)
        await self.session.flush()
