"""One incident, several facets: after submitting, "add another aspect of this incident" starts a
report of another category with the date and place carried over; the two share an incident id,
shown on the card, counted once in digests (each facet listed) and exported (#event+id)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.digests import render_digest
from bot.exports import ExportFormat
from bot.forms.actions import ReportAction
from bot.i18n import use_locale
from domain.vocabulary import Certainty, ReportStatus
from handlers.callbacks import ReportPress
from storage.models import Report, Subscription
from tests.harness import BotHarness
from tests.moderation_support import load_report
from tests.report_helpers import (
    choose,
    describe,
    draft_of,
    opening,
    pick,
    press,
    reporter,
    reports_of,
    submit,
    toggle,
)
from tests.test_export import export_text


async def file_two_facets(relaxed_bot: BotHarness) -> tuple[Report, Report]:
    user = await reporter(relaxed_bot, 701)
    await opening(user, "health_attack", place_at=("AF15", "Asadabad"))
    await toggle(user, "health_attack", "attack_types", "heavy_weapons", "fire_from_attack")
    await toggle(user, "health_attack", "resources_affected", "facility", "supplies")
    await pick(user, "health_attack", "services_interrupted", "yes")
    await pick(user, "health_attack", "perpetrator", "unknown")
    await user.send("0 3")
    await describe(user, "health_attack", "A rocket hit the provincial hospital.")
    await submit(user)
    await press(user, ReportPress(ReportAction.FACET).pack())  # "Add another aspect of this incident"
    await press(user, ReportPress(ReportAction.CATEGORY, "medical_supplies_loss").pack())
    draft = await draft_of(relaxed_bot, user.id)
    assert draft is not None and draft.step == "supply_type"  # the date and place are carried over
    await pick(user, "medical_supplies_loss", "supply_type", "vaccines")
    await toggle(user, "medical_supplies_loss", "antigens", "opv", "covid19")
    await choose(user, ReportAction.SKIP, "quantity")
    await pick(user, "medical_supplies_loss", "cause", "fire")
    await describe(user, "medical_supplies_loss", "The vaccine store burned.")
    await submit(user)
    first, second = await reports_of(relaxed_bot, user.id)
    return first, second


async def test_two_facets_share_an_incident_counted_once_and_exported(relaxed_bot: BotHarness) -> None:
    first, second = await file_two_facets(relaxed_bot)
    assert first.incident_id == second.incident_id == first.reference
    assert (second.occurred_on, second.province_pcode, second.district_pcode) == (
        first.occurred_on,
        first.province_pcode,
        first.district_pcode,
    )
    moderator = await relaxed_bot.user(9, "Mod", role="moderator")
    await moderator.send("/pending")
    assert f"Part of incident {first.reference}" in moderator.last_text

    approved_at = datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    async with relaxed_bot.db.session() as session:
        for report in (first, second):
            row = await session.get(Report, report.id)
            assert row is not None
            row.status, row.approved_at, row.certainty = (
                ReportStatus.APPROVED,
                approved_at,
                Certainty.CONFIRMED,
            )
    reports = [await load_report(relaxed_bot.db, r.id) for r in (first, second)]
    sub = Subscription(user_id=1, timezone="Asia/Kabul", min_certainty=Certainty.POSSIBLE)
    start = approved_at - timedelta(hours=2)
    with use_locale("en"):
        digest = "\n".join(render_digest(sub, start, start + timedelta(days=1), reports, []))
    assert "2 approved reports" in digest and "1 incident" in digest
    assert "• Kunar: 1" in digest  # one incident in Kunar, not two
    assert first.reference in digest and "↳ " + second.reference in digest.replace("\u2068", "")

    records = json.loads(await export_text(relaxed_bot.db, ExportFormat.JSON))
    assert {r["id"]: r["incident"] for r in records} == {
        first.reference: first.reference,
        second.reference: first.reference,
    }


async def test_same_place_same_day_reports_of_other_categories_are_suggested_as_facets(
    relaxed_bot: BotHarness,
) -> None:
    first, second = await file_two_facets(relaxed_bot)
    async with relaxed_bot.db.session() as session:  # as if filed separately, without the link
        for report in (first, second):
            row = await session.get(Report, report.id)
            assert row is not None
            row.incident_id = None
    moderator = await relaxed_bot.user(9, "Mod", role="moderator")
    await moderator.send("/pending")
    assert "Possibly other aspects of the same incident" in moderator.last_text
    assert second.reference in moderator.last_text
