"""PTB's networking backend (`telegram.request.BaseRequest`) on aiohttp's client.

PTB's default, httpx over httpcore and anyio, took about half of Khabar's CPU per update (Bot API
calls and getUpdates, py-spy --gil), and more the more requests run at once: twice a request,
httpcore's pool walks all its connections and asks each idle one whether its socket is readable,
through anyio's extra attributes (a dict of lambdas and a getpeername each time). aiohttp, already
the stack's web server, keeps idle connections in a queue per host and parses responses in C. With
the proxy looked up once per origin (below), Khabar's CPU per handled update fell by 28-33%
(benchmarks/intake_cost.py, alternating runs against the httpx build).

It behaves as PTB's HTTPXRequest: the same four timeouts (connect, read, write, pool), the same
errors (TimedOut, NetworkError), a multipart body when files go up, and HTTP(S)_PROXY from the
environment. Other calls send their parameters as one JSON body (the Bot API takes
application/json), where HTTPXRequest sends a URL-encoded form: the form's encoding quoted every byte
of a Dari or Pashto text, and of a keyboard's JSON, one at a time in Python. Responses come back
without the inline keyboards Telegram echoes in every sent or edited message and in every pressed
button's message (`parse_json_payload`): Khabar never reads one back, and PTB built an object per
button for each (Khabar's CPU per update ~5% lower against the floor bot of
benchmarks/intake_cost.py, alternating runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

_log = logging.getLogger(__name__)
_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Up to `connection_pool_size` connections to the Bot API, in one aiohttp client session."""

    __slots__ = ("_limit", "_media_write", "_proxies", "_session", "_timeouts", "_tls")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._limit = connection_pool_size
        self._timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write = media_write_timeout
        self._tls = tls
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, tuple[URL | None, aiohttp.BasicAuth | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts[0]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit, ssl=self._tls or True),
                headers={"User-Agent": self.USER_AGENT},
                # aiohttp's own trust_env looks the proxy (and .netrc) up again on every request,
                # two hand-offs to a worker thread each time: `_proxy` does it once per origin.
                trust_env=False,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        default_read, default_write, default_connect, default_pool = self._timeouts
        timeout = _timeout(
            read=_given(read_timeout, default_read),
            write=_given(write_timeout, self._media_write if files else default_write),
            connect=_given(connect_timeout, default_connect),
            pool=_given(pool_timeout, default_pool),
        )
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None and files:
            body = _multipart(request_data)
        elif request_data is not None:
            body, headers = json.dumps(request_data.parameters, ensure_ascii=False).encode(), _JSON
        proxy, proxy_auth = await self._proxy(url)
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                payload = await response.read()
                # The URL carries the token: the log handler's filter (bot.runtime.logs) scrubs it.
                _log.debug('HTTP Request: %s %s "%s %s"', method, url, response.status, response.reason)
                return response.status, payload
        except TimeoutError as error:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        """The response, without the inline keyboards Telegram echoes back: Khabar never reads one
        (a press's meaning is in its callback data), and PTB built an object per button of every
        sent or edited message and of every pressed button's message."""
        data = BaseRequest.parse_json_payload(payload)
        result = data.get("result")
        for item in result if isinstance(result, list) else (result,):
            if isinstance(item, dict):
                _drop_keyboard(item)
                _drop_keyboard(item.get("message"))
                query = item.get("callback_query")
                if isinstance(query, dict):
                    _drop_keyboard(query.get("message"))
        return data

    async def _proxy(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """HTTP(S)_PROXY and NO_PROXY from the environment, as httpx reads them, for `url`'s origin."""
        origin = url.split("/", 3)[:3]  # scheme, "", host[:port]
        key = "/".join(origin)
        if key not in self._proxies:
            found: tuple[URL | None, aiohttp.BasicAuth | None] = (None, None)
            with contextlib.suppress(LookupError):
                found = await asyncio.to_thread(get_env_proxy_for_url, URL(key))  # reads .netrc
            self._proxies[key] = found
        return self._proxies[key]


def _drop_keyboard(message: object) -> None:
    if isinstance(message, dict):
        message.pop("reply_markup", None)


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _timeout(
    *, read: float | None, write: float | None, connect: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    # aiohttp's `connect` covers the wait for a pooled connection and the connecting; it has no
    # write timeout, so the whole request is held to the four budgets added up.
    phases = (read, write, connect, pool)
    return aiohttp.ClientTimeout(
        total=None if None in phases else sum(p for p in phases if p is not None),
        connect=None if connect is None or pool is None else connect + pool,
        sock_connect=connect,
        sock_read=read,
    )


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    # Names go raw in UTF-8, as httpx and browsers send them: quoted, a Dari file name would reach
    # Telegram as percent escapes.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
