"""Quick reports: one message from the field (a text, a voice note, photos, a location) is a report
at once, pending with its category, place and date unknown; a moderator completes them from the
card before it can be approved, so digests and exports (approved reports only) never show an
incomplete one. An album arrives as several messages sharing a media group: one report."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine
from bot.forms.engine import Form, FormField, get_form
from bot.forms.types import MEDIA_TYPES
from bot.forms.types.base import point
from bot.forms.types.media import VOICE_ANSWER
from bot.i18n import _
from bot.intake.submit import create_report
from storage.models import Report, User
from storage.reports import ReportRepository

QUICK = "quick_report"
COMPLETED = ("date", "admin_area")  # the types a moderator may fill in when missing (date, place)


def editable(form: Form, answers: Mapping[str, Any]) -> list[FormField]:
    """The answers a moderator may change: those given, and a missing date or place (to complete
    a quick report, or a report whose place was left out)."""
    return [f for f in form.fields if f.kind.editable and (f.name in answers or f.type in COMPLETED)]


def incomplete(report: Report) -> str | None:
    """What a moderator must still complete before approving, or None."""
    if report.category == QUICK:
        return _("Set the category of this quick report first, then its date and place.")
    if report.occurred_on is None or report.province_pcode is None:
        return _("Complete the date and place of this report first (Edit an answer).")
    return None


def _answers(
    text: str | None, media: tuple[str, str] | None, location: tuple[float, float] | None
) -> dict[str, Any]:
    form = get_form(QUICK)
    answers: dict[str, Any] = {}
    if text:
        answers["description"] = text[:2000]
    if media is not None:
        kind, file_id = media
        field = next(f for f in form.fields if f.kind is MEDIA_TYPES[kind])
        answers[field.name] = [file_id]
        if kind == "voice" and not text:
            answers["description"] = VOICE_ANSWER
    if location is not None:
        answers["location"] = point(*location)
    return answers


async def file_quick(
    session: AsyncSession,
    user: User,
    now: datetime,
    year: int,
    *,
    text: str | None = None,
    media: tuple[str, str] | None = None,
    location: tuple[float, float] | None = None,
    album: str | None = None,
) -> tuple[str, bool]:
    """The reference of the quick report of this message, and whether it is new (a later photo of
    an album is added to the report its first photo made)."""
    token = f"album:{user.id}:{album}" if album else secrets.token_hex(16)
    if album and media is not None:
        report = await ReportRepository(session).by_token(token)
        if report is not None:
            kind, file_id = media
            name = next(f.name for f in get_form(report.category).fields if f.kind is MEDIA_TYPES[kind])
            report.answers = {**report.answers, name: [*report.answers.get(name, []), file_id]}
            if text and report.answers.get("description") in (None, VOICE_ANSWER):
                report.answers = {**report.answers, "description": text[:2000]}
            report.updated_at = now
            session.add(report)
            return report.reference, False
    return await create_report(
        session, get_form(QUICK), user, token, _answers(text, media, location), now, year
    ), True


def recategorised(category: str, answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """A quick report's answers under a real category (those the form has; the rest of its
    questions stay unanswered), or None for a category that is not one."""
    form = engine.all_forms().get(category)
    if form is None or not form.listed:
        return None
    return engine.prune(form, {k: v for k, v in answers.items() if form.has(k)})
