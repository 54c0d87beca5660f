"""Reports as exports read them: approved rows with their place names and points, page by page.

Only the columns an export may show are selected, so a reporter's id never leaves the database here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.vocabulary import AuditAction, ReportStatus
from storage.models import District, Province, Report, ReportEvent


@dataclass(frozen=True)
class ReportFilter:
    """Empty tuples mean "any"; `since`/`until` are inclusive and compare with the occurred date."""

    since: date | None = None
    until: date | None = None
    provinces: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    certainties: tuple[str, ...] = ()
    approved_since: datetime | None = None  # for partners pulling what was approved since their last pull


@dataclass(frozen=True)
class ExportRow:
    id: int
    reference: str
    category: str
    answers: dict[str, Any]
    occurred_on: date | None
    province_pcode: str | None
    province_name: str | None
    province_lat: float | None
    province_lon: float | None
    district_pcode: str | None
    district_name: str | None
    district_lat: float | None
    district_lon: float | None
    lat: float | None
    lon: float | None
    killed: int | None
    injured: int | None
    certainty: str | None
    sensitive_fields: list[str]
    approved_at: datetime | None
    urgent: bool = False
    incident_id: str | None = None  # the first report's reference, shared by an incident's facets
    location_released: bool = False  # a moderator released the exact point to exports


_COLUMNS: tuple[Any, ...] = (
    col(Report.id),
    col(Report.reference),
    col(Report.category),
    col(Report.answers),
    col(Report.occurred_on),
    col(Report.province_pcode),
    col(Province.name_en).label("province_name"),
    col(Province.lat).label("province_lat"),
    col(Province.lon).label("province_lon"),
    col(Report.district_pcode),
    col(District.name_en).label("district_name"),
    col(District.lat).label("district_lat"),
    col(District.lon).label("district_lon"),
    col(Report.lat),
    col(Report.lon),
    col(Report.killed),
    col(Report.injured),
    col(Report.certainty),
    col(Report.sensitive_fields),
    col(Report.approved_at),
    col(Report.urgent),
    col(Report.incident_id),
    # The release is its audit row: no event, no exact point.
    exists()
    .where(
        col(ReportEvent.report_id) == col(Report.id),
        col(ReportEvent.action) == AuditAction.LOCATION_RELEASED,
    )
    .label("location_released"),
)


async def report_page(
    session: AsyncSession, filters: ReportFilter, *, status: ReportStatus, after_id: int = 0, limit: int = 500
) -> list[ExportRow]:
    """Up to `limit` reports in `status` with an id above `after_id`, in id order (keyset paging:
    each page is a short query, so a slow client never holds a transaction open)."""
    stmt = (
        select(*_COLUMNS)
        .outerjoin(Province, col(Province.pcode) == col(Report.province_pcode))
        .outerjoin(District, col(District.pcode) == col(Report.district_pcode))
        .where(col(Report.status) == status, col(Report.id) > after_id)
        .order_by(col(Report.id))
        .limit(limit)
    )
    if filters.since is not None:
        stmt = stmt.where(col(Report.occurred_on) >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(col(Report.occurred_on) <= filters.until)
    if filters.approved_since is not None:
        stmt = stmt.where(col(Report.approved_at) >= filters.approved_since)
    if filters.provinces:
        stmt = stmt.where(col(Report.province_pcode).in_(filters.provinces))
    if filters.categories:
        stmt = stmt.where(col(Report.category).in_(filters.categories))
    if filters.certainties:
        stmt = stmt.where(col(Report.certainty).in_(filters.certainties))
    result = await session.execute(stmt)
    return [ExportRow(**dict(row._mapping)) for row in result]
