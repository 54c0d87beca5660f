"""Every way an answer can be wrong gets an explanation and the same question again; nothing is
stored from it. Moved from the end-to-end tests: they test the walker and the field types only."""

from __future__ import annotations

from bot.forms.actions import ReportAction
from storage.db import Database
from tests.unit.walker import Walker, form_from_toml

COUNTS = form_from_toml("""
    [[fields]]
    name = "killed"
    type = "integer"
    label = "How many people were killed?"
    required = true
    unknown = true
    constraint = { min = 0, max = 10000 }
    hxl = "#affected+killed"

    [[fields]]
    name = "injured"
    type = "integer"
    label = "How many were injured?"
    required = true
    unknown = true
    constraint = { min = 0, max = 10000 }
    hxl = "#affected+injured"

    [[fields]]
    name = "description"
    type = "text"
    label = "What happened?"
    required = true
    constraint = { max_length = 2000 }
    hxl = "#description"

    [[fields]]
    name = "source_type"
    type = "choice"
    label = "How do you know?"
    required = true
    hxl = "#meta+source"
    choices = [{ code = "witnessed", label = "I saw it" }, { code = "media", label = "Media" }]

    [[fields]]
    name = "photos"
    type = "photo"
    label = "Photos?"
    constraint = { max = 5 }
    hxl = "#meta+photos"
""")

WHEN = form_from_toml("""
    [[fields]]
    include = "when"
""")


async def test_numbers_out_of_range_or_not_numbers_are_refused(db: Database) -> None:
    walker = Walker(db, COUNTS)
    await walker.start()
    before = await walker.at()
    for bad in ("-1", "10001", "many", "3.5", " ", "2 or 3"):
        await walker.text(bad)
        assert await walker.at() == before, bad
        assert walker.asks("killed")
    await walker.text("١٢")  # Arabic-Indic digits
    step, answers = await walker.at()
    assert step == "injured" and answers["killed"] == 12
    await walker.text("۱٬۰۰۰")  # Persian digits with a thousands separator
    step, answers = await walker.at()
    assert step == "description" and answers["injured"] == 1000


async def test_unknown_is_distinct_from_zero(db: Database) -> None:
    walker = Walker(db, COUNTS)
    await walker.start()
    await walker.answer(ReportAction.UNKNOWN)
    await walker.text("0")
    step, answers = await walker.at()
    assert step == "description" and (answers["killed"], answers["injured"]) == ("unknown", 0)


async def test_text_where_a_button_was_expected(db: Database) -> None:
    walker = Walker(db, WHEN)
    await walker.start()
    await walker.answer(ReportAction.DAY, "0")
    assert (await walker.at())[0] == "@summary"  # the time of day is a detail, offered on the summary
    await walker.press(ReportAction.EDIT, "time_of_day")
    await walker.text("in the morning")  # time_of_day takes a button
    step, answers = await walker.at()
    assert step == "time_of_day" and "time_of_day" not in answers
    assert walker.asks("time_of_day")
    await walker.text("2026-03-02")  # a date, but this question takes a button
    assert "⚠️" in walker.screen.text


async def test_overlong_messages_are_refused(db: Database) -> None:
    walker = Walker(db, COUNTS)
    await walker.start()
    await walker.text("0")
    await walker.text("0")
    before = await walker.at()
    await walker.text("x" * 5001)  # over the 5,000-character limit of any message
    assert await walker.at() == before
    await walker.text("y" * 2500)  # over the description's own limit
    assert await walker.at() == before
    await walker.text("z" * 5001)
    assert await walker.at() == before
    await walker.text("A short description.")
    step, answers = await walker.at()
    assert step == "source_type" and answers["description"] == "A short description."


async def test_dates_future_unreadable_and_old_with_confirmation(db: Database) -> None:
    walker = Walker(db, WHEN)
    await walker.start()
    for bad in ("2999-01-01", "2026-03-02", "1500/01/01", "next week", "31/02/2026"):
        await walker.text(bad)
        step, answers = await walker.at()
        assert step == "occurred_on" and "occurred_on" not in answers, bad
    await walker.text("2020-03-01")  # more than a year ago: asks to confirm
    step, answers = await walker.at()
    assert step == "occurred_on" and "occurred_on" not in answers
    await walker.answer(ReportAction.REFUSE)  # No: asked again
    assert walker.asks("occurred_on")
    await walker.text("1398/12/11")  # the same day in Solar Hijri
    await walker.answer(ReportAction.ACCEPT)  # Yes
    step, answers = await walker.at()
    assert step == "@summary" and answers["occurred_on"] == "2020-03-01"


async def test_a_choice_button_out_of_range_is_stale(db: Database) -> None:
    walker = Walker(db, WHEN)
    await walker.start()
    await walker.answer(ReportAction.DAY, "0")
    before = await walker.at()
    for forged in ("99", "x", ""):
        await walker.answer(ReportAction.OPTION, forged)
        assert await walker.at() == before, forged
        assert walker.last.alert  # explained on the button
    await walker.answer(ReportAction.DAY, "1")  # another type's action
    assert await walker.at() == before


async def test_multi_choice_needs_one_and_toggles_off(db: Database) -> None:
    form = form_from_toml("""
        [[fields]]
        name = "attack_types"
        type = "multi_choice"
        label = "What happened?"
        required = true
        hxl = "#event+type"
        choices = [
          { code = "arson", label = "Arson" },
          { code = "threat", label = "Threat" },
          { code = "looting", label = "Looting" },
        ]

        [[fields]]
        name = "resources_affected"
        type = "multi_choice"
        label = "What was affected?"
        hxl = "#affected+type"
        choices = [{ code = "personnel", label = "Staff" }]
    """)
    walker = Walker(db, form)
    await walker.start()
    await walker.answer(ReportAction.DONE)  # nothing chosen
    assert (await walker.at())[0] == "attack_types"
    assert walker.last.show_alert
    await walker.toggle("arson", "threat", "arson")  # arson off again
    step, answers = await walker.at()
    assert step == "resources_affected" and answers["attack_types"] == ["threat"]
    await walker.answer(ReportAction.DONE)  # optional and empty: skipped
    step, answers = await walker.at()
    assert step == "@summary" and "resources_affected" not in answers


async def test_photos_stop_at_the_maximum_and_text_is_refused_at_the_photo_question(db: Database) -> None:
    walker = Walker(db, COUNTS)
    await walker.start()
    await walker.text("0")
    await walker.text("0")
    await walker.text("Something happened.")
    await walker.option("witnessed")
    await walker.text("here is a photo")  # text where a photo was expected
    step, answers = await walker.at()
    assert step == "photos" and "photos" not in answers
    for n in range(5):
        await walker.photo(f"f{n}")
    step, answers = await walker.at()
    assert step == "@summary" and answers["photos"] == ["f0", "f1", "f2", "f3", "f4"]  # the fifth closes it


async def test_photo_or_location_at_another_question_changes_nothing(db: Database) -> None:
    walker = Walker(db, COUNTS)
    await walker.start()
    before = await walker.at()
    await walker.photo()
    assert await walker.at() == before and "⚠️" in walker.screen.text
    await walker.location(34.5, 69.2)
    assert await walker.at() == before and "⚠️" in walker.screen.text


async def test_done_before_any_photo(db: Database) -> None:
    form = form_from_toml("""
        [[fields]]
        name = "required_photos"
        type = "photo"
        label = "Photo of the damage"
        required = true
        constraint = { max = 2 }
        hxl = "#meta+photos"

        [[fields]]
        name = "more_photos"
        type = "photo"
        label = "More photos?"
        hxl = "#meta+more"
    """)
    walker = Walker(db, form)
    await walker.start()
    await walker.answer(ReportAction.DONE)
    assert (await walker.at())[0] == "required_photos" and walker.last.show_alert
    await walker.photo("a")
    await walker.answer(ReportAction.DONE)  # one of two is enough
    step, answers = await walker.at()
    assert step == "more_photos" and answers["required_photos"] == ["a"]
    await walker.answer(ReportAction.DONE)  # optional: Done with none skips it
    step, answers = await walker.at()
    assert step == "@summary" and "more_photos" not in answers
