"""Walking a form: relevance, required_if, the summary's edit with pruning, places, Submit.
Moved from the end-to-end tests where they tested the walker only."""

from __future__ import annotations

from bot.forms import engine
from bot.forms.actions import ReportAction
from storage.db import Database
from tests.unit.walker import Walker, form_from_toml

SUPPLIES = form_from_toml("""
    [[fields]]
    name = "occurred_on"
    type = "date"
    label = "When?"
    required = true
    constraint = { not_future = true }
    hxl = "#date+occurred"

    [[fields]]
    name = "supply_type"
    type = "choice"
    label = "What was lost?"
    required = true
    hxl = "#item+type"
    choices = [{ code = "vaccines", label = "Vaccines" }, { code = "medicines", label = "Medicines" }]

    [[fields]]
    name = "antigens"
    type = "multi_choice"
    label = "Which vaccines?"
    required = true
    relevant = { field = "supply_type", any_of = ["vaccines"] }
    hxl = "#item+antigen"
    choices = [{ code = "opv", label = "Polio" }, { code = "bcg", label = "BCG" }]

    [[fields]]
    name = "quantity"
    type = "integer"
    label = "How much?"
    unknown = true
    constraint = { min = 1, max = 100000000 }
    hxl = "#value+lost"

    [[fields]]
    name = "unit"
    type = "choice"
    label = "In what unit?"
    required = true
    relevant = { field = "quantity" }
    hxl = "#value+unit"
    choices = [{ code = "doses", label = "Doses" }, { code = "boxes", label = "Boxes" }]

    [[fields]]
    name = "cause"
    type = "choice"
    label = "What caused it?"
    required = true
    hxl = "#cause"
    choices = [{ code = "fire", label = "Fire" }, { code = "looting", label = "Looting" }]
""")

WHERE = form_from_toml("""
    [[fields]]
    include = "where"
""")


def test_relevance_follows_the_answers() -> None:
    names = [f.name for f in engine.relevant_fields(SUPPLIES, {})]
    assert "antigens" not in names and "unit" not in names
    answers = {"supply_type": "vaccines", "quantity": 3}
    assert [f.name for f in engine.relevant_fields(SUPPLIES, answers)] == [f.name for f in SUPPLIES.fields]
    assert engine.next_field(SUPPLIES, {"supply_type": "medicines"}, "supply_type") == SUPPLIES.field(
        "quantity"
    )
    # An unknown quantity has no unit to ask.
    assert engine.next_field(SUPPLIES, {"quantity": "unknown"}, "quantity") == SUPPLIES.field("cause")
    assert engine.previous_field(SUPPLIES, {}, "quantity") == SUPPLIES.field("supply_type")


def test_prune_drops_answers_an_edit_made_irrelevant() -> None:
    answers = {"supply_type": "medicines", "antigens": ["bcg"], "quantity": 2, "unit": "doses", "gone": 1}
    assert engine.prune(SUPPLIES, answers) == {"supply_type": "medicines", "quantity": 2, "unit": "doses"}
    assert engine.first_missing(SUPPLIES, {"occurred_on": "2026-03-01", "supply_type": "vaccines"}) == (
        SUPPLIES.field("antigens")
    )


def test_required_if() -> None:
    place_name = WHERE.field("place_name")
    assert not place_name.is_required({"district": "AF0102"})
    assert place_name.is_required({"district": "other"})


async def test_summary_edit_changes_one_answer_and_asks_newly_relevant_ones(db: Database) -> None:
    walker = Walker(db, SUPPLIES)
    await walker.start()
    await walker.answer(ReportAction.DAY, "0")
    await walker.option("medicines")
    await walker.answer(ReportAction.SKIP)  # quantity
    await walker.option("looting")
    assert (await walker.at())[0] == "@summary"
    await walker.press(ReportAction.EDIT, "occurred_on")
    await walker.answer(ReportAction.DAY, "1")
    assert (await walker.at())[0] == "@summary"
    await walker.press(ReportAction.EDIT, "supply_type")
    await walker.option("vaccines")
    step, _answers = await walker.at()
    assert step == "antigens"  # newly relevant and required
    await walker.toggle("bcg")
    assert (await walker.at())[0] == "@summary"
    await walker.press(ReportAction.EDIT, "supply_type")
    await walker.option("medicines")  # antigens no longer relevant: pruned, back to the summary
    step, answers = await walker.at()
    assert step == "@summary" and "antigens" not in answers
    await walker.press(ReportAction.EDIT, "supply_type")
    await walker.option("vaccines")
    await walker.toggle("bcg")
    await walker.press(ReportAction.SUBMIT)
    [report] = await walker.reports()
    assert report.answers["supply_type"] == "vaccines" and report.answers["antigens"] == ["bcg"]
    assert report.occurred_on is not None and report.occurred_on.isoformat() == "2026-02-28"
    assert await walker.draft() is None


async def test_edit_is_refused_outside_the_summary_and_for_irrelevant_fields(db: Database) -> None:
    walker = Walker(db, SUPPLIES)
    await walker.start()
    await walker.press(ReportAction.EDIT, "cause")  # not at the summary
    assert (await walker.at())[0] == "occurred_on"
    await walker.answer(ReportAction.DAY, "0")
    await walker.option("medicines")
    await walker.answer(ReportAction.SKIP)
    await walker.option("fire")
    await walker.press(ReportAction.EDIT, "antigens")  # not relevant
    assert (await walker.at())[0] == "@summary"


async def test_unknown_place_and_other_district_keeps_free_text(db: Database) -> None:
    walker = Walker(db, WHERE)
    await walker.start()
    await walker.text("Atlantis")
    step, answers = await walker.at()
    assert step == "province" and "province" not in answers
    await walker.text("Paktika")
    await walker.answer(ReportAction.PLACE, "AF12")
    await walker.answer(ReportAction.PLACE, "other")
    await walker.command("skip")  # the place name is required when the district is not listed
    assert (await walker.at())[0] == "place_name"
    await walker.text("New Camp")
    step, answers = await walker.at()
    assert step == "@summary" and answers["district"] == "other" and answers["place_name"] == "New Camp"


async def test_a_district_at_the_province_question_answers_both(db: Database) -> None:
    walker = Walker(db, WHERE)
    await walker.start()
    await walker.answer(ReportAction.PLACE, "AF0102")
    step, answers = await walker.at()
    assert (answers["province"], answers["district"]) == ("AF01", "AF0102") and step == "@summary"
    await walker.command("back")
    await walker.command("back")
    await walker.answer(ReportAction.PLACE, "AF12")  # another province: its district is dropped
    step, answers = await walker.at()
    assert step == "district" and answers["province"] == "AF12" and "district" not in answers


async def test_a_shared_location_finds_the_district(db: Database) -> None:
    walker = Walker(db, WHERE)
    await walker.start()
    await walker.location(34.5553, 69.2075)  # Kabul
    assert (await walker.at())[1] == {}  # asked to confirm first
    await walker.answer(ReportAction.ACCEPT)
    step, answers = await walker.at()
    assert answers["province"] == "AF01" and answers["district"].startswith("AF01")
    # Offered at the location question, not kept unasked (security review finding 6).
    assert "location" not in answers and step == "location"
    await walker.command("skip")  # declined; the place name is a detail, asked from the summary
    await walker.press(ReportAction.EDIT, "place_name")
    await walker.location(10.0, 10.0)  # a location can't answer the place name
    assert "⚠️" in walker.screen.text
