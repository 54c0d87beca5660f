"""The emulator's HTTP side: the Bot API methods the bot uses, file downloads and the control API."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from typing import Any

from aiohttp import BodyPartReader, ClientSession, ClientTimeout, web

from bot.emulator import media
from bot.emulator.state import (
    MAX_CAPTION,
    MAX_TEXT,
    ApiError,
    EmulatorState,
    EmuMessage,
    Limits,
)

log = logging.getLogger(__name__)

_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}


class _Params:
    """Bot API parameters from a JSON body, a form or a multipart upload, coerced like the API does."""

    def __init__(
        self, data: dict[str, Any], files: dict[str, bytes], file_names: dict[str, str] | None = None
    ) -> None:
        self.data = data
        self.files = files
        self.file_names = file_names or {}  # multipart field -> the uploaded file's name

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise ApiError(400, f'Bad Request: parameter "{name}" is required')
            return None
        return str(value)

    def int(self, name: str, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise ApiError(400, f'Bad Request: parameter "{name}" is required')
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def json(self, name: str) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value

    def bool(self, name: str) -> bool:
        value = self.data.get(name)
        return value in (True, "true", "True", "1", 1)


class _EntityChecker(HTMLParser):
    """Rejects what Telegram's HTML parse mode rejects: unknown or unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None
        self.length = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS and not self.error:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if (not self.stack or self.stack[-1] != tag) and not self.error:
            self.error = f'Unexpected end tag "{tag}"'
        elif self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.length += len(data)


def _visible_text(text: str, parse_mode: str | None) -> str:
    """The text as the user will see it (entities parsed); raises as Telegram does on bad markup."""
    if not parse_mode:
        return text
    if parse_mode.upper() != "HTML":
        return text
    for i, ch in enumerate(text):
        if ch == "<" and not (text[i + 1 : i + 2].isalpha() or text[i + 1 : i + 2] == "/"):
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected '<' at byte offset {i}")
    checker = _EntityChecker()
    checker.feed(text)
    checker.close()
    if checker.error or checker.stack:
        detail = checker.error or f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
        raise ApiError(400, f"Bad Request: can't parse entities: {detail}")
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    return markup


class EmulatorServer:
    """aiohttp application serving one bot. Start with `await server.start()`; see package docs."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.state = EmulatorState(limits)
        self.app = web.Application(client_max_size=50 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._api)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._add_control_routes()
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._http: ClientSession | None = None
        self.url = ""
        self.tokens_seen: set[str] = set()
        # Tokens answered with 401 Unauthorized, as Telegram answers a revoked token.
        self.revoked_tokens: set[str] = set()
        self.api_calls: list[str] = []

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        # A client that hangs up (a killed bot) ends its long poll, as on Telegram; without this the
        # poll would hold `stop()` for up to its timeout.
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True, shutdown_timeout=5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()  # the port is taken: leave nothing half started
            raise
        real_port = port
        for address in self._runner.addresses:  # port 0: learn the one the OS picked
            real_port = int(address[1])
            break
        self.url = f"http://{host}:{real_port}"
        return self.url

    async def stop(self) -> None:
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        self.state.close()
        if self._http:
            await self._http.close()
        if self._runner:
            await self._runner.cleanup()

    # --- Bot API --------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> _Params:
        files: dict[str, bytes] = {}
        file_names: dict[str, str] = {}
        data: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                data.update(body)
        elif request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename:
                    files[part.name] = bytes(await part.read())
                    file_names[part.name] = part.filename
                else:
                    data[part.name] = await part.text()
        elif request.can_read_body:
            form = await request.post()
            data.update({k: v for k, v in form.items() if isinstance(v, str)})
        return _Params(data, files, file_names)

    async def _api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"].lower()
        self.tokens_seen.add(token)
        self.api_calls.append(method)
        if token in self.revoked_tokens:
            return self._error(ApiError(401, "Unauthorized"))
        handler: Callable[[_Params], Awaitable[Any]] | None = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(ApiError(404, "Not Found"))
        try:
            params = await self._params(request)
            result = await handler(params)
        except ApiError as exc:
            return self._error(exc)
        return web.json_response({"ok": True, "result": result})

    def _error(self, exc: ApiError) -> web.Response:
        if exc.status == 400:
            self.state.counters["400"] += 1
        body: dict[str, Any] = {
            "ok": False,
            "error_code": exc.status,
            "description": exc.description,
        }
        if exc.retry_after is not None:
            body["parameters"] = {"retry_after": exc.retry_after}
        return web.json_response(body, status=exc.status)

    async def _m_getme(self, p: _Params) -> Any:
        return self.state.bot_json()

    async def _m_getupdates(self, p: _Params) -> Any:
        if self.state.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.int("offset") or 0
        timeout = float(p.int("timeout") or 0)
        return await self.state.wait_for_updates(offset, min(timeout, 50.0))

    async def _m_setwebhook(self, p: _Params) -> Any:
        url = p.text("url") or ""
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.state.webhook = {"url": url, "secret_token": p.text("secret_token")} if url else {}
        if p.bool("drop_pending_updates"):
            self.state.updates.clear()
        if url and self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        return True

    async def _m_deletewebhook(self, p: _Params) -> Any:
        self.state.webhook = {}
        if p.bool("drop_pending_updates"):
            self.state.updates.clear()
        return True

    async def _m_getwebhookinfo(self, p: _Params) -> Any:
        return {
            "url": self.state.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }

    async def _deliver_webhooks(self) -> None:
        """Post queued updates to the webhook in order, retrying as Telegram does on failure."""
        self._http = ClientSession(timeout=ClientTimeout(total=10))
        while not self.state.closed:
            url = self.state.webhook.get("url")
            if not url or not self.state.updates:
                await self.state.wait_for_updates(0, 0.2)
                continue
            update = self.state.updates[0]
            headers = {}
            if self.state.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.state.webhook["secret_token"]
            try:
                async with self._http.post(url, json=update, headers=headers) as resp:
                    ok = resp.status < 300
            except Exception:
                ok = False
            if ok:
                self.state.counters["webhook_deliveries"] += 1
                if self.state.updates and self.state.updates[0] is update:
                    self.state.updates.popleft()
            else:
                self.state.counters["webhook_failures"] += 1
                await asyncio.sleep(0.2)

    def _chat(self, p: _Params) -> int:
        chat_id = p.int("chat_id", required=True)
        assert chat_id is not None
        return chat_id

    def _send(self, chat_id: int, **content: Any) -> dict[str, Any]:
        self.state.check_send(chat_id)
        msg = EmuMessage(
            message_id=self.state.new_message_id(),
            chat_id=chat_id,
            from_bot=True,
            date=int(time.time()),
            **content,
        )
        self.state.record_bot_message(msg)
        return self.state.message_json(msg)

    def _text(self, p: _Params, field: str = "text", limit: int = MAX_TEXT) -> tuple[str, str | None]:
        text = p.text(field) or ""
        parse_mode = p.text("parse_mode")
        visible = _visible_text(text, parse_mode)
        if field == "text" and not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(visible) > limit:
            raise ApiError(
                400,
                "Bad Request: message is too long"
                if field == "text"
                else "Bad Request: message caption is too long",
            )
        return text, parse_mode

    async def _m_sendmessage(self, p: _Params) -> Any:
        chat_id = self._chat(p)
        text, parse_mode = self._text(p)
        markup = _check_markup(p.json("reply_markup"))
        return self._send(chat_id, text=text, parse_mode=parse_mode, reply_markup=markup)

    def _upload(self, p: _Params, field: str) -> bytes | str:
        if field in p.files:
            return p.files[field]
        value = p.text(field)
        if value and value.startswith("attach://") and value[9:] in p.files:
            return p.files[value[9:]]
        if not value:
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        if value not in self.state.files:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return value

    async def _m_sendphoto(self, p: _Params) -> Any:
        chat_id = self._chat(p)
        source = self._upload(p, "photo")
        caption, parse_mode = self._text(p, "caption", MAX_CAPTION)
        data = source if isinstance(source, bytes) else self.state.files[source]
        sizes = self.state.store_photo_upload(data)
        return self._send(
            chat_id,
            photo=sizes,
            caption=caption or None,
            parse_mode=parse_mode,
            reply_markup=_check_markup(p.json("reply_markup")),
        )

    _m_senddocument = media.send_document
    _m_sendvoice = media.send_voice
    _m_sendmediagroup = media.send_media_group

    async def _m_sendlocation(self, p: _Params) -> Any:
        chat_id = self._chat(p)
        try:
            lat, lon = float(p.data["latitude"]), float(p.data["longitude"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: wrong latitude or longitude") from None
        return self._send(chat_id, location={"latitude": lat, "longitude": lon})

    def _bot_message(self, p: _Params) -> EmuMessage:
        chat_id = self._chat(p)
        message_id = p.int("message_id", required=True)
        assert message_id is not None
        msg = self.state.find_message(chat_id, message_id)
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return msg

    async def _m_editmessagetext(self, p: _Params) -> Any:
        msg = self._bot_message(p)
        text, parse_mode = self._text(p)
        markup = _check_markup(p.json("reply_markup"))
        if text == msg.text and markup == msg.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of the message",
            )
        msg.text, msg.parse_mode, msg.reply_markup = text, parse_mode, markup
        self.state.record_edit(msg)
        return self.state.message_json(msg)

    async def _m_editmessagereplymarkup(self, p: _Params) -> Any:
        msg = self._bot_message(p)
        markup = _check_markup(p.json("reply_markup"))
        if markup == msg.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content "
                "and reply markup are exactly the same as a current content and reply "
                "markup of the message",
            )
        msg.reply_markup = markup
        self.state.record_edit(msg)
        return self.state.message_json(msg)

    def _delete(self, chat_id: int, message_id: int) -> bool:
        msg = self.state.find_message(chat_id, message_id)
        if msg is None or msg.deleted:
            return False
        if time.time() - msg.date > 48 * 3600:
            raise ApiError(400, "Bad Request: message can't be deleted")
        msg.deleted = True
        self.state.counters["deleted"] += 1
        return True

    async def _m_deletemessage(self, p: _Params) -> Any:
        message_id = p.int("message_id", required=True)
        assert message_id is not None
        if not self._delete(self._chat(p), message_id):
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _m_deletemessages(self, p: _Params) -> Any:
        chat_id = self._chat(p)
        ids = p.json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must be a list of 1-100 identifiers")
        # As Telegram: ids not found (or already deleted) are skipped, but one message the bot may
        # no longer delete (older than 48 hours) fails the whole call and deletes nothing.
        found = [self.state.find_message(chat_id, int(i)) for i in ids]
        if any(m is not None and not m.deleted and time.time() - m.date > 48 * 3600 for m in found):
            raise ApiError(400, "Bad Request: message can't be deleted")
        for message_id in ids:
            self._delete(chat_id, int(message_id))
        return True

    async def _m_answercallbackquery(self, p: _Params) -> Any:
        query_id = p.text("callback_query_id", required=True)
        query = self.state.callback_queries.get(query_id or "")
        if query is None or query["answered"]:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = p.text("text")
        if text and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.update(answered=True, text=text, show_alert=p.bool("show_alert"))
        return True

    async def _m_sendchataction(self, p: _Params) -> Any:
        self._chat(p)
        return True

    async def _m_setmycommands(self, p: _Params) -> Any:
        commands = p.json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100 commands")
        for command in commands:
            name = str(command.get("command", ""))
            if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name.islower()):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = p.json("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{scope.get('chat_id', '')}:{p.text('language_code') or ''}"
        self.state.commands[key] = commands
        return True

    async def _m_getmycommands(self, p: _Params) -> Any:
        scope = p.json("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{scope.get('chat_id', '')}:{p.text('language_code') or ''}"
        return self.state.commands.get(key, [])

    async def _m_deletemycommands(self, p: _Params) -> Any:
        scope = p.json("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{scope.get('chat_id', '')}:{p.text('language_code') or ''}"
        self.state.commands.pop(key, None)
        return True

    async def _m_getfile(self, p: _Params) -> Any:
        file_id = p.text("file_id", required=True) or ""
        if file_id not in self.state.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": "U" + file_id[4:],
            "file_size": len(self.state.files[file_id]),
            "file_path": f"photos/{file_id}.jpg",
        }

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        file_id = path.rsplit("/", 1)[-1].split(".", 1)[0]
        if file_id not in self.state.files:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=self.state.files[file_id], content_type="application/octet-stream")

    async def _m_close(self, p: _Params) -> Any:
        return True

    async def _m_logout(self, p: _Params) -> Any:
        return True

    # --- control API ----------------------------------------------------------------------------

    def _add_control_routes(self) -> None:
        r = self.app.router
        r.add_post("/_emulator/users", self._c_add_user)
        r.add_post("/_emulator/users/{user_id}/text", self._c_text)
        r.add_post("/_emulator/users/{user_id}/press", self._c_press)
        r.add_post("/_emulator/users/{user_id}/photo", self._c_photo)
        r.add_post("/_emulator/users/{user_id}/location", self._c_location)
        r.add_post("/_emulator/users/{user_id}/block", self._c_block)
        r.add_get("/_emulator/chats/{chat_id}/messages", self._c_messages)
        r.add_get("/_emulator/counters", self._c_counters)

    @staticmethod
    def _uid(request: web.Request) -> int:
        try:
            return int(request.match_info.get("user_id") or request.match_info["chat_id"])
        except ValueError:
            raise web.HTTPBadRequest(text="user id must be a number") from None

    async def _c_add_user(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.state.add_user(int(body["id"]), body.get("first_name", "User"), body.get("language_code"))
        return web.json_response(user.as_json())

    async def _c_text(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"update_id": self.state.send_text(self._uid(request), body["text"])})

    async def _c_press(self, request: web.Request) -> web.Response:
        body = await request.json()
        update_id = self.state.press(self._uid(request), int(body["message_id"]), str(body["data"]))
        return web.json_response({"update_id": update_id})

    async def _c_photo(self, request: web.Request) -> web.Response:
        data = await request.read()
        caption = request.query.get("caption")
        return web.json_response({"update_id": self.state.send_photo(self._uid(request), data, caption)})

    async def _c_location(self, request: web.Request) -> web.Response:
        body = await request.json()
        update_id = self.state.send_location(
            self._uid(request), float(body["latitude"]), float(body["longitude"])
        )
        return web.json_response({"update_id": update_id})

    async def _c_block(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        self.state.block(self._uid(request), bool(body.get("blocked", True)))
        return web.json_response({"ok": True})

    async def _c_messages(self, request: web.Request) -> web.Response:
        chat_id = self._uid(request)
        return web.json_response(
            [
                {
                    "message_id": m.message_id,
                    "from_bot": m.from_bot,
                    "text": m.text,
                    "caption": m.caption,
                    "buttons": m.buttons,
                    "deleted": m.deleted,
                    "edited": m.edited,
                }
                for m in self.state.messages.get(chat_id, [])
            ]
        )

    async def _c_counters(self, request: web.Request) -> web.Response:
        return web.json_response(self.state.counters)
