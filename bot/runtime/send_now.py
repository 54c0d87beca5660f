"""`khabar digest send-now`: on-demand digests queued and delivered from the command line, outside
the running application."""

from __future__ import annotations

from telegram import Bot

from bot.config import Settings
from bot.runtime.http import sender_request
from bot.runtime.sender import Sender
from storage.db import Database
from storage.models import utcnow


async def send_now_and_deliver(
    settings: Settings, subscription_id: int | None = None
) -> tuple[int, int, int]:
    """`khabar digest send-now`: queue on-demand digests (one subscription, or every active one) and,
    with a bot token, deliver everything due right away. Returns (digests, messages queued, sent)."""
    from bot.places import load_places
    from bot.scheduler import send_now
    from storage.migrate import upgrade

    db = Database(settings.database_url)
    try:
        await upgrade(db)
        ids = [subscription_id] if subscription_id is not None else None
        async with db.session() as session:
            await load_places(session)
            result = await send_now(
                session, utcnow(), subscription_ids=ids, max_parts=settings.digest_max_parts
            )
        sent = 0
        if settings.token and result.messages:
            bot = Bot(settings.token, base_url=f"{settings.telegram_base_url}/bot", request=sender_request())
            async with bot:
                sent = await Sender(db, bot, rate=settings.send_rate, limit=settings.telegram_limit).drain()
        return result.digests, result.messages, sent
    finally:
        await db.dispose()
