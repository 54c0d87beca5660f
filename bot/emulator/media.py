"""The emulator's media methods beyond sendPhoto: sendDocument, sendVoice and sendMediaGroup.

Functions of the server (bound as its `_m_<method>` methods), kept here so the server module stays
small. As Telegram: an album is 2-10 photos sent as separate messages sharing a `media_group_id`;
a voice note is a file with a duration."""

from __future__ import annotations

import json
from itertools import count
from typing import TYPE_CHECKING, Any

from bot.emulator.state import MAX_CAPTION, ApiError

if TYPE_CHECKING:
    from bot.emulator.server import EmulatorServer, _Params

_groups = count(1)


async def send_document(server: EmulatorServer, p: _Params) -> Any:
    chat_id = server._chat(p)
    source = server._upload(p, "document")
    caption, parse_mode = server._text(p, "caption", MAX_CAPTION)
    data = source if isinstance(source, bytes) else server.state.files[source]
    # Telegram names a document after the uploaded file (there is no filename parameter).
    value = p.text("document") or ""
    field = value[9:] if value.startswith("attach://") else "document"
    doc = server.state.store_upload(data) | {"file_name": p.file_names.get(field) or "document"}
    return server._send(chat_id, document=doc, caption=caption or None, parse_mode=parse_mode)


async def send_voice(server: EmulatorServer, p: _Params) -> Any:
    chat_id = server._chat(p)
    source = server._upload(p, "voice")
    caption, parse_mode = server._text(p, "caption", MAX_CAPTION)
    data = source if isinstance(source, bytes) else server.state.files[source]
    voice = server.state.store_upload(data) | {"duration": p.int("duration") or 1, "mime_type": "audio/ogg"}
    return server._send(chat_id, voice=voice, caption=caption or None, parse_mode=parse_mode)


async def send_media_group(server: EmulatorServer, p: _Params) -> Any:
    chat_id = server._chat(p)
    raw = p.text("media") or "[]"
    items = json.loads(raw)
    if not isinstance(items, list) or not 2 <= len(items) <= 10:
        raise ApiError(400, "Bad Request: wrong number of media in the album")
    if any(not isinstance(i, dict) or i.get("type") != "photo" for i in items):
        raise ApiError(400, "Bad Request: only photos are emulated in albums")
    group = f"G{next(_groups):06d}"
    sent = []
    for item in items:
        media = str(item.get("media", ""))
        data = p.files.get(media[9:]) if media.startswith("attach://") else server.state.files.get(media)
        if data is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        sizes = server.state.store_photo_upload(data)
        sent.append(
            server._send(chat_id, photo=sizes, caption=item.get("caption") or None, media_group_id=group)
        )
    return sent
