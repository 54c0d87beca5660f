"""The retention policy (README, "Data protection") and erasing one person.

`purge` runs every hour in the bot (and on demand from the CLI): what is kept, and for how long,
comes from the settings; the chat log's 48 hours are Telegram's, not ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.pseudonyms import pseudonym
from storage import admin_events, retention
from storage.chat_log import ChatLogRepository
from storage.db import Database

CHAT_LOG_WINDOW = timedelta(hours=48)  # after this Telegram no longer lets a bot delete a message
PURGE_EVERY_SECONDS = 3600


@dataclass
class Purged:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def purge(db: Database, settings: Settings, now: datetime) -> Purged:
    """Apply every retention period at `now` (one transaction)."""
    days = timedelta(days=1)
    result = Purged()
    async with db.session() as session:
        result.counts = {
            "drafts": await retention.idle_drafts(session, now - settings.retain_drafts_days * days),
            "chat_log": await ChatLogRepository(session).forget_before(now - CHAT_LOG_WINDOW),
            "strangers": await retention.strangers(session, now - settings.retain_strangers_days * days),
            "sent_text": await retention.sent_text(session, now - settings.retain_sent_days * days),
            "technical": await retention.technical(session, now - settings.retain_technical_days * days),
            "pseudonymised": await retention.pseudonymise_closed(
                session, now - settings.pseudonymise_after_days * days, pseudonym
            ),
        }
    return result


async def erase_person(
    session: AsyncSession, *, user_id: int, actor_id: int | None, now: datetime
) -> dict[str, int]:
    """Forget one person: drafts, chat log, subscriptions, messages to them, their account, and the
    link from their reports and actions to them (reports keep their facts under a pseudonym). The
    audit row says that it happened and how much, never what."""
    name = pseudonym(user_id)
    counts = {"reports": await retention.unlink_reports(session, user_id, pseudonym)}
    counts.update(await retention.forget_person(session, user_id))
    await retention.rename_target(session, f"user:{user_id}", f"user:{name}")
    await admin_events.record(
        session, actor_id=actor_id, action="user_erased", target=f"user:{name}", after=counts, at=now
    )
    return counts
