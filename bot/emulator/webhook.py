"""Webhook delivery, as Telegram does it: setWebhook, then each update POSTed until a 2xx.

Telegram only calls HTTPS URLs on ports 443, 80, 88 and 8443, and a bot behind a reverse
proxy listens on a local address the public URL does not show. The emulator keeps
Telegram's rules for the URL and plays the reverse proxy: `routes` maps a public origin
(`https://bot.example.org`) to the local server that stands behind it
(`http://127.0.0.1:8081`). A URL with no route fails to deliver, as an unknown host would.

While a webhook is set, getUpdates answers 409 like Telegram; updates wait in the same queue
and are delivered one at a time, in order; a failed delivery is retried with backoff and its
reason shown by getWebhookInfo (`last_error_message`), as Telegram shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.state import State

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PORTS = (443, 80, 88, 8443)
FIRST_RETRY, LONGEST_RETRY = 0.05, 2.0  # seconds between attempts at one update
TIMEOUT = 10.0  # seconds Telegram waits for the bot's answer


@dataclass
class Hook:
    """The webhook as set."""

    url: str
    secret: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if (parts.port or 443) not in PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


class Webhook:
    """Holds the webhook setting and delivers queued updates to it."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.hook: Hook | None = None
        self.routes: dict[str, str] = {}
        self.deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status) of each attempt
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def active(self) -> bool:
        """Whether a webhook is set (getUpdates is refused meanwhile)."""
        return self.hook is not None

    def route(self, public_origin: str, local_base: str) -> None:
        """Says that requests to `public_origin` reach the server at `local_base` (a proxy)."""
        self.routes[public_origin.rstrip("/")] = local_base.rstrip("/")

    def set(self, params: dict[str, Any]) -> None:
        """setWebhook: an empty url removes the webhook."""
        url = params["url"]
        if params.get("drop_pending_updates"):
            self.state.updates.clear()
        if not url:
            self.remove()
            return
        _check_url(url)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.match(secret):
            raise bad_request("secret token contains unallowed characters")
        connections = params.get("max_connections", 40)
        if not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        self.hook = Hook(url, secret, connections)
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self._deliver())
        self.state.changed.notify()

    def remove(self) -> None:
        """deleteWebhook: updates wait for getUpdates again."""
        self.hook = None
        self.state.changed.notify()

    def info(self) -> dict[str, Any]:
        """getWebhookInfo."""
        info: dict[str, Any] = {
            "url": self.hook.url if self.hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        if self.hook is not None:
            info["max_connections"] = self.hook.max_connections
            info["allowed_updates"] = sorted(self.state.allowed_updates)
            if self.hook.last_error_date is not None:
                info["last_error_date"] = self.hook.last_error_date
                info["last_error_message"] = self.hook.last_error_message
        return info

    def refuse_polling(self) -> None:
        """getUpdates while a webhook is set: Telegram's 409."""
        if self.active:
            raise ApiError(409, CONFLICT)

    def _local(self, url: str) -> str | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        base = self.routes.get(origin)
        if base is None:
            return None
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        return base + rest

    async def _deliver(self) -> None:
        delay = FIRST_RETRY
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
            while self.hook is not None and not self._stopping:
                if not self.state.updates:
                    await self.state.changed.wait(1.0)
                    continue
                hook, update = self.hook, self.state.updates[0]
                error = await self._post(http, hook, update)
                if error is None:
                    with contextlib.suppress(ValueError):
                        self.state.updates.remove(update)
                    delay = FIRST_RETRY
                    continue
                hook.last_error_date, hook.last_error_message = int(time.time()), error
                await asyncio.sleep(delay)
                delay = min(delay * 2, LONGEST_RETRY)

    async def _post(
        self, http: aiohttp.ClientSession, hook: Hook, update: dict[str, Any]
    ) -> str | None:
        """POSTs one update; None when the bot took it, else Telegram's wording of the error."""
        target = self._local(hook.url)
        if target is None:
            return "Failed to resolve host: Name or service not known"
        headers = {"Content-Type": "application/json"}
        if hook.secret is not None:
            headers[SECRET_HEADER] = hook.secret
        try:
            async with http.post(
                target, data=json.dumps(update, ensure_ascii=False), headers=headers
            ) as response:
                self.deliveries.append((update["update_id"], response.status))
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as error:
            return f"Connection failed: {type(error).__name__}"

    async def stop(self) -> None:
        """Stops delivering (the emulator is stopping)."""
        task, self._task = self._task, None
        if task is None:
            return
        # Ends the loop at its next look rather than cancelling it inside Notifier.wait, where
        # Python 3.11's wait_for can leave a cancelled task waiting forever.
        self._stopping = True
        self.state.changed.notify()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, TIMEOUT + 1)
