"""One incident, several facets: after a report is sent, "add another aspect of this incident"
starts a report of another category with the date and place carried over; on submission the two
share an incident id (the first report's reference)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.forms import engine
from bot.forms.actions import Button, Press, ReportAction
from bot.forms.engine import Form, FormField
from bot.i18n import _
from bot.intake import guard
from bot.intake.screens import Outcome
from bot.intake.steps import CATEGORY_STEP
from bot.localize import isolate
from storage.models import Draft, Report

if TYPE_CHECKING:
    from bot.intake.flow import Intake

# What one facet hands the next: when and where.
CARRIED = ("occurred_on", "time_of_day", "province", "district", "place_name", "location")
KEPT_STATE = ("first_msg", "facet_of", *guard.KEYS)


def another(reference: str) -> list[list[Button]]:
    """The button under "Thank you" (for the report `reference`) that starts another facet of the
    same incident."""
    return [[Button(_("➕ Add another aspect of this incident"), Press(ReportAction.FACET, reference))]]


async def start(intake: Intake, reference: str) -> Outcome:
    """A new draft with the date and place of the report `reference` (the reporter's own)."""
    stmt = select(Report).where(col(Report.reference) == reference, col(Report.reporter_id) == intake.user.id)
    first = (await intake.session.execute(stmt)).scalars().first()
    if first is None or first.id is None:
        return Outcome(alert=_("This button is no longer valid. Send /help to start again."), show_alert=True)
    draft = await intake.drafts.get(intake.user.id, lock=True)
    if draft is not None:
        return Outcome(
            [intake.screens.resume_prompt(draft)], alert=_("You already have a report in progress.")
        )
    draft = await intake.drafts.start(intake.user.id, None, secrets.token_hex(16), CATEGORY_STEP, intake.now)
    answers = {k: first.answers[k] for k in CARRIED if k in first.answers}
    await intake.drafts.save(draft, answers, {"facet_of": first.id}, CATEGORY_STEP, intake.now)
    menu = intake.screens.category_menu(draft)
    menu.text = (
        _("Another aspect of incident {ref}: its date and place are already filled in.").format(
            ref=isolate(first.incident_id or first.reference)
        )
        + "\n\n"
        + menu.text
    )
    return Outcome([menu])


def carried(form: Form, draft: Draft) -> tuple[dict[str, Any], dict[str, Any]]:
    """A chosen category's starting answers and bookkeeping: those a facet carries over, else none."""
    state = {k: v for k, v in draft.state.items() if k in KEPT_STATE}
    if "facet_of" not in state:
        return {}, state
    return engine.prune(form, {k: v for k, v in draft.answers.items() if form.has(k)}), state


def first_unanswered(form: Form, answers: Mapping[str, Any]) -> FormField | None:
    """The first question to ask: past those a facet already answered."""
    f = engine.next_field(form, answers)
    while f is not None and f.name in answers:
        f = engine.next_field(form, answers, f.name)
    return f


async def incident(session: AsyncSession, draft: Draft, reporter_id: int) -> str | None:
    """The incident a facet's report joins: its first report's (that report's reference, when it
    had none yet, and the first report joins it too); None for a report that is no facet."""
    first_id = draft.state.get("facet_of")
    first = await session.get(Report, first_id) if isinstance(first_id, int) else None
    if first is None or first.reporter_id != reporter_id:
        return None
    if first.incident_id is None:
        first.incident_id = first.reference  # flushed with the new report
    return first.incident_id
