"""Every scheduled job, started in one place when BACKGROUND_JOBS is on: the moderators' new-report
alerts, the digest and alert ticks and the retention purge, which run only on the replica that leads
(`bot.runtime.leader`; every replica schedules them and the others skip their turn, so a takeover
needs no rescheduling), and the outbox sender, which runs on every replica."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import moderation, retention, search
from bot.runtime.context import KhabarApp, KhabarContext
from bot.runtime.sender import Sender
from bot.scheduler import due_digests, scan_alerts
from storage.models import utcnow

log = logging.getLogger(__name__)

ALERT_EVERY_SECONDS = 60
DIGEST_TICK_SECONDS = 30
ALERT_TICK_SECONDS = 5


async def announce_job(context: KhabarContext) -> None:
    now = datetime.now(UTC)
    async with context.services.db.session() as session:
        queued = await moderation.announce_new_reports(session, now)
        await moderation.expire_prompts(session, now)
    if queued:
        log.info("queued %s new-report alerts for moderators", queued)


async def digest_tick(context: KhabarContext) -> None:
    # Reports approved before search texts were stored get theirs a batch per tick (an empty
    # partial index when none is left); `khabar db upgrade` fills them all at once.
    services = context.services
    await search.fill_missing(services.db, batches=1)
    await due_digests(services.db, utcnow(), max_parts=services.settings.digest_max_parts)


async def alert_tick(context: KhabarContext) -> None:
    await scan_alerts(context.services.db, utcnow())


async def purge_job(context: KhabarContext) -> None:
    services = context.services
    purged = await retention.purge(services.db, services.settings, datetime.now(UTC))
    if purged.total:
        log.info("retention purge: %s", ", ".join(f"{k} {v}" for k, v in purged.counts.items() if v))


Job = Callable[[KhabarContext], Coroutine[Any, Any, None]]


def leader_only(job: Job) -> Job:
    async def run_if_leading(context: KhabarContext) -> None:
        if context.services.leads:
            await job(context)

    run_if_leading.__name__ = job.__name__
    return run_if_leading


async def sender_job(context: KhabarContext) -> None:
    """Runs for the application's lifetime; returns when the application stops (`Services.stopping`,
    set as Application.stop begins, which then waits for the jobs: for in-flight sends, no longer)."""
    services, app = context.services, context.application
    settings = services.settings
    lock = services.sender_lock
    sender = Sender(
        services.db,
        context.bot,
        rate=settings.send_rate,
        budget=services.budget,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        claimer=lock.key if lock else None,
        limit=settings.telegram_limit,
    )
    services.sender = sender
    await run_until_stopped(sender, lambda: app.running and not services.stopping)


async def run_until_stopped(sender: Sender, keep_running: Callable[[], bool]) -> None:
    """The application's sender loop: survives unexpected errors (logged), stops when told."""
    while keep_running():
        try:
            await sender.run(keep_running)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox sender crashed; restarting in 5 s")
            await asyncio.sleep(5)


def start_jobs(app: KhabarApp) -> None:
    if not app.bot_data["services"].settings.background_jobs or app.job_queue is None:
        return
    queue = app.job_queue
    queue.run_repeating(
        leader_only(announce_job),
        interval=ALERT_EVERY_SECONDS,
        first=ALERT_EVERY_SECONDS,
        name="moderation-alerts",
    )
    queue.run_repeating(leader_only(digest_tick), interval=DIGEST_TICK_SECONDS, first=2, name="digest-tick")
    queue.run_repeating(leader_only(alert_tick), interval=ALERT_TICK_SECONDS, first=3, name="alert-tick")
    queue.run_repeating(
        leader_only(purge_job), interval=retention.PURGE_EVERY_SECONDS, first=60, name="retention-purge"
    )
    # However late the job queue gets to it (a busy machine at start): with APScheduler's default
    # grace of a second, a slow start skipped the sender, and the replica never sent its outbox.
    app.job_queue.run_once(sender_job, when=0, name="outbox-sender", job_kwargs={"misfire_grace_time": None})
