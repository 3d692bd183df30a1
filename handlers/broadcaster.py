"""The broadcast runner: sends every recipient row of running broadcasts, beside the courier.

A few workers take claimed rows from a queue and send each person her messages through the
sender as bulk traffic: under the limiter's overall rate, paced, after any interactive reply.
Each row's fate commits as soon as Telegram answers (see bot/broadcasts/delivery.py). A 429
pauses all sending for its retry_after (a second one on the same row pauses that chat only:
it is hers, not the bot's); a 403 makes the person unreachable; network errors, timeouts and
5xx are retried with a growing delay, a message in several parts from the part that failed.
Every few seconds the author's message shows the progress, with Stop; at the end, the report
is committed to the outbox with the broadcast's end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

from bot.broadcasts.announcement import recipient_messages
from bot.broadcasts.delivery import Parcel
from bot.broadcasts.model import (
    FAILED,
    INTERNAL_ERROR,
    SENT,
    STOPPED,
    UNREACHABLE,
    Broadcast,
    Tally,
)
from bot.broadcasts.view import ended, progress, report
from bot.core import Core
from bot.runtime.outbox import Owed
from bot.runtime.replies import Edit, Reply, Send
from handlers.courier import backoff, settle_safely
from handlers.inbox import pause
from handlers.sender import Attempt, Sender, Status

log = logging.getLogger(__name__)

WORKERS = 8  # sends in flight at once: enough to keep the pace through slow answers
CLAIM = 32  # rows leased at a time (about a second of sending)
BUSY_POLL = 0.2
IDLE_POLL = 1.0  # a scheduled broadcast that started, or a retry that came due, is seen this fast
PROGRESS_EVERY = 3.0  # seconds between two edits of the progress message
RATE_WINDOW = 20.0  # seconds of sending the shown rate is measured over
MAX_ATTEMPTS = 8  # failed attempts (network, 5xx, 429) before a row is given up as failed
STOP_GRACE = 1.0  # a send in flight when the bot stops gets this long to be answered
TOO_MANY = "429"


class Broadcaster:
    """Delivers the recipient rows of running broadcasts and shows their progress."""

    def __init__(self, sender: Sender, core: Core, told: Callable[[], None]) -> None:
        self.sender = sender
        self.core = core
        self.deliveries = core.deliveries
        self.told = told  # wakes the courier: a report was committed to the outbox
        self._wake = asyncio.Event()
        self._stopped: set[int] = set()
        self._broadcasts: dict[int, Broadcast] = {}
        self._messages: dict[tuple[int, str, str], list[Reply]] = {}
        self._samples: dict[int, deque[tuple[float, int]]] = {}
        self._shown: dict[int, str] = {}

    def wake(self) -> None:
        """Tells the runner that a broadcast started or was stopped."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Sends until `stop` is set; what is left stays pending for the next start."""
        with contextlib.suppress(sqlite3.Error):
            freed = await self.deliveries.recover()
            if freed:
                log.info("broadcasts: took back %s rows a stopped instance had leased", freed)
        queue: asyncio.Queue[Parcel | None] = asyncio.Queue()
        workers = [asyncio.create_task(self._work(queue, stop)) for _ in range(WORKERS)]
        shower = asyncio.create_task(self._show_progress(stop))
        failures = 0
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    claimed = await self._step(queue)
                    failures = 0
                except (sqlite3.Error, OSError) as error:
                    failures += 1
                    delay = min(0.5 * 2**failures, 30.0)
                    log.error("broadcasts: database error (%s); retrying in %.1f s", error, delay)
                    await pause(stop, delay)
                    continue
                busy = claimed or not queue.empty()
                await pause(stop, BUSY_POLL if busy else IDLE_POLL, self._wake)
        finally:
            for _ in workers:
                queue.put_nowait(None)
            await asyncio.gather(*workers, shower)

    async def _step(self, queue: asyncio.Queue[Parcel | None]) -> int:
        """Closes what is finished and tops the queue up; returns how many rows it claimed."""
        self._stopped = await self.deliveries.stopped()
        for broadcast in await self.deliveries.finish(self._report):
            self.told()
            await self._ended(broadcast)
        if queue.qsize() >= CLAIM or self.sender.limiter.paused() > 0:
            return 0
        parcels = await self.deliveries.claim(CLAIM)
        for parcel in parcels:
            if parcel.broadcast_id not in self._broadcasts:
                broadcast = await self._broadcast(parcel.broadcast_id)
                if broadcast.control is None:  # started by its timer: show it at once
                    await self._show(broadcast)
            queue.put_nowait(parcel)
        return len(parcels)

    async def _work(self, queue: asyncio.Queue[Parcel | None], stop: asyncio.Event) -> None:
        while (parcel := await queue.get()) is not None:
            try:
                await self._deliver(parcel, stop)
            except Exception:  # a bug must not leave the row leased, nor kill the worker
                log.exception("broadcasts: row %s could not be sent", parcel.id)
                await self._settle(parcel, FAILED, INTERNAL_ERROR)

    async def _settle(self, parcel: Parcel, status: str, error: str | None = None) -> None:
        await settle_safely(partial(self.deliveries.settle, parcel.id, status, error))

    async def _deliver(self, parcel: Parcel, stop: asyncio.Event) -> None:
        """Sends one person her messages, from the first not sent yet, and records the fate."""
        if stop.is_set():
            await settle_safely(partial(self.deliveries.release, [parcel.id]))
            return
        if parcel.broadcast_id in self._stopped:
            await self._settle(parcel, STOPPED)
            return
        paused = self.sender.limiter.paused(parcel.recipient.user_id)
        if paused > 0:  # a 429 paused sending: come back then, without holding the lease
            await settle_safely(partial(self.deliveries.postpone, parcel.id, paused))
            return
        messages = await self._messages_for(parcel)
        for index in range(parcel.parts, len(messages)):
            result = await self._attempt(messages[index], stop)
            if result is None:  # the bot is stopping and the send was not answered in time
                await settle_safely(partial(self.deliveries.release, [parcel.id]))
                return
            if result.status == Status.SENT:
                if index + 1 < len(messages):
                    await settle_safely(partial(self.deliveries.progressed, parcel.id, index + 1))
                continue
            if result.status == Status.UNREACHABLE:
                await self._settle(parcel, UNREACHABLE, result.reason)
            elif result.status == Status.REFUSED:
                await self._settle(parcel, FAILED, result.reason)
            else:
                await self._again(parcel, result)
            return
        await self._settle(parcel, SENT)

    async def _again(self, parcel: Parcel, result: Attempt) -> None:
        """A transient failure: retried later, or given up after MAX_ATTEMPTS."""
        reason = TOO_MANY if result.retry_after else result.reason
        if result.retry_after and parcel.error != TOO_MANY:
            log.warning("broadcasts: 429, all sending paused %.0f s", result.retry_after)
            self.sender.limiter.pause_all(result.retry_after)
        if parcel.attempts + 1 >= MAX_ATTEMPTS:
            log.error("broadcasts: row %s given up: %s", parcel.id, reason)
            await self._settle(parcel, FAILED, reason)
            return
        delay = max(result.retry_after, backoff(parcel.attempts))
        await settle_safely(partial(self.deliveries.retry, parcel.id, delay, reason))

    async def _attempt(self, reply: Reply, stop: asyncio.Event) -> Attempt | None:
        """One send as bulk traffic; None when the bot stops before Telegram answers."""
        sending = asyncio.ensure_future(self.sender.attempt(reply, bulk=True))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({sending, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not sending.done():
            await asyncio.wait({sending}, timeout=STOP_GRACE)
        stopping.cancel()
        if not sending.done():
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending
            return None
        return sending.result()

    async def _broadcast(self, broadcast_id: int) -> Broadcast:
        broadcast = self._broadcasts.get(broadcast_id)
        if broadcast is None:  # its content no longer changes once it is sending
            broadcast = self._broadcasts[broadcast_id] = await self.core.broadcasts.get(
                broadcast_id
            )
        return broadcast

    async def _messages_for(self, parcel: Parcel) -> Sequence[Reply]:
        """Her messages: rendered once per language and zone, then addressed to her."""
        broadcast = await self._broadcast(parcel.broadcast_id)
        recipient = parcel.recipient
        language = recipient.language or self.core.settings.default_language
        zone = recipient.timezone or self.core.settings.timezone
        key = (broadcast.id, language, zone)
        if key not in self._messages:
            stamp = broadcast.started_at or self.core.clock.now()
            t = self.core.t(language)
            self._messages[key] = recipient_messages(t, broadcast, language, 0, zone, stamp)
        return [replace(message, chat_id=recipient.user_id) for message in self._messages[key]]

    async def _report(self, broadcast: Broadcast, tally: Tally) -> list[Owed]:
        """The report its author receives, in her language."""
        t = self.core.t(await self.core.people.language_of(broadcast.created_by))
        return [Send(broadcast.created_by, report(t, self.core.form, broadcast, tally))]

    async def _ended(self, broadcast: Broadcast) -> None:
        """The progress message says sending ended (the report follows it); caches let go."""
        if broadcast.control is not None:
            t = self.core.t(await self.core.people.language_of(broadcast.created_by))
            await self.sender.attempt(Edit(*broadcast.control, ended(t, broadcast)))
        self._broadcasts.pop(broadcast.id, None)
        self._samples.pop(broadcast.id, None)
        self._shown.pop(broadcast.id, None)
        for key in [key for key in self._messages if key[0] == broadcast.id]:
            del self._messages[key]

    async def _show_progress(self, stop: asyncio.Event) -> None:
        """Every few seconds, edits each running broadcast's progress message."""
        while not stop.is_set():
            await pause(stop, PROGRESS_EVERY)
            if stop.is_set():
                return
            try:
                for broadcast in await self.deliveries.running():
                    await self._show(broadcast)
            except (sqlite3.Error, OSError) as error:
                log.error("broadcasts: progress not shown (%s)", error)

    async def _show(self, broadcast: Broadcast) -> None:
        tally = await self.core.broadcasts.tally(broadcast.id)
        t = self.core.t(await self.core.people.language_of(broadcast.created_by))
        text, keyboard = progress(t, self.core.form, broadcast, tally, self._rate(broadcast, tally))
        if broadcast.control is None:  # started by its timer: a new message shows it
            sent = await self.sender.attempt(Send(broadcast.created_by, text, keyboard))
            if sent.message is not None:
                await self.deliveries.show_progress_on(
                    broadcast.id, sent.message.chat_id, sent.message.message_id
                )
        elif self._shown.get(broadcast.id) != text:
            await self.sender.attempt(Edit(*broadcast.control, text, keyboard))
        self._shown[broadcast.id] = text

    def _rate(self, broadcast: Broadcast, tally: Tally) -> float | None:
        """Rows settled a second over the last RATE_WINDOW seconds (None until measurable)."""
        samples = self._samples.setdefault(broadcast.id, deque())
        now = time.monotonic()
        samples.append((now, tally.done))
        while samples and samples[0][0] < now - RATE_WINDOW:
            samples.popleft()
        first_at, first_done = samples[0]
        if now - first_at < 1.0 or tally.done == first_done:
            return None
        return (tally.done - first_done) / (now - first_at)
