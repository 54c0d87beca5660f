"""The per-update context handed to every handler, and the services it reaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.config import Settings
from bot.forms.engine import load as load_forms
from bot.places import Gazetteer, load_places
from bot.roles import Role, role_of
from bot.runtime.send_budget import SendBudget
from storage.db import Database
from storage.models import User

if TYPE_CHECKING:
    from telegram.ext._utils.types import BD, CD, UD  # noqa: F401


@dataclass
class Services:
    """Everything a handler may call. Services know nothing of Telegram."""

    settings: Settings
    db: Database
    budget: SendBudget = field(default_factory=SendBudget)  # new messages a second, replies and sender
    extra: dict[str, Any] = field(default_factory=dict)
    _places: Gazetteer | None = field(default=None, repr=False)

    async def start(self) -> None:
        """Load what updates read on every keystroke (the forms, the gazetteer) once, before the
        first update, so a broken form stops the bot at start; the application's post_init awaits
        this."""
        load_forms()
        async with self.db.session() as session:
            self._places = await load_places(session)

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
