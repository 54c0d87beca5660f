"""Place matching, nearest district and the forms engine as plain services (no bot needed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.forms import engine
from bot.forms.engine import FormError, load_forms
from bot.i18n import use_locale
from bot.places import normalize, places, skeleton


def codes(text: str, **kwargs: str) -> list[str]:
    return [p.pcode for p in places().match(text, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize("spelling", ["Jani Khel", "Jani Khail", "jani-khel", "JANI KHEL", "Jany Kheil"])
def test_jani_khel_offers_both_districts_with_their_provinces(spelling: str) -> None:
    found = codes(spelling, level="district")
    assert set(found[:2]) == {"AF1209", "AF1309"}
    labels = {places().label(p) for p in found[:2]}
    assert labels == {"Jani Khel (Paktika)", "Jani Khel (Paktya)"}


def test_province_preference_ranks_its_district_first() -> None:
    assert codes("Jani Khel", level="district", province="AF13")[0] == "AF1309"
    assert codes("Jani Khel", level="district", province="AF12")[0] == "AF1209"


def test_dari_and_pashto_spellings() -> None:
    assert codes("ننگرهار", level="province") == ["AF06"]  # Dari
    assert codes("ننګرهار", level="province") == ["AF06"]  # Pashto ګ
    assert codes("کونړ", level="province") == ["AF15"]  # Pashto name of Kunar (Dari: کنر ها)
    assert codes("روزګان", level="province") == ["AF25"]  # Pashto Uruzgan
    assert codes("سانچارك", level="district") == ["AF2205"]  # Arabic kaf typed for keheh
    assert "AF2205" in codes("سان چارک")  # spaces ignored


def test_latin_connectors_and_aliases() -> None:
    for spelling in ("Nahr-e-Saraj", "Nahr-i-Saraj", "Nahr i Saraj", "nahr saraj"):
        assert codes(spelling) == ["AF3004"], spelling
    assert codes("Helmand") == ["AF30"]
    assert codes("Mazar-i-Sharif") == ["AF2101"]
    assert normalize("Sar-e-Pul") == normalize("Sar i Pul") == normalize("sarpul")
    assert skeleton("Jani Khel") == skeleton("Jani Khail")


def test_unknown_place_matches_nothing() -> None:
    assert codes("Atlantis City") == []
    assert codes("   ") == []


def test_nearest_district_by_haversine() -> None:
    gaz = places()
    kabul = gaz.nearest_district(34.5553, 69.2075)
    assert kabul is not None and kabul.pcode == "AF0101"
    jani_khel_paktya = gaz.districts["AF1309"]
    assert jani_khel_paktya.lat is not None and jani_khel_paktya.lon is not None
    near = gaz.nearest_district(jani_khel_paktya.lat + 0.001, jani_khel_paktya.lon)
    assert near is not None and near.pcode == "AF1309"
    assert gaz.nearest_district(48.85, 2.35) is None  # Paris is not in the gazetteer


def test_names_follow_the_language() -> None:
    gaz = places()
    assert gaz.label("AF1209", "en") == "Jani Khel (Paktika)"
    assert gaz.name("AF06", "ps") == "ننګرهار"
    assert gaz.name("AF06", "fa_AF") == "ننگرهار"


def test_every_category_loads_with_common_fields() -> None:
    assert set(engine.category_codes()) == {
        "health_attack",
        "medical_supplies_loss",
        "border_crossing",
        "explosive_hazard",
        "control_change",
        "service_disruption",
        "displacement",
        "other_security",
    }
    for form in engine.categories():
        names = [f.name for f in form.fields]
        for common in ("occurred_on", "province", "district", "description", "source_type", "photos"):
            assert common in names, (form.code, common)
        assert all(f.hxl.startswith("#") for f in form.fields)


def test_a_bad_form_fails_at_load(tmp_path: Path) -> None:
    (tmp_path / "_common.toml").write_text("[groups]\n", encoding="utf-8")
    (tmp_path / "broken.toml").write_text(
        'code = "broken"\ntitle = "T"\ndescription = "D"\n[[fields]]\nname = "x"\ntype = "colour"\n'
        'label = "X"\nhxl = "#x"\n',
        encoding="utf-8",
    )
    with pytest.raises(FormError, match="unknown type"):
        load_forms(tmp_path)
    (tmp_path / "broken.toml").write_text(
        'code = "broken"\ntitle = "T"\ndescription = "D"\n[[fields]]\nname = "x"\ntype = "text"\n'
        'label = "X"\nhxl = "#x"\nrelevant = { field = "later" }\n',
        encoding="utf-8",
    )
    with pytest.raises(FormError, match="earlier field"):
        load_forms(tmp_path)


ANSWERS = {
    "occurred_on": "2026-11-20",
    "province": "AF13",
    "district": "AF1309",
    "location": {"lat": 33.5, "lon": 69.6},
    "attack_types": ["arson", "threat"],
    "resources_affected": ["personnel"],
    "services_interrupted": "no",
    "perpetrator": "unknown",
    "killed": 12,
    "injured": "unknown",
    "description": "Text as written",
    "source_type": "media",
    "photos": ["f1", "f2"],
}


def test_export_columns_are_stable_codes_with_hxl_tags() -> None:
    columns = engine.export_columns("health_attack", ANSWERS)
    by_header = {header: (tag, value) for tag, header, value in columns}
    assert by_header["district"] == ("#adm2+code", "AF1309")
    assert by_header["district_name"] == ("#adm2+name", "Jani Khel")
    assert by_header["location_lat"] == ("#geo+lat", "33.50000")
    assert by_header["attack_types"] == ("#event+attack+type", "arson,threat")
    assert by_header["killed"][1] == "12" and by_header["injured"][1] == "unknown"
    assert by_header["facility_name"][1] == ""  # not relevant here, still a column
    assert [h for _, h, _ in columns] == [h for _, h, _ in engine.export_columns("health_attack", {})]


def test_summary_lines_localize_numbers_and_dates() -> None:
    with use_locale("fa_AF"):
        lines = engine.summary_lines("health_attack", ANSWERS)
    joined = "\n".join(lines)
    assert "۱۲" in joined and "12" not in joined.replace("Text as written", "")
    assert "Text as written" in joined
    assert "پکتیا" in joined  # the district's province beside it
    with use_locale("en"):
        assert any("20 Nov 2026" in line for line in engine.summary_lines("health_attack", ANSWERS))


def test_report_facts_keep_unknown_distinct_from_zero() -> None:
    facts = engine.report_facts("health_attack", ANSWERS)
    assert facts.killed == 12 and facts.injured is None
    assert facts.occurred_on == date(2026, 11, 20)
    assert (facts.province_pcode, facts.district_pcode) == ("AF13", "AF1309")
    zero = engine.report_facts("health_attack", {**ANSWERS, "injured": 0})
    assert zero.injured == 0


def test_date_checks() -> None:
    field = engine.get_form("health_attack").field("occurred_on")
    today = date(2026, 11, 25)
    assert engine.check_text(field, "2026-11-26", today).error  # future
    assert engine.check_text(field, "1405/09/03", today).value == "2026-11-24"  # Solar Hijri
    assert engine.check_text(field, "۲۴/۱۱/۲۰۲۶", today).value == "2026-11-24"
    old = engine.check_text(field, "2025-01-01", today)
    assert old.ok and old.confirm and old.value == "2025-01-01"
    assert engine.check_text(field, "soon", today).error
