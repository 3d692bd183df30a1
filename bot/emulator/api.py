"""Dispatches Bot API calls: validation against the spec, then the emulated method."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.emulator.content import check_commands, check_language
from bot.emulator.errors import ApiError, bad_request
from bot.emulator.messaging import Messaging
from bot.emulator.rate import ChatRateLimit, RateLimit
from bot.emulator.spec import Spec, Upload
from bot.emulator.state import DEFAULT_UPDATES, OPT_IN_UPDATES, State
from bot.emulator.webhook import Webhook

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
ScopeKey = tuple[Any, ...]
MAX_POLL_TIMEOUT = 50
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_TEXT_SETTINGS = {
    "setMyDescription": ("description", 512),
    "setMyShortDescription": ("short_description", 120),
    "setMyName": ("name", 64),
}


class BotApi:
    """The emulated Bot API methods over one State."""

    def __init__(
        self,
        state: State,
        spec: Spec,
        me: dict[str, Any],
        rate: RateLimit | None,
        per_chat: ChatRateLimit | None = None,
    ) -> None:
        self.state = state
        self.spec = spec
        self.me = me
        self.bot = {k: me[k] for k in ("id", "is_bot", "first_name", "username")}
        self.messaging = Messaging(state, self.bot, rate, per_chat)
        self.commands: dict[tuple[ScopeKey, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.texts: dict[tuple[str, str], str] = {}
        self.closing = False
        self.webhook = Webhook(state)
        self._poll_generation = 0
        m = self.messaging
        self.handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": self._ok,
            "close": self._ok,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._set_text,
            "setMyShortDescription": self._set_text,
            "setMyName": self._set_text,
            "getMyDescription": self._get_text("description"),
            "getMyShortDescription": self._get_text("short_description"),
            "getMyName": self._get_text("name"),
            "sendMessage": m.send_message,
            "sendDocument": m.send_document,
            "sendPhoto": m.send_photo,
            "sendChatAction": m.send_chat_action,
            "editMessageText": m.edit_message_text,
            "editMessageCaption": m.edit_message_caption,
            "editMessageReplyMarkup": m.edit_message_reply_markup,
            "deleteMessage": m.delete_message,
            "answerCallbackQuery": m.answer_callback_query,
            "getFile": m.get_file,
            "getChat": m.get_chat,
        }

    async def call(self, method: str, raw: dict[str, Any]) -> Any:
        """Runs one Bot API call; raises ApiError with Telegram's code and description."""
        canonical = self.spec.canonical(method)
        if canonical is None:
            raise ApiError(404, "Not Found")
        handler = self.handlers.get(canonical)
        if handler is None:
            raise bad_request("method not supported by the emulator")
        params = self.spec.validate(canonical, raw)
        params["_method"] = canonical
        params["_uploads"] = {k: v for k, v in raw.items() if isinstance(v, Upload)}
        return await handler(params)

    async def _ok(self, p: dict[str, Any]) -> Any:
        return True

    async def _get_me(self, p: dict[str, Any]) -> Any:
        return self.me

    async def _get_updates(self, p: dict[str, Any]) -> Any:
        self.webhook.refuse_polling()
        self._poll_generation += 1
        generation = self._poll_generation
        self.state.changed.notify()
        limit = min(max(p.get("limit", 100), 1), 100)
        timeout = min(max(p.get("timeout", 0), 0), MAX_POLL_TIMEOUT)
        self._allow(p)
        if p.get("offset"):
            self.state.confirm(p["offset"])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await asyncio.sleep(0)
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT)
            remaining = deadline - loop.time()
            if self.state.updates or remaining <= 0 or self.closing:
                return self.state.updates[:limit]
            await self.state.changed.wait(remaining)

    def _allow(self, p: dict[str, Any]) -> None:
        if "allowed_updates" in p:
            wanted = frozenset(p["allowed_updates"])
            known = DEFAULT_UPDATES | OPT_IN_UPDATES
            self.state.allowed_updates = (wanted & known) or DEFAULT_UPDATES

    async def _set_webhook(self, p: dict[str, Any]) -> Any:
        self.webhook.set(p)
        self._allow(p)
        return True

    async def _delete_webhook(self, p: dict[str, Any]) -> Any:
        if p.get("drop_pending_updates"):
            self.state.updates.clear()
        self.webhook.remove()
        return True

    async def _get_webhook_info(self, p: dict[str, Any]) -> Any:
        return self.webhook.info()

    def scope_key(self, scope: dict[str, Any] | None, *, known: bool = True) -> ScopeKey:
        """Returns the storage key of a BotCommandScope; `known`: the bot must know the chat."""
        if not scope or scope.get("type") == "default":
            return ("default",)
        kind = scope["type"]
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat = self.messaging.chat(scope.get("chat_id"))
            if known and not chat.user.started:
                raise bad_request("chat not found")
            chat_id = chat.user.id
            if kind == "chat_member":
                return (kind, chat_id, scope.get("user_id"))
            return (kind, chat_id)
        return (kind,)

    async def _set_my_commands(self, p: dict[str, Any]) -> Any:
        commands = check_commands(p["commands"])
        key = (self.scope_key(p.get("scope")), check_language(p.get("language_code")))
        if commands:
            self.commands[key] = commands
        else:
            self.commands.pop(key, None)
        self.state.changed.notify()
        return True

    async def _get_my_commands(self, p: dict[str, Any]) -> Any:
        key = (self.scope_key(p.get("scope")), check_language(p.get("language_code")))
        return self.commands.get(key, [])

    async def _delete_my_commands(self, p: dict[str, Any]) -> Any:
        key = (self.scope_key(p.get("scope")), check_language(p.get("language_code")))
        self.commands.pop(key, None)
        self.state.changed.notify()
        return True

    def effective_commands(self, user_id: int) -> list[dict[str, str]]:
        """Returns the commands the person's Telegram shows, following Telegram's precedence."""
        language = self.state.user(user_id).language_code or ""
        for scope in (("chat", user_id), ("all_private_chats",), ("default",)):
            for code in dict.fromkeys((language, "")):
                if (scope, code) in self.commands:
                    return list(self.commands[(scope, code)])
        return []

    async def _set_chat_menu_button(self, p: dict[str, Any]) -> Any:
        chat_id = self.messaging.chat(p["chat_id"]).user.id if "chat_id" in p else None
        button = p.get("menu_button") or {"type": "default"}
        if button["type"] == "web_app" and not str(button["web_app"]["url"]).startswith("https://"):
            raise bad_request("BUTTON_URL_INVALID")
        self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, p: dict[str, Any]) -> Any:
        chat_id = self.messaging.chat(p["chat_id"]).user.id if "chat_id" in p else None
        for key in (chat_id, None):
            button = self.menu_buttons.get(key)
            if button is not None and button["type"] != "default":
                return button
        return {"type": "commands"}

    async def _set_text(self, p: dict[str, Any]) -> Any:
        field, limit = _TEXT_SETTINGS[p["_method"]]
        value = p.get(field, "")
        if len(value) > limit:
            raise bad_request(f"{field.replace('_', ' ')} is too long")
        self.texts[(field, check_language(p.get("language_code")))] = value
        return True

    def _get_text(self, field: str) -> Handler:
        async def handler(p: dict[str, Any]) -> Any:
            language = check_language(p.get("language_code"))
            value = self.texts.get((field, language), self.texts.get((field, ""), ""))
            return {field: value}

        return handler
