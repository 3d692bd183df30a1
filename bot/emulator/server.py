"""HTTP routes of the Bot API (`/bot{token}/{method}`) and of file downloads."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, NoReturn

from aiohttp import BodyPartReader, web

from bot.emulator.api import BotApi
from bot.emulator.errors import ApiError
from bot.emulator.faults import Faults
from bot.emulator.spec import Upload

log = logging.getLogger(__name__)
UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")


def api_response(result: Any) -> web.Response:
    """Returns Telegram's success envelope."""
    return web.json_response(
        {"ok": True, "result": result}, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


def error_response(error: ApiError) -> web.Response:
    """Returns Telegram's error envelope with the HTTP status equal to error_code."""
    return web.json_response(
        error.payload(), status=error.code, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


async def read_params(request: web.Request) -> dict[str, Any]:
    """Collects parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON encoded request body") from None
        if isinstance(body, dict):
            params.update(body)
    elif content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            data = await part.read()
            if part.filename is not None:
                part_type = part.headers.get("Content-Type", "application/octet-stream")
                params[part.name] = Upload(part.filename, part_type, bytes(data))
            else:
                params[part.name] = data.decode(part.get_charset("utf-8"))
    elif content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


def _hang_up(request: web.Request) -> NoReturn:
    """Closes the connection without an answer (the client sees the server disconnect)."""
    if request.transport is not None:
        request.transport.close()
    # aiohttp ends a cancelled handler quietly, without writing a response.
    raise asyncio.CancelledError


class BotApiRoutes:
    """Serves the Bot API over HTTP, with the injected faults, and records requests and errors."""

    def __init__(self, api: BotApi, token: str, faults: Faults) -> None:
        self.api = api
        self.token = token
        self.faults = faults
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, int, str]] = []

    def register(self, app: web.Application) -> None:
        """Adds the Bot API and file routes."""
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.download)

    async def handle(self, request: web.Request) -> web.Response:
        """Answers one Bot API call, unless a fault or a hold says otherwise."""
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        applied = False
        try:
            if request.match_info["token"] != self.token:
                raise UNAUTHORIZED
            if request.method not in ("GET", "POST"):
                raise NOT_FOUND
            params = await read_params(request)
            self.requests.append((method, params))
            while (fault := self.faults.catch(method, params)) is not None:
                if not fault.hang:
                    raise fault.error()
                if not await self.faults.hang(fault) or request.transport is None:
                    _hang_up(request)
            applied = True
            response = api_response(await self.api.call(method, params))
        except ApiError as error:
            self.errors.append((method, error.code, error.description))
            log.debug("%s -> %s %s", method, error.code, error.description)
            response = error_response(error)
        hold = self.faults.holding(method, params) if applied else None
        if hold is not None and not await hold.keep(method, params):
            _hang_up(request)
        return response

    async def download(self, request: web.Request) -> web.StreamResponse:
        """Serves a file by the file_path getFile returned."""
        if request.match_info["token"] != self.token:
            return error_response(UNAUTHORIZED)
        stored = self.api.state.files_by_path.get(request.match_info["path"])
        if stored is None:
            return error_response(NOT_FOUND)
        return web.Response(body=stored.data, content_type=stored.mime_type)
