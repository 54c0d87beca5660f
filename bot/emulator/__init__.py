"""A local Telegram Bot API emulator (aiohttp) for tests, benchmarks and `khabar sandbox`.

It speaks the real Bot API's JSON shapes and errors for the methods Khabar uses, at
``{url}/bot<token>/<method>`` (point PTB at it with ``ApplicationBuilder().base_url(url + "/bot")``):
getMe, getUpdates (long polling with offset and timeout), setWebhook / deleteWebhook /
getWebhookInfo (updates are then POSTed to the webhook with ``X-Telegram-Bot-Api-Secret-Token``),
sendMessage (parse_mode HTML checked, reply_markup), editMessageText, editMessageReplyMarkup,
deleteMessage, deleteMessages, answerCallbackQuery, sendPhoto, sendDocument, sendVoice, sendLocation, getFile
with downloads at ``{url}/file/bot<token>/<path>``, sendChatAction, setMyCommands / getMyCommands.

Errors as Telegram gives them: 400 with a description (bad parameters, text over 4,096 characters,
unparsable HTML, message not modified, message to edit not found), 403 for a user who blocked the
bot, 429 with ``parameters.retry_after`` past 30 sends a second overall or past one a second to a
private chat (a burst of three is tolerated, as Telegram does), 409 for getUpdates while a webhook
is set, 401 for a token in ``EmulatorServer.revoked_tokens`` (PTB raises ``InvalidToken``). Limits
read ``state.clock`` (``time.monotonic``), which tests replace to step time without sleeping.

Control API (JSON over HTTP, for the sandbox and outside tools; tests call the same methods on
``EmulatorServer.state`` directly):

=====================================  =========================================================
``POST /_emulator/users``              ``{"id", "first_name", "language_code"}`` create a user
``POST /_emulator/users/{id}/text``    ``{"text"}`` the user sends text or a /command
``POST /_emulator/users/{id}/press``   ``{"message_id", "data"}`` the user presses a button
``POST /_emulator/users/{id}/photo``   body = image bytes, ``?caption=`` the user sends a photo
``POST /_emulator/users/{id}/voice``   body = audio bytes: the user sends a voice note
``POST /_emulator/users/{id}/location`` ``{"latitude", "longitude"}`` the user shares a location
``POST /_emulator/users/{id}/block``   ``{"blocked": true|false}`` the user blocks the bot
``GET  /_emulator/chats/{id}/messages`` every message in the chat, with buttons and deleted flags
``GET  /_emulator/counters``           sent, edited, deleted, 429, 403, 400, updates, webhook …
=====================================  =========================================================

Each action answers ``{"update_id": N}``.

``WebhookBalancer`` (balancer.py) stands in front of several webhook replicas as a reverse proxy
would, spreading the emulator's deliveries over them round-robin.
"""

from bot.emulator.balancer import WebhookBalancer
from bot.emulator.server import EmulatorServer
from bot.emulator.state import ApiError, EmulatorState, EmuMessage, EmuUser, Limits

__all__ = [
    "ApiError",
    "EmuMessage",
    "EmuUser",
    "EmulatorServer",
    "EmulatorState",
    "Limits",
    "WebhookBalancer",
]
