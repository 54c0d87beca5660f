"""Withheld means withheld (security review finding 4): exports, digests, alerts and /search work on
the redacted record, so a hidden answer is neither filterable, counted, routed on nor inferable."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.exports import ExportFormat, ExportStream, parse_filters, record
from bot.i18n import use_locale
from bot.places import load_places
from bot.report_blocks import report_block
from bot.scheduler import due_digests, scan_alerts
from domain.vocabulary import Certainty, ReportStatus
from storage.db import Database
from storage.exports import ExportRow
from storage.models import Report
from storage.subscriptions import DigestReportRepository
from tests import delivery_support as delivery
from tests.delivery_support import add_subscribers, hours, outbox_rows, utc
from tests.export_helpers import add_report
from tests.harness import BotHarness

START, END = utc(2026, 3, 9, 2, 30), utc(2026, 3, 10, 2, 30)


async def _ids(db: Database, **params: str) -> set[str]:
    stream = ExportStream(db, ExportFormat.JSON, parse_filters(params))
    return {r["id"] for r in json.loads("".join([chunk async for chunk in stream]))}


async def test_export_filters_cannot_find_a_withheld_province_or_date(db: Database) -> None:
    shown = await add_report(db)
    no_place = await add_report(db, sensitive=["province", "district", "location"])
    no_date = await add_report(db, sensitive=["occurred_on"])
    everything = {shown.reference, no_place.reference, no_date.reference}
    assert await _ids(db) == everything  # unfiltered, a report with hidden facts is still exported
    assert await _ids(db, province="AF01") == {shown.reference, no_date.reference}
    assert await _ids(db, since="2026-11-20", until="2026-11-20") == {shown.reference, no_place.reference}
    assert await _ids(db, category="health_attack") == everything  # a filter on what is shown still works


def _crossing_row(sensitive: list[str]) -> ExportRow:
    return ExportRow(
        id=1,
        reference="R-2026-000001",
        category="border_crossing",
        answers={"occurred_on": "2026-11-17", "crossing": "BCP-PAK-TKH", "status": "closed"},
        occurred_on=date(2026, 11, 17),
        province_pcode="AF06",
        province_name="Nangarhar",
        province_lat=34.3,
        province_lon=70.4,
        district_pcode="AF0617",
        district_name="Muhmand Dara",
        district_lat=34.21,
        district_lon=70.87,
        lat=None,
        lon=None,
        killed=None,
        injured=None,
        certainty="confirmed",
        sensitive_fields=sensitive,
        approved_at=None,
    )


def test_a_hidden_crossing_hides_the_place_it_implies_in_exports() -> None:
    assert record(_crossing_row([]))["district"] == "AF0617"  # the crossing places the report
    values = record(_crossing_row(["crossing"]))
    assert values["crossing"] is None
    assert values["province"] is None and values["district"] is None
    assert values["district_name"] is None and values["province_name"] is None
    assert values["lat"] is None and values["lon"] is None and values["location_source"] is None


async def test_a_hidden_crossing_hides_the_place_in_digests_and_search(db: Database) -> None:
    async with db.session() as session:
        await load_places(session)
    report = Report(
        id=1,
        reference="R-2026-000001",
        draft_token="t1",
        category="border_crossing",
        answers={"crossing": "BCP-PAK-TKH", "status": "closed"},
        province_pcode="AF06",
        district_pcode="AF0617",
        certainty=Certainty.CONFIRMED,
        status=ReportStatus.APPROVED,
        sensitive_fields=["crossing"],
    )
    with use_locale("en"):
        block = report_block(report)
    assert "(withheld)" in block
    assert "Nangarhar" not in block and "Muhmand" not in block and "Torkham" not in block


async def test_a_withheld_province_is_counted_as_withheld_and_routed_to_all_province_subscriptions(
    limited_bot: BotHarness,
) -> None:
    kabul, everywhere = await add_subscribers(limited_bot, 1, provinces=["AF01"], last_period_end=START) + (
        await add_subscribers(limited_bot, 1, first_id=10_001, last_period_end=START)
    )
    await delivery.add_report(
        limited_bot.db, approved_at=START + hours(1), sensitive=["province", "district"]
    )
    await due_digests(limited_bot.db, END + timedelta(minutes=1))
    rows = await outbox_rows(limited_bot.db, "digest")
    assert [row.subscription_id for row in rows] == [everywhere.id]  # Kabul's subscriber cannot learn it
    [row] = rows
    assert "• (withheld): 1" in row.text
    assert "Kabul" not in row.text

    now = END + hours(1)
    await scan_alerts(limited_bot.db, now)  # the first scan sets the watermark
    urgent = await delivery.add_report(
        limited_bot.db, approved_at=now + timedelta(minutes=1), urgent=True, sensitive=["province"]
    )
    assert await scan_alerts(limited_bot.db, now + timedelta(minutes=2)) == 1
    [alert] = await outbox_rows(limited_bot.db, "alert")
    assert alert.key == f"alert:{everywhere.id}:{urgent.id}" and kabul.id != everywhere.id


async def test_the_totals_read_of_a_period_keeps_each_reports_withheld_fields(db: Database) -> None:
    # The read leaves "[]" undecoded (storage.subscriptions._WITHHELD): the others must still come back.
    at = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    await add_report(db, approved_at=at)
    await add_report(db, approved_at=at, sensitive=["province", "district"])
    async with db.session() as session:
        keys = await DigestReportRepository(session).approved_keys_between(at, at + timedelta(hours=1))
    assert sorted(hidden for *_key, hidden, _count in keys) == [[], ["province", "district"]]
