"""Full report flows through the emulator, one per category, in English, Dari and Pashto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.harness import BotHarness
from tests.report_helpers import (
    answers_subset,
    choose,
    draft_of,
    finish,
    pick,
    place,
    reporter,
    reports_of,
    start_report,
    toggle,
)


def kabul_today(days_ago: int = 0) -> str:
    return (datetime.now(UTC).astimezone(ZoneInfo("Asia/Kabul")).date() - timedelta(days=days_ago)).isoformat()


async def test_health_attack_full_flow_english(bot: BotHarness) -> None:
    user = await reporter(bot)
    await start_report(user, "health_attack")
    await choose(user, "y", "occurred_on", "1")  # yesterday
    await pick(user, "health_attack", "time_of_day", "morning")
    await place(user, "AF12", "Jani Khel")
    await user.send("Near the bazaar")
    await user.send_location(33.0, 69.0)
    await toggle(user, "health_attack", "attack_types", "heavy_weapons", "arson")
    await toggle(user, "health_attack", "resources_affected", "facility", "personnel")
    await pick(user, "health_attack", "facility_type", "bhc")
    await user.send("Clinic One")
    await pick(user, "health_attack", "services_interrupted", "yes")
    await pick(user, "health_attack", "perpetrator", "unknown")
    await user.send("2")
    await choose(user, "u", "injured")
    await finish(user, "health_attack")
    [report] = await reports_of(bot, user.id)
    assert report.reference.startswith(f"R-{datetime.now(UTC).year}-")
    assert report.category == "health_attack" and report.status == "pending"
    assert report.province_pcode == "AF12" and report.district_pcode == "AF1209"
    assert report.killed == 2 and report.injured is None
    assert report.occurred_on is not None and report.occurred_on.isoformat() == kabul_today(1)
    assert (report.lat, report.lon) == (33.0, 69.0)
    answers_subset(
        report,
        {
            "attack_types": ["heavy_weapons", "arson"],
            "resources_affected": ["facility", "personnel"],
            "facility_name": "Clinic One",
            "injured": "unknown",
            "place_name": "Near the bazaar",
            "source_type": "witness",
        },
    )
    assert "photos" not in report.answers
    assert await draft_of(bot, user.id) is None
    assert report.reference in user.last_text
