"""The Emulator: a strict local Telegram Bot API server plus the people who talk to the bot.

Telegram's faults, for the tests of the delivery engine (see bot/emulator/faults.py):

- `emu.fault(method=None, chat_id=None, *, status=500, description=None, retry_after=None,
  times=None, seconds=None, hang=False) -> Fault` answers matching calls with a Telegram error
  and no effect: `fault("sendMessage", uid, status=429, retry_after=60)`,
  `fault("getUpdates", status=409)`, `fault(status=502, seconds=15)`,
  `fault("sendMessage", uid, status=403)` ("Forbidden: bot was blocked by the user"),
  `fault("sendMessage", uid, status=400, description="chat not found")`. With `hang=True`
  the call gets no answer until the fault is cleared or expires, then is processed normally.
  `times=N` catches the next N matching calls; `seconds=S` lasts S seconds of `emu.clock`.
  `Fault.clear()`, `Fault.hits`, `Fault.calls`; `emu.clear_faults()` clears every fault and
  releases every hold; `emu.reset()` does too.
- `emu.hold(method=None, chat_id=None) -> Hold` applies matching calls (the message is in the
  chat) but keeps their answers back until `hold.release()`; `await hold.wait(count=1,
  timeout=5.0)` waits until that many calls are held; `hold.calls` lists them as (method,
  params). When the emulator stops, held and hanging calls have their connection closed.
- Flood control: `rate_limit_per_second` (30) calls overall and `per_chat` (off unless
  given, e.g. (5, 3.0): Telegram publishes no exact per-chat figure) to one chat, counting
  sendMessage, sendDocument, sendPhoto and the edits; beyond them a 429 with `retry_after`.
  None disables either.
- Faulted calls are in `emu.requests` and `emu.errors` like any other; held calls are in
  `emu.requests` and in their hold's `calls`.
- Over HTTP: POST /_emu/faults {method?, chat_id?, status?, description?, retry_after?,
  times?, seconds?, hang?} -> {id, ...}, GET /_emu/faults (with hits), DELETE /_emu/faults/{id},
  DELETE /_emu/faults; POST /_emu/holds {method?, chat_id?} -> {id, ...}, GET /_emu/holds,
  DELETE /_emu/holds/{id} (release).
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.emulator.api import BotApi
from bot.emulator.content import CAPTION_LIMIT, TEXT_LIMIT, typed_entities
from bot.emulator.control import ControlRoutes
from bot.emulator.faults import Fault, Faults, Hold
from bot.emulator.messaging import PHOTO_LIMIT, UPLOAD_LIMIT, image_size
from bot.emulator.objects import member_update, message_api
from bot.emulator.rate import ChatRateLimit, RateLimit
from bot.emulator.server import BotApiRoutes
from bot.emulator.spec import load_spec
from bot.emulator.state import (
    CallbackResult,
    Clock,
    EmuDocument,
    EmuMessage,
    EmuUser,
    State,
    SystemClock,
)
from bot.emulator.text import detect_entities, trim, utf16_len

DEFAULT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")


class Emulator:
    """A local Bot API server that checks requests like Telegram and plays the people."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "passerelle_bot",
        rate_limit_per_second: int | None = 30,
        clock: Clock | None = None,
        bot_first_name: str = "Passerelle",
        per_chat: tuple[int, float] | None = None,
    ) -> None:
        if not _TOKEN.match(token):
            raise ValueError("token must look like a Telegram token: '<digits>:<secret>'")
        self.token = token
        self.bot_username = bot_username
        self.clock: Clock = clock or SystemClock()
        self.state = State(self.clock)
        self.rate = RateLimit(rate_limit_per_second, self.clock) if rate_limit_per_second else None
        self.per_chat = ChatRateLimit(*per_chat, self.clock) if per_chat else None
        me = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.api = BotApi(self.state, load_spec(), me, self.rate, self.per_chat)
        self.faults = Faults(self.clock, self.api.spec.canonical)
        self._routes = BotApiRoutes(self.api, token, self.faults)
        self.app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        self._routes.register(self.app)
        ControlRoutes(self).register(self.app)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def base_url(self) -> str:
        """Returns the server's root URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Returns the Bot API base URL (PTB's `base_url`)."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """Returns the file download base URL (PTB's `base_file_url`)."""
        return f"{self.base_url}/file/bot"

    @property
    def requests(self) -> list[tuple[str, dict[str, Any]]]:
        """Returns every Bot API request received, as (method, params)."""
        return self._routes.requests

    @property
    def errors(self) -> list[tuple[str, int, str]]:
        """Returns every error answered, as (method, error_code, description)."""
        return self._routes.errors

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Starts serving HTTP; port 0 picks a free port."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        self.api.closing = False
        self.faults.closing = False
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        sockets = [s for s in runner.addresses if isinstance(s, tuple)]
        self.port = int(sockets[0][1]) if sockets else port

    async def stop(self) -> None:
        """Ends pending long polls, hangs up on held and hanging calls, and stops serving."""
        self.api.closing = True
        self.state.changed.notify()
        self.faults.close()
        await self.api.webhook.stop()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def reset(self) -> None:
        """Forgets people, chats, files, pending updates and faults; keeps commands and settings."""
        self.state.reset()
        self.clear_faults()
        if self.rate is not None:
            self.rate.reset()
        if self.per_chat is not None:
            self.per_chat.reset()

    def fault(
        self,
        method: str | None = None,
        chat_id: int | None = None,
        *,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int | None = None,
        seconds: float | None = None,
        hang: bool = False,
    ) -> Fault:
        """Makes matching calls fail like Telegram (or hang); see the module docstring."""
        return self.faults.add(
            method,
            chat_id,
            status=status,
            description=description,
            retry_after=retry_after,
            times=times,
            seconds=seconds,
            hang=hang,
        )

    def hold(self, method: str | None = None, chat_id: int | None = None) -> Hold:
        """Applies matching calls but keeps their answers until `release()`."""
        return self.faults.hold(method, chat_id)

    def route_webhook(self, public_origin: str, local_base: str) -> None:
        """Plays a reverse proxy: webhook calls to `public_origin` go to `local_base`."""
        self.api.webhook.route(public_origin, local_base)

    @property
    def webhook_deliveries(self) -> list[tuple[int, int]]:
        """Every webhook delivery attempt, as (update_id, HTTP status of the bot's answer)."""
        return self.api.webhook.deliveries

    def clear_faults(self) -> None:
        """Clears every fault (hanging calls go on) and releases every hold."""
        self.faults.clear()

    def add_user(
        self,
        first_name: str,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
    ) -> int:
        """Adds a person; returns her user id (also her private chat id)."""
        user = self.state.add_user(
            first_name,
            language_code=language_code,
            username=username,
            last_name=last_name,
            user_id=user_id,
        )
        return user.id

    def remove_user(self, uid: int) -> None:
        """Forgets a person and her chat, as if she had never used Telegram."""
        self.state.remove_user(uid)

    def user(self, uid: int) -> EmuUser:
        """Returns a person."""
        return self.state.user(uid)

    def set_language(self, uid: int, language_code: str | None) -> None:
        """Changes the language of a person's Telegram app."""
        self.state.user(uid).language_code = language_code or None
        self.state.bump()

    def _bot_member_update(self, user: EmuUser, old: str, new: str) -> None:
        chat = self.state.chats[user.id]
        date = int(self.clock.now().timestamp())
        self.state.push_update("my_chat_member", member_update(chat, self.api.bot, old, new, date))

    def block(self, uid: int) -> None:
        """The person blocks the bot: sending to her fails with 403."""
        user = self.state.user(uid)
        if not user.blocked:
            user.blocked = True
            self._bot_member_update(user, "member", "kicked")
            self.state.bump()

    def unblock(self, uid: int) -> None:
        """The person unblocks the bot."""
        user = self.state.user(uid)
        if user.blocked:
            user.blocked = False
            self._bot_member_update(user, "kicked", "member")
            self.state.bump()

    def _message_api(self, message: EmuMessage) -> dict[str, Any]:
        return message_api(self.state, message, self.api.bot)

    async def send_text(
        self, uid: int, text: str, entities: list[dict[str, Any]] | None = None
    ) -> EmuMessage:
        """The person types and sends a text message (a blocked bot is unblocked first).

        `entities` is the formatting she gave it in the app (bold, links...), in UTF-16 units
        of `text`; Telegram adds the commands, mentions and links it finds.
        """
        text, found = self._typed(text, entities, TEXT_LIMIT)
        if not text:
            raise ValueError("a message must have 1-4096 characters")
        return await self._from_person(uid, text, found, document=None, photo=False)

    async def send_photo(
        self,
        uid: int,
        image: bytes,
        caption: str = "",
        entities: list[dict[str, Any]] | None = None,
    ) -> EmuMessage:
        """The person sends a picture (PNG, GIF, JPEG or WebP), with an optional caption."""
        size = image_size(image)
        if size is None:
            raise ValueError("a photo must be a PNG, GIF, JPEG or WebP image")
        if len(image) > PHOTO_LIMIT:
            raise ValueError("a photo must be at most 10 MB")
        caption, found = self._typed(caption, entities, CAPTION_LIMIT)
        stored = self.state.store_file("photo", "photo.jpg", "image/jpeg", image, *size)
        return await self._from_person(
            uid, caption, found, document=None, photo=True, photo_file_id=stored.file_id
        )

    async def send_document(
        self,
        uid: int,
        filename: str,
        data: bytes,
        caption: str = "",
        entities: list[dict[str, Any]] | None = None,
    ) -> EmuMessage:
        """The person sends a file, with an optional caption."""
        if not data or len(data) > UPLOAD_LIMIT or not filename.strip():
            raise ValueError("a document needs a name and 1 byte to 50 MB of data")
        caption, found = self._typed(caption, entities, CAPTION_LIMIT)
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self.state.store_file("document", filename, mime, data)
        document = EmuDocument(stored.file_name, stored.mime_type, stored.data, stored.file_id)
        return await self._from_person(uid, caption, found, document=document, photo=False)

    @staticmethod
    def _typed(
        text: str, entities: list[dict[str, Any]] | None, limit: int
    ) -> tuple[str, list[dict[str, Any]]]:
        """What Telegram keeps of a typed text: trimmed, checked, with the entities it finds."""
        found = [*typed_entities(text, entities or []), *detect_entities(text)]
        text, found = trim(text, found)
        if utf16_len(text) > limit:
            raise ValueError(f"a text or caption must have at most {limit} characters")
        return text, found

    async def _from_person(
        self, uid: int, text: str, entities: list[dict[str, Any]], **fields: Any
    ) -> EmuMessage:
        user = self.state.user(uid)
        self.unblock(uid)
        user.started = True
        message = self.state.new_message(
            self.state.chats[uid],
            from_bot=False,
            text=text,
            html=None,
            entities=entities,
            reply_markup=None,
            is_caption=fields.get("document") is not None or bool(fields.get("photo")),
            **fields,
        )
        self.state.push_update("message", self._message_api(message))
        await asyncio.sleep(0)
        return message

    def _keyboard_message(self, uid: int, message_id: int | None) -> EmuMessage:
        chat = self.state.chats[self.state.user(uid).id]
        if message_id is not None:
            message = chat.messages.get(message_id)
            if message is None or message.deleted:
                raise LookupError(f"no message {message_id} in the chat with {uid}")
            return message
        for message in sorted(chat.messages.values(), key=lambda m: -m.message_id):
            if message.from_bot and not message.deleted and message.inline_buttons:
                return message
        raise LookupError(f"no bot message with an inline keyboard in the chat with {uid}")

    async def press(
        self,
        uid: int,
        label: str,
        message_id: int | None = None,
        timeout: float = 5.0,
    ) -> CallbackResult:
        """Presses the first inline button whose label contains `label`; returns the answer."""
        message = self._keyboard_message(uid, message_id)
        for button in message.inline_buttons:
            if label.lower() in str(button.get("text", "")).lower():
                if "callback_data" not in button:
                    raise LookupError(f"button {button['text']!r} sends no callback: {button}")
                return await self._press(uid, message, button["callback_data"], timeout)
        raise LookupError(
            f"no button containing {label!r} on message {message.message_id}; "
            f"buttons: {message.buttons}"
        )

    async def press_data(
        self,
        uid: int,
        message_id: int,
        data: str,
        timeout: float = 5.0,
    ) -> CallbackResult:
        """Sends a callback query with arbitrary (possibly forged) data for a message."""
        message = self._keyboard_message(uid, message_id)
        return await self._press(uid, message, data, timeout)

    async def _press(
        self, uid: int, message: EmuMessage, data: str, seconds: float
    ) -> CallbackResult:
        user = self.state.user(uid)
        self.unblock(uid)
        user.started = True
        query = self.state.new_query(uid, message.message_id, data)
        payload = {
            "id": query.id,
            "from": user.to_api(),
            "message": self._message_api(message),
            "chat_instance": self.state.chats[uid].instance,
            "data": data,
        }
        self.state.push_update("callback_query", payload)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while query.result is None and loop.time() < deadline:
            await self.state.changed.wait(deadline - loop.time())
        return query.result or CallbackResult(None, False, False)

    def chat(self, uid: int) -> list[EmuMessage]:
        """Returns the whole private chat, oldest first, as it currently stands."""
        chat = self.state.chats[self.state.user(uid).id]
        return [
            m for m in sorted(chat.messages.values(), key=lambda m: m.message_id) if not m.deleted
        ]

    def bot_messages(self, uid: int) -> list[EmuMessage]:
        """Returns the bot's messages in a private chat, oldest first."""
        return [m for m in self.chat(uid) if m.from_bot]

    def mark(self) -> int:
        """Returns a cursor: wait_for(since=mark()) only sees later sends and edits."""
        return self.state.version

    async def wait_for(
        self,
        uid: int,
        contains: str | None = None,
        predicate: Callable[[EmuMessage], bool] | None = None,
        timeout: float = 5.0,
        since: int = 0,
    ) -> EmuMessage:
        """Waits for a bot message sent or edited after `since` that matches; returns it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            candidates = sorted(
                (m for m in self.bot_messages(uid) if m.version > since), key=lambda m: m.version
            )
            for message in candidates:
                if contains is not None and contains.lower() not in message.text.lower():
                    continue
                if predicate is not None and not predicate(message):
                    continue
                return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                last = [m.text[:200] for m in self.bot_messages(uid)[-5:]]
                raise TimeoutError(
                    f"no bot message matching contains={contains!r} after version {since} "
                    f"within {timeout}s; last bot messages: {last}"
                )
            await self.state.changed.wait(remaining)

    def commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, str]]:
        """Returns what setMyCommands stored for exactly this scope and language."""
        key = (self.api.scope_key(scope, known=False), language_code)
        return list(self.api.commands.get(key, []))

    def effective_commands(self, uid: int) -> list[dict[str, str]]:
        """Returns the commands the person's Telegram would show."""
        return self.api.effective_commands(uid)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Returns the updates not yet confirmed by the bot."""
        return list(self.state.updates)
