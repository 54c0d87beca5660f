"""Drives the real PTB Application through the emulator: a started bot and simulated users."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass, field, replace
from typing import Any

from bot.config import TELEGRAM_LIMIT, Settings, load_settings
from bot.emulator import EmulatorServer, EmulatorState, EmuMessage, Limits
from bot.runtime.application import SANDBOX_TOKEN, build_application
from bot.runtime.context import KhabarApp
from storage.db import Database
from storage.users import UserRepository

WAIT = 10.0
_pictures = itertools.count(1)


def new_picture() -> bytes:
    """Bytes of a picture not sent before in this run."""
    return b"\xff\xd8\xff\xe0fake-jpeg-%d\xff\xd9" % next(_pictures)


@dataclass
class SimUser:
    bot: BotHarness
    id: int
    first_name: str
    language_code: str | None

    @property
    def state(self) -> EmulatorState:
        return self.bot.emulator.state

    async def send(self, text: str) -> EmuMessage | None:
        await self.bot.process(self.state.send_text(self.id, text))
        return self.last_reply

    async def send_photo(self, data: bytes | None = None, caption: str | None = None) -> EmuMessage | None:
        """A photo; without `data`, a new picture each time (the same bytes are the same file)."""
        await self.bot.process(self.state.send_photo(self.id, data or new_picture(), caption))
        return self.last_reply

    async def send_voice(self, data: bytes = b"OggS fake voice note") -> EmuMessage | None:
        await self.bot.process(self.state.send_voice(self.id, data))
        return self.last_reply

    async def send_location(self, latitude: float, longitude: float) -> EmuMessage | None:
        await self.bot.process(self.state.send_location(self.id, latitude, longitude))
        return self.last_reply

    async def press(self, label: str, *, exact: bool = False) -> EmuMessage | None:
        """Press the button labelled `label` on the newest bot message that has one."""
        for message in reversed(self.state.bot_messages(self.id)):
            for row in message.buttons:
                for button in row:
                    text = button["text"]
                    if text == label or (not exact and label in text):
                        return await self.press_data(button["callback_data"], message.message_id)
        raise AssertionError(f"no button {label!r}; last buttons: {self.buttons}")

    async def press_data(self, data: str, message_id: int | None = None) -> EmuMessage | None:
        """Press a button with arbitrary callback data (a stale or forged button)."""
        if message_id is None:
            messages = self.state.bot_messages(self.id)
            message_id = messages[-1].message_id if messages else 1
        await self.bot.process(self.state.press(self.id, message_id, data))
        return self.last_reply

    @property
    def replies(self) -> list[EmuMessage]:
        return self.state.bot_messages(self.id)

    @property
    def last_reply(self) -> EmuMessage | None:
        replies = self.replies
        return replies[-1] if replies else None

    @property
    def last_text(self) -> str:
        reply = self.last_reply
        return (reply.text or reply.caption or "") if reply else ""

    @property
    def buttons(self) -> list[str]:
        for message in reversed(self.replies):
            if message.buttons:
                return message.button_labels
        return []

    @property
    def last_alert(self) -> str | None:
        answered = [q for q in self.state.callback_queries.values() if q["user_id"] == self.id]
        return answered[-1]["text"] if answered else None


# For chat-driven tests that send many commands in one chat at machine speed (a reply held back by
# a 429 would only slow them); the sender's and the burst tests keep the emulator's real limits.
RELAXED = Limits(global_per_second=10_000, chat_per_second=10_000.0, chat_burst=10_000)


def faster(
    times: int,
    *,
    budget: float = Settings.model_fields["send_budget"].default,
    rate: float = Settings.model_fields["send_rate"].default,
) -> dict[str, Any]:
    """Settings with Telegram's overall limit, the bot's send budget and the sender's rate at `times`
    their figures: the same pacing (every reply waits for a budget slot, spaced 1/SEND_BUDGET apart
    on PostgreSQL) in a `times`-th of the time. Give the emulator `limits_for` them."""
    return {
        "telegram_limit": TELEGRAM_LIMIT * times,
        "send_budget": budget * times,
        "send_rate": rate * times,
    }


def limits_for(settings: dict[str, Any]) -> Limits:
    """The emulator's limits for `settings` from `faster`: their overall limit, per chat Telegram's."""
    return Limits(global_per_second=int(settings["telegram_limit"]))


def as_env(settings: dict[str, Any]) -> dict[str, str]:
    """`settings` as the environment of a `khabar` process."""
    return {name.upper(): str(value) for name, value in settings.items()}


def at_human_pace(limits: Limits) -> Limits:
    """`limits` with the per-chat bucket refilling as it would between a person's answers (slower
    than Telegram's one message a second per chat; tests answer at once); the overall limit stays."""
    return replace(limits, chat_per_second=1000.0, chat_burst=1000)


# For the chat-driven tests, the crash and restart tests' processes (`FAST_ENV`) and the emulator
# they talk to (`fast_limits`): ten times Telegram's pace.
FAST = faster(10)
FAST_ENV = as_env(FAST)


def fast_limits() -> Limits:
    return limits_for(FAST)


@dataclass
class BotHarness:
    db: Database
    emulator: EmulatorServer
    settings: Settings
    app: KhabarApp | None = None
    # False when the emulator is shared (the test session's): closing the bot leaves it running.
    owns_emulator: bool = True
    _done: set[int] = field(default_factory=set)
    _event: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def create(
        cls,
        db: Database,
        limits: Limits | None = None,
        *,
        emulator: EmulatorServer | None = None,
        **overrides: Any,
    ) -> BotHarness:
        """A started bot on `emulator` (reset to `limits`), or on a new emulator of its own."""
        owns = emulator is None
        if emulator is None:
            emulator = EmulatorServer(limits)
            await emulator.start()
        else:
            emulator.reset(limits)
        settings = load_settings(
            _env_file=None, database_url=db.url, telegram_base_url=emulator.url, **overrides
        )
        harness = cls(db=db, emulator=emulator, settings=settings, owns_emulator=owns)
        await harness.start()
        return harness

    def _processed(self, update: object) -> None:
        update_id = getattr(update, "update_id", None)
        if isinstance(update_id, int):
            self._done.add(update_id)
            self._event.set()

    def watch(self, app: KhabarApp) -> None:
        """Follow `app`'s handling of updates (an application started outside the harness)."""
        self.app = app
        app.processed_listeners.append(self._processed)  # type: ignore[attr-defined]

    def was_processed(self, update_id: int) -> bool:
        return update_id in self._done

    async def start(self) -> None:
        app = build_application(self.settings, self.db, token=SANDBOX_TOKEN)
        app.processed_listeners.append(self._processed)  # type: ignore[attr-defined]
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        self.app = app

    async def stop(self) -> None:
        app = self.app
        if app is None:
            return
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:  # as run_polling does: the services leave the replicas (PostgreSQL)
            await app.post_shutdown(app)
        self.app = None

    async def restart(self) -> None:
        """A fresh Application on the same database, as after a crash and restart."""
        await self.stop()
        await self.start()

    async def close(self) -> None:
        await self.stop()
        if self.owns_emulator:
            await self.emulator.stop()

    async def process(self, update_id: int) -> None:
        deadline = asyncio.get_running_loop().time() + WAIT
        while update_id not in self._done:
            self._event.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"update {update_id} was not processed within {WAIT}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)

    async def user(
        self,
        user_id: int,
        first_name: str = "User",
        language_code: str | None = "en",
        role: str | None = None,
        language: str | None = None,
    ) -> SimUser:
        """A Telegram user; with `role`, already registered (and with `language`, already chosen)."""
        self.emulator.state.add_user(user_id, first_name, language_code)
        if role is not None:
            async with self.db.session() as session:
                users = UserRepository(session)
                account = await users.set_role(user_id, role)
                account.first_name = first_name
                account.language = language or ("en" if language_code is None else None) or language
                if account.language is None:
                    from bot.languages import guess_language

                    account.language = guess_language(language_code, self.settings.default_language)
                await users.save(account)
        return SimUser(self, user_id, first_name, language_code)
