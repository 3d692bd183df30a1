"""The courier: delivers the outbox in the background, under the limits, after any crash."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import partial

from bot.runtime.outbox import EXPIRED, REFUSED, SENT, UNREACHABLE, Outbox, Parcel
from handlers.inbox import pause
from handlers.sender import Sender, Status

log = logging.getLogger(__name__)

CONCURRENT_CHATS = 16
IDLE_POLL = 1.0  # rows another instance released, or whose retry time came, are seen this fast
MAX_BACKOFF = 300.0


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: 1, 2, 4 … 5 minutes."""
    return min(float(2 ** min(attempts, 16)), MAX_BACKOFF)


class Courier:
    """Claims outbox rows, sends each chat's rows in order, chats side by side, and settles them.

    A transient failure (network, 5xx, 429) puts the row back with a growing delay for as long
    as it has not expired; 403 is recorded as unreachable and a permanent 400 as refused with
    its reason. Database errors are logged and waited out: the courier never dies of one.
    """

    def __init__(self, sender: Sender, outbox: Outbox) -> None:
        self.sender = sender
        self.outbox = outbox
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(CONCURRENT_CHATS)

    def wake(self) -> None:
        """Tells the courier that rows were committed."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Delivers until `stop` is set; what is left stays in the outbox for the next start."""
        failures = 0
        with contextlib.suppress(sqlite3.Error):
            freed = await self.outbox.recover()
            if freed:
                log.info("outbox: took back %s rows a stopped instance had leased", freed)
        looked = -IDLE_POLL
        while not stop.is_set():
            self._wake.clear()
            try:
                # Woken by a reply that put nothing in the outbox: no need to look, unless
                # the last look is IDLE_POLL old (a retry's time may have come meanwhile).
                if self.outbox.nothing_new() and time.monotonic() - looked < IDLE_POLL:
                    parcels = []
                else:
                    looked = time.monotonic()
                    parcels = await self.outbox.claim()
                if parcels:
                    await self._deliver(parcels, stop)
                failures = 0
            except (sqlite3.Error, OSError) as error:
                failures += 1
                delay = min(0.5 * 2**failures, 30.0)
                log.error("outbox: database error (%s); retrying in %.1f s", error, delay)
                await pause(stop, delay)
                continue
            if not parcels:
                await pause(stop, IDLE_POLL, self._wake)

    async def _deliver(self, parcels: list[Parcel], stop: asyncio.Event) -> None:
        by_chat: dict[int, list[Parcel]] = defaultdict(list)
        for parcel in parcels:
            by_chat[parcel.message.chat_id].append(parcel)
        await asyncio.gather(*(self._chat(queue, stop) for queue in by_chat.values()))

    async def _chat(self, queue: list[Parcel], stop: asyncio.Event) -> None:
        """Sends one chat's rows in order; a row to retry holds back the ones after it."""
        async with self._slots:
            for index, parcel in enumerate(queue):
                if stop.is_set() or not await self._one(parcel, stop):
                    await settle_safely(
                        partial(self.outbox.release, [p.id for p in queue[index + 1 :]])
                    )
                    if stop.is_set():
                        await settle_safely(partial(self.outbox.release, [parcel.id]))
                    return

    async def _one(self, parcel: Parcel, stop: asyncio.Event) -> bool:
        """Attempts one row; False when it must wait (the chat's later rows wait with it)."""
        if parcel.expired:
            await settle_safely(partial(self.outbox.settle, parcel.id, EXPIRED))
            return True
        paused = self.sender.limiter.paused(parcel.message.chat_id)
        if paused > 0:  # a 429 paused this chat: come back then, without holding the lease
            await settle_safely(partial(self.outbox.postpone, parcel.id, paused))
            return False
        sending = asyncio.ensure_future(self.sender.attempt(parcel.message, bulk=True))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({sending, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not sending.done():
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending
            return False
        result = sending.result()
        if result.status == Status.SENT:
            await settle_safely(partial(self.outbox.settle, parcel.id, SENT))
            return True
        if result.status == Status.UNREACHABLE:
            await settle_safely(partial(self.outbox.settle, parcel.id, UNREACHABLE, result.reason))
            return True
        if result.status == Status.REFUSED:
            await settle_safely(partial(self.outbox.settle, parcel.id, REFUSED, result.reason))
            return True
        delay = max(result.retry_after, backoff(parcel.attempts))
        log.warning(
            "outbox row %s: %s; attempt %s again in %.0f s",
            parcel.id,
            result.reason,
            parcel.attempts + 2,
            delay,
        )
        await settle_safely(partial(self.outbox.retry, parcel.id, delay, result.reason))
        return False


async def settle_safely(step: Callable[[], Awaitable[None]]) -> None:
    """Records a row's fate (outbox or broadcast), waiting out database errors: a sent row
    must not be sent again."""
    delay = 0.2
    while True:
        try:
            await step()
            return
        except (sqlite3.Error, OSError) as error:
            log.error("could not record a delivery (%s); retrying", error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
