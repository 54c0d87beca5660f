"""Location privacy (security review finding 6): exports carry the district's point (or a point
rounded to about a kilometre) unless a moderator released the exact one from the card, audited; a
location shared to find the district is offered at the location question, never kept unasked; the
location question says who sees the point."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.exports import ExportFormat, ExportStream
from bot.forms.actions import ReportAction
from bot.moderation import release_location
from domain.vocabulary import AuditAction
from storage.db import Database
from storage.exports import ReportFilter
from storage.models import ReportEvent
from tests.export_helpers import add_report, health_answers
from tests.harness import BotHarness
from tests.moderation_support import make_report
from tests.report_helpers import choose, finish, pick, reporter, reports_of, start_report

GPS = (34.6011, 69.2022)


async def _records(db: Database) -> list[dict[str, object]]:
    stream = ExportStream(db, ExportFormat.JSON, ReportFilter())
    return list(json.loads("".join([chunk async for chunk in stream])))


async def test_exports_carry_the_district_point_until_a_moderator_releases_the_exact_one(
    db: Database,
) -> None:
    report = await add_report(db, gps=GPS)
    for fmt in ExportFormat:
        text = "".join([chunk async for chunk in ExportStream(db, fmt, ReportFilter())])
        assert "34.6011" not in text and "69.2022" not in text, fmt
    [record] = await _records(db)
    assert record["location_source"] == "district_centroid" and record["lat"] != GPS[0]

    assert report.id is not None
    async with db.session() as session:
        result = await release_location(
            session, report_id=report.id, version=report.version, actor_id=7, now=datetime.now(UTC)
        )
    assert result.done
    [record] = await _records(db)
    assert (record["lat"], record["lon"], record["location_source"]) == (*GPS, "gps")


async def test_an_unreleased_point_without_a_place_is_rounded(db: Database) -> None:
    await add_report(
        db, gps=GPS, province=None, district=None, answers=health_answers(province=None, district=None)
    )
    [record] = await _records(db)
    assert (record["lat"], record["lon"], record["location_source"]) == (34.6, 69.2, "gps_coarse")


async def test_a_moderator_releases_the_exact_location_from_the_card(bot: BotHarness) -> None:
    moderator = await bot.user(2, "Mod", role="moderator")
    await bot.user(80, "Field", role="reporter")
    report = await make_report(bot.db, 80)
    async with bot.db.session() as session:
        row = await session.get(type(report), report.id)
        assert row is not None
        row.lat, row.lon = GPS
    await moderator.send("/pending")
    await moderator.press("Release the exact location to exports")
    assert "The exact location is released to exports." in moderator.last_text
    assert "Release the exact location" not in " ".join(moderator.buttons)
    async with bot.db.session() as session:
        events = (await session.execute(select(ReportEvent))).scalars().all()
    [release] = [e for e in events if e.action == AuditAction.LOCATION_RELEASED]
    assert release.actor_id == 2 and release.report_id == report.id


async def test_a_location_shared_for_the_district_is_offered_not_kept(bot: BotHarness) -> None:
    user = await reporter(bot, 105)
    await start_report(user, "explosive_hazard")
    await choose(user, ReportAction.DAY, "occurred_on", "0")  # the time of day is a detail: not asked
    await user.send_location(34.5553, 69.2075)  # at the province question
    await choose(user, ReportAction.ACCEPT, "province")
    await choose(user, ReportAction.SKIP, "place_name")
    assert "see only the district unless a moderator releases it" in user.last_text
    assert "Use the location I shared" in user.buttons and "Keep" not in user.buttons
    await choose(user, ReportAction.SKIP, "location")  # the reporter declines
    await pick(user, "explosive_hazard", "hazard_type", "ied")
    await pick(user, "explosive_hazard", "exploded", "no")
    await pick(user, "explosive_hazard", "site_type", "road")
    await pick(user, "explosive_hazard", "road_blocked", "yes")
    await user.send("0")
    await user.send("0")
    await finish(user, "explosive_hazard")
    [report] = await reports_of(bot, user.id)
    assert report.district_pcode == "AF0101" and (report.lat, report.lon) == (None, None)
    assert "location" not in report.answers
