"""HTTP to the Bot API: PTB requests on aiohttp (`aiohttp_request`), one TLS context per process."""

from __future__ import annotations

import ssl
from functools import cache
from typing import Any

import httpx

from bot.runtime.aiohttp_request import AiohttpRequest


@cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle costs ~20 ms of CPU per context, and each application has two; the
    # sandbox and the tests build hundreds of applications and bots in one process, so they share one.
    return httpx.create_ssl_context()


def http_request(**options: Any) -> AiohttpRequest:
    """A Bot API request backend with the process's shared TLS context."""
    return AiohttpRequest(**options, tls=_tls())


def sender_request() -> AiohttpRequest:
    """HTTP for a Bot made only for sending (`khabar digest send-now`): Khabar's backend, where a
    plain Bot would take PTB's httpx, with room for the requests a sender keeps in flight."""
    return http_request(connection_pool_size=64)
