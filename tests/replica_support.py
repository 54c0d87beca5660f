"""Several `khabar run` replicas in webhook mode behind a `WebhookBalancer`, on one database, against
one emulator (so every replica's sends count against one Telegram limit). For tests and benchmarks."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout

from bot.emulator import EmulatorServer, WebhookBalancer
from tests.botproc import WAIT, BotProcess

LEADS = "now leads the background jobs"
SECRET = "replica-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ReplicaSet:
    def __init__(
        self, emulator: EmulatorServer, workdir: Path, database_url: str, count: int, **variables: str
    ) -> None:
        self.emulator = emulator
        self.ports = [free_port() for _ in range(count)]
        self.balancer = WebhookBalancer([f"http://127.0.0.1:{p}" for p in self.ports])
        self.replicas: list[BotProcess] = []
        self.workdir, self.database_url, self.variables = workdir, database_url, variables

    async def start(self) -> None:
        url = await self.balancer.start()
        for i, port in enumerate(self.ports):
            folder = self.workdir / f"replica-{i}"
            folder.mkdir(parents=True, exist_ok=True)
            replica = BotProcess(
                self.emulator,
                folder,
                self.database_url,
                WEBHOOK_URL=f"{url}/telegram",
                WEBHOOK_SECRET=SECRET,
                **{**self.variables, "HTTP_PORT": str(port)},
            )
            replica.start()
            self.replicas.append(replica)
            if i == 0:
                await self.ready(0)  # the first migrates; the others start together and find it done
        await asyncio.gather(*(self.ready(i) for i in range(1, len(self.ports))))

    async def ready(self, i: int) -> None:
        replica = self.replicas[i]
        async with ClientSession(timeout=ClientTimeout(total=2)) as http:

            async def answers() -> bool:
                try:
                    async with http.get(f"http://127.0.0.1:{self.ports[i]}/readyz") as resp:
                        return resp.status == 200
                except Exception:
                    return False

            deadline = asyncio.get_running_loop().time() + WAIT * 2
            while not await answers():
                await replica.until(lambda: True, "readiness")  # fails if the process died
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"replica {i} not ready:\n{replica.output()}")
                await asyncio.sleep(0.05)
        await replica.until(lambda: "bot started (webhook)" in replica.output(), "webhook start")

    def leader(self) -> int | None:
        """The live replica whose log last said it leads (None if none has yet)."""
        for i, replica in enumerate(self.replicas):
            alive = replica.proc is not None and replica.proc.poll() is None
            if alive and LEADS in replica.output():
                return i
        return None

    async def until_leader(self, timeout: float = WAIT) -> int:
        deadline = asyncio.get_running_loop().time() + timeout
        while (found := self.leader()) is None:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("no replica leads: " + "\n".join(r.output() for r in self.replicas))
            await asyncio.sleep(0.05)
        return found

    async def stop(self) -> None:
        for replica in self.replicas:
            if replica.proc is not None and replica.proc.poll() is None:
                await replica.stop()
        await self.balancer.stop()

    def kill_all(self) -> None:
        for replica in self.replicas:
            replica.kill()
