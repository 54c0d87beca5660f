"""Reports repository, intake side: creating reports and the reporter's own queries.

Moderation queries live in `storage.review`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.vocabulary import AuditAction
from storage.models import Report, ReportEvent, ReportSequence

# Every submit runs these: built once, the values bound at execution; on the tables, so that no
# ORM step (the bulk UPDATE's session synchronisation, a unit of work) runs around them.
_SEQUENCES = ReportSequence.__table__  # type: ignore[attr-defined]
_BUMP = (
    update(_SEQUENCES)
    .where(_SEQUENCES.c.year == bindparam("sequence_year"))
    .values(last=_SEQUENCES.c.last + 1)
    .returning(_SEQUENCES.c.last)
)
_REPORTS = Report.__table__  # type: ignore[attr-defined]
_NEW_REPORT = insert(_REPORTS).returning(_REPORTS.c.id)
_EVENT = insert(ReportEvent.__table__)  # type: ignore[attr-defined]


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_token(self, draft_token: str) -> Report | None:
        stmt = select(Report).where(col(Report.draft_token) == draft_token)
        return (await self.session.execute(stmt)).scalars().first()

    async def by_token_prefix(self, reporter_id: int, prefix: str) -> Report | None:
        """The reporter's report made from a draft whose token starts with `prefix` (button data).

        An equality on the token's first characters among the reporter's own rows (their index),
        not a LIKE: a LIKE prefix cannot use an index under a non-C collation, so it scanned them all.
        """
        stmt = select(Report).where(
            col(Report.reporter_id) == reporter_id,
            func.substr(col(Report.draft_token), 1, len(prefix)) == prefix,
        )
        return (await self.session.execute(stmt)).scalars().first()

    async def next_number(self, year: int) -> int:
        """The next report number of `year`, gap-free and unique under concurrency on both databases.

        The UPDATE takes the row lock, so concurrent submits queue on it; the first submit of a year
        inserts the row, and a concurrent first submit that loses the insert race retries the UPDATE.
        """
        for _attempt in range(3):
            number = (await self.session.execute(_BUMP, {"sequence_year": year})).scalar_one_or_none()
            if number is not None:
                return int(number)
            try:
                async with self.session.begin_nested():
                    await self.session.execute(insert(ReportSequence).values(year=year, last=1))
                return 1
            except IntegrityError:
                continue
        raise RuntimeError(f"could not allocate a report number for {year}")

    async def add(self, columns: Mapping[str, Any], actor_id: int | None, at: datetime) -> int:
        """A new report of these columns (the rest take their defaults: pending, no sensitive
        answers) with its "submitted" audit row; its id. Two Core inserts: nothing reads the rows
        back in this session, so the ORM's models and its two flushes bought nothing (~0.5 ms)."""
        row = {"sensitive_fields": [], **columns}
        report_id = int((await self.session.execute(_NEW_REPORT, row)).scalar_one())
        event: dict[str, Any] = {
            "report_id": report_id,
            "actor_id": actor_id,
            "action": AuditAction.SUBMITTED,
            "before": {},
            "after": {},
            "at": at,
        }
        await self.session.execute(_EVENT, event)
        return report_id

    async def recent_for_reporter(self, reporter_id: int, limit: int = 10) -> list[Report]:
        stmt = (
            select(Report)
            .where(col(Report.reporter_id) == reporter_id)
            .order_by(col(Report.created_at).desc(), col(Report.id).desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())
