"""The per-update context handed to every handler, and the services it reaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.config import Settings
from bot.forms.engine import load as load_forms
from bot.places import Gazetteer, load_places
from bot.roles import Role, role_of
from bot.runtime.leader import Leadership
from bot.runtime.send_budget import Budget, SendBudget, SharedBudget
from bot.runtime.sender import Sender
from bot.runtime.update_order import MAX_CONCURRENT
from storage.coordination import Coordination, SenderLock
from storage.db import Database
from storage.models import User, utcnow

if TYPE_CHECKING:
    from telegram.ext._utils.types import BD, CD, UD  # noqa: F401


@dataclass
class Services:
    """Everything a handler may call. Services know nothing of Telegram."""

    settings: Settings
    db: Database
    budget: Budget = field(default_factory=SendBudget)  # new messages a second, replies and sender
    extra: dict[str, Any] = field(default_factory=dict)
    started_at: datetime = field(default_factory=utcnow)
    # PostgreSQL: what replicas share (per-chat locks, the send budget); None on SQLite.
    coordination: Coordination | None = None
    leadership: Leadership | None = None
    sender_lock: SenderLock | None = None  # PostgreSQL: ends this process's outbox claims with it
    sender: Sender | None = None  # the outbox sender job's, while it runs
    stopping: bool = False  # the application is stopping: the sender finishes what is in flight
    _places: Gazetteer | None = field(default=None, repr=False)

    async def start(self) -> None:
        """Load what updates read on every keystroke (the forms, the gazetteer) once, before the
        first update, so a broken form stops the bot at start, and join the other replicas
        (PostgreSQL); the application's post_init awaits this."""
        self.stopping = False
        load_forms()
        async with self.db.session() as session:
            self._places = await load_places(session)
        settings = self.settings
        if self.db.is_sqlite:
            self.budget = SendBudget(per_second=int(settings.send_budget))
        else:
            # Every update may hold a chat lock, and replies and the sender take budget slots.
            self.coordination = await Coordination.open(self.db.url, MAX_CONCURRENT + 4)
            self.budget = SharedBudget(self.coordination, settings.send_budget)
            if settings.background_jobs:
                self.sender_lock = await SenderLock.take(self.db.url)
        self.leadership = Leadership(
            None if self.db.is_sqlite else self.db.url,
            enabled=settings.background_jobs,
            check_every=settings.leader_takeover_seconds,
        )
        await self.leadership.start()

    def stop_sending(self) -> None:
        """The application is stopping: the sender ends after its in-flight sends, at once."""
        self.stopping = True
        if self.sender is not None:
            self.sender.wake()

    async def stop(self) -> None:
        """Leave the other replicas: the leader lock goes first, so another takes over at once."""
        if self.leadership is not None:
            await self.leadership.stop()
        if self.coordination is not None:
            await self.coordination.close()
            self.coordination = None
        if self.sender_lock is not None:  # the sender has stopped: its claims are all recorded
            await self.sender_lock.close()
            self.sender_lock = None

    @property
    def leads(self) -> bool:
        """Whether this process runs the scheduled jobs now (`bot.runtime.leader`)."""
        return self.leadership is not None and self.leadership.is_leader

    @property
    def places(self) -> Gazetteer:
        if self._places is None:
            raise RuntimeError("Services.start() has not run (the application's post_init runs it)")
        return self._places


class KhabarContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Adds the caller's account (loaded once per update by the access layer) and the services."""

    def __init__(
        self, application: KhabarApp, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.account: User | None = None

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def role(self) -> Role:
        return role_of(self.account.role if self.account else None)


KhabarApp = Application[
    ExtBot[None],
    KhabarContext,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[KhabarContext],
]
