"""Running the application: database upgrade, then polling (or webhook) until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.application import build_application
from bot.config import Settings
from bot.context import KhabarApp
from storage.db import Database
from storage.migrate import upgrade

log = logging.getLogger(__name__)


@asynccontextmanager
async def running_bot(settings: Settings, *, token: str | None = None) -> AsyncIterator[KhabarApp]:
    """An upgraded database and a started application receiving updates by polling."""
    db = Database(settings.database_url)
    await upgrade(db)
    app = build_application(settings, db, token=token)
    try:
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=30, drop_pending_updates=False)
        log.info("bot started (polling)")
        yield app
    finally:
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await db.dispose()


async def wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run(settings: Settings) -> None:
    async with running_bot(settings):
        await wait_for_signal()
    log.info("bot stopped")
