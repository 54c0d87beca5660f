"""/search for coordinators: recent approved reports matching some words. No Telegram here.

Matching runs over exactly what a coordinator may read in a digest (`bot.digests.report_block`, in
every language the bot speaks), so a withheld answer can never be found by guessing its words, and
a Dari place name finds a report as well as its English spelling does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.digests import report_block
from bot.i18n import use_locale
from bot.localize import fold_letters, to_ascii_digits
from domain import languages
from storage.models import Report
from storage.review import ReviewRepository

SEARCH_DAYS = 30
SCANNED = 500  # the newest approvals looked at; a month of reports in a busy season
MAX_RESULTS = 8  # eight digest blocks stay well under Telegram's 4096 characters


def _normalize(text: str) -> str:
    return fold_letters(to_ascii_digits(text)).casefold()


def searchable_text(report: Report) -> str:
    parts = [report.reference, report.category]
    for language in languages.CODES:
        with use_locale(language):
            parts.append(report_block(report))
    return _normalize(" ".join(parts))


async def search(session: AsyncSession, words: str, now: datetime) -> list[Report]:
    """The newest approved reports of the last `SEARCH_DAYS` containing every word (all if none)."""
    recent = await ReviewRepository(session).recent_approved(now - timedelta(days=SEARCH_DAYS), SCANNED)
    terms = _normalize(words).split()
    found = [r for r in recent if all(t in searchable_text(r) for t in terms)] if terms else recent
    return found[:MAX_RESULTS]
