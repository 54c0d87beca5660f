"""The emulator, seen through PTB's real `Bot`, answers as Telegram does: limits, errors, updates,
webhooks, files, and the HTTP control API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession, web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from bot.emulator import EmulatorServer, EmulatorState
from bot.runtime.application import SANDBOX_TOKEN
from bot.runtime.http import http_request
from bot.runtime.sender import retry_seconds

ALICE, BOB = 1001, 1002
PHOTO = b"\xff\xd8\xff\xe0emulated-jpeg-bytes\xff\xd9"


class Clock:
    """The emulator's limits read this instead of the real clock: no test depends on timing."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def people(emulator: EmulatorServer) -> None:
    emulator.state.add_user(ALICE, "Alice", "en")
    emulator.state.add_user(BOB, "Bob", "ps")


@pytest.fixture
async def bot(emulator: EmulatorServer) -> AsyncIterator[Bot]:
    async with Bot(
        SANDBOX_TOKEN,
        base_url=f"{emulator.url}/bot",
        base_file_url=f"{emulator.url}/file/bot",
        request=http_request(),
        get_updates_request=http_request(),
    ) as real_bot:
        yield real_bot


@pytest.fixture
def clock(emulator: EmulatorServer) -> Clock:
    fake = Clock()
    emulator.state.clock = fake
    return fake


# --- limits -------------------------------------------------------------------------------------


async def test_more_than_30_sends_a_second_overall_is_429(
    emulator: EmulatorServer, bot: Bot, clock: Clock
) -> None:
    users = [2000 + n for n in range(31)]
    for user_id in users:
        emulator.state.add_user(user_id, f"U{user_id}")
    for user_id in users[:30]:
        await bot.send_message(user_id, "alert")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(users[30], "alert")
    assert retry_seconds(caught.value) == 1
    assert emulator.state.counters["429"] == 1
    assert emulator.state.counters["sent"] == 30
    assert len(emulator.state.bot_messages(users[30])) == 0  # refused means not delivered

    clock.now += 1.0  # waiting exactly retry_after is enough
    await bot.send_message(users[30], "alert")
    assert emulator.state.counters["sent"] == 31


async def test_a_burst_to_one_private_chat_is_429_then_one_a_second(
    emulator: EmulatorServer, bot: Bot, clock: Clock
) -> None:
    burst = emulator.state.limits.chat_burst
    for n in range(burst):
        await bot.send_message(ALICE, f"message {n}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALICE, "one too many")
    assert retry_seconds(caught.value) == 1
    await bot.send_message(BOB, "another chat is not limited by Alice's")

    clock.now += retry_seconds(caught.value)
    await bot.send_message(ALICE, "after waiting")
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "again too soon")
    assert emulator.state.counters["429"] == 2
    assert [m.text for m in emulator.state.bot_messages(ALICE)][-1] == "after waiting"


async def test_blocked_user_is_403_until_they_write_again(emulator: EmulatorServer, bot: Bot) -> None:
    emulator.state.block(ALICE)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "digest")
    assert emulator.state.counters["403"] == 1
    assert emulator.state.bot_messages(ALICE) == []

    emulator.state.send_text(ALICE, "/start")  # writing to the bot again unblocks it
    await bot.send_message(ALICE, "welcome back")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "nobody")


# --- messages -----------------------------------------------------------------------------------


async def test_text_length_is_counted_after_entities(bot: Bot, clock: Clock) -> None:
    await bot.send_message(ALICE, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(BOB, "x" * 4097)
    # Markup does not count, entities count as one character each.
    await bot.send_message(BOB, "<b>" + "y" * 4096 + "</b>", parse_mode="HTML")
    clock.now += 1
    await bot.send_message(BOB, "&amp;" * 4096, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(BOB, "<b></b>", parse_mode="HTML")


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<b>unclosed", "end tag"),
        ("<div>block</div>", 'Unsupported start tag "div"'),
        ("<b><i>crossed</b></i>", 'Unexpected end tag "b"'),
        ("5 < 7 casualties", "unexpected '<'"),
    ],
)
async def test_bad_html_is_400(emulator: EmulatorServer, bot: Bot, text: str, detail: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await bot.send_message(ALICE, text, parse_mode="HTML")
    assert detail.lower() in str(caught.value).lower()
    assert emulator.state.counters["400"] == 1
    # The same text without a parse mode is just text.
    await bot.send_message(ALICE, text)


async def test_edit_not_modified_and_edits(emulator: EmulatorServer, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="q:yes")]])
    sent = await bot.send_message(ALICE, "Question?", reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Question?", ALICE, sent.message_id, reply_markup=keyboard)
    edited = await bot.edit_message_text("Answered.", ALICE, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.text == "Answered."
    message = emulator.state.find_message(ALICE, sent.message_id)
    assert message is not None and message.edited and message.buttons == []
    await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=keyboard)
    assert message.button_labels == ["Yes"]
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", ALICE, 999999)
    assert emulator.state.counters["edited"] == 2


async def test_callback_data_over_64_bytes_is_400(bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Too long", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE, "Pick", reply_markup=keyboard)


async def test_delete_message_and_messages(emulator: EmulatorServer, bot: Bot, clock: Clock) -> None:
    ids = []
    for n in range(3):
        ids.append((await bot.send_message(ALICE, f"part {n}")).message_id)
        clock.now += 1
    assert await bot.delete_message(ALICE, ids[0])
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ALICE, ids[0])
    # deleteMessages skips what is already gone, as Telegram does.
    assert await bot.delete_messages(ALICE, ids)
    assert emulator.state.bot_messages(ALICE) == []
    assert len(emulator.state.bot_messages(ALICE, include_deleted=True)) == 3
    assert emulator.state.counters["deleted"] == 3


async def test_answer_callback_query_once(emulator: EmulatorServer, bot: Bot) -> None:
    sent = await bot.send_message(
        ALICE, "Go?", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    )
    emulator.state.press(ALICE, sent.message_id, "go")
    [update] = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.data == "go" and query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("Done", show_alert=True)
    assert emulator.state.callback_queries[query.id] == {
        "answered": True,
        "text": "Done",
        "user_id": ALICE,
        "show_alert": True,
    }
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()


async def test_commands_round_trip(bot: Bot) -> None:
    from telegram import BotCommand, BotCommandScopeChat

    await bot.set_my_commands([BotCommand("start", "Start")], language_code="ps")
    await bot.set_my_commands([BotCommand("report", "File a report")], scope=BotCommandScopeChat(ALICE))
    assert [c.command for c in await bot.get_my_commands(language_code="ps")] == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(ALICE))] == ["report"]
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


# --- updates ------------------------------------------------------------------------------------


async def test_get_updates_long_polls_with_offset(emulator: EmulatorServer, bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == ()
    # A long poll waits for the next update and returns as soon as it arrives.
    polls = emulator.api_calls.count("getupdates")
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    for _ in range(500):  # let the poll reach the emulator, so it is the waiting path that answers
        if emulator.api_calls.count("getupdates") > polls:
            break
        await asyncio.sleep(0.01)
    assert not poll.done()
    first = emulator.state.send_text(ALICE, "/start")
    [update] = await asyncio.wait_for(poll, 10)
    assert update.update_id == first
    assert update.message is not None and update.message.text == "/start"
    assert update.message.entities[0].type == "bot_command"
    assert update.effective_user is not None and update.effective_user.language_code == "en"

    second = emulator.state.send_text(BOB, "salam")
    # Unconfirmed updates come again; an offset confirms (and drops) everything before it.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=second, timeout=0)] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()
    assert await bot.get_updates(timeout=0) == ()
    assert emulator.state.counters["updates"] == 2


async def test_webhook_delivers_with_secret_header(emulator: EmulatorServer, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    fail_first = [True]

    async def hook(request: web.Request) -> web.Response:
        if fail_first[0]:  # Telegram retries a delivery that failed
            fail_first[0] = False
            return web.Response(status=500)
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(url, secret_token="s3cret_Token-1")
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        update_id = emulator.state.send_text(ALICE, "/help")
        # The emulator counts a delivery once our answer is back, a moment after the hook ran.
        for _ in range(500):
            if received and emulator.state.counters["webhook_deliveries"]:
                break
            await asyncio.sleep(0.02)
        [(secret, body)] = received
        assert secret == "s3cret_Token-1"
        assert body["update_id"] == update_id and body["message"]["text"] == "/help"
        assert emulator.state.counters["webhook_failures"] == 1
        assert emulator.state.counters["webhook_deliveries"] == 1
        assert (await bot.get_webhook_info()).pending_update_count == 0

        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()


# --- files --------------------------------------------------------------------------------------


async def test_user_photo_can_be_fetched_and_downloaded(emulator: EmulatorServer, bot: Bot) -> None:
    emulator.state.send_photo(ALICE, PHOTO, caption="the clinic")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.caption == "the clinic"
    photo = update.message.photo[-1]
    file = await bot.get_file(photo.file_id)
    assert file.file_size == len(PHOTO)
    assert bytes(await file.download_as_bytearray()) == PHOTO
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("FILE-nope")


async def test_bot_uploads_photo_document_and_location(
    emulator: EmulatorServer, bot: Bot, clock: Clock
) -> None:
    sent = await bot.send_photo(ALICE, PHOTO, caption="<b>map</b>", parse_mode="HTML")
    assert sent.photo and sent.caption == "<b>map</b>"
    clock.now += 1
    doc = await bot.send_document(ALICE, b"pcode,name\nAF01,Kabul\n", filename="export.csv")
    assert doc.document is not None and doc.document.file_name == "export.csv"
    downloaded = await (await bot.get_file(doc.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"pcode,name\nAF01,Kabul\n"
    clock.now += 1
    location = await bot.send_location(ALICE, 34.52, 69.17)
    assert location.location is not None and location.location.latitude == pytest.approx(34.52)
    clock.now += 1
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(ALICE, PHOTO, caption="c" * 1025)
    assert await bot.send_chat_action(ALICE, "typing")


async def test_revoked_token_is_rejected_like_telegram(emulator: EmulatorServer) -> None:
    emulator.revoked_tokens.add(SANDBOX_TOKEN)
    with pytest.raises(InvalidToken):
        async with Bot(SANDBOX_TOKEN, base_url=f"{emulator.url}/bot"):
            pass


# --- control API --------------------------------------------------------------------------------


async def test_control_api(emulator: EmulatorServer, bot: Bot) -> None:
    base = f"{emulator.url}/_emulator"
    async with ClientSession() as http:
        async with http.post(
            f"{base}/users", json={"id": 3003, "first_name": "Sana", "language_code": "fa"}
        ) as r:
            assert await r.json() == {
                "id": 3003,
                "is_bot": False,
                "first_name": "Sana",
                "language_code": "fa",
            }
        async with http.post(f"{base}/users/3003/text", json={"text": "/start"}) as r:
            text_update = (await r.json())["update_id"]
        sent = await bot.send_message(
            3003,
            "Language?",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("دری", callback_data="lang:fa_AF")]]),
        )
        async with http.post(
            f"{base}/users/3003/press", json={"message_id": sent.message_id, "data": "lang:fa_AF"}
        ) as r:
            press_update = (await r.json())["update_id"]
        async with http.post(f"{base}/users/3003/photo?caption=scene", data=PHOTO) as r:
            photo_update = (await r.json())["update_id"]
        async with http.post(f"{base}/users/3003/location", json={"latitude": 31.6, "longitude": 65.7}) as r:
            location_update = (await r.json())["update_id"]

        updates = {u.update_id: u for u in await bot.get_updates(timeout=0)}
        assert list(updates) == [text_update, press_update, photo_update, location_update]
        assert updates[text_update].message.text == "/start"  # type: ignore[union-attr]
        assert updates[press_update].callback_query.data == "lang:fa_AF"  # type: ignore[union-attr]
        assert updates[photo_update].message.caption == "scene"  # type: ignore[union-attr]
        assert updates[location_update].message.location.longitude == pytest.approx(65.7)  # type: ignore[union-attr]

        async with http.get(f"{base}/chats/3003/messages") as r:
            messages = await r.json()
        bot_messages = [m for m in messages if m["from_bot"]]
        assert bot_messages == [
            {
                "message_id": sent.message_id,
                "from_bot": True,
                "text": "Language?",
                "caption": None,
                "buttons": [[{"text": "دری", "callback_data": "lang:fa_AF"}]],
                "deleted": False,
                "edited": False,
            }
        ]
        assert next(m["text"] for m in messages if not m["from_bot"]) == "/start"

        async with http.post(f"{base}/users/3003/block", json={"blocked": True}) as r:
            assert r.status == 200
        with pytest.raises(Forbidden):
            await bot.send_message(3003, "digest")
        async with http.post(f"{base}/users/3003/block", json={"blocked": False}) as r:
            assert r.status == 200
        async with http.get(f"{base}/counters") as r:
            counters = await r.json()
        assert counters["sent"] == 1 and counters["403"] == 1 and counters["updates"] == 4
        async with http.post(f"{base}/users/abc/text", json={"text": "x"}) as r:
            assert r.status == 400


async def test_unknown_method_is_404(emulator: EmulatorServer) -> None:
    async with ClientSession() as http, http.post(f"{emulator.url}/bot{SANDBOX_TOKEN}/sendTelepathy") as r:
        body = await r.json()
    assert r.status == 404 and body == {"ok": False, "error_code": 404, "description": "Not Found"}


def test_state_limits_without_a_server() -> None:
    state = EmulatorState()
    state.clock = Clock()
    state.add_user(1, "A")
    for _ in range(state.limits.chat_burst):
        state.check_send(1)
    with pytest.raises(Exception, match="retry after 1"):
        state.check_send(1)
