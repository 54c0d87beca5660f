"""The emulator's HTTP side: the aiohttp application, its lifecycle, the Bot API dispatch and updates."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from bot.emulator.control import ControlRoutes
from bot.emulator.messages import MessageMethods
from bot.emulator.params import Params, read_params
from bot.emulator.state import ApiError, EmulatorState, Limits

log = logging.getLogger(__name__)


class EmulatorServer(MessageMethods, ControlRoutes):
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

    def reset(self, limits: Limits | None = None) -> None:
        """Back to a freshly started emulator's world, on the same address (for a next test)."""
        self.state.reset(limits)
        self.tokens_seen.clear()
        self.revoked_tokens.clear()
        self.api_calls.clear()

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

    async def _api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"].lower()
        self.tokens_seen.add(token)
        self.api_calls.append(method)
        if token in self.revoked_tokens:
            return self._error(ApiError(401, "Unauthorized"))
        handler: Callable[[Params], Awaitable[Any]] | None = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(ApiError(404, "Not Found"))
        try:
            params = await read_params(request)
            result = await handler(params)
        except ApiError as exc:
            return self._error(exc)
        finally:
            if method != "getupdates":
                self.state.note_bot_call()
        if isinstance(result, dict) and str(params.data.get("protect_content")).lower() == "true":
            # As Telegram: the message cannot be forwarded or saved, and says so.
            sent = self.state.find_message(result["chat"]["id"], result["message_id"])
            if sent is not None:
                sent.extra["has_protected_content"] = True
                result["has_protected_content"] = True
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

    async def _m_getme(self, p: Params) -> Any:
        return self.state.bot_json()

    async def _m_getupdates(self, p: Params) -> Any:
        if self.state.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.int("offset") or 0
        timeout = float(p.int("timeout") or 0)
        return await self.state.wait_for_updates(offset, min(timeout, 50.0))

    async def _m_setwebhook(self, p: Params) -> Any:
        url = p.text("url") or ""
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.state.webhook = {"url": url, "secret_token": p.text("secret_token")} if url else {}
        if p.bool("drop_pending_updates"):
            self.state.updates.clear()
        if url and self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        return True

    async def _m_deletewebhook(self, p: Params) -> Any:
        self.state.webhook = {}
        if p.bool("drop_pending_updates"):
            self.state.updates.clear()
        return True

    async def _m_getwebhookinfo(self, p: Params) -> Any:
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
