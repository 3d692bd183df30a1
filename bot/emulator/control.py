"""HTTP control surface under `/_emu/`: people, their messages and presses, Telegram's faults."""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from aiohttp import web

if TYPE_CHECKING:
    from bot.emulator.emulator import Emulator

MAX_WAIT = 30.0
T = TypeVar("T")
_FAULT_FIELDS = frozenset(
    {"method", "chat_id", "status", "description", "retry_after", "times", "seconds", "hang"}
)


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


def _optional(body: dict[str, Any], name: str, kind: type[T]) -> T | None:
    """Returns body[name] checked to be of `kind` (an int is a float; a bool is no int)."""
    value = body.get(name)
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return value  # type: ignore[return-value]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ValueError(f"{name} must be of type {kind.__name__}")
    return value


class ControlRoutes:
    """JSON routes that let a web page or a test play the people talking to the bot."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def register(self, app: web.Application) -> None:
        """Adds the `/_emu/` routes."""
        r = app.router
        r.add_get("/_emu/info", self.info)
        r.add_get("/_emu/users", self.list_users)
        r.add_post("/_emu/users", self.create_user)
        r.add_patch("/_emu/users/{id}", self.update_user)
        r.add_post("/_emu/users/{id}/messages", self.send)
        r.add_post("/_emu/users/{id}/press", self.press)
        r.add_get("/_emu/users/{id}/chat", self.chat)
        r.add_get("/_emu/users/{id}/commands", self.commands)
        r.add_get("/_emu/files/{file_id}", self.file)
        r.add_post("/_emu/reset", self.reset)
        r.add_get("/_emu/faults", self.list_faults)
        r.add_post("/_emu/faults", self.create_fault)
        r.add_delete("/_emu/faults", self.clear_faults)
        r.add_delete("/_emu/faults/{id}", self.delete_fault)
        r.add_get("/_emu/holds", self.list_holds)
        r.add_post("/_emu/holds", self.create_hold)
        r.add_delete("/_emu/holds/{id}", self.release_hold)

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text='{"error": "JSON body expected"}') from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text='{"error": "JSON object expected"}')
        return body

    def _uid(self, request: web.Request) -> int:
        raw = request.match_info["id"]
        if not raw.isdigit() or int(raw) not in self.emu.state.users:
            raise web.HTTPNotFound(
                text=f'{{"error": "no user {raw}"}}', content_type="application/json"
            )
        return int(raw)

    async def info(self, request: web.Request) -> web.Response:
        """GET /_emu/info."""
        return web.json_response(
            {
                "api_url": self.emu.api_url,
                "base_url": self.emu.base_url,
                "token": self.emu.token,
                "bot_username": self.emu.bot_username,
                "version": self.emu.state.version,
            }
        )

    async def list_users(self, request: web.Request) -> web.Response:
        """GET /_emu/users."""
        return web.json_response([u.to_json() for u in self.emu.state.users.values()])

    async def create_user(self, request: web.Request) -> web.Response:
        """POST /_emu/users {first_name, language_code?, username?, last_name?}."""
        body = await self._body(request)
        try:
            uid = self.emu.add_user(
                str(body.get("first_name") or ""),
                language_code=body.get("language_code"),
                username=body.get("username"),
                last_name=body.get("last_name"),
                user_id=body.get("id"),
            )
        except ValueError as err:
            return _error(400, str(err))
        return web.json_response(self.emu.user(uid).to_json(), status=201)

    async def update_user(self, request: web.Request) -> web.Response:
        """PATCH /_emu/users/{id} {language_code?, blocked?}."""
        uid = self._uid(request)
        body = await self._body(request)
        if "language_code" in body:
            self.emu.set_language(uid, body["language_code"])
        if body.get("blocked") is True:
            self.emu.block(uid)
        elif body.get("blocked") is False:
            self.emu.unblock(uid)
        return web.json_response(self.emu.user(uid).to_json())

    async def send(self, request: web.Request) -> web.Response:
        """POST /_emu/users/{id}/messages {text, entities?} or {photo (base64), caption?,
        entities?} or {document (base64), filename, caption?, entities?}."""
        uid = self._uid(request)
        body = await self._body(request)
        entities = body.get("entities")
        try:
            if entities is not None and not isinstance(entities, list):
                raise ValueError("entities must be a list of MessageEntity objects")
            if "photo" in body or "document" in body:
                data = base64.b64decode(
                    str(body.get("photo") or body.get("document")), validate=True
                )
                caption = str(body.get("caption") or "")
                if "photo" in body:
                    message = await self.emu.send_photo(uid, data, caption, entities)
                else:
                    name = str(body.get("filename") or "")
                    message = await self.emu.send_document(uid, name, data, caption, entities)
            else:
                message = await self.emu.send_text(uid, str(body.get("text") or ""), entities)
        except (ValueError, binascii.Error) as err:
            return _error(400, str(err))
        return web.json_response(message.to_json(), status=201)

    async def press(self, request: web.Request) -> web.Response:
        """POST /_emu/users/{id}/press {label, message_id?} or {data, message_id}."""
        uid = self._uid(request)
        body = await self._body(request)
        message_id = body.get("message_id")
        try:
            if "data" in body:
                if not isinstance(message_id, int):
                    return _error(400, "message_id is required with data")
                result = await self.emu.press_data(uid, message_id, str(body["data"]))
            else:
                result = await self.emu.press(uid, str(body.get("label") or ""), message_id)
        except LookupError as err:
            labels = [m.buttons for m in self.emu.bot_messages(uid) if m.inline_buttons][-1:]
            return _error(404, str(err), labels=labels[0] if labels else [])
        return web.json_response(asdict(result))

    async def chat(self, request: web.Request) -> web.Response:
        """GET /_emu/users/{id}/chat?since=VERSION&wait=SECONDS (long poll)."""
        uid = self._uid(request)
        try:
            since = int(request.query.get("since", "0"))
            wait = min(max(float(request.query.get("wait", "0")), 0.0), MAX_WAIT)
        except ValueError:
            return _error(400, "since must be an integer and wait a number")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            chat = self.emu.state.chats.get(uid)
            messages = sorted(
                (m for m in (chat.messages.values() if chat else []) if m.version > since),
                key=lambda m: m.message_id,
            )
            if since == 0:
                messages = [m for m in messages if not m.deleted]
            remaining = deadline - loop.time()
            if messages or remaining <= 0 or self.emu.api.closing:
                return web.json_response(
                    {
                        "version": self.emu.state.version,
                        "messages": [m.to_json() for m in messages],
                    }
                )
            await self.emu.state.changed.wait(remaining)

    async def commands(self, request: web.Request) -> web.Response:
        """GET /_emu/users/{id}/commands."""
        return web.json_response(self.emu.effective_commands(self._uid(request)))

    async def file(self, request: web.Request) -> web.Response:
        """GET /_emu/files/{file_id}."""
        stored = self.emu.state.files.get(request.match_info["file_id"])
        if stored is None:
            return _error(404, "no such file")
        ascii_name = stored.file_name.encode("ascii", "replace").decode().replace('"', "")
        disposition = (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stored.file_name)}"
        )
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type,
            headers={"Content-Disposition": disposition},
        )

    async def reset(self, request: web.Request) -> web.Response:
        """POST /_emu/reset."""
        self.emu.reset()
        return web.json_response({"ok": True, "version": self.emu.state.version})

    async def list_faults(self, request: web.Request) -> web.Response:
        """GET /_emu/faults: the live faults, with their hits."""
        now = self.emu.clock.now()
        return web.json_response([f.to_json(now) for f in self.emu.faults.live()])

    async def create_fault(self, request: web.Request) -> web.Response:
        """POST /_emu/faults {method?, chat_id?, status?, description?, retry_after?, times?,
        seconds?, hang?}."""
        body = await self._body(request)
        unknown = set(body) - _FAULT_FIELDS
        if unknown:
            return _error(400, f"unknown fields: {sorted(unknown)}")
        try:
            status = _optional(body, "status", int)
            fault = self.emu.fault(
                _optional(body, "method", str),
                _optional(body, "chat_id", int),
                status=500 if status is None else status,
                description=_optional(body, "description", str),
                retry_after=_optional(body, "retry_after", int),
                times=_optional(body, "times", int),
                seconds=_optional(body, "seconds", float),
                hang=_optional(body, "hang", bool) or False,
            )
        except ValueError as err:
            return _error(400, str(err))
        return web.json_response(fault.to_json(self.emu.clock.now()), status=201)

    async def delete_fault(self, request: web.Request) -> web.Response:
        """DELETE /_emu/faults/{id}."""
        raw = request.match_info["id"]
        fault = next((f for f in self.emu.faults.live() if str(f.id) == raw), None)
        if fault is None:
            return _error(404, f"no fault {raw}")
        fault.clear()
        return web.json_response({"ok": True, "hits": fault.hits})

    async def clear_faults(self, request: web.Request) -> web.Response:
        """DELETE /_emu/faults: clears every fault and releases every hold."""
        self.emu.clear_faults()
        return web.json_response({"ok": True})

    async def list_holds(self, request: web.Request) -> web.Response:
        """GET /_emu/holds."""
        return web.json_response([h.to_json() for h in self.emu.faults.holds])

    async def create_hold(self, request: web.Request) -> web.Response:
        """POST /_emu/holds {method?, chat_id?}."""
        body = await self._body(request)
        unknown = set(body) - {"method", "chat_id"}
        if unknown:
            return _error(400, f"unknown fields: {sorted(unknown)}")
        try:
            hold = self.emu.hold(_optional(body, "method", str), _optional(body, "chat_id", int))
        except ValueError as err:
            return _error(400, str(err))
        return web.json_response(hold.to_json(), status=201)

    async def release_hold(self, request: web.Request) -> web.Response:
        """DELETE /_emu/holds/{id}: sends the held answers."""
        raw = request.match_info["id"]
        hold = next((h for h in self.emu.faults.holds if str(h.id) == raw), None)
        if hold is None:
            return _error(404, f"no hold {raw}")
        hold.release()
        return web.json_response(hold.to_json())
