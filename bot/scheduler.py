"""From subscriptions and approved reports to outbox rows: scheduled digests, urgent alerts, send-now.

Everything is driven by the database and a `now` given by the caller (the JobQueue tick passes the
wall clock; tests pass their own). Writing a digest's rows and moving its subscription's
`last_period_end` happen in one transaction, and every row has a unique key
(`digest:<sub>:<period end>:<part>`, `alert:<sub>:<report>`), so a crash or restart between ticks
neither loses a period nor queues one twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.digests import RenderCache, ReportKey, render_alert, render_digest
from bot.i18n import use_locale
from bot.places import load_places
from bot.subscriptions import SUBSCRIBER_ROLES, due_period, matches
from storage.db import Database
from storage.models import Report, Subscription
from storage.outbox import enqueue
from storage.subscriptions import DigestReportRepository, SubscriptionRepository

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


PeriodReports = tuple[list[Report], list[ReportKey]]


def _key(sub_id: int, end: datetime, part: int) -> str:
    return f"digest:{sub_id}:{end.isoformat(timespec='seconds')}:{part}"


class _PeriodData:
    """Approved reports of one period and the keys of the period before, loaded once per period and
    shared by every subscription with the same period (usually all of them)."""

    def __init__(self) -> None:
        self.loaded: dict[tuple[datetime, datetime], PeriodReports] = {}

    async def get(self, db: Database, start: datetime, end: datetime) -> PeriodReports:
        if (start, end) not in self.loaded:
            async with db.session() as session:
                repo = DigestReportRepository(session)
                reports = await repo.approved_between(start, end)
                previous = await repo.approved_keys_between(start - (end - start), start)
            self.loaded[(start, end)] = (reports, previous)
        return self.loaded[(start, end)]


def _render(
    sub: Subscription,
    language: str | None,
    start: datetime,
    end: datetime,
    data: PeriodReports,
    cache: RenderCache,
) -> list[str]:
    with use_locale(language):
        return render_digest(sub, start, end, data[0], data[1], cache)


async def due_digests(db: Database, now: datetime) -> TickResult:
    """Queue every digest due at `now` and advance each subscription's watermark with it."""
    await load_places(db)
    result = TickResult()
    async with db.session() as session:
        candidates = await SubscriptionRepository(session).active_with_language(SUBSCRIBER_ROLES)
    due = [(sub, lang, period) for sub, lang in candidates if (period := due_period(sub, now))]
    periods, cache = _PeriodData(), RenderCache()
    for offset in range(0, len(due), BATCH):
        async with db.session() as session:
            repo = SubscriptionRepository(session)
            for sub, lang, (start, end) in due[offset : offset + BATCH]:
                assert sub.id is not None
                # Advance first: if another instance already closed this period, queue nothing.
                if not await repo.advance(sub.id, sub.last_period_end, end):
                    continue
                parts = _render(sub, lang, start, end, await periods.get(db, start, end), cache)
                for number, text in enumerate(parts, 1):
                    added = await enqueue(
                        session,
                        key=_key(sub.id, end, number),
                        chat_id=sub.user_id,
                        kind="digest",
                        text=text,
                        subscription_id=sub.id,
                    )
                    result.messages += int(added)
                result.digests += 1
    if result.digests:
        log.info("digests queued: %s subscriptions, %s messages", result.digests, result.messages)
    return result


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
        await load_places(db)
        targets = await subs.active_with_language(SUBSCRIBER_ROLES, alerts_only=True)
        queued = 0
        for report in reports:
            for sub, lang in targets:
                if not matches(sub, report.category, report.province_pcode, report.certainty):
                    continue
                with use_locale(lang):
                    text = render_alert(report)
                queued += int(
                    await enqueue(
                        session,
                        key=f"alert:{sub.id}:{report.id}",
                        chat_id=sub.user_id,
                        kind="alert",
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
    db: Database, now: datetime, *, subscription_ids: Sequence[int] | None = None, user_id: int | None = None
) -> TickResult:
    """Queue an on-demand digest (the period so far: last scheduled end to `now`) for the given
    subscriptions, or for all of `user_id`'s, or for every active one. The schedule is untouched: the
    next scheduled digest still comes and still covers its full period."""
    await load_places(db)
    async with db.session() as session:
        repo = SubscriptionRepository(session)
        if user_id is not None:
            subscription_ids = [s.id for s in await repo.for_user(user_id, ("active",)) if s.id is not None]
        rows = await repo.active_with_language(SUBSCRIBER_ROLES, ids=subscription_ids)
    result, periods, cache = TickResult(), _PeriodData(), RenderCache()
    by_start: dict[datetime, list[tuple[Subscription, str | None]]] = defaultdict(list)
    for sub, lang in rows:
        by_start[sub.last_period_end or now - timedelta(days=1)].append((sub, lang))
    async with db.session() as session:
        for start, group in by_start.items():
            data = await periods.get(db, start, now)
            for sub, lang in group:
                assert sub.id is not None
                # send_empty is forced: whoever asked for a digest now wants an answer even if empty.
                sub.send_empty = True
                parts = _render(sub, lang, start, now, data, cache)
                for number, text in enumerate(parts, 1):
                    result.messages += int(
                        await enqueue(
                            session,
                            key="now:" + _key(sub.id, now, number),
                            chat_id=sub.user_id,
                            kind="digest",
                            text=text,
                            subscription_id=sub.id,
                        )
                    )
                result.digests += 1
    return result


async def tick(db: Database, now: datetime) -> TickResult:
    result = await due_digests(db, now)
    result.alerts = await scan_alerts(db, now)
    return result
