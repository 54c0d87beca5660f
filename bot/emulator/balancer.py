"""A load balancer in front of several webhook replicas, as a reverse proxy would be in production.

Telegram delivers a bot's updates to one URL; behind it, a proxy spreads them over the replicas.
`WebhookBalancer` is that proxy for tests and benchmarks: point every replica's WEBHOOK_URL at
`balancer.url + path` (each replica serves the same path on its own port) and the emulator's
deliveries go round-robin to the replicas, passing the secret-token header through. A replica that
does not answer (stopped, killed) is skipped for the next, as a proxy's health check would, so
Telegram sees a failure only when no replica answers.
"""

from __future__ import annotations

from collections import Counter
from itertools import count

from aiohttp import ClientError, ClientSession, ClientTimeout, web

PASSED_HEADERS = ("X-Telegram-Bot-Api-Secret-Token", "Content-Type")


class WebhookBalancer:
    def __init__(self, upstreams: list[str]) -> None:
        """`upstreams`: each replica's base URL, e.g. http://127.0.0.1:8081."""
        self.upstreams = [u.rstrip("/") for u in upstreams]
        self.served: Counter[str] = Counter()  # upstream -> deliveries it answered
        self._turn = count()
        self._http: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._http = ClientSession(timeout=ClientTimeout(total=15))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.url = f"http://{host}:{int(self._runner.addresses[0][1])}"
        return self.url

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k in PASSED_HEADERS}
        first = next(self._turn)
        for i in range(len(self.upstreams)):
            upstream = self.upstreams[(first + i) % len(self.upstreams)]
            try:
                async with self._http.request(
                    request.method, upstream + request.path_qs, data=body, headers=headers
                ) as resp:
                    answer = await resp.read()
                    self.served[upstream] += 1
                    return web.Response(status=resp.status, body=answer)
            except (ClientError, OSError, TimeoutError):
                continue  # down: the next replica
        return web.Response(status=502, text="no replica answered")
