"""Exports (bot.exports): HXL that libhxl reads, CSV, GeoJSON, JSON, filters, paging, reporter safety,
`/export` in chat and `khabar export` on the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import hxl
import pytest

from bot.exports import (
    CORE_COLUMNS,
    ExportError,
    ExportFormat,
    ExportStream,
    parse_filters,
    parse_format,
    period_filter,
)
from storage.db import Database
from storage.exports import ReportFilter
from tests.botproc import khabar
from tests.export_helpers import REPORTER_ID, REPORTER_NAME, SECRET_TEXT, add_report, health_answers
from tests.harness import BotHarness
from tests.i18n_check import assert_replies_localized

KABUL_DISTRICT = (34.5195, 69.1541)  # AF0101's representative point in the gazetteer
KABUL_PROVINCE = (34.5547, 69.3347)  # AF01's
ROOT = Path(__file__).resolve().parents[1]


async def export_text(db: Database, fmt: ExportFormat, filters: ReportFilter | None = None, **kw: Any) -> str:
    stream = ExportStream(db, fmt, filters or ReportFilter(), **kw)
    return "".join([chunk async for chunk in stream])


def hxl_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Tags and rows as libhxl reads them, each row keyed by its columns' exact tags."""
    dataset = hxl.data(io.BytesIO(text.encode("utf-8")))
    tags = [c.display_tag for c in dataset.columns]
    return tags, [dict(zip(tags, row.values, strict=False)) for row in dataset]


async def test_hxl_export_parses_with_libhxl(db: Database) -> None:
    gps = await add_report(db, gps=(34.52, 69.18), released=True)
    bomb = await add_report(
        db,
        category="explosive_hazard",
        answers={
            "occurred_on": "2026-11-18",
            "province": "AF01",
            "district": "AF0101",
            "hazard_type": "ied",
            "killed": 0,
            "injured": 3,
            "description": "Device found on the road.",
            "source_type": "official",
        },
        occurred=date(2026, 11, 18),
        killed=0,
        injured=3,
        certainty="probable",
    )
    await add_report(db, status="pending")  # never exported

    tags, rows = hxl_rows(await export_text(db, ExportFormat.HXL))

    for column in CORE_COLUMNS:
        assert column.tag in tags
    assert tags[:4] == ["#meta+id", "#date+occurred", "#event+type+code", "#adm1+name"]
    assert "#impact+resources" in tags and "#status+exploded" in tags  # each form's own tags
    assert len(tags) == len(set(tags))
    by_id = {r["#meta+id"]: r for r in rows}
    assert set(by_id) == {gps.reference, bomb.reference}
    first = by_id[gps.reference]
    assert first["#date+occurred"] == "2026-11-20"
    assert first["#event+type+code"] == "health_attack"
    assert (first["#adm1+name"], first["#adm1+code"]) == ("Kabul", "AF01")
    assert (first["#adm2+name"], first["#adm2+code"]) == ("Kabul", "AF0101")
    assert first["#loc+name"] == "Qala-e-Fatullah"
    assert (float(first["#geo+lat"]), float(first["#geo+lon"])) == (34.52, 69.18)
    assert first["#geo+source"] == "gps"
    assert first["#affected+killed"] == "2"
    assert first["#affected+injured"] == "unknown"  # distinct from 0
    assert first["#status+certainty"] == "confirmed"
    assert first["#description"] == "The clinic was set on fire at night."
    assert first["#event+attack+type"] == "arson,threat"  # choices as codes
    assert first["#meta+photos"] == "1"
    second = by_id[bomb.reference]
    assert second["#event+hazard+type"] == "ied"  # each kind of event type its own tag and column
    assert second["#affected+killed"] == "0"  # same tag, same column, across categories
    assert (second["#affected+killed"], second["#affected+injured"]) == ("0", "3")
    assert second["#geo+source"] == "district_centroid"
    assert second["#impact+resources"] == ""


async def test_csv_is_hxl_without_hashtag_row(db: Database) -> None:
    await add_report(db)
    plain = (await export_text(db, ExportFormat.CSV)).splitlines()
    tagged = (await export_text(db, ExportFormat.HXL)).splitlines()
    assert tagged[0] == plain[0] and tagged[2:] == plain[1:]
    assert tagged[1].startswith("#meta+id,#date+occurred")
    assert plain[0].startswith("id,occurred_on,category,province_name,province,")


async def test_each_csv_column_holds_the_json_field_of_its_header(db: Database) -> None:
    # A CSV row is written from the record's values in order: its keys must be the headers, in order.
    await add_report(db)
    await add_report(db, category="other_security")
    rows = list(csv.DictReader(io.StringIO(await export_text(db, ExportFormat.CSV))))
    records = json.loads(await export_text(db, ExportFormat.JSON))
    assert len(rows) == len(records) == 2
    for row, item in zip(rows, records, strict=True):
        assert list(row) == list(item)
        assert row == {k: "" if v is None else str(v) for k, v in item.items()}


async def test_geojson_feature_collection(db: Database) -> None:
    with_gps = await add_report(db, gps=(34.6, 69.2), released=True)
    centroid = await add_report(db)
    province_only = await add_report(db, district=None, answers=health_answers(district="other"))

    data = json.loads(await export_text(db, ExportFormat.GEOJSON))

    assert data["type"] == "FeatureCollection"
    features = {f["properties"]["id"]: f for f in data["features"]}
    assert len(features) == 3
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert all(isinstance(v, float) for v in (lon, lat))
        assert 29 < lat < 39 and 60 < lon < 75  # [lon, lat] order, inside Afghanistan
        assert "lat" not in feature["properties"]
    assert features[with_gps.reference]["geometry"]["coordinates"] == [69.2, 34.6]
    assert features[with_gps.reference]["properties"]["location_source"] == "gps"
    assert features[centroid.reference]["geometry"]["coordinates"] == list(reversed(KABUL_DISTRICT))
    assert features[centroid.reference]["properties"]["location_source"] == "district_centroid"
    assert features[province_only.reference]["geometry"]["coordinates"] == list(reversed(KABUL_PROVINCE))
    assert features[province_only.reference]["properties"]["location_source"] == "province_centroid"
    properties = features[centroid.reference]["properties"]
    assert properties["killed"] == 2 and properties["injured"] == "unknown"
    assert properties["province_name"] == "Kabul" and properties["category"] == "health_attack"


async def test_exports_never_carry_reporter_or_sensitive_fields(db: Database) -> None:
    report = await add_report(
        db,
        answers=health_answers(description=SECRET_TEXT, facility_name="SECRET-FACILITY"),
        gps=(34.6011, 69.2022),
        sensitive=["description", "facility_name", "location"],
    )
    for fmt in ExportFormat:
        text = await export_text(db, fmt)
        assert report.reference in text
        assert str(REPORTER_ID) not in text
        assert REPORTER_NAME not in text
        assert "SECRET" not in text
        assert "34.6011" not in text and "69.2022" not in text  # a sensitive GPS point is withheld
        assert "reporter" not in text.lower()
    [record] = json.loads(await export_text(db, ExportFormat.JSON))
    assert record["description"] is None and record["facility_name"] is None
    assert record["location_source"] == "district_centroid"
    assert record["attack_types"] == "arson,threat"  # what is not sensitive is still there


async def test_filters_select_reports(db: Database) -> None:
    early = await add_report(db, occurred=date(2026, 10, 1))
    late = await add_report(db, occurred=date(2026, 11, 20), certainty="possible")
    elsewhere = await add_report(db, province="AF02", district=None, occurred=date(2026, 11, 21))
    other_kind = await add_report(
        db,
        category="other_security",
        answers={"incident_type": "other"},
        occurred=date(2026, 11, 22),
        approved_at=datetime(2026, 11, 24, 23, 59, tzinfo=UTC),
    )

    async def ids(**params: str) -> set[str]:
        records = json.loads(await export_text(db, ExportFormat.JSON, parse_filters(params)))
        return {r["id"] for r in records}

    assert await ids() == {early.reference, late.reference, elsewhere.reference, other_kind.reference}
    assert await ids(since="2026-11-01") == {late.reference, elsewhere.reference, other_kind.reference}
    assert await ids(since="2026-11-01", until="2026-11-20") == {late.reference}
    assert await ids(province="af02") == {elsewhere.reference}
    assert await ids(category="other_security") == {other_kind.reference}
    assert await ids(certainty="possible") == {late.reference}
    assert await ids(approved_since="2026-11-24") == {other_kind.reference}
    assert await ids(approved_since="2026-11-25") == set()
    assert await ids(certainty="confirmed", province="AF01,AF02", category="health_attack") == {
        early.reference,
        elsewhere.reference,
    }


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "2026-11-02", "until": "2026-11-01"}, "since"),
        ({"province": "Kabul"}, "province"),
        ({"category": "gossip"}, "category"),
        ({"certainty": "sure"}, "certainty"),
        ({"approved_since": "24/11/2026"}, "approved_since"),
    ],
)
def test_bad_filters_are_named(params: dict[str, str], named: str) -> None:
    with pytest.raises(ExportError, match=f"^{named}:"):
        parse_filters(params)


def test_format_and_period_validation() -> None:
    assert parse_format(None) is ExportFormat.CSV
    assert parse_format("GeoJSON") is ExportFormat.GEOJSON
    with pytest.raises(ExportError, match=r"^format:"):
        parse_format("xlsx")
    today = date(2026, 11, 25)
    assert period_filter("7", today).since == date(2026, 11, 18)
    assert period_filter("all", today).since is None
    with pytest.raises(ExportError):
        period_filter("9999", today)


async def test_large_exports_come_in_pages(db: Database) -> None:
    made = [await add_report(db) for _ in range(7)]
    stream = ExportStream(db, ExportFormat.JSON, ReportFilter(), page_size=3)
    chunks = [chunk async for chunk in stream]
    assert len(chunks) == 2 + 3  # opening, three pages (3 + 3 + 1), closing
    assert stream.count == 7
    assert [r["id"] for r in json.loads("".join(chunks))] == [r.reference for r in made]
    empty = json.loads(await export_text(db, ExportFormat.GEOJSON, ReportFilter(since=date(2030, 1, 1))))
    assert empty == {"type": "FeatureCollection", "features": []}


# --- in chat --------------------------------------------------------------------------------------


async def test_admin_exports_in_chat(bot: BotHarness) -> None:
    report = await add_report(bot.db, occurred=datetime.now(bot.settings.tz).date() - timedelta(days=1))
    old = await add_report(bot.db, occurred=date(2020, 1, 1))
    admin = await bot.user(10, "Admin", "en", role="admin")

    await admin.send("/export")
    assert admin.buttons == ["Last 7 days", "Last 30 days", "All approved reports"]
    await admin.press("Last 7 days")
    assert "HXL (CSV with hashtags)" in admin.buttons
    reply = await admin.press("HXL")

    assert reply is not None and reply.document is not None
    assert reply.caption == "1 approved report"
    content = bot.emulator.state.files[reply.document["file_id"]].decode()
    _tags, rows = hxl_rows(content)
    assert [r["#meta+id"] for r in rows] == [report.reference]
    assert old.reference not in content
    assert str(REPORTER_ID) not in content


async def test_export_in_chat_speaks_dari(bot: BotHarness) -> None:
    await add_report(bot.db, occurred=datetime.now(bot.settings.tz).date() - timedelta(days=2))
    await add_report(bot.db, occurred=datetime.now(bot.settings.tz).date() - timedelta(days=3))
    admin = await bot.user(13, "Admin", "fa", role="admin", language="fa_AF")
    await admin.send("/export")
    await admin.press("۳۰")
    reply = await admin.press("GeoJSON")
    assert reply is not None and reply.document is not None
    assert reply.caption is not None and "۲" in reply.caption  # the count in Persian digits
    data = json.loads(bot.emulator.state.files[reply.document["file_id"]])
    assert len(data["features"]) == 2
    assert data["features"][0]["properties"]["province_name"] == "Kabul"  # exports stay English
    assert assert_replies_localized(admin, "fa_AF", allowed=["HXL", "CSV", "GeoJSON", "JSON"]) >= 2


async def test_export_in_chat_is_for_admins_only(bot: BotHarness) -> None:
    moderator = await bot.user(11, "Mod", "en", role="moderator")
    await moderator.send("/export")
    assert moderator.last_text == "You don't have permission to do that."
    await moderator.press_data("export:f:all:json")  # a forged button
    assert moderator.last_alert == "You don't have permission to do that."
    assert all(m.document is None for m in moderator.replies)


async def test_forged_export_buttons_are_refused(bot: BotHarness) -> None:
    admin = await bot.user(12, "Admin", "en", role="admin")
    await admin.send("/export")
    for data in ("export:f:9999:hxl", "export:f:7:xlsx", "export:p:", "export:x"):
        await admin.press_data(data)
        assert admin.last_alert == "This button is no longer valid. Send /export to start again."
    assert all(m.document is None for m in admin.replies)


# --- command line ---------------------------------------------------------------------------------


async def _khabar(db: Database, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "LANG")}
    env["DATABASE_URL"] = db.url
    # cwd: no .env from the work tree
    result = await asyncio.to_thread(khabar, *args, env=env | {"PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    return result.returncode, result.stdout, result.stderr


async def test_cli_export_writes_hxl_to_stdout(db: Database, tmp_path: Path) -> None:
    recent = await add_report(db, occurred=date(2026, 11, 20))
    await add_report(db, occurred=date(2026, 10, 20))
    code, out, err = await _khabar(db, tmp_path, "export", "--format", "hxl", "--since", "2026-11-01")
    assert code == 0, err
    _tags, rows = hxl_rows(out)
    assert [r["#meta+id"] for r in rows] == [recent.reference]
    assert "1 approved report(s)" in err

    code, out, err = await _khabar(db, tmp_path, "export", "--since", "1 Nov")
    assert code == 2 and out == ""
    assert "since: not a date of the form YYYY-MM-DD" in err
