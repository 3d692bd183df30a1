"""Webhook mode: Telegram POSTs each update; it is in the durable inbox before we answer 200.

Behind a reverse proxy, the bot listens on a local address (`PASSERELLE_WEBHOOK_LISTEN`) and
path; Telegram calls the public URL (`PASSERELLE_WEBHOOK_URL`) with the secret set by
setWebhook in a header, and any request without it is refused with 403 before anything is
read. The answer comes as soon as the update is on disk (one small transaction): handling it
is the person's worker's job, exactly as with polling, so a slow handler never makes Telegram
wait or retry. A database error answers 500 and Telegram delivers the update again later.

Switching is safe both ways: setWebhook here and deleteWebhook in polling mode leave
Telegram's pending updates in place, and the inbox stores an update id only once.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import secrets
import sqlite3

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.runtime.inbox import Inbox
from bot.runtime.settings import Settings
from handlers.inbox import ALLOWED_UPDATES, Workers, person_of

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram keeps a connection open between calls: stopping must not wait for it to close.
SHUTDOWN_TIMEOUT = 0.5


class ListenError(Exception):
    """The webhook's local address cannot be listened on; the message says why."""


class WebhookReceiver:
    """Serves the webhook until stopped; `run` has the same shape as the poller's."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        inbox: Inbox,
        workers: Workers,
        settings: Settings,
    ) -> None:
        self.app = app
        self.inbox = inbox
        self.workers = workers
        self.settings = settings
        self.secret = settings.webhook_secret or secrets.token_urlsafe(32)
        self.received = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Listens, sets the webhook, and serves until `stop` is set."""
        server = web.Application(client_max_size=1024 * 1024)
        server.router.add_post(self.settings.hook_path, self.receive)
        runner = web.AppRunner(server, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            host, port = self.settings.listen
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as error:
                reason = os.strerror(error.errno) if error.errno else str(error)
                raise ListenError(
                    f"cannot listen on {self.settings.webhook_listen}: {reason}"
                ) from None
            await self.app.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info(
                "receiving updates by webhook at %s (listening on %s%s)",
                self.settings.webhook_url,
                self.settings.webhook_listen,
                self.settings.hook_path,
            )
            for person in await self.inbox.waiting():
                self.workers.wake(person)
            await stop.wait()
        finally:
            await runner.cleanup()

    async def receive(self, request: web.Request) -> web.Response:
        """Takes one update: checks the secret, stores it, wakes its person's worker."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403)
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
            return web.Response(status=400)
        update = Update.de_json(body, self.app.bot)
        try:
            people = await self.inbox.put([(update.update_id, person_of(update), body)])
        except sqlite3.Error as error:
            log.error("inbox: could not store an update (%s); Telegram will send it again", error)
            return web.Response(status=500)
        self.received += 1
        self.workers.remember([update])
        for person in people:
            self.workers.wake(person)
        return web.Response(status=200)
