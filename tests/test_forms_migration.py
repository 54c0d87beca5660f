"""Revision 0004 moves stored answers to the reshaped forms: single codes become lists where the
question became multi-choice, and earlier crossing counts (asked per day) are marked daily."""

from __future__ import annotations

import importlib

from bot.forms.engine import get_form

revision = importlib.import_module("storage.migrations.versions.0004_forms_fit_reality")


def test_single_codes_become_lists_and_old_counts_are_daily() -> None:
    crossing = revision._up("border_crossing", {"status": "closed", "people_crossing": 134})
    assert crossing == {"status": ["closed"], "people_crossing": 134, "crossing_flow": "daily"}
    assert revision._up("control_change", {"site_type": "district_centre"}) == {
        "site_type": ["district_centre"]
    }
    assert revision._up("border_crossing", {"status": ["open"]}) == {"status": ["open"]}  # already moved
    for category, name in (("border_crossing", "status"), ("control_change", "site_type")):
        assert get_form(category).field(name).type == "multi_choice"
    assert {c.code for c in get_form("border_crossing").field("crossing_flow").choices} == {"event", "daily"}


def test_downgrade_keeps_the_first_code() -> None:
    assert revision._down("border_crossing", {"status": ["closed", "seized"], "crossing_flow": "event"}) == {
        "status": "closed"
    }
