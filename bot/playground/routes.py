"""The playground's own HTTP routes: the web page, its static files and `/_play/` JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.playground.playground import Playground

STATIC = Path(__file__).resolve().parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


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
        r.add_post("/_play/presets", self.presets)
        r.add_post("/_play/reset", self.reset)
        r.add_static("/_play/static/", STATIC, append_version=False)

    async def index(self, request: web.Request) -> web.FileResponse:
        """GET / : the chat page."""
        return web.FileResponse(STATIC / "index.html", headers=NO_CACHE)

    async def info(self, request: web.Request) -> web.Response:
        """GET /_play/info : the bot's name and the fast-clock settings."""
        from bot.playground.playground import PRESETS

        return web.json_response(
            {
                "bot_username": self.playground.emu.bot_username,
                "reminders": self.playground.reminder_label,
                "languages": ["en", "fr", "es"],
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
        """POST /_play/personas {first_name, language, staff}."""
        body = await self._body(request)
        zone = body.get("zone")
        try:
            persona = await self.playground.add_persona(
                str(body.get("first_name") or ""),
                str(body.get("language") or "en"),
                body.get("staff") is True,
                zone if isinstance(zone, str) and zone else None,
            )
        except ValueError as err:
            return _error(400, str(err))
        described = {p["id"]: p for p in await self.playground.describe()}
        return web.json_response(described[persona.user_id], status=201)

    async def presets(self, request: web.Request) -> web.Response:
        """POST /_play/presets : creates the staff member, the mentor and two entrepreneurs."""
        created = await self.playground.add_presets()
        ids = {p.user_id for p in created}
        described = [p for p in await self.playground.describe() if p["id"] in ids]
        return web.json_response(described, status=201)

    async def reset(self, request: web.Request) -> web.Response:
        """POST /_play/reset {presets?}: empty database, no personas (or only the presets)."""
        body = await self._body(request)
        await self.playground.reset(presets=body.get("presets") is True)
        return web.json_response({"ok": True, "personas": await self.playground.describe()})
