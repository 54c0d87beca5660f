"""The emulator's in-memory world: users, chats, messages, files, the update queue and the limits."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BOT_ID = 7000000001
BOT_USERNAME = "khabar_sandbox_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024


class ApiError(Exception):
    """An error the Bot API would return: HTTP status, description, optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass
class Limits:
    """Telegram's flood limits as the emulator enforces them.

    Private chats: a token bucket of `chat_burst` messages refilled at `chat_per_second`, so a reply
    plus a follow-up question passes (as on Telegram) while a sustained stream above 1/s is refused.
    """

    global_per_second: int = 30
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20


@dataclass
class EmuUser:
    id: int
    first_name: str
    language_code: str | None = None
    username: str | None = None
    blocked_bot: bool = False

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class EmuMessage:
    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    text: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    location: dict[str, float] | None = None
    voice: dict[str, Any] | None = None
    caption: str | None = None
    media_group_id: str | None = None
    deleted: bool = False
    edited: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or self.reply_markup.get("keyboard") or []
        return [[b if isinstance(b, dict) else {"text": b} for b in row] for row in rows]

    @property
    def button_labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class EmulatorState:
    def __init__(self, limits: Limits | None = None) -> None:
        self.reset(limits)

    def reset(self, limits: Limits | None = None) -> None:
        """Forget every user, message, update and counter, as a new emulator would start (tests
        share one emulator and reset it between them)."""
        self.limits = limits or Limits()
        self.users: dict[int, EmuUser] = {}
        self.messages: dict[int, list[EmuMessage]] = {}
        self.files: dict[str, bytes] = {}
        self.unique_ids: dict[str, str] = {}  # file_id -> file_unique_id
        self.updates: deque[dict[str, Any]] = deque()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {}
        self.counters: dict[str, int] = {
            "sent": 0,
            "edited": 0,
            "deleted": 0,
            "429": 0,
            "403": 0,
            "400": 0,
            "updates": 0,
            "webhook_deliveries": 0,
            "webhook_failures": 0,
        }
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._call_waiters: list[asyncio.Future[None]] = []
        self._global_sends: deque[float] = deque()
        self._chat_buckets: dict[int, _Bucket] = {}
        self.clock: Callable[[], float] = time.monotonic
        self.listeners: list[Callable[[EmuMessage], object]] = []  # told of each bot message and edit
        self.closed = False

    def close(self) -> None:
        """Release every pending long poll now (the server is stopping)."""
        self.closed = True
        self._new_update.set()

    # --- users and their actions --------------------------------------------------------------

    def add_user(self, user_id: int, first_name: str = "User", language_code: str | None = None) -> EmuUser:
        user = self.users.get(user_id)
        if user is None:
            user = EmuUser(user_id, first_name, language_code)
            self.users[user_id] = user
        else:
            user.first_name, user.language_code = first_name, language_code
        return user

    def _user(self, user_id: int) -> EmuUser:
        if user_id not in self.users:
            raise KeyError(f"unknown emulated user {user_id}")
        return self.users[user_id]

    def _chat_json(self, user: EmuUser) -> dict[str, Any]:
        return {"id": user.id, "type": "private", "first_name": user.first_name}

    def _user_message(self, user_id: int, **content: Any) -> dict[str, Any]:
        user = self._user(user_id)
        msg = EmuMessage(
            message_id=next(self._message_ids),
            chat_id=user.id,
            from_bot=False,
            date=int(time.time()),
            **content,
        )
        self.messages.setdefault(user.id, []).append(msg)
        data = self.message_json(msg)
        data["from"] = user.as_json()
        return data

    def push_update(self, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **payload})
        self.counters["updates"] += 1
        self._new_update.set()
        return update_id

    def send_text(self, user_id: int, text: str) -> int:
        message = self._user_message(user_id, text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        # Unblocking is implicit: a user who writes to the bot again has unblocked it.
        self._user(user_id).blocked_bot = False
        return self.push_update({"message": message})

    def send_reply(self, user_id: int, text: str, reply_to: EmuMessage) -> int:
        """The user answers `reply_to` with `text`, as a client does under the bot's ForceReply."""
        message = self._user_message(user_id, text=text)
        message["reply_to_message"] = self.message_json(reply_to)
        return self.push_update({"message": message})

    def send_photo(self, user_id: int, data: bytes, caption: str | None = None) -> int:
        sizes = self._store_photo(data)
        return self.push_update({"message": self._user_message(user_id, photo=sizes, caption=caption)})

    def send_album(self, user_id: int, photos: list[bytes], caption: str | None = None) -> list[int]:
        """Photos sent together: one message (and update) each, sharing a media_group_id, the
        caption on the first, as Telegram delivers an album."""
        group = f"A{user_id}-{len(self.updates)}"
        return [
            self.push_update(
                {
                    "message": self._user_message(
                        user_id,
                        photo=self._store_photo(data),
                        caption=caption if n == 0 else None,
                        media_group_id=group,
                    )
                }
            )
            for n, data in enumerate(photos)
        ]

    def send_document(self, user_id: int, data: bytes, file_name: str) -> int:
        doc = self._store_file(data) | {"file_name": file_name}
        return self.push_update({"message": self._user_message(user_id, document=doc)})

    def send_voice(self, user_id: int, data: bytes, duration: int = 3, caption: str | None = None) -> int:
        voice = self._store_file(data) | {"duration": duration, "mime_type": "audio/ogg"}
        return self.push_update({"message": self._user_message(user_id, voice=voice, caption=caption)})

    def send_location(self, user_id: int, latitude: float, longitude: float) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        return self.push_update({"message": self._user_message(user_id, location=location)})

    def press(self, user_id: int, message_id: int, data: str) -> int:
        user = self._user(user_id)
        msg = self.find_message(user_id, message_id)
        query_id = str(next(self._callback_ids))
        query = {
            "id": query_id,
            "from": user.as_json(),
            "chat_instance": str(user.id),
            "data": data,
        }
        if msg is not None:
            query["message"] = self.message_json(msg)
        self.callback_queries[query_id] = {"answered": False, "text": None, "user_id": user_id}
        return self.push_update({"callback_query": query})

    def block(self, user_id: int, blocked: bool = True) -> None:
        self._user(user_id).blocked_bot = blocked

    # --- reading --------------------------------------------------------------------------------

    def find_message(self, chat_id: int, message_id: int) -> EmuMessage | None:
        for msg in self.messages.get(chat_id, []):
            if msg.message_id == message_id:
                return msg
        return None

    def bot_messages(self, chat_id: int, include_deleted: bool = False) -> list[EmuMessage]:
        return [
            m for m in self.messages.get(chat_id, []) if m.from_bot and (include_deleted or not m.deleted)
        ]

    def message_json(self, msg: EmuMessage) -> dict[str, Any]:
        user = self.users.get(msg.chat_id)
        chat = self._chat_json(user) if user else {"id": msg.chat_id, "type": "private"}
        data: dict[str, Any] = {"message_id": msg.message_id, "date": msg.date, "chat": chat}
        if msg.from_bot:
            data["from"] = self.bot_json()
        for key in ("text", "photo", "document", "location", "voice", "caption", "media_group_id"):
            value = getattr(msg, key)
            if value is not None:
                data[key] = value
        # Telegram returns only inline keyboards with a message; ForceReply and reply keyboards stay out.
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            data["reply_markup"] = msg.reply_markup
        if msg.edited:
            data["edit_date"] = int(time.time())
        if msg.extra.get("has_protected_content"):
            data["has_protected_content"] = True
        return data

    @staticmethod
    def bot_json() -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Khabar",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # --- files ----------------------------------------------------------------------------------

    def _store_file(self, data: bytes) -> dict[str, Any]:
        # As on Telegram, each upload gets its own file_id, while file_unique_id names the file
        # itself: the same bytes sent again (a resend after the bot went quiet) keep it.
        n = next(self._file_ids)
        file_id = f"FILE{n:06d}"
        self.files[file_id] = data
        unique_id = "U" + hashlib.sha256(data).hexdigest()[:16]
        self.unique_ids[file_id] = unique_id
        return {"file_id": file_id, "file_unique_id": unique_id, "file_size": len(data)}

    def _store_photo(self, data: bytes) -> list[dict[str, Any]]:
        return [self._store_file(data) | {"width": 800, "height": 600}]

    # --- limits ---------------------------------------------------------------------------------

    def check_send(self, chat_id: int) -> None:
        """Raise the error Telegram would give for a send to `chat_id` now, or record the send."""
        user = self.users.get(chat_id)
        if user is None:
            raise ApiError(400, "Bad Request: chat not found")
        if user.blocked_bot:
            self.counters["403"] += 1
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        now = self.clock()
        while self._global_sends and now - self._global_sends[0] >= 1.0:
            self._global_sends.popleft()
        if len(self._global_sends) >= self.limits.global_per_second:
            self.counters["429"] += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        bucket = self._chat_buckets.get(chat_id)
        if bucket is None:
            bucket = _Bucket(float(self.limits.chat_burst), now)
            self._chat_buckets[chat_id] = bucket
        bucket.tokens = min(
            float(self.limits.chat_burst),
            bucket.tokens + (now - bucket.stamp) * self.limits.chat_per_second,
        )
        bucket.stamp = now
        if bucket.tokens < 1.0:
            self.counters["429"] += 1
            wait = max(1, int((1.0 - bucket.tokens) / self.limits.chat_per_second + 0.999))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        bucket.tokens -= 1.0
        self._global_sends.append(now)

    def record_bot_message(self, msg: EmuMessage) -> None:
        self.messages.setdefault(msg.chat_id, []).append(msg)
        self.counters["sent"] += 1
        self.notify(msg)

    def record_edit(self, msg: EmuMessage) -> None:
        msg.edited = True
        self.counters["edited"] += 1
        self.notify(msg)

    def notify(self, msg: EmuMessage) -> None:
        for listener in list(self.listeners):
            listener(msg)

    def new_message_id(self) -> int:
        return next(self._message_ids)

    def store_upload(self, data: bytes) -> dict[str, Any]:
        return self._store_file(data)

    def store_photo_upload(self, data: bytes) -> list[dict[str, Any]]:
        return self._store_photo(data)

    # --- waiting on the bot -------------------------------------------------------------------

    def note_bot_call(self) -> None:
        """A Bot API call was answered (the server calls this): wakes `bot_activity`."""
        waiters, self._call_waiters = self._call_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def bot_activity(self, timeout: float) -> bool:
        """Wait at most `timeout` seconds for the bot's next answered API call: True if one came.
        Tests share the emulator's event loop, so they wait here instead of polling with sleeps."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._call_waiters.append(waiter)
        done, _ = await asyncio.wait({waiter}, timeout=timeout)
        if not done:
            waiter.cancel()
            self._call_waiters.remove(waiter)
        return bool(done)

    # --- updates --------------------------------------------------------------------------------

    async def wait_for_updates(self, offset: int, timeout: float) -> list[dict[str, Any]]:
        # Confirming an offset drops every update before it, as Telegram does.
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()
        if not self.updates and timeout > 0 and not self.closed:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return [u for u in self.updates if u["update_id"] >= offset][:100]
