"""/search in the database: approved reports whose stored search text holds every word.

The text (`Report.search_text`) is written by the bot, already normalised; the words asked for are
normalised the same way, so matching is a plain substring test, case and all. PostgreSQL answers it
with LIKE, which its trigram GIN index serves. SQLite tests with instr() (which also covers words
under three characters, which trigrams cannot index) while walking the newest approvals, where
common words find their few results; when that walk is not enough, its FTS5 trigram table lists
the reports holding each rarer word, and only those are tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.vocabulary import ReportStatus
from storage.models import Report

_R = Report.__table__.c  # type: ignore[attr-defined]
# Spelled as the partial index ix_reports_search_missing is, so SQLite sees that it may use it.
_MISSING = text("reports.status = 'approved' AND reports.search_text IS NULL")
_TRIGRAM = 3  # FTS5's trigram tokenizer indexes nothing shorter
_WALK = 2000  # SQLite: newest approvals walked before the FTS index is asked
_FTS_CAP = 2000  # SQLite: matches read from the FTS index before a word counts as common


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SearchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def newest_matching(self, terms: Sequence[str], since: datetime, limit: int) -> list[int]:
        """Ids of the newest reports approved since `since` whose search text contains every term
        (all of them when there is none), newest approval first."""
        stmt = (
            select(_R.id)
            .where(_R.status == ReportStatus.APPROVED, _R.approved_at >= since)
            .order_by(_R.approved_at.desc(), _R.id.desc())
            .limit(limit)
        )
        bind = self.session.get_bind()
        if bind.dialect.name != "sqlite":
            for term in terms:
                stmt = stmt.where(_R.search_text.like("%" + _like_escape(term) + "%", escape="\\"))
            return [int(i) for i in (await self.session.execute(stmt)).scalars()]
        # instr() decides (an exact substring test, like Python's `in`); the FTS index only narrows.
        for term in terms:
            stmt = stmt.where(func.instr(_R.search_text, term) > 0)
        if not terms:
            return await self._ids(stmt)
        # Common words: their few results are among the newest approvals, found by walking those.
        cutoff = (
            select(_R.approved_at)
            .where(_R.status == ReportStatus.APPROVED, _R.approved_at >= since)
            .order_by(_R.approved_at.desc(), _R.id.desc())
            .offset(_WALK - 1)
            .limit(1)
            .scalar_subquery()
        )
        found = await self._ids(stmt.where(_R.approved_at >= cutoff))
        if len(found) == limit:
            return found
        # Rarer words: the FTS index lists every report holding one. A word it finds thousands of
        # times narrows nothing (and its list costs more to read than the walk), so it is left out.
        narrowed: set[int] | None = None
        for term in terms:
            if len(term) >= _TRIGRAM:
                ids = await self._fts_candidates(term)
                if len(ids) <= _FTS_CAP:
                    narrowed = set(ids) if narrowed is None else narrowed & set(ids)
        if narrowed is not None:
            stmt = stmt.where(_R.id.in_(sorted(narrowed)))
        return await self._ids(stmt)

    async def _ids(self, stmt: Select[Any]) -> list[int]:
        return [int(i) for i in (await self.session.execute(stmt)).scalars()]

    async def _fts_candidates(self, term: str) -> list[int]:
        """Up to `_FTS_CAP` + 1 ids of reports whose search text holds `term`, newest ids first."""
        stmt = text(
            "SELECT rowid FROM report_search WHERE report_search MATCH :q ORDER BY rowid DESC LIMIT :n"
        )
        result = await self.session.execute(
            stmt, {"q": '"' + term.replace('"', '""') + '"', "n": _FTS_CAP + 1}
        )
        return [int(i) for i in result.scalars()]

    async def set_text(self, report_id: int, search_text: str | None) -> None:
        await self.session.execute(update(Report).where(_R.id == report_id).values(search_text=search_text))

    async def missing(self, limit: int) -> list[int]:
        """Approved reports without a search text yet (approved before migration 0008)."""
        stmt = select(_R.id).where(_MISSING).order_by(_R.id).limit(limit)
        return [int(i) for i in (await self.session.execute(stmt)).scalars()]
