"""The field types: the registry, each type's own keys at load time, and its checks and rendering."""

from __future__ import annotations

from datetime import date

import pytest

from bot.forms import engine
from bot.forms.model import FormError
from bot.forms.types import FIELD_TYPES, MEDIA_TYPES
from bot.forms.types.media import MediaOptions
from bot.forms.types.scalar import IntegerOptions
from bot.i18n import use_locale
from tests.unit.walker import TODAY, form_from_toml


def one(field: str) -> engine.FormField:
    return form_from_toml(field).fields[0]


def test_the_registry_lists_every_type_the_forms_use() -> None:
    assert set(FIELD_TYPES) == {
        "choice",
        "multi_choice",
        "integer",
        "date",
        "text",
        "location",
        "admin_area",
        "photo",
        "voice",
    }
    assert set(MEDIA_TYPES) == {"photo", "voice"}
    used = {f.type for form in engine.categories() for f in form.fields}
    assert used <= set(FIELD_TYPES)


@pytest.mark.parametrize(
    ("field", "error"),
    [
        ('name = "x"\ntype = "colour"\nlabel = "X"\nhxl = "#x"', "unknown type"),
        ('name = "x"\ntype = "choice"\nlabel = "X"\nhxl = "#x"', "needs choices"),
        (
            'name = "x"\ntype = "integer"\nlabel = "X"\nhxl = "#x"\nconstraint = { max_length = 3 }',
            "constraint",
        ),
        ('name = "x"\ntype = "text"\nlabel = "X"\nhxl = "#x"\nconstraint = { max = 3 }', "constraint"),
        ('name = "x"\ntype = "admin_area"\nlabel = "X"\nhxl = "#x"', "level"),
        ('name = "x"\ntype = "admin_area"\nlevel = "district"\nlabel = "X"\nhxl = "#x"', "parent"),
        ('name = "x"\ntype = "text"\nlabel = "X"\nhxl = "x"', "hxl"),
    ],
)
def test_each_type_checks_its_own_keys(field: str, error: str) -> None:
    with pytest.raises(FormError, match=error):
        form_from_toml("[[fields]]\n" + field)


def test_maximum_means_one_thing_per_type() -> None:
    count = one(
        '[[fields]]\nname = "n"\ntype = "integer"\nlabel = "N"\nhxl = "#n"\nconstraint = { min = 1, max = 9 }'
    )
    photos = one('[[fields]]\nname = "p"\ntype = "photo"\nlabel = "P"\nhxl = "#p"\nconstraint = { max = 2 }')
    default = one('[[fields]]\nname = "p"\ntype = "photo"\nlabel = "P"\nhxl = "#p"')
    assert count.options == IntegerOptions(minimum=1, maximum=9, unknown=False)
    assert photos.options == MediaOptions(max_count=2)
    assert default.options == MediaOptions(max_count=5)


def test_integer_bounds() -> None:
    f = one(
        '[[fields]]\nname = "n"\ntype = "integer"\nlabel = "N"\nhxl = "#n"\nconstraint = { min = 1, max = 9 }'
    )
    assert engine.check_text(f, " 9 ", TODAY).value == 9
    assert engine.check_text(f, "۳", TODAY).value == 3
    for bad in ("0", "10", "-1", "1.5", "nine", "unknown"):
        assert engine.check_text(f, bad, TODAY).error, bad
    open_ended = one('[[fields]]\nname = "n"\ntype = "integer"\nlabel = "N"\nhxl = "#n"')
    assert engine.check_text(open_ended, "123456789", TODAY).value == 123456789
    assert engine.check_text(open_ended, "-1", TODAY).error


def test_dates_in_the_future_only_where_the_form_forbids_them() -> None:
    past = one(
        '[[fields]]\nname = "d"\ntype = "date"\nlabel = "D"\nhxl = "#d"\nconstraint = { not_future = true }'
    )
    any_day = one('[[fields]]\nname = "d"\ntype = "date"\nlabel = "D"\nhxl = "#d"')
    assert engine.check_text(past, "2026-03-02", TODAY).error
    assert engine.check_text(any_day, "2026-03-02", TODAY).value == "2026-03-02"
    old = engine.check_text(past, "2024-01-01", TODAY)
    assert old.ok and old.confirm and old.value == "2024-01-01"


def test_text_length_and_buttons_only_types() -> None:
    text = one(
        '[[fields]]\nname = "t"\ntype = "text"\nlabel = "T"\nhxl = "#t"\nconstraint = { max_length = 5 }'
    )
    assert engine.check_text(text, "  five ", TODAY).value == "five"
    assert engine.check_text(text, "sixsix", TODAY).error
    assert engine.check_text(text, "   ", TODAY).error
    choice = one(
        '[[fields]]\nname = "c"\ntype = "choice"\nlabel = "C"\nhxl = "#c"'
        '\nchoices = [{ code = "a", label = "A" }]'
    )
    assert engine.check_text(choice, "a", TODAY).error  # a code typed is not a press
    assert engine.check_text(choice, "x" * 5001, TODAY).error


def test_rendering_and_export_per_type() -> None:
    form = form_from_toml("""
        [[fields]]
        name = "kinds"
        type = "multi_choice"
        label = "Kinds"
        hxl = "#event+type"
        choices = [{ code = "a", label = "Arson" }, { code = "b", label = "Threat" }]

        [[fields]]
        name = "gps"
        type = "location"
        label = "Where?"
        hxl = "#geo"

        [[fields]]
        name = "photos"
        type = "photo"
        label = "Photos"
        hxl = "#meta+photos"
    """)
    answers = {"kinds": ["a", "b"], "gps": {"lat": 34.5, "lon": 69.25}, "photos": ["x", "y"]}
    with use_locale("en"):
        assert engine.form_summary(form, answers) == [
            "Kinds: Arson, Threat",
            "Where?: 34.50000, 69.25000",
            "Photos: 2 photos",
        ]
    columns = [c for f in form.fields for c in f.kind.export(f, answers.get(f.name), None)]  # type: ignore[arg-type]
    assert columns == [
        ("#event+type", "kinds", "a,b"),
        ("#geo+lat", "gps_lat", "34.50000"),
        ("#geo+lon", "gps_lon", "69.25000"),
        ("#meta+photos", "photos", "2"),
    ]
    facts = engine.form_facts(form, answers)
    assert (facts.lat, facts.lon, facts.occurred_on) == (34.5, 69.25, None)


def test_who_moderators_may_edit() -> None:
    editable = {name for name, kind in FIELD_TYPES.items() if kind.editable}
    assert editable == {"text", "integer", "date", "choice", "admin_area"}


def test_date_facts_and_sensitive_fact_names() -> None:
    form = form_from_toml('[[fields]]\ninclude = "when"\n[[fields]]\ninclude = "where"')
    facts = engine.form_facts(form, {"occurred_on": "2026-02-01", "province": "AF01", "district": "other"})
    assert (facts.occurred_on, facts.province_pcode, facts.district_pcode) == (date(2026, 2, 1), "AF01", None)
    names = {f.name: f.kind.fact_names(f) for f in form.fields}
    assert names["occurred_on"] == {"occurred_on"} and names["district"] == {"district_pcode"}
    assert names["location"] == {"lat", "lon"} and names["place_name"] == frozenset()
