"""Not asked is not unknown: a digest entry and an urgent alert show the facts its form file lists
under `digest`, tell an unknown count from 0, and leave out what the form never asks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.digests import render_alert
from bot.forms.engine import categories
from bot.i18n import use_locale
from bot.report_blocks import digest_fields, report_block
from bot.runtime.i18n_preview import render
from bot.runtime.i18n_screens import SCREENS
from storage.models import Report
from tests.test_translations import LANGUAGES


def _report(category: str, answers: dict[str, object], **fields: Any) -> Report:
    values: dict[str, Any] = {
        "id": 1,
        "reference": "R-2026-000001",
        "draft_token": "t1",
        "category": category,
        "province_pcode": "AF06",
        "certainty": "probable",
        "status": "approved",
        "answers": answers,
    }
    values.update(fields)
    return Report(**values)


@pytest.mark.parametrize("code", [f.code for f in categories()])
def test_every_form_declares_its_digest_facts(code: str) -> None:
    assert digest_fields(code), f"{code}.toml has no `digest` list"


def test_categories_that_never_ask_about_casualties_do_not_print_them() -> None:
    displaced = _report("displacement", {"displaced": 120, "count_unit": "households", "cause": "conflict"})
    for text in (report_block(displaced), render_alert(displaced)):
        assert "Killed" not in text and "Injured" not in text
        assert "Displaced: 120 · Counted in: Households · Cause: Fighting · Corroborations: 0" in text
    lost = _report("medical_supplies_loss", {"supply_type": "vaccines", "quantity": 2000, "unit": "doses"})
    assert "Killed" not in report_block(lost) and "Quantity: 2,000" in report_block(lost)


def test_unknown_zero_and_withheld_are_told_apart() -> None:
    crossing = _report(
        "border_crossing",
        {"crossing": "BCP-PAK-TKH", "status": "closed", "people_crossing": "unknown"},
        killed=0,
        injured=None,
        sensitive_fields=["status"],
    )
    text = report_block(crossing)
    assert "Crossing: Torkham · New status: (withheld) · People crossing: unknown" in text
    assert "Killed: 0 · Injured: unknown" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_preview_shows_each_screen_in_each_language(language: str) -> None:
    text = render(date(2026, 11, 24))
    for title in ("Moderation card", "Digest", "Subscription summary"):
        assert any(title in name for name in SCREENS), title
    [row] = [line for line in text.splitlines() if line.startswith("| **Digest")]
    cells = row.split(" | ")[1:]
    assert len(cells) == len(LANGUAGES)
    with use_locale(language):
        digest = SCREENS["Digest (coordinator)"]()
    assert "Killed" not in digest.split("R-2026-000003")[1]
    word = {"en": "approved", "fa_AF": "منظورشده", "ps": "منظور شوي"}[language]
    assert word in digest
