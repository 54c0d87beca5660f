"""The photos and voice notes of a report, sent to the moderator with its card: by Telegram file id
(nothing is downloaded), several photos as an album, each voice note on its own (Telegram's
albums do not mix photos and voice)."""

from __future__ import annotations

from telegram import InputMediaPhoto, Message, Update

from bot.runtime.context import KhabarContext
from handlers.common import post

ALBUM_MAX = 10  # Telegram's largest album


async def send_media(update: Update, context: KhabarContext, files: dict[str, list[str]]) -> bool:
    """Send the report's media above its card; True when there was any."""
    chat = update.effective_chat
    photos, voices = files.get("photo", []), files.get("voice", [])
    if chat is None or not (photos or voices):
        return False
    bot = context.bot
    if len(photos) == 1:
        await post(context, chat, lambda: bot.send_photo(chat.id, photos[0]))
    for start in range(0, len(photos) if len(photos) > 1 else 0, ALBUM_MAX):
        chunk = photos[start : start + ALBUM_MAX]
        if len(chunk) == 1:
            await post(context, chat, lambda one=chunk[0]: bot.send_photo(chat.id, one))  # type: ignore[misc]
            continue

        async def album(chunk: list[str] = chunk) -> Message:
            sent = await bot.send_media_group(chat.id, [InputMediaPhoto(f) for f in chunk])
            return sent[-1]

        await post(context, chat, album)
    for voice in voices:
        await post(context, chat, lambda v=voice: bot.send_voice(chat.id, v))  # type: ignore[misc]
    return True
