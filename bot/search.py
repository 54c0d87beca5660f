"""/search for coordinators: recent approved reports matching some words. No Telegram here.

Matching runs over exactly what a coordinator may read in a digest (`bot.digests.report_block`, in
every language the bot speaks), so a withheld answer can never be found by guessing its words, and
a Dari place name finds a report as well as its English spelling does.

Rendering that text three times for each of the 500 newest approvals was most of a search's time,
so it is kept per (report, version, corroborations, approval time): every change a moderator makes to a report
bumps its version, and the gazetteer and catalogs do not change while the process runs. A search
reads only those keys for the window, renders what it has not seen, and loads the few it shows.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.digests import report_block
from bot.i18n import use_locale
from bot.localize import fold_letters, to_ascii_digits
from domain import languages
from storage.models import Report
from storage.review import ReviewRepository, SearchKey

SEARCH_DAYS = 30
SCANNED = 500  # the newest approvals looked at; a month of reports in a busy season
MAX_RESULTS = 8  # eight digest blocks stay well under Telegram's 4096 characters
KEPT = 4 * SCANNED  # searchable texts kept in memory (a few MB)

_texts: OrderedDict[SearchKey, str] = OrderedDict()


def _normalize(text: str) -> str:
    return fold_letters(to_ascii_digits(text)).casefold()


def searchable_text(report: Report) -> str:
    parts = [report.reference, report.category]
    for language in languages.CODES:
        with use_locale(language):
            parts.append(report_block(report))
    return _normalize(" ".join(parts))


async def _texts_of(repo: ReviewRepository, keys: list[SearchKey]) -> dict[int, str]:
    """Searchable text per report id, rendering (and remembering) only the reports not seen yet."""
    missing = [key[0] for key in keys if key not in _texts]
    for report in await repo.by_ids(missing):
        assert report.id is not None and report.approved_at is not None
        key = (report.id, report.version, report.corroborations, report.approved_at)
        _texts[key] = searchable_text(report)
    found = {}
    for key in keys:
        if key in _texts:
            _texts.move_to_end(key)
            found[key[0]] = _texts[key]
    while len(_texts) > KEPT:
        _texts.popitem(last=False)
    return found


async def search(session: AsyncSession, words: str, now: datetime) -> list[Report]:
    """The newest approved reports of the last `SEARCH_DAYS` containing every word (all if none)."""
    repo = ReviewRepository(session)
    keys = await repo.recent_approved_keys(now - timedelta(days=SEARCH_DAYS), SCANNED)
    terms = _normalize(words).split()
    if terms:
        texts = await _texts_of(repo, keys)
        ids = [key[0] for key in keys if all(t in texts.get(key[0], "") for t in terms)]
    else:
        ids = [key[0] for key in keys]
    shown = {r.id: r for r in await repo.by_ids(ids[:MAX_RESULTS])}
    return [shown[i] for i in ids[:MAX_RESULTS] if i in shown]
