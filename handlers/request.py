"""python-telegram-bot's BaseRequest over aiohttp: the same semantics as HTTPXRequest, cheaper.

HTTPXRequest costs the bot about as much CPU per Bot API call as everything else it does for
an update (httpx and httpcore's layers, anyio's locks); aiohttp is already a dependency and
does the same work in fewer Python calls (benchmarks/README.md has the figures).

What PTB relies on is kept: `do_request` returns the status code and body, and BaseRequest
turns Telegram's answers into the same exceptions (RetryAfter, Forbidden, BadRequest,
Conflict, InvalidToken, NetworkError). Transport failures raise what HTTPXRequest raises:
TimedOut for timeouts (with its "Pool timeout" message when no connection became free),
NetworkError naming the client's error otherwise. Timeouts:

- pool: waiting for one of `connection_pool_size` connections (a semaphore around each call);
- connect: establishing the TCP connection (aiohttp's sock_connect);
- read: waiting for the next bytes of the answer (aiohttp's sock_read);
- write: aiohttp has no timeout on sending alone, so the whole exchange up to the answer's
  headers is bounded by write + read; an upload gets media_write_timeout for each megabyte
  begun (a 25 MB export may take 500 s to send, at 50 kB/s at the slowest), where
  HTTPXRequest bounds each socket write instead: a stalled send times out either way, later
  here.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import math
import warnings
from typing import Any

import aiohttp
from aiohttp.payload import BytesPayload
from telegram import Bot
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter
from telegram.warnings import PTBUserWarning

POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)


def allow_raw_requests() -> None:
    """Lets `Bot.do_api_request` call endpoints PTB has methods for, without its warning.

    The sender and the poller do so on purpose: they want Telegram's answer as JSON, not the
    objects PTB would build from it (benchmarks/README.md, section 1). Called where they are
    made (each test runs with the warning filters reset).
    """
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


@functools.lru_cache(maxsize=64)
def _method(endpoint: str) -> str:
    """The Bot API method of a PTB endpoint name: send_message -> sendMessage."""
    first, *rest = endpoint.split("_")
    return first + "".join(word.capitalize() for word in rest)


async def post_raw(bot: Bot, endpoint: str, parameters: dict[str, object]) -> Any:
    """Calls a Bot API method and returns Telegram's answer as JSON (None values left out).

    Through the bot's own request object, so with PTB's timeouts and errors (RetryAfter,
    Forbidden, BadRequest, TimedOut, NetworkError) as `Bot.do_api_request` has them, without
    its layers on every call (its warning for a method PTB has, the defaults this project
    does not set, each parameter's conversion of PTB objects, which these are not): half of
    PTB's own CPU per call (benchmarks/README.md, section 1).
    """
    data = RequestData(
        [
            RequestParameter(name, value, None)
            for name, value in parameters.items()
            if value is not None
        ]
    )
    return await bot.request.post(f"{bot.base_url}/{_method(endpoint)}", request_data=data)


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(connection_pool_size)

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-polling timeout to it for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Opens the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                auto_decompress=True,
            )

    async def shutdown(self) -> None:
        """Closes the session and its connections."""
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
        """Sends one request; returns the status code and the body."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        body = _body(request_data)
        timeout = _timeout(connect, read)
        if write is not None and files:
            write *= max(1, math.ceil(_size(files) / 2**20))
        exchange = None if write is None or read is None else write + read
        if self._slots.locked():  # a free connection is taken at once, with no timer to set
            try:
                async with asyncio.timeout(pool):
                    await self._slots.acquire()
            except TimeoutError as error:
                raise TimedOut(message=POOL_TIMEOUT_MESSAGE) from error
        else:
            await self._slots.acquire()
        try:
            async with asyncio.timeout(exchange):
                response = await session.request(method, url, data=body, timeout=timeout)
            async with response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's ServerTimeoutError is a TimeoutError too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        finally:
            self._slots.release()


@functools.lru_cache(maxsize=64)
def _timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for a call (a frozen value: one per pair of limits is enough)."""
    return aiohttp.ClientTimeout(total=None, connect=None, sock_connect=connect, sock_read=read)


def _size(files: UploadFileDict) -> int:
    """How many bytes the files hold (a handle that cannot tell counts as one megabyte)."""
    total = 0
    for _filename, content, _mimetype in files.values():
        if isinstance(content, bytes):
            total += len(content)
            continue
        try:
            here = content.tell()
            total += content.seek(0, io.SEEK_END) - here
            content.seek(here)
        except (OSError, ValueError):
            total += 2**20
    return total


class FormBody(BytesPayload):
    """Form fields already urlencoded."""

    def __init__(self, encoded: bytes) -> None:
        super().__init__(encoded, content_type="application/x-www-form-urlencoded")


# What `urllib.parse.quote_plus` makes of each byte: kept if always safe, "+" for a space,
# else %XX. quote_plus goes through the text byte by byte in Python (2-3 % of the bot's CPU
# for the form bodies); str.translate does the same in C over the UTF-8 bytes read as Latin-1.
_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_QUOTED = ["+" if b == 0x20 else chr(b) if b in _SAFE else f"%{b:02X}" for b in range(256)]


def _quote_plus(text: str) -> str:
    return text.encode().decode("latin-1").translate(_QUOTED)


def urlencoded(fields: dict[str, str]) -> bytes:
    """`urllib.parse.urlencode(fields).encode()`, the same bytes, cheaper."""
    return "&".join([f"{_quote_plus(k)}={_quote_plus(v)}" for k, v in fields.items()]).encode()


def _body(request_data: RequestData | None) -> Any:
    """The request body as HTTPXRequest sends it: form fields, multipart when there are files."""
    if request_data is None:
        return None
    files = request_data.multipart_data
    if not files:
        # Encoded here: given the dict, aiohttp builds a FormData, and with it a multipart
        # writer and its random boundary, for every request, only to urlencode it. The
        # fields are PTB's `json_parameters` (a text as it is, anything else as JSON),
        # which would encode each value twice.
        fields = {
            name: value if isinstance(value, str) else json.dumps(value)
            for name, value in request_data.parameters.items()
        }
        return FormBody(urlencoded(fields)) if fields else None
    fields = request_data.json_parameters
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
