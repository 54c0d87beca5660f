"""/search for coordinators: recent approved reports matching some words. No Telegram here.

Matching runs over exactly what a coordinator may read in a digest (`bot.report_blocks.report_block`, in
every language the bot speaks), so a withheld answer can never be found by guessing its words, and
a Dari place name finds a report as well as its English spelling does.

That text is rendered once, when a report is approved or changed while approved (`refresh`), and
stored with the report as its distinct normalised words; the database finds the matches (storage.
search). The words a person types go through the same `normalize`, so "ي" finds "ی", "۱۲" finds
"12" and "KABUL" finds "Kabul" whichever was stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.digest_period import Shown
from bot.i18n import use_locale
from bot.localize import fold_letters, to_ascii_digits
from bot.report_blocks import report_block
from domain import languages
from domain.vocabulary import ReportStatus
from storage.db import Database
from storage.models import Report
from storage.review import ReviewRepository
from storage.search import SearchRepository

SEARCH_DAYS = 30
MAX_RESULTS = 8  # eight digest blocks stay well under Telegram's 4096 characters
FILL_BATCH = 500  # reports given a search text per transaction by `fill_missing`


def normalize(text: str) -> str:
    """One spelling for what is stored and what is asked: letter variants, digits, case."""
    return fold_letters(to_ascii_digits(text)).casefold()


def searchable_text(report: Shown) -> str:
    """The distinct words of the report's reference, category and digest block in every language.

    A searched word never holds a space, so it occurs in the rendered text exactly when it occurs in
    one of its words: keeping each word once (the description appears in all three blocks) matches
    the same reports with a third of the text.
    """
    lines = [report.reference, report.category]
    for language in languages.CODES:
        with use_locale(language):
            lines += report_block(report).split("\n")
    words = normalize("\n".join(dict.fromkeys(lines))).split()
    return " ".join(dict.fromkeys(words))


async def refresh(session: AsyncSession, report: Report) -> None:
    """Store `report`'s search text as it now reads (none unless approved). Called after every change
    to a report: approval, an edit, a withheld field, a corroboration."""
    assert report.id is not None
    wanted = searchable_text(report) if report.status == ReportStatus.APPROVED else None
    if wanted != report.search_text:
        await SearchRepository(session).set_text(report.id, wanted)


async def fill_missing(db: Database, batches: int | None = None) -> int:
    """Give approved reports without a search text (approved before it was stored) one, a batch
    per transaction; at most `batches` batches (all if None). Returns how many were filled."""
    filled = 0
    while batches is None or batches > 0:
        async with db.session() as session:
            ids = await SearchRepository(session).missing(FILL_BATCH)
            for report in await ReviewRepository(session).by_ids(ids):
                await refresh(session, report)
        filled += len(ids)
        if len(ids) < FILL_BATCH:
            break
        batches = None if batches is None else batches - 1
    return filled


async def search(session: AsyncSession, words: str, now: datetime) -> list[Report]:
    """The newest approved reports of the last `SEARCH_DAYS` containing every word (all if none)."""
    terms = normalize(words).split()
    ids = await SearchRepository(session).newest_matching(
        terms, now - timedelta(days=SEARCH_DAYS), MAX_RESULTS
    )
    shown = {r.id: r for r in await ReviewRepository(session).by_ids(ids)}
    return [shown[i] for i in ids if i in shown]
