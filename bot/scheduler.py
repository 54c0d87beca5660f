"""From subscriptions and approved reports to outbox rows: scheduled digests, urgent alerts, send-now.

Everything is driven by the database and a `now` given by the caller (the JobQueue tick passes the
wall clock; tests pass their own). Writing a digest's rows and moving its subscription's
`last_period_end` happen in one transaction, and every row has a unique key
(`digest:<sub>:<period end>:<part>`, `alert:<sub>:<report>`), so a crash or restart between ticks
neither loses a period nor queues one twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import DIGEST_MAX_PARTS
from bot.digest_period import PeriodReports, ReportKey, report_key
from bot.digests import RenderCache, by_importance, render_alert, render_period
from bot.i18n import use_locale
from bot.places import load_places
from bot.redaction import shown_province
from bot.subscriptions import SUBSCRIBER_ROLES, due_period, matches
from domain.vocabulary import OutboxKind, SubscriptionStatus
from storage.db import Database
from storage.outbox import enqueue, enqueue_many
from storage.subscriptions import (
    AnySubscription,
    DigestReportRepository,
    SubscriptionRepository,
)

log = logging.getLogger(__name__)

ALERT_WATERMARK = "urgent_alerts"
# Reports are re-scanned this far behind the watermark: a moderation transaction that stamped
# approved_at before a later one but committed after it is still found (the unique key keeps the
# re-scan from queuing an alert twice).
ALERT_OVERLAP = timedelta(minutes=10)
# Subscriptions per transaction: large enough to be fast, small enough to keep write locks short.
BATCH = 200


@dataclass
class TickResult:
    digests: int = 0  # subscriptions whose period was closed
    messages: int = 0  # outbox rows queued
    alerts: int = 0


def _key_stem(sub_id: int, end: datetime) -> str:
    """A digest row's key without its part number (`digest:<sub>:<period end>:<part>`)."""
    return f"digest:{sub_id}:{end.isoformat(timespec='seconds')}:"


class _PeriodData:
    """Periods loaded once and shared by every subscription with the same period (usually all)."""

    def __init__(self) -> None:
        self.loaded: dict[tuple[datetime, datetime], PeriodReports] = {}

    async def get(self, session: AsyncSession, start: datetime, end: datetime) -> PeriodReports:
        if (start, end) not in self.loaded:
            repo = DigestReportRepository(session)
            # In listing order once for all: each subscriber's share keeps it.
            reports = by_importance(await repo.approved_between(start, end))
            previous: Counter[ReportKey] = Counter()
            for c, p, k, hidden, count in await repo.approved_keys_between(start - (end - start), start):
                previous[(c, shown_province(c, hidden, p), k)] += count
            self.loaded[(start, end)] = PeriodReports(reports, previous)
        return self.loaded[(start, end)]


def _render(
    sub: AnySubscription,
    language: str | None,
    start: datetime,
    end: datetime,
    period: PeriodReports,
    cache: RenderCache,
    max_parts: int,
    *,
    force: bool = False,
) -> list[str]:
    # Whoever follows everything reads what everyone else following everything in their language,
    # time zone and certainty reads: rendered once. (Narrower filters rarely repeat; keeping
    # theirs would hold every digest of a run in memory.)
    shape = None
    if not sub.provinces and not sub.categories:
        shape = (language, start, end, sub.timezone, sub.min_certainty, sub.send_empty, force)
        if shape in cache.digests:
            return cache.digests[shape]
    with use_locale(language):
        parts = render_period(sub, start, end, period, cache, force=force, max_parts=max_parts)
    if shape is not None:
        cache.digests[shape] = parts
    return parts


def _messages(
    sub: AnySubscription, end: datetime, parts: list[str], prefix: str = ""
) -> list[dict[str, Any]]:
    assert sub.id is not None
    stem = prefix + _key_stem(sub.id, end)
    return [
        {
            "key": f"{stem}{number}",
            "chat_id": sub.user_id,
            "kind": OutboxKind.DIGEST,
            "text": text,
            "subscription_id": sub.id,
        }
        for number, text in enumerate(parts, 1)
    ]


_Due = tuple[AnySubscription, str | None, tuple[datetime, datetime]]


async def _close_page(db: Database, rendered: Sequence[tuple[_Due, list[str]]]) -> tuple[int, int]:
    """One page's transaction: its subscriptions' periods advanced and the digests of those this
    call moved written with them (a period another instance closed first is left out: queued
    once). Returns (digests, rows new)."""
    async with db.session() as session:
        repo = SubscriptionRepository(session)
        groups: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
        for (sub, _lang, period), _parts in rendered:
            assert sub.id is not None
            groups[period].append(sub.id)
        moved: set[int] = set()
        for (start, end), ids in groups.items():
            moved.update(await repo.advance_many(ids, start, end))
        messages = [
            message
            for (sub, _lang, (_start, end)), parts in rendered
            if sub.id in moved
            for message in _messages(sub, end, parts)
        ]
        return len(moved), await enqueue_many(session, messages)


async def due_digests(db: Database, now: datetime, *, max_parts: int = DIGEST_MAX_PARTS) -> TickResult:
    """Queue every digest due at `now`, each of at most `max_parts` messages, and advance each
    subscription's watermark with it.

    A page of subscriptions at a time: read and rendered, then closed in one transaction
    (`_close_page`) while the next page is read and rendered. The database writes and commits a
    page's rows (~1.5 s of its own work for 10,000 subscribers at a million reports, which Python
    waited out) while Python renders; one page is in flight at a time."""
    result = TickResult()
    async with db.session() as session:
        await load_places(session)
    periods, cache = _PeriodData(), RenderCache()
    after = 0
    closing: asyncio.Task[tuple[int, int]] | None = None
    try:
        while True:
            # A page at a time: ten thousand subscriptions are never all in memory at once.
            async with db.session() as session:
                page, last = await SubscriptionRepository(session).active_page(
                    SUBSCRIBER_ROLES, after_id=after, limit=BATCH
                )
                if last is None:
                    break
                batch = [(sub, lang, period) for sub, lang in page if (period := due_period(sub, now))]
                for start, end in {period for *_, period in batch}:
                    await periods.get(session, start, end)
            after = last
            rendered = [
                (
                    (sub, lang, (start, end)),
                    _render(sub, lang, start, end, periods.loaded[(start, end)], cache, max_parts),
                )
                for sub, lang, (start, end) in batch
            ]
            if closing is not None:
                _count(result, await closing)
            closing = asyncio.ensure_future(_close_page(db, rendered))
            await asyncio.sleep(0)  # the page's transaction starts before rendering goes on
        if closing is not None:
            _count(result, await closing)
            closing = None
    finally:
        if closing is not None:  # rendering failed: the page in flight ends, committed or not
            await asyncio.wait([closing])
    if result.digests:
        log.info("digests queued: %s subscriptions, %s messages", result.digests, result.messages)
    return result


def _count(result: TickResult, closed: tuple[int, int]) -> None:
    result.digests += closed[0]
    result.messages += closed[1]


async def scan_alerts(db: Database, now: datetime) -> int:
    """Queue an alert per (subscription, urgent report approved since the watermark) that matches."""
    async with db.session() as session:
        subs = SubscriptionRepository(session)
        mark = await subs.watermark(ALERT_WATERMARK)
        if mark is None:
            # First run: alerts start now; urgent reports approved before the bot ran are in digests.
            await subs.set_watermark(ALERT_WATERMARK, now)
            return 0
        reports = await DigestReportRepository(session).urgent_approved_since(mark - ALERT_OVERLAP)
        if not reports:
            return 0
        await load_places(session)
        targets = await subs.active_rows(SUBSCRIBER_ROLES, alerts_only=True)
        queued = 0
        for report in reports:
            for sub, lang in targets:
                if not matches(sub, *report_key(report)):
                    continue
                with use_locale(lang):
                    text = render_alert(report)
                queued += int(
                    await enqueue(
                        session,
                        key=f"alert:{sub.id}:{report.id}",
                        chat_id=sub.user_id,
                        kind=OutboxKind.ALERT,
                        text=text,
                        subscription_id=sub.id,
                    )
                )
        newest = max(r.approved_at for r in reports if r.approved_at is not None)
        await subs.set_watermark(ALERT_WATERMARK, max(mark, newest))
    if queued:
        log.info("urgent alerts queued: %s", queued)
    return queued


async def send_now(
    session: AsyncSession,
    now: datetime,
    *,
    subscription_ids: Sequence[int] | None = None,
    user_id: int | None = None,
    max_parts: int = DIGEST_MAX_PARTS,
) -> TickResult:
    """Queue an on-demand digest (the period so far: last scheduled end to `now`) for the given
    subscriptions, or for all of `user_id`'s, or for every active one. The schedule is untouched: the
    next scheduled digest still comes and still covers its full period."""
    repo = SubscriptionRepository(session)
    if user_id is not None:
        subscription_ids = [
            s.id for s in await repo.for_user(user_id, {SubscriptionStatus.ACTIVE}) if s.id is not None
        ]
    rows = await repo.active_rows(SUBSCRIBER_ROLES, ids=subscription_ids)
    result, periods, cache = TickResult(), _PeriodData(), RenderCache()
    messages: list[dict[str, Any]] = []
    for sub, lang in rows:
        start = sub.last_period_end or now - timedelta(days=1)
        # Forced: whoever asked for a digest now wants an answer even when nothing is new.
        period = await periods.get(session, start, now)
        parts = _render(sub, lang, start, now, period, cache, max_parts, force=True)
        messages += _messages(sub, now, parts, prefix="now:")
        result.digests += 1
    result.messages = await enqueue_many(session, messages)
    return result


async def tick(db: Database, now: datetime) -> TickResult:
    result = await due_digests(db, now)
    result.alerts = await scan_alerts(db, now)
    return result
