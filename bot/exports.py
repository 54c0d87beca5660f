"""Exports of approved reports as CSV, HXL-tagged CSV, GeoJSON and JSON.

One piece of code for the HTTP API, `/export` in chat and `khabar export`: each asks `export_chunks`
for text chunks and writes them wherever it writes. Rows are read page by page (keyset paging), so a
large export is streamed, never held in memory.

What an export carries is decided here: approved reports only; place names in English and choices as
codes; no reporter identity (storage does not even select it); answers a moderator marked sensitive
left empty (and a sensitive GPS point replaced by the district's representative point).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.forms.engine import all_forms, category_codes, export_columns
from bot.redaction import withheld_facts
from domain.vocabulary import Certainty, ReportStatus
from storage import admin_events
from storage.db import Database
from storage.exports import ExportRow, ReportFilter, report_page

PAGE_SIZE = 500
COARSE_DECIMALS = 2  # an unreleased GPS point with no known district: about 1.1 km
PERIODS = {"7": 7, "30": 30, "all": None}  # the chat's choices: days back, or everything


class ExportFormat(StrEnum):
    CSV = "csv"
    HXL = "hxl"
    GEOJSON = "geojson"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return {
            "csv": "text/csv; charset=utf-8",
            "hxl": "text/csv; charset=utf-8",
            "geojson": "application/geo+json",
            "json": "application/json",
        }[self.value]

    @property
    def extension(self) -> str:
        return {"csv": "csv", "hxl": "csv", "geojson": "geojson", "json": "json"}[self.value]


class ExportError(ValueError):
    """A bad filter or format; the message (English, for API clients and operators) says which."""


KABUL = ZoneInfo("Asia/Kabul")  # the reporting calendar: occurred_on is asked as a Kabul date


@dataclass(frozen=True)
class Column:
    header: str
    tag: str


# The columns every export starts with, whatever the category (the HXL contract).
CORE_COLUMNS = (
    Column("id", "#meta+id"),
    Column("occurred_on", "#date+occurred"),
    Column("category", "#event+type+code"),
    Column("province_name", "#adm1+name"),
    Column("province", "#adm1+code"),
    Column("district_name", "#adm2+name"),
    Column("district", "#adm2+code"),
    Column("place_name", "#loc+name"),
    Column("lat", "#geo+lat"),
    Column("lon", "#geo+lon"),
    Column("killed", "#affected+killed"),
    Column("injured", "#affected+injured"),
    Column("certainty", "#status+certainty"),
    Column("description", "#description"),
    Column("location_source", "#geo+source"),
    Column("approved_on", "#date+approved"),
    Column("urgent", "#indicator+urgent"),
    Column("incident", "#event+id"),  # the first report's reference, shared by an incident's facets
)
_CORE_TAGS = {c.tag for c in CORE_COLUMNS}


# Tags of the form columns holding counts, typed as numbers in JSON and GeoJSON.
@cache
def _number_tags() -> set[str]:
    return {f.hxl for form in all_forms().values() for f in form.fields if f.kind.numeric_export}


def _form_columns() -> tuple[Column, ...]:
    """The union, over every category in menu order, of the form columns not in the core set.

    Fields of different categories sharing a tag (`#event+type`, `#cause`) share a column, which
    is HXL's point: a column's meaning is its tag. Such a column is named after its tag when the
    fields' own names differ."""
    headers: dict[str, list[str]] = {}
    for code in category_codes():
        for tag, header, _value in export_columns(code, {}):
            if tag not in _CORE_TAGS:
                headers.setdefault(tag, [])
                if header not in headers[tag]:
                    headers[tag].append(header)
    taken = {c.header for c in CORE_COLUMNS}
    columns = []
    for tag, names in headers.items():
        header = names[0] if len(names) == 1 else tag.lstrip("#").replace("+", "_")
        if header in taken:
            header = tag.lstrip("#").replace("+", "_")
        taken.add(header)
        columns.append(Column(header, tag))
    return tuple(columns)


@cache
def columns() -> tuple[Column, ...]:
    """Every export column: the core set, then the forms' (read once, after the forms are loaded)."""
    return CORE_COLUMNS + _form_columns()


# --- filters ----------------------------------------------------------------------------------------

_PCODE = re.compile(r"^AF\d{2}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(name: str, value: str) -> date:
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ExportError(f"{name}: not a date of the form YYYY-MM-DD") from None


def _optional_date(params: Mapping[str, str | None], name: str) -> date | None:
    value = params.get(name)
    return _date(name, value) if value else None


def _values(name: str, value: str | None, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
    """A comma-separated list of codes, each checked against `allowed` (or the P-code shape)."""
    if value is None:
        return ()
    items = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    known = set(allowed) if allowed is not None else None
    for item in items:
        if (known is not None and item not in known) or (known is None and not _PCODE.match(item)):
            expected = ", ".join(sorted(known)) if known is not None else "a province P-code like AF01"
            raise ExportError(f"{name}: unknown value {item[:20]!r}; expected {expected}")
    return items


def parse_format(value: str | None) -> ExportFormat:
    try:
        return ExportFormat((value or "csv").strip().lower())
    except ValueError:
        raise ExportError(
            f"format: unknown format; expected one of {', '.join(f.value for f in ExportFormat)}"
        ) from None


def parse_filters(params: Mapping[str, str | None]) -> ReportFilter:
    """The filters of an API query string or CLI arguments; ExportError names the bad one."""
    since, until = _optional_date(params, "since"), _optional_date(params, "until")
    if since and until and since > until:
        raise ExportError("since: must not be after until")
    approved = _optional_date(params, "approved_since")
    province = params.get("province")
    return ReportFilter(
        approved_since=datetime.combine(approved, time(0), UTC) if approved else None,
        since=since,
        until=until,
        provinces=_values("province", province.upper() if province else None),
        categories=_values("category", params.get("category"), category_codes()),
        certainties=_values("certainty", params.get("certainty"), Certainty),
    )


def period_filter(period: str, today: date) -> ReportFilter:
    """The chat's period choices ("7", "30", "all"); ExportError for anything else (forged data)."""
    if period not in PERIODS:
        raise ExportError(f"period: unknown value {period[:10]!r}")
    days = PERIODS[period]
    return ReportFilter(since=today - timedelta(days=days) if days else None)


def filename(fmt: ExportFormat, now: datetime) -> str:
    suffix = "-hxl" if fmt is ExportFormat.HXL else ""
    return f"khabar-reports-{now:%Y%m%d-%H%M}{suffix}.{fmt.extension}"


# --- rows ---------------------------------------------------------------------------------------------


def _number(value: str) -> int | str:
    return int(value) if value.isascii() and value.isdigit() else value


def record(row: ExportRow) -> dict[str, Any]:
    """One report as {header: value}, values typed for JSON (numbers as numbers, missing as None);
    the keys are the export's headers, in `columns()` order."""
    hidden = set(row.sensitive_fields)
    answers = {k: v for k, v in row.answers.items() if k not in hidden}
    by_tag: dict[str, Any] = {}
    if row.category in all_forms():
        numbers = _number_tags()
        for tag, _header, value in export_columns(row.category, answers, answered_only=True):
            if value != "" and tag not in by_tag:
                by_tag[tag] = _number(value) if tag in numbers else value
    # The report's own columns are the moderated facts; a field marked sensitive hides its facts too.
    hidden_facts = withheld_facts(row.category, hidden)
    province = None if "province_pcode" in hidden_facts else row.province_pcode
    district = None if "district_pcode" in hidden_facts or province is None else row.district_pcode
    lat, lon, source = _point(row, gps="lat" not in hidden_facts, district=district, province=province)
    occurred = None if "occurred_on" in hidden_facts else row.occurred_on
    values: dict[str, Any] = {
        "id": row.reference,
        "occurred_on": occurred.isoformat() if occurred else None,
        "category": row.category,
        "province_name": row.province_name if province else None,
        "province": province,
        "district_name": row.district_name if district else None,
        "district": district,
        "place_name": by_tag.get("#loc+name"),
        "lat": lat,
        "lon": lon,
        "killed": _count(row.killed, "killed", hidden, by_tag.get("#affected+killed")),
        "injured": _count(row.injured, "injured", hidden, by_tag.get("#affected+injured")),
        "certainty": row.certainty,
        "description": by_tag.get("#description"),
        "location_source": source,
        # The day of approval in Kabul, as every date in a report (approval at 22:00 UTC is the next day).
        "approved_on": row.approved_at.astimezone(KABUL).date().isoformat() if row.approved_at else None,
        "urgent": "yes" if row.urgent else "no",
        "incident": row.incident_id or row.reference,
    }
    for header, tag in _form_headers():
        values[header] = by_tag.get(tag)
    return values


@cache
def _form_headers() -> tuple[tuple[str, str], ...]:
    return tuple((c.header, c.tag) for c in columns()[len(CORE_COLUMNS) :])


def _count(value: int | None, name: str, hidden: set[str], answer: Any) -> int | str | None:
    if name in hidden:
        return None
    return value if value is not None else answer  # the answer may say "unknown", distinct from 0


def _point(
    row: ExportRow, *, gps: bool, district: str | None, province: str | None
) -> tuple[float | None, float | None, str | None]:
    """The report's point as exports may carry it (finding 6): the exact GPS point only once a
    moderator released it; else the district's point, the province's, or the GPS point rounded to
    `COARSE_DECIMALS` (about a kilometre) when neither place is known."""
    shared = gps and row.lat is not None and row.lon is not None
    if shared and row.location_released:
        return row.lat, row.lon, "gps"
    if district and row.district_lat is not None and row.district_lon is not None:
        return row.district_lat, row.district_lon, "district_centroid"
    if province and row.province_lat is not None and row.province_lon is not None:
        return row.province_lat, row.province_lon, "province_centroid"
    if shared and row.lat is not None and row.lon is not None:
        return round(row.lat, COARSE_DECIMALS), round(row.lon, COARSE_DECIMALS), "gps_coarse"
    return None, None, None


def _feature(values: dict[str, Any]) -> dict[str, Any]:
    lat, lon = values["lat"], values["lon"]
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    properties = {k: v for k, v in values.items() if k not in ("lat", "lon")}
    return {"type": "Feature", "id": values["id"], "geometry": geometry, "properties": properties}


# --- streaming ------------------------------------------------------------------------------------------


async def approved_rows(
    db: Database, filters: ReportFilter, *, page_size: int = PAGE_SIZE
) -> AsyncIterator[list[ExportRow]]:
    """Pages of approved reports matching `filters`, each page read in its own short session."""
    after = 0
    while True:
        async with db.session() as session:
            page = await report_page(
                session, filters, status=ReportStatus.APPROVED, after_id=after, limit=page_size
            )
        shown = [row for row in page if _filtered_on_shown(row, filters)]
        if shown:
            yield shown
        if len(page) < page_size:
            return
        after = page[-1].id


def _filtered_on_shown(row: ExportRow, filters: ReportFilter) -> bool:
    """Whether the facts `filters` selected `row` by are ones the export shows: the database matched
    on the stored values, and a withheld province or date must not be found by filtering on it."""
    hidden = withheld_facts(row.category, row.sensitive_fields)
    if filters.provinces and "province_pcode" in hidden:
        return False
    return not ((filters.since or filters.until) and "occurred_on" in hidden)


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_START)


def _csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """CSV/HXL lines. Text that a spreadsheet would run as a formula gets a leading apostrophe
    (review finding 3); numbers stay numbers, so a negative count is still a number; None is written
    empty (by the csv module). The check is inline, a set lookup of the first character: it runs for
    every cell of a million-row export, where a call per cell was a fifth of the export's CPU."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    first = _FORMULA_FIRST
    writer.writerows(
        [
            [v if v is None or not isinstance(v, str) or v[:1] not in first else "'" + v for v in row]
            for row in rows
        ]
    )
    return buffer.getvalue()


async def audit_export(
    db: Database, *, via: str, actor_id: int | None, fmt: ExportFormat, filters: ReportFilter, count: int
) -> None:
    """An `admin_events` row per export (review finding 18): who (`via`: the API token's name, "chat"
    with the admin's id, or "cli"), the format, the filters and how many reports left Khabar."""
    used = {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(filters).items() if v}
    async with db.session() as session:
        await admin_events.record(
            session,
            actor_id=actor_id,
            action="export",
            target=f"export:{via}",
            after={"format": fmt.value, "filters": used, "rows": count},
            at=datetime.now(UTC),
        )


class ExportStream:
    """The chunks of one export, and how many reports they held once iterated."""

    def __init__(
        self, db: Database, fmt: ExportFormat, filters: ReportFilter, *, page_size: int = PAGE_SIZE
    ) -> None:
        self.db, self.format, self.filters, self.page_size = db, fmt, filters, page_size
        self.count = 0

    async def __aiter__(self) -> AsyncIterator[str]:
        fmt = self.format
        headers = [c.header for c in columns()]
        if fmt in (ExportFormat.CSV, ExportFormat.HXL):
            head = [headers, [c.tag for c in columns()]] if fmt is ExportFormat.HXL else [headers]
            yield _csv_text(head)
        elif fmt is ExportFormat.GEOJSON:
            yield '{"type": "FeatureCollection", "features": ['
        else:
            yield "["
        async for page in approved_rows(self.db, self.filters, page_size=self.page_size):
            records = [record(row) for row in page]
            if fmt in (ExportFormat.CSV, ExportFormat.HXL):
                yield _csv_text([r.values() for r in records])  # a record's keys are the headers, in order
            else:
                items = [_feature(r) if fmt is ExportFormat.GEOJSON else r for r in records]
                lead = ",\n" if self.count else "\n"
                yield lead + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items)
            self.count += len(records)
        if fmt is ExportFormat.GEOJSON:
            yield "\n]}\n"
        elif fmt is ExportFormat.JSON:
            yield "\n]\n"
