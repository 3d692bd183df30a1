"""The playground's own HTTP routes: the web page, its static files and `/_play/` JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.playground.playground import Playground

STATIC = Path(__file__).resolve().parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}
RETRY_AFTER = "1"  # seconds the page waits before asking again while the bot starts


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _not_ready(error: Exception) -> web.Response:
    return web.json_response(
        {"error": str(error), "retry": True}, status=503, headers={"Retry-After": RETRY_AFTER}
    )


class PlayRoutes:
    """Serves the chat page and lets it create personas and reset everything."""

    def __init__(self, playground: Playground) -> None:
        self.playground = playground

    def register(self, app: web.Application) -> None:
        """Adds `/`, `/_play/static/` and the `/_play/` JSON routes."""
        r = app.router
        r.add_get("/", self.index)
        r.add_get("/_play/info", self.info)
        r.add_get("/_play/personas", self.personas)
        r.add_post("/_play/personas", self.create)
        r.add_post("/_play/personas/{id}/read", self.read)
        r.add_post("/_play/presets", self.presets)
        r.add_post("/_play/reset", self.reset)
        r.add_static("/_play/static/", STATIC, append_version=False)

    async def index(self, request: web.Request) -> web.FileResponse:
        """GET / : the chat page."""
        return web.FileResponse(STATIC / "index.html", headers=NO_CACHE)

    async def info(self, request: web.Request) -> web.Response:
        """GET /_play/info : the bot's name and the fast-clock settings."""
        from bot.playground.personas import PRESETS, zone_names

        return web.json_response(
            {
                "bot_username": self.playground.emu.bot_username,
                "reminders": self.playground.reminder_label,
                "languages": ["en", "fr", "es"],
                "zones": zone_names(),
                "presets": [
                    {"first_name": p.first_name, "language": p.language, "label": p.label}
                    for p in PRESETS
                ],
            }
        )

    async def personas(self, request: web.Request) -> web.Response:
        """GET /_play/personas : every persona with her staff flag and time zone."""
        return web.json_response(await self.playground.describe())

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(
                text='{"error": "JSON body expected"}', content_type="application/json"
            ) from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(
                text='{"error": "JSON object expected"}', content_type="application/json"
            )
        return body

    async def create(self, request: web.Request) -> web.Response:
        """POST /_play/personas {first_name, language, staff, zone}: 503 while the bot starts."""
        from bot.playground.playground import NotReady

        body = await self._body(request)
        zone = body.get("zone")
        try:
            persona = await self.playground.add_persona(
                str(body.get("first_name") or ""),
                str(body.get("language") or "en"),
                body.get("staff") is True,
                zone if isinstance(zone, str) and zone.strip() else None,
            )
        except ValueError as err:
            return _error(400, str(err))
        except NotReady as err:
            return _not_ready(err)
        described = {p["id"]: p for p in await self.playground.describe()}
        return web.json_response(described[persona.user_id], status=201)

    async def presets(self, request: web.Request) -> web.Response:
        """POST /_play/presets : the staff member, the mentor and two entrepreneurs, once.

        201 if any was created, 200 if all four were there; 503 while the bot starts.
        """
        from bot.playground.playground import NotReady

        try:
            personas, created = await self.playground.add_presets()
        except NotReady as err:
            return _not_ready(err)
        described = {p["id"]: p for p in await self.playground.describe()}
        return web.json_response(
            [described[p.user_id] for p in personas], status=201 if created else 200
        )

    async def read(self, request: web.Request) -> web.Response:
        """POST /_play/personas/{id}/read {message_id}: she has seen her chat up to there."""
        body = await self._body(request)
        message_id = body.get("message_id")
        raw = request.match_info["id"]
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            return _error(400, "message_id must be an integer")
        try:
            self.playground.mark_read(int(raw) if raw.isdigit() else -1, message_id)
        except KeyError:
            return _error(404, f"no persona {raw}")
        described = {p["id"]: p for p in await self.playground.describe()}
        return web.json_response(described[int(raw)])

    async def reset(self, request: web.Request) -> web.Response:
        """POST /_play/reset {presets?}: empty database, no personas (or only the presets)."""
        body = await self._body(request)
        await self.playground.reset(presets=body.get("presets") is True)
        return web.json_response({"ok": True, "personas": await self.playground.describe()})
