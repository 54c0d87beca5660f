"""`khabar sandbox`: the real bot against the local emulator, with a chat in this terminal.

Type a message or /command to send it as the current user. Buttons of the bot's last message are
numbered: `#2` presses the second. `:user 2` switches user (1 admin, 2 reporter, 3 stranger),
`:loc 34.5 69.2` shares a location, `:photo` sends a small photo, `:quit` ends.
"""

from __future__ import annotations

import asyncio
import errno
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.emulator import EmulatorServer, EmuMessage
from bot.runtime.application import SANDBOX_TOKEN
from bot.runtime.logs import setup_logging
from bot.runtime.runner import running_bot
from storage.users import UserRepository

# Its own scratch database, never the configured DATABASE_URL: the sandbox adds test users with
# roles and drains the outbox against the emulator, which must never happen to real data.
SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///./var/sandbox.db"
USERS = {1: ("Admin", "admin"), 2: ("Reporter", "reporter"), 3: ("Stranger", None)}
DEFAULT_PORT = 8081
_PHOTO = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def _show(msg: EmuMessage) -> None:
    body = msg.text or msg.caption or ("[photo]" if msg.photo else "[document]" if msg.document else "")
    print(f"\n[bot → {msg.chat_id}]{' (edited)' if msg.edited else ''} {body}")
    for n, label in enumerate(msg.button_labels, 1):
        print(f"   #{n} {label}")


class TerminalChat:
    def __init__(self, emulator: EmulatorServer) -> None:
        self.emulator = emulator
        self.state = emulator.state
        self.user = 2
        self.done: set[int] = set()
        self.event = asyncio.Event()

    def processed(self, update: object) -> None:
        update_id = getattr(update, "update_id", None)
        if isinstance(update_id, int):
            self.done.add(update_id)
            self.event.set()

    async def wait(self, update_id: int) -> None:
        while update_id not in self.done:
            self.event.clear()
            try:
                await asyncio.wait_for(self.event.wait(), 30)
            except TimeoutError:
                print("(no answer within 30 s)")
                return

    async def handle(self, line: str) -> bool:
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q"):
            return False
        if line.startswith(":user"):
            parts = line.split()
            if (
                len(parts) == 2
                and parts[1].isascii()
                and parts[1].isdigit()
                and int(parts[1]) in self.state.users
            ):
                self.user = int(parts[1])
                print(f"(now chatting as user {self.user}, {self.state.users[self.user].first_name})")
            else:
                print("(users: " + ", ".join(f"{k} {v[0]}" for k, v in USERS.items()) + ")")
            return True
        if line.startswith(":loc"):
            try:
                _, lat, lon = line.split()
                update_id = self.state.send_location(self.user, float(lat), float(lon))
            except ValueError:
                print("(usage: :loc 34.52 69.17)")
                return True
        elif line.startswith(":photo"):
            update_id = self.state.send_photo(self.user, _PHOTO)
        elif line.startswith("#") and line[1:].isascii() and line[1:].isdigit():
            with_buttons = [m for m in self.state.bot_messages(self.user) if m.buttons]
            buttons = [b for row in with_buttons[-1].buttons for b in row] if with_buttons else []
            index = int(line[1:]) - 1
            if not 0 <= index < len(buttons):
                print("(no such button)")
                return True
            update_id = self.state.press(
                self.user, with_buttons[-1].message_id, buttons[index].get("callback_data", "")
            )
        else:
            update_id = self.state.send_text(self.user, line)
        await self.wait(update_id)
        return True


def _shown(database_url: str) -> str:
    """The database URL without its password."""
    return make_url(database_url).render_as_string(hide_password=True)


async def run_sandbox(settings: Settings, *, port: int | None = None, script: str | None = None) -> None:
    """`port` None: DEFAULT_PORT, or any free port when that one is taken. A port asked for that
    is taken raises OSError (EADDRINUSE)."""
    setup_logging(settings.log_format, settings.log_level)
    emulator = EmulatorServer()
    try:
        url = await emulator.start(port=DEFAULT_PORT if port is None else port)
    except OSError as exc:
        if port is not None or exc.errno != errno.EADDRINUSE:
            raise
        emulator = EmulatorServer()
        url = await emulator.start(port=0)
        print(f"Port {DEFAULT_PORT} is in use; the emulator took a free one.")
    for user_id, (name, _role) in USERS.items():
        emulator.state.add_user(user_id, name, "en")
    sandbox_settings = settings.model_copy(
        update={
            "telegram_base_url": url,
            "admin_ids": (1,),
            "bot_token": None,
            # Always polling the emulator, and the HTTP endpoints on any free port, so a configured
            # webhook or a bot already serving HTTP_PORT does not stop the sandbox.
            "webhook_url": None,
            "http_port": 0,
        }
    )
    chat = TerminalChat(emulator)
    emulator.state.listeners.append(lambda m: _show(m) if m.chat_id == chat.user else None)
    async with running_bot(sandbox_settings, token=SANDBOX_TOKEN) as app:
        async with app.bot_data["services"].db.session() as session:
            users = UserRepository(session)
            for user_id, (_name, role) in USERS.items():
                if role:
                    await users.set_role(user_id, role)
        app.processed_listeners.append(chat.processed)  # type: ignore[attr-defined]
        print(__doc__)
        print(f"Emulator at {url}. Sandbox database: {_shown(settings.database_url)}.")
        print("You are user 2 (Reporter). Try /start.")
        lines = Path(script).read_text(encoding="utf-8").splitlines() if script else None  # noqa: ASYNC240
        loop = asyncio.get_running_loop()
        while True:
            if lines is not None:
                if not lines:
                    break
                line = lines.pop(0)
                print(f"> {line}")
            else:
                print(f"[user {chat.user}]> ", end="", flush=True)
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    break
            if not await chat.handle(line):
                break
    await emulator.stop()
