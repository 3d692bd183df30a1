"""The one module that turns reply values into Bot API calls, with Telegram's error rules."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.runtime.outbox import Outbox
from bot.runtime.replies import Edit, Keyboard, Reply, Send, Toast

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Builds an inline keyboard, or None for no buttons."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in keyboard]
    )


class RateLimiter:
    """At most `limit` sends in any `window` seconds (Telegram: 30 a second).

    A burst goes out at once up to the limit; later sends wait, in order, for the oldest send
    to leave the window. The defaults keep a margin of one message and 50 ms for the time a
    request takes to reach Telegram.
    """

    def __init__(
        self,
        limit: int = 29,
        window: float = 1.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    def _forget_old(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self._window:
            self._sent.popleft()

    async def wait(self) -> None:
        """Waits for a free sending slot (first come, first served) and takes it."""
        async with self._lock:
            now = self._clock()
            self._forget_old(now)
            if len(self._sent) >= self._limit:
                await self._sleep(self._sent[0] + self._window - now)
                now = self._clock()
                self._forget_old(now)
            self._sent.append(now)


class Sender:
    """Delivers replies: waits on 429, retries network errors, records 403 as unreachable."""

    def __init__(
        self,
        bot: Bot,
        on_unreachable: Callable[[int], Awaitable[None]],
        limiter: RateLimiter | None = None,
    ) -> None:
        self.bot = bot
        self.on_unreachable = on_unreachable
        self.limiter = limiter or RateLimiter()

    async def deliver(self, replies: Sequence[Reply]) -> list[Message | None]:
        """Sends replies in order; a reply that cannot be delivered yields None."""
        return [await self.deliver_one(reply) for reply in replies]

    async def deliver_one(self, reply: Reply) -> Message | None:
        """Sends one reply, following Telegram's error rules."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await self.limiter.wait()
            try:
                return await self._call(reply)
            except RetryAfter as error:
                delay = error.retry_after
                seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
                log.warning("429 from Telegram: waiting %.0f s", seconds)
                await asyncio.sleep(seconds)
            except Forbidden:
                log.info("chat %s is unreachable (403)", reply.chat_id)
                await self.on_unreachable(reply.chat_id)
                return None
            except BadRequest as error:
                if "message is not modified" in error.message.lower():
                    return None
                log.error("Telegram refused a %s: %s", type(reply).__name__, error.message)
                return None
            except (TimedOut, NetworkError) as error:
                if attempt == MAX_ATTEMPTS:
                    log.error(
                        "giving up on a %s after network errors: %s", type(reply).__name__, error
                    )
                    return None
                await asyncio.sleep(0.5 * 2**attempt)
        return None

    async def _call(self, reply: Reply) -> Message | None:
        if isinstance(reply, Send):
            return await self.bot.send_message(
                reply.chat_id,
                reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(reply.keyboard),
                link_preview_options=None,
            )
        if isinstance(reply, Edit):
            result = await self.bot.edit_message_text(
                reply.text,
                chat_id=reply.chat_id,
                message_id=reply.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(reply.keyboard),
            )
            return result if isinstance(result, Message) else None
        return await self.bot.send_document(
            reply.chat_id,
            InputFile(reply.content, filename=reply.filename),
            caption=reply.caption or None,
            parse_mode=ParseMode.HTML,
        )

    async def answer(self, query_id: str, toast: Toast | None) -> None:
        """Answers a button press (every press is answered), ignoring expired queries."""
        toast = toast or Toast()
        try:
            await self.bot.answer_callback_query(
                query_id, text=toast.text[:200] or None, show_alert=toast.alert
            )
        except BadRequest as error:
            log.info("could not answer a callback query: %s", error.message)
        except (TimedOut, NetworkError) as error:
            log.info("network error answering a callback query: %s", error)


class Courier:
    """Delivers the outbox in the background, oldest first, sharing the sender's rate limit."""

    def __init__(self, sender: Sender, outbox: Outbox) -> None:
        self.sender = sender
        self.outbox = outbox
        self._wake = asyncio.Event()

    async def post(self, messages: Sequence[Send]) -> None:
        """Stores messages for background delivery and wakes the courier."""
        await self.outbox.put(messages)
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Delivers until `stop` is set; what is left stays in the outbox for the next start."""
        while not stop.is_set():
            batch = await self.outbox.pending()
            for message_id, message in batch:
                if stop.is_set():
                    return
                await self.sender.deliver_one(message)
                await self.outbox.done(message_id)
            if batch:
                continue
            self._wake.clear()
            waiting = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
            _done, pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
