"""Builds the python-telegram-bot application and runs the durable long-polling loop."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    TypeHandler,
)

from bot.core import Core
from bot.runtime.replies import Send, stale
from handlers import (
    alerts,
    broadcasts,
    checkins,
    cohorts,
    common,
    event_answers,
    meetings,
    menu,
    onboarding,
    pairing,
    privacy,
    review,
    staff,
    stats,
)
from handlers.base import Context, Deps
from handlers.broadcaster import Broadcaster
from handlers.courier import Courier
from handlers.inbox import Poller, Workers
from handlers.request import AiohttpRequest
from handlers.sender import Sender

log = logging.getLogger(__name__)

# Updates still running when the bot is told to stop get this long to finish; the rest are
# handled again at the next start. With the courier and the poller, stopping takes < 5 s.
STOP_GRACE = 2.5
SCOPE_GROUP = -100  # first of all: what is not from a person in a private chat goes no further
MODULES = (
    privacy,
    onboarding,
    pairing,
    meetings,
    checkins,
    review,
    staff,
    stats,
    broadcasts,
    alerts,
    cohorts,
    event_answers,
    common,
)


def file_url(api_url: str) -> str:
    """The file download base that goes with a Bot API base URL."""
    if api_url.rstrip("/").endswith("/bot"):
        return api_url.rstrip("/")[: -len("bot")] + "file/bot"
    return api_url


def build_application(core: Core) -> tuple[Application, Deps, Workers]:  # type: ignore[type-arg]
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
        .request(AiohttpRequest(connection_pool_size=64))
        # A margin of 10 s: PTB adds the long-poll timeout to the read timeout.
        .get_updates_request(AiohttpRequest(connection_pool_size=1, read_timeout=10))
        .build()
    )
    sender = Sender(app.bot, core.people.mark_unreachable)
    courier = Courier(sender, core.outbox)
    deps = Deps(core, sender, courier, Broadcaster(sender, core, courier.wake))

    async def outside_private_chats(update: Update, context: Context) -> None:
        """Lets through only what a person sends in her private chat with the bot.

        Groups the bot was added to, channel posts and anonymous senders have no one to
        answer; every handler after this one may count on a sender and her private chat.
        """
        chat = update.effective_chat
        if update.effective_user is None or (chat is not None and chat.type != chat.PRIVATE):
            raise ApplicationHandlerStop

    app.add_handler(TypeHandler(Update, outside_private_chats), group=SCOPE_GROUP)
    for module in MODULES:
        module.register(app, deps)

    async def unknown_button(update: Update, context: Context) -> None:
        """Answers a press no handler recognised (old bot versions, forged data)."""
        query = update.callback_query
        assert query is not None
        t = core.t(await core.people.language_of(query.from_user.id))
        await deps.sender.answer(query.id, stale(t))

    app.add_handler(CallbackQueryHandler(unknown_button))

    async def apologise(update: Update) -> None:
        """Tells the person, in her language, that her message could not be handled."""
        if update.effective_user is None:
            return
        user_id = update.effective_user.id
        t = core.t(await core.people.language_of(user_id))
        await deps.sender.deliver(
            [Send(user_id, t("Sorry, something went wrong on our side. Please try again."))]
        )

    async def slow_down(update: Update) -> None:
        """Tells someone who floods the bot, once, that it stops listening to her a while."""
        if update.effective_user is None:
            return
        user_id = update.effective_user.id
        t = core.t(await core.people.language_of(user_id))
        text = t(
            "You are sending messages faster than I can read them. I will pause for a"
            " moment: please wait a little, then send your answer again."
        )
        await deps.sender.deliver([Send(user_id, text)])

    workers = Workers(app, core.inbox, apologise, slow_down)

    async def on_error(update: object, context: Context) -> None:
        """Records a handler failure for the person's worker, which retries or parks it."""
        workers.failed(update, context.error)
        if isinstance(update, Update) and update.callback_query is not None:
            await deps.sender.answer(update.callback_query.id, None)

    app.add_error_handler(on_error)
    return app, deps, workers


async def serve(core: Core, stop: asyncio.Event, webhook: bool = False) -> None:
    """Runs the bot until `stop` is set, by long polling or by webhook.

    Raises telegram.error.InvalidToken on a bad token, handlers.webhook.ListenError when the
    webhook's address cannot be listened on.
    """
    app, deps, workers = build_application(core)
    await core.housekeeping()
    await app.initialize()
    try:
        await app.start()
        try:  # neither is worth refusing to serve over
            # Together: each is a round trip (the menu's, several) that held up every start.
            # Telegram refuses getUpdates while a webhook is set; its pending updates stay.
            unhook = [] if webhook else [app.bot.delete_webhook()]
            await asyncio.gather(*unhook, menu.set_all(app.bot, core))
        except TelegramError as error:
            log.warning("could not prepare the bot (webhook, command menu): %s", error)
        courier = asyncio.create_task(deps.courier.run(stop))
        timers = asyncio.create_task(core.timers.run(stop))
        broadcaster = asyncio.create_task(deps.broadcaster.run(stop))
        try:
            if webhook:
                # Imported here: aiohttp's web server costs a polling start a tenth of a second.
                from handlers.webhook import WebhookReceiver

                await WebhookReceiver(app, core.inbox, workers, core.settings).run(stop)
            else:
                log.info("polling as @%s", app.bot.username)
                await Poller(app, core.inbox, workers, core.settings.poll_timeout).run(stop)
        finally:
            stop.set()
            await workers.stop(grace=STOP_GRACE)
            await asyncio.gather(courier, timers, broadcaster)
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()
