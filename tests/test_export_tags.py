"""Every export column has a tag that selects it alone: a partner's `#tag+attr` query (libhxl's tag
pattern) finds exactly that column, never a wider one that shares its attributes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import hxl

from bot.exports import ExportFormat, columns
from storage.db import Database
from storage.models import Report
from tests.export_helpers import add_report
from tests.test_export import export_text


def test_each_columns_tag_pattern_matches_that_column_alone() -> None:
    tags = [c.tag for c in columns()]
    dataset = hxl.data([[c.header for c in columns()], tags])
    read = dataset.columns
    for column in columns():
        pattern = hxl.model.TagPattern.parse(column.tag)
        matched = [c.header for c in read if pattern.match(c)]
        assert matched == [column.header], (column.tag, matched)


def test_the_urgent_flag_is_exported() -> None:
    tags = {c.header: c.tag for c in columns()}
    assert tags.get("urgent", "").startswith("#")


async def test_approved_on_is_the_kabul_day_and_urgent_says_yes_or_no(db: Database) -> None:
    late = await add_report(db, approved_at=datetime(2026, 11, 24, 21, 0, tzinfo=UTC))  # 01:30 in Kabul
    async with db.session() as session:
        report = await session.get(Report, late.id)
        assert report is not None
        report.urgent = True
    [record] = json.loads(await export_text(db, ExportFormat.JSON))
    assert record["approved_on"] == "2026-11-25"
    assert record["urgent"] == "yes"
