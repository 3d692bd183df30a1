"""Builds the python-telegram-bot application and runs the durable long-polling loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import Conflict, NetworkError, TelegramError, TimedOut
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler

from bot.core import Core
from bot.runtime.replies import Send, stale
from handlers import common, menu, onboarding, pairing, review, staff, stats
from handlers.base import Context, Deps
from handlers.sender import Courier, Sender

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
MODULES = (onboarding, pairing, review, staff, stats, common)


def file_url(api_url: str) -> str:
    """The file download base that goes with a Bot API base URL."""
    if api_url.rstrip("/").endswith("/bot"):
        return api_url.rstrip("/")[: -len("bot")] + "file/bot"
    return api_url


def build_application(core: Core) -> tuple[Application, Deps]:  # type: ignore[type-arg]
    """The PTB application with every handler registered; it never polls by itself."""
    settings = core.settings
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(file_url(settings.api_url))
        .updater(None)
        .concurrent_updates(False)
        .connection_pool_size(64)
        .get_updates_read_timeout(10)  # a margin: PTB adds the long-poll timeout to it
        .build()
    )
    sender = Sender(app.bot, core.people.mark_unreachable)
    deps = Deps(core, sender, Courier(sender, core.outbox))
    for module in MODULES:
        module.register(app, deps)

    async def unknown_button(update: Update, context: Context) -> None:
        """Answers a press no handler recognised (old bot versions, forged data)."""
        query = update.callback_query
        assert query is not None
        t = core.t(await core.people.language_of(query.from_user.id))
        await deps.sender.answer(query.id, stale(t))

    app.add_handler(CallbackQueryHandler(unknown_button))

    async def on_error(update: object, context: Context) -> None:
        """Logs a handler failure and tells the person, in her language, that it failed."""
        log.error("handler failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_user is not None:
            user_id = update.effective_user.id
            t = core.t(await core.people.language_of(user_id))
            if update.callback_query is not None:
                await deps.sender.answer(update.callback_query.id, None)
            await deps.sender.deliver(
                [Send(user_id, t("Sorry, something went wrong on our side. Please try again."))]
            )

    app.add_error_handler(on_error)
    return app, deps


def _key(update: Update) -> int:
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return 0


async def dispatch(app: Application, updates: Sequence[Update]) -> None:  # type: ignore[type-arg]
    """Handles a batch: people concurrently, each person's updates in order."""
    groups: dict[int, list[Update]] = {}
    for update in updates:
        groups.setdefault(_key(update), []).append(update)

    async def run(group: list[Update]) -> None:
        for update in group:
            await app.process_update(update)

    await asyncio.gather(*(run(group) for group in groups.values()))


class Poller:
    """Long polling that confirms updates (the getUpdates offset) only once they are handled."""

    def __init__(self, app: Application, timeout: int) -> None:  # type: ignore[type-arg]
        self.app = app
        self.timeout = timeout
        self.offset: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Polls until `stop` is set; a batch being handled is finished first."""
        backoff = 0.5
        while not stop.is_set():
            fetch = asyncio.ensure_future(
                self.app.bot.get_updates(
                    offset=self.offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES
                )
            )
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, TelegramError):
                    await fetch
                break
            try:
                updates = fetch.result()
            except Conflict:
                log.error("another instance is polling this bot; retrying")
                await asyncio.sleep(2)
                continue
            except (TimedOut, NetworkError) as error:
                log.warning("network error while polling: %s", error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 15)
                continue
            backoff = 0.5
            if updates:
                await dispatch(self.app, updates)
                self.offset = updates[-1].update_id + 1
        await self.confirm()

    async def confirm(self) -> None:
        """Tells Telegram that every handled update is done, so none comes back."""
        if self.offset is None:
            return
        with contextlib.suppress(TelegramError):
            await self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)


async def serve(core: Core, stop: asyncio.Event) -> None:
    """Runs the bot until `stop` is set; raises telegram.error.InvalidToken on a bad token."""
    app, deps = build_application(core)
    await core.housekeeping()
    await app.initialize()
    try:
        await app.start()
        try:  # neither is worth refusing to serve over
            await app.bot.delete_webhook()
            await menu.set_all(app.bot, core)
        except TelegramError as error:
            log.warning("could not prepare the bot (webhook, command menu): %s", error)
        log.info("polling as @%s", app.bot.username)
        courier = asyncio.create_task(deps.courier.run(stop))
        timers = asyncio.create_task(core.timers.run(stop))
        try:
            await Poller(app, core.settings.poll_timeout).run(stop)
        finally:
            stop.set()
            await asyncio.gather(courier, timers)
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()
