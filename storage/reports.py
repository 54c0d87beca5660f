"""Reports repository, intake side: creating reports and the reporter's own queries.

Moderation queries live in `storage.review`.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Report, ReportEvent, ReportSequence


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
        bump = (
            update(ReportSequence)
            .where(col(ReportSequence.year) == year)
            .values(last=col(ReportSequence.last) + 1)
            .returning(col(ReportSequence.last))
        )
        for _attempt in range(3):
            number = (await self.session.execute(bump)).scalar_one_or_none()
            if number is not None:
                return int(number)
            try:
                async with self.session.begin_nested():
                    await self.session.execute(insert(ReportSequence).values(year=year, last=1))
                return 1
            except IntegrityError:
                continue
        raise RuntimeError(f"could not allocate a report number for {year}")

    async def add(self, report: Report, event: ReportEvent | None = None) -> Report:
        self.session.add(report)
        await self.session.flush()
        if event is not None:
            assert report.id is not None
            event.report_id = report.id
            self.session.add(event)
            await self.session.flush()
        return report

    async def recent_for_reporter(self, reporter_id: int, limit: int = 10) -> list[Report]:
        stmt = (
            select(Report)
            .where(col(Report.reporter_id) == reporter_id)
            .order_by(col(Report.created_at).desc(), col(Report.id).desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())
