"""Full report flows through the emulator, one per category, in English, Dari and Pashto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.forms.actions import ReportAction
from tests.harness import BotHarness
from tests.report_helpers import (
    action_prefix,
    answers_subset,
    choose,
    describe,
    detail,
    draft_of,
    finish,
    opening,
    pick,
    place,
    reporter,
    reports_of,
    start_report,
    submit,
    toggle,
)


def kabul_today(days_ago: int = 0) -> str:
    return (
        datetime.now(UTC).astimezone(ZoneInfo("Asia/Kabul")).date() - timedelta(days=days_ago)
    ).isoformat()


async def test_health_attack_full_flow_english(bot: BotHarness) -> None:
    user = await reporter(bot)
    await start_report(user, "health_attack")
    await choose(user, ReportAction.DAY, "occurred_on", "1")  # yesterday
    await place(user, "AF12", "Jani Khel")
    await toggle(user, "health_attack", "attack_types", "heavy_weapons", "arson")
    await toggle(user, "health_attack", "resources_affected", "facility", "personnel")
    await pick(user, "health_attack", "services_interrupted", "yes")
    await pick(user, "health_attack", "perpetrator", "unknown")
    await user.send("2")
    await choose(user, ReportAction.UNKNOWN, "injured")
    await describe(user, "health_attack")
    # The details the walk leaves to the summary.
    await detail(user, "time_of_day")
    await pick(user, "health_attack", "time_of_day", "morning")
    await detail(user, "place_name")
    await user.send("Near the bazaar")
    await user.send_location(33.0, 69.0)  # at the summary: added as the location
    await detail(user, "facility_type")
    await pick(user, "health_attack", "facility_type", "bhc")
    await detail(user, "facility_name")
    await user.send("Clinic One")
    await submit(user)
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


async def test_medical_supplies_loss_in_dari_with_persian_digits_and_hijri_date(bot: BotHarness) -> None:
    import jdatetime

    user = await reporter(bot, 102, language="fa_AF")
    await start_report(user, "medical_supplies_loss")
    day = jdatetime.date.fromgregorian(date=datetime.fromisoformat(kabul_today(3)).date())
    await user.send(local(f"{day.year}/{day.month:02d}/{day.day:02d}"))
    await choose(user, ReportAction.SKIP, "time_of_day")
    await user.send("هرات")  # Dari name: the province Hirat and its district of the same name
    await choose(user, ReportAction.PLACE, "province", "AF32")
    await choose(user, ReportAction.PLACE, "district", "AF3201")
    await choose(user, ReportAction.SKIP, "place_name")
    await choose(user, ReportAction.SKIP, "location")
    await pick(user, "medical_supplies_loss", "supply_type", "vaccines")
    await toggle(user, "medical_supplies_loss", "antigens", "opv", "measles")
    await user.send("۱۲٬۵۰۰")  # the unit is doses unless changed on the summary
    await pick(user, "medical_supplies_loss", "cause", "cold_chain_failure")
    await describe(user, "medical_supplies_loss", "یخچال های واکسین خراب شد.")
    await detail(user, "facility_name")
    await user.send("انبار دوا")
    await submit(user)
    [report] = await reports_of(bot, user.id)
    assert report.language == "fa_AF"
    assert report.occurred_on is not None and report.occurred_on.isoformat() == kabul_today(3)
    assert (report.province_pcode, report.district_pcode) == ("AF32", "AF3201")
    assert report.killed is None and report.injured is None
    answers_subset(
        report,
        {"antigens": ["opv", "measles"], "quantity": 12500, "unit": "doses", "facility_name": "انبار دوا"},
    )
    assert "time_of_day" not in report.answers and "location" not in report.answers


def local(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


async def test_border_crossing_in_pashto_listed_crossing_places_itself(bot: BotHarness) -> None:
    user = await reporter(bot, 103, language="ps")
    await start_report(user, "border_crossing")
    await choose(user, ReportAction.DAY, "occurred_on", "0")
    await pick(user, "border_crossing", "crossing", "BCP-PAK-TKH")
    await toggle(user, "border_crossing", "status", "closed", "seized")
    await toggle(user, "border_crossing", "crossers", "returnees")
    await user.send("٣٠٠")  # Arabic-Indic digits
    await pick(user, "border_crossing", "crossing_flow", "event")
    await pick(user, "border_crossing", "direction", "into_afghanistan")
    await pick(user, "border_crossing", "goods_blocked", "goods_and_aid")
    await user.send("0")
    await user.send("۰")
    await describe(user, "border_crossing", "د تورخم لاره بنده شوه")
    await detail(user, "time_of_day")
    await pick(user, "border_crossing", "time_of_day", "night")
    await submit(user)
    [report] = await reports_of(bot, user.id)
    assert report.language == "ps"
    assert (report.province_pcode, report.district_pcode) == ("AF06", "AF0617")
    assert report.killed == 0 and report.injured == 0
    answers_subset(
        report,
        {
            "crossing": "BCP-PAK-TKH",
            "people_crossing": 300,
            "status": ["closed", "seized"],
            "crossers": ["returnees"],
            "crossing_flow": "event",
        },
    )
    assert "province" not in report.answers


async def test_border_crossing_other_asks_the_place_in_pashto_spelling(bot: BotHarness) -> None:
    user = await reporter(bot, 104, language="ps")
    await start_report(user, "border_crossing")
    await choose(user, ReportAction.DAY, "occurred_on", "2")
    await choose(user, ReportAction.SKIP, "time_of_day")
    await pick(user, "border_crossing", "crossing", "other")
    await user.send("ننګرهار")  # Pashto spelling (ګ), Dari has ننگرهار: exact and unique, so taken
    assert (await draft_of(bot, user.id)).answers["province"] == "AF06"  # type: ignore[union-attr]
    await choose(user, ReportAction.PLACE, "district", "other")
    await user.send("Nawa Pass")  # required once the district is not listed
    await choose(user, ReportAction.SKIP, "location")
    await toggle(user, "border_crossing", "status", "restricted")
    await choose(user, ReportAction.SKIP, "crossers")
    await choose(user, ReportAction.UNKNOWN, "people_crossing")
    await pick(user, "border_crossing", "goods_blocked", "unknown")
    await choose(user, ReportAction.UNKNOWN, "killed")
    await choose(user, ReportAction.UNKNOWN, "injured")
    await finish(user, "border_crossing")
    [report] = await reports_of(bot, user.id)
    assert (report.province_pcode, report.district_pcode) == ("AF06", None)
    answers_subset(report, {"district": "other", "place_name": "Nawa Pass", "people_crossing": "unknown"})
    assert "direction" not in report.answers


async def test_explosive_hazard_flow_with_location_proposing_nearest_district(bot: BotHarness) -> None:
    user = await reporter(bot, 105)
    await start_report(user, "explosive_hazard")
    await choose(user, ReportAction.DAY, "occurred_on", "0")
    await user.send_location(34.5553, 69.2075)  # Kabul city, at the province question
    await choose(user, ReportAction.ACCEPT, "province")  # "Yes" to the proposed district
    await choose(user, ReportAction.ACCEPT, "location")  # keep the location shared at the province question
    await pick(user, "explosive_hazard", "hazard_type", "ied")
    await pick(user, "explosive_hazard", "exploded", "no")
    await pick(user, "explosive_hazard", "site_type", "road")
    await pick(user, "explosive_hazard", "road_blocked", "yes")
    await user.send("0")
    await user.send("0")
    await describe(user, "explosive_hazard")
    await detail(user, "time_of_day")
    await pick(user, "explosive_hazard", "time_of_day", "afternoon")
    await submit(user)
    [report] = await reports_of(bot, user.id)
    assert (report.province_pcode, report.district_pcode) == ("AF01", "AF0101")
    assert (report.lat, report.lon) == (34.5553, 69.2075)
    answers_subset(report, {"road_blocked": "yes", "hazard_type": "ied"})


async def test_control_change_flow(bot: BotHarness) -> None:
    user = await reporter(bot, 106)
    await start_report(user, "control_change")
    await user.send(kabul_today(5))
    await choose(user, ReportAction.SKIP, "time_of_day")
    await place(user, "AF30", "Nahr-i-Saraj")  # the gazetteer spells it Nahr-e-Saraj
    await choose(user, ReportAction.SKIP, "place_name")
    await choose(user, ReportAction.SKIP, "location")
    await toggle(user, "control_change", "site_type", "checkpoint", "police_hq")
    await choose(user, ReportAction.SKIP, "new_control")
    await pick(user, "control_change", "fighting", "no")
    await user.send("0")
    await user.send("1")
    await describe(user, "control_change")
    await detail(user, "previous_control")
    await user.send("Group A")
    await submit(user)
    [report] = await reports_of(bot, user.id)
    assert report.district_pcode == "AF3004" and report.injured == 1
    answers_subset(report, {"site_type": ["checkpoint", "police_hq"], "previous_control": "Group A"})
    assert "new_control" not in report.answers


async def test_service_disruption_flow_with_paged_province_picker(bot: BotHarness) -> None:
    user = await reporter(bot, 107)
    await start_report(user, "service_disruption")
    await choose(user, ReportAction.DAY, "occurred_on", "6")
    await choose(user, ReportAction.SKIP, "time_of_day")
    await choose(user, ReportAction.PAGE, "province", "1")  # Next
    await choose(user, ReportAction.PAGE, "province", "2")  # Next again: the third page
    assert "Kabul" not in user.buttons and "Zabul" in user.buttons
    await choose(user, ReportAction.PLACE, "province", "AF26")  # Zabul
    await choose(user, ReportAction.PLACE, "district", "AF2601")
    await choose(user, ReportAction.SKIP, "place_name")
    await choose(user, ReportAction.SKIP, "location")
    await pick(user, "service_disruption", "service_type", "school")
    await pick(user, "service_disruption", "disruption", "closed")
    await user.send("4")
    await choose(user, ReportAction.SKIP, "people_affected")
    await pick(user, "service_disruption", "reason", "authorities_order")
    await finish(user, "service_disruption")
    [report] = await reports_of(bot, user.id)
    assert report.province_pcode == "AF26" and report.killed is None
    answers_subset(report, {"sites_affected": 4, "reason": "authorities_order"})


async def test_displacement_flow(bot: BotHarness) -> None:
    user = await reporter(bot, 108)
    await opening(user, "displacement", place_at=("AF15", "Asadabad"))  # an alias of Kunar's centre district
    await pick(user, "displacement", "count_unit", "households")
    await user.send("120")
    await pick(user, "displacement", "cause", "conflict")
    await user.send("Nangarhar")  # an exact, unique name: taken without a "did you mean"
    await toggle(user, "displacement", "needs", "shelter", "food")
    await describe(user, "displacement")
    await detail(user, "destination")
    await user.send("Jalalabad camps")
    await submit(user)
    [report] = await reports_of(bot, user.id)
    assert report.province_pcode == "AF15" and report.district_pcode == "AF1501"
    answers_subset(report, {"displaced": 120, "destination_province": "AF06", "needs": ["shelter", "food"]})


async def test_other_security_flow_with_photos(bot: BotHarness) -> None:
    user = await reporter(bot, 109)
    await opening(user, "other_security", day="1", place_at=("AF13", "Jani Khail"))
    await pick(user, "other_security", "incident_type", "abduction")
    await pick(user, "other_security", "aid_workers_affected", "yes")
    await user.send("0")
    await user.send("0")
    await user.send("Two staff were taken at a checkpoint.")
    await pick(user, "other_security", "source_type", "official")
    await user.send_photo()  # at the summary: added to the report
    await user.send_photo()
    await choose_submit(user)
    [report] = await reports_of(bot, user.id)
    assert report.district_pcode == "AF1309" and report.province_pcode == "AF13"
    assert len(report.answers["photos"]) == 2


async def choose_submit(user: object) -> None:
    from tests.report_helpers import press

    await press(user, action_prefix(ReportAction.SUBMIT))  # type: ignore[arg-type]
