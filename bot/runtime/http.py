"""HTTP to the Bot API: PTB's request with one TLS context per process."""

from __future__ import annotations

import ssl
from functools import cache
from typing import Any

import httpx
from telegram.request import HTTPXRequest


@cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle costs ~20 ms of CPU per context, and each application has two; the
    # sandbox and the tests build hundreds of applications and bots in one process, so they share one.
    return httpx.create_ssl_context()


def http_request(**options: Any) -> HTTPXRequest:
    """PTB's default request, with the process's shared TLS context."""
    return HTTPXRequest(**options, httpx_kwargs={"verify": _tls()})


def sender_request() -> HTTPXRequest:
    """HTTP for a Bot made only for sending: a plain Bot has one connection, which would serialise
    the requests that the sender keeps in flight."""
    return http_request(connection_pool_size=64)
