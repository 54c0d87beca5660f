"""The Bot API backend on aiohttp behaves as PTB's own: bodies, timeouts and errors.

The happy path (forms, multipart uploads, downloads) is every other test: the application, the
sender and the emulator tests all talk through it. Here: what a poor connection does to it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.emulator import EmulatorServer
from bot.runtime.aiohttp_request import AiohttpRequest
from bot.runtime.application import SANDBOX_TOKEN
from bot.runtime.http import http_request

ALICE = 4401


BODY = web.RequestKey("body", bytes)


@pytest.fixture
async def slow_server() -> AsyncIterator[tuple[str, list[web.Request]]]:
    """A server that answers getMe after 2 s and anything else at once, noting each request."""
    seen: list[web.Request] = []

    async def answer(request: web.Request) -> web.Response:
        request[BODY] = await request.read()
        seen.append(request)
        if request.path.endswith("/getMe"):
            await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_slow_answer_times_out_after_the_read_timeout(
    slow_server: tuple[str, list[web.Request]],
) -> None:
    url, seen = slow_server
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await request.post(f"{url}/botTOKEN/getMe")
        assert time.monotonic() - started < 1.5
        assert len(seen) == 1
    finally:
        await request.shutdown()


async def test_a_full_pool_times_out_without_sending(slow_server: tuple[str, list[web.Request]]) -> None:
    url, seen = slow_server
    request = AiohttpRequest(connection_pool_size=1, read_timeout=5, connect_timeout=0.1, pool_timeout=0.1)
    await request.initialize()
    try:
        first = asyncio.create_task(request.post(f"{url}/botTOKEN/getMe"))
        await asyncio.sleep(0.2)  # the one connection is now busy with the first request
        with pytest.raises(TimedOut):
            await request.post(f"{url}/botTOKEN/getMe")
        assert len(seen) == 1  # the second request never went out
        assert await first is True
    finally:
        await request.shutdown()


async def test_a_refused_connection_is_a_network_error() -> None:
    request = AiohttpRequest(connect_timeout=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError"):
            await request.post(f"http://127.0.0.1:{_free_port()}/botTOKEN/getMe")
    finally:
        await request.shutdown()


async def test_a_request_before_initialize_or_after_shutdown_is_refused() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/botTOKEN/getMe", "POST")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/botTOKEN/getMe", "POST")
    await request.initialize()  # PTB re-initializes a bot after shutdown: the backend comes back
    await request.shutdown()


async def test_form_fields_and_files_arrive_as_telegram_reads_them(emulator: EmulatorServer) -> None:
    emulator.state.add_user(ALICE, "Alice", "en")
    async with Bot(
        SANDBOX_TOKEN,
        base_url=f"{emulator.url}/bot",
        base_file_url=f"{emulator.url}/file/bot",
        request=http_request(),
    ) as bot:
        # A JSON body: Dari text and a keyboard arrive intact.
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ولایت کابل", callback_data="p:AF01")]])
        sent = await bot.send_message(ALICE, "گزارش شما ثبت شد ✓", reply_markup=keyboard)
        stored_message = emulator.state.find_message(ALICE, sent.message_id)
        assert stored_message is not None and stored_message.reply_markup == keyboard.to_dict()
        # Telegram's echo of the keyboard is dropped before PTB parses the answer (never read back).
        assert sent.text == "گزارش شما ثبت شد ✓" and sent.reply_markup is None
        # A multipart body: the file's bytes, its name and the caption beside it.
        doc = await bot.send_document(ALICE, "د ټولنې راپور\n".encode(), filename="راپور.csv", caption="CSV")
        assert doc.document is not None and doc.document.file_name == "راپور.csv"
        assert doc.caption == "CSV"
        stored = await (await bot.get_file(doc.document.file_id)).download_as_bytearray()
        assert bytes(stored) == "د ټولنې راپور\n".encode()


async def test_the_request_names_the_client_as_ptb_does(slow_server: tuple[str, list[web.Request]]) -> None:
    url, seen = slow_server
    request = AiohttpRequest(read_timeout=5)
    await request.initialize()
    try:
        data = RequestData([RequestParameter.from_input("chat_id", ALICE)])
        await request.post(f"{url}/botTOKEN/sendChatAction", request_data=data)
        assert seen[0].headers["User-Agent"] == AiohttpRequest.USER_AGENT
        # One JSON body (the Bot API takes it), not PTB's URL-encoded form.
        assert seen[0].content_type == "application/json"
        assert json.loads(seen[0][BODY]) == {"chat_id": ALICE}
    finally:
        await request.shutdown()


async def test_a_proxy_from_the_environment_carries_the_calls(
    slow_server: tuple[str, list[web.Request]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where Telegram is blocked, HTTP(S)_PROXY is how a bot reaches it, as with PTB's httpx.
    url, seen = slow_server
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    request = AiohttpRequest(read_timeout=5)
    await request.initialize()
    try:
        data = RequestData([RequestParameter.from_input("chat_id", ALICE)])
        for _ in range(2):
            assert await request.post("http://api.telegram.invalid/botTOKEN/sendChatAction", data) is True
        assert [r.host for r in seen] == ["api.telegram.invalid"] * 2  # asked of the proxy, by name
    finally:
        await request.shutdown()


def test_keyboards_echoed_back_are_dropped_and_the_rest_kept() -> None:
    """Sent and edited messages, and a pressed button's message in getUpdates, come back without
    their inline keyboards (Khabar reads a press from its callback data alone); every other field
    stays, and a result that is not a message (True, a list of commands) passes untouched."""
    keyboard = {"inline_keyboard": [[{"text": "Kabul", "callback_data": "p:AF01"}]]}
    message = {
        "message_id": 7,
        "chat": {"id": ALICE, "type": "private"},
        "text": "متن",
        "reply_markup": keyboard,
    }
    updates = [
        {"update_id": 1, "callback_query": {"id": "q", "data": "p:AF01", "message": dict(message)}},
        {"update_id": 2, "message": dict(message, reply_markup={"remove_keyboard": True})},
    ]
    parse = AiohttpRequest.parse_json_payload
    sent = parse(json.dumps({"ok": True, "result": message}).encode())["result"]
    assert "reply_markup" not in sent and sent["text"] == "متن" and sent["chat"]["id"] == ALICE
    got = parse(json.dumps({"ok": True, "result": updates}).encode())["result"]
    assert "reply_markup" not in got[0]["callback_query"]["message"]
    assert got[0]["callback_query"]["data"] == "p:AF01" and got[1]["message"]["text"] == "متن"
    assert "reply_markup" not in got[1]["message"]
    assert parse(b'{"ok": true, "result": true}') == {"ok": True, "result": True}
    commands = [{"command": "report", "description": "New report"}]
    assert parse(json.dumps({"ok": True, "result": commands}).encode())["result"] == commands
