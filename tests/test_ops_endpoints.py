"""Ops endpoints (security review finding 16): /readyz and /metrics behind OPS_TOKEN and/or on their
own OPS_PORT, away from the export API partners reach; no `Server` header on any response."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import ClientSession

from bot.runtime.web import WebServer
from storage.db import Database
from tests.harness import BotHarness

OPS_TOKEN = "ops-token-0123456789abcdef"
EXPORT_TOKEN = "partner-token-0123456789abcdef"


async def _harness(db: Database, **settings: Any) -> BotHarness:
    return await BotHarness.create(
        db, admin_ids="", export_tokens=f"ocha:{EXPORT_TOKEN}", background_jobs=False, **settings
    )


async def _served(bot: BotHarness) -> AsyncIterator[WebServer]:
    assert bot.app is not None
    server = WebServer(bot.app, bot.settings, bot.db)
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()
        await bot.close()


async def _status(url: str, token: str | None = None) -> tuple[int, str | None]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with ClientSession() as http, http.get(url, headers=headers) as resp:
        await resp.read()
        return resp.status, resp.headers.get("Server")


async def test_no_server_header_on_any_response(db: Database) -> None:
    async for server in _served(await _harness(db)):
        base = f"http://127.0.0.1:{server.port}"
        for path, token in (
            ("/healthz", None),
            ("/readyz", None),
            ("/metrics", None),
            ("/api/v1/reports", None),  # 401
            ("/api/v1/reports", EXPORT_TOKEN),
            ("/no/such/path", None),  # aiohttp's own 404
        ):
            _status_code, server_header = await _status(base + path, token)
            assert server_header is None, path


async def test_ops_token_guards_readiness_and_metrics(db: Database) -> None:
    async for server in _served(await _harness(db, ops_token=OPS_TOKEN)):
        base = f"http://127.0.0.1:{server.port}"
        for path in ("/metrics", "/readyz"):
            assert (await _status(base + path))[0] == 401
            assert (await _status(base + path, EXPORT_TOKEN))[0] == 401  # a partner's token is not it
            assert (await _status(base + path, OPS_TOKEN))[0] in (200, 503)
        assert (await _status(base + "/healthz"))[0] == 200  # liveness says nothing


async def test_ops_port_separates_ops_from_the_export_api(db: Database) -> None:
    async for server in _served(await _harness(db, ops_port=0)):
        public, ops = f"http://127.0.0.1:{server.port}", f"http://127.0.0.1:{server.ops_port}"
        assert server.ops_port and server.ops_port != server.port
        assert (await _status(public + "/metrics"))[0] == 404
        assert (await _status(public + "/readyz"))[0] == 404
        assert (await _status(public + "/api/v1/reports", EXPORT_TOKEN))[0] == 200
        assert (await _status(ops + "/metrics"))[0] == 200
        assert (await _status(ops + "/api/v1/reports", EXPORT_TOKEN))[0] == 404
