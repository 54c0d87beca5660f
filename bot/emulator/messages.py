"""The Bot API methods on messages: send, edit, delete, answer presses, commands and files."""

from __future__ import annotations

import time
from itertools import count
from typing import Any

from aiohttp import web

from bot.emulator.params import Params, check_markup, visible_text
from bot.emulator.state import MAX_CAPTION, MAX_TEXT, ApiError, EmulatorState, EmuMessage

_SEND_METHODS = {"sendmessage", "sendphoto", "senddocument", "sendvoice", "sendmediagroup", "sendlocation"}
_albums = count(1)


class MessageMethods:
    """Mixed into `EmulatorServer`, which dispatches `<method>` to `_m_<method>`."""

    state: EmulatorState

    def _chat(self, p: Params) -> int:
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

    def _text(self, p: Params, field: str = "text", limit: int = MAX_TEXT) -> tuple[str, str | None]:
        text = p.text(field) or ""
        parse_mode = p.text("parse_mode")
        visible = visible_text(text, parse_mode)
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

    async def _m_sendmessage(self, p: Params) -> Any:
        chat_id = self._chat(p)
        text, parse_mode = self._text(p)
        markup = check_markup(p.json("reply_markup"))
        return self._send(chat_id, text=text, parse_mode=parse_mode, reply_markup=markup)

    def _upload(self, p: Params, field: str) -> bytes | str:
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

    async def _m_sendphoto(self, p: Params) -> Any:
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
            reply_markup=check_markup(p.json("reply_markup")),
        )

    async def _m_senddocument(self, p: Params) -> Any:
        chat_id = self._chat(p)
        source = self._upload(p, "document")
        caption, parse_mode = self._text(p, "caption", MAX_CAPTION)
        data = source if isinstance(source, bytes) else self.state.files[source]
        # Telegram names a document after the uploaded file (there is no filename parameter).
        value = p.text("document") or ""
        field = value[9:] if value.startswith("attach://") else "document"
        doc = self.state.store_upload(data) | {"file_name": p.file_names.get(field) or "document"}
        return self._send(chat_id, document=doc, caption=caption or None, parse_mode=parse_mode)

    async def _m_sendvoice(self, p: Params) -> Any:
        chat_id = self._chat(p)
        source = self._upload(p, "voice")
        caption, parse_mode = self._text(p, "caption", MAX_CAPTION)
        data = source if isinstance(source, bytes) else self.state.files[source]
        duration = int(p.text("duration") or 0)
        voice = self.state.store_upload(data) | {"duration": duration, "mime_type": "audio/ogg"}
        return self._send(chat_id, voice=voice, caption=caption or None, parse_mode=parse_mode)

    async def _m_sendmediagroup(self, p: Params) -> Any:
        # As Telegram: an album is 2-10 photos sent as separate messages sharing a media_group_id.
        chat_id = self._chat(p)
        items = p.json("media") or []
        if not isinstance(items, list) or not 2 <= len(items) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album")
        if any(not isinstance(i, dict) or i.get("type") != "photo" for i in items):
            raise ApiError(400, "Bad Request: only photos are emulated in albums")
        group = f"G{next(_albums):06d}"
        sent = []
        for item in items:
            media = str(item.get("media", ""))
            data = p.files.get(media[9:]) if media.startswith("attach://") else self.state.files.get(media)
            if data is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            photo = self.state.store_photo_upload(data)
            sent.append(
                self._send(chat_id, photo=photo, caption=item.get("caption") or None, media_group_id=group)
            )
        return sent

    async def _m_sendlocation(self, p: Params) -> Any:
        chat_id = self._chat(p)
        try:
            lat, lon = float(p.data["latitude"]), float(p.data["longitude"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: wrong latitude or longitude") from None
        return self._send(chat_id, location={"latitude": lat, "longitude": lon})

    def _bot_message(self, p: Params) -> EmuMessage:
        chat_id = self._chat(p)
        message_id = p.int("message_id", required=True)
        assert message_id is not None
        msg = self.state.find_message(chat_id, message_id)
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return msg

    async def _m_editmessagetext(self, p: Params) -> Any:
        msg = self._bot_message(p)
        text, parse_mode = self._text(p)
        markup = check_markup(p.json("reply_markup"))
        if text == msg.text and markup == msg.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of the message",
            )
        msg.text, msg.parse_mode, msg.reply_markup = text, parse_mode, markup
        self.state.record_edit(msg)
        return self.state.message_json(msg)

    async def _m_editmessagereplymarkup(self, p: Params) -> Any:
        msg = self._bot_message(p)
        markup = check_markup(p.json("reply_markup"))
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

    async def _m_deletemessage(self, p: Params) -> Any:
        message_id = p.int("message_id", required=True)
        assert message_id is not None
        if not self._delete(self._chat(p), message_id):
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _m_deletemessages(self, p: Params) -> Any:
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

    async def _m_answercallbackquery(self, p: Params) -> Any:
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

    async def _m_sendchataction(self, p: Params) -> Any:
        self._chat(p)
        return True

    async def _m_setmycommands(self, p: Params) -> Any:
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

    async def _m_getmycommands(self, p: Params) -> Any:
        scope = p.json("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{scope.get('chat_id', '')}:{p.text('language_code') or ''}"
        return self.state.commands.get(key, [])

    async def _m_deletemycommands(self, p: Params) -> Any:
        scope = p.json("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{scope.get('chat_id', '')}:{p.text('language_code') or ''}"
        self.state.commands.pop(key, None)
        return True

    async def _m_getfile(self, p: Params) -> Any:
        file_id = p.text("file_id", required=True) or ""
        if file_id not in self.state.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": self.state.unique_ids[file_id],
            "file_size": len(self.state.files[file_id]),
            "file_path": f"photos/{file_id}.jpg",
        }

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        file_id = path.rsplit("/", 1)[-1].split(".", 1)[0]
        if file_id not in self.state.files:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=self.state.files[file_id], content_type="application/octet-stream")

    async def _m_close(self, p: Params) -> Any:
        return True

    async def _m_logout(self, p: Params) -> Any:
        return True

    # --- control API ----------------------------------------------------------------------------
