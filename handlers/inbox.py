"""The poller fills the durable inbox; one worker per person drains it, people side by side.

A slow chat, a long `retry_after` or a slow handler delays only the person it concerns:
Telegram's batch is confirmed as soon as it is on disk, and each person's updates are
handled by her own worker, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.runtime.flood import FloodGate, Verdict
from bot.runtime.inbox import MAX_ATTEMPTS, Entry, Inbox
from handlers.limits import seconds_of
from handlers.request import allow_raw_requests

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
MAX_PARSED = 10_000  # parsed updates kept for the workers (each is also on disk)
# getUpdates' read timeout beyond the long poll's own: the getUpdates request's read timeout
# (handlers/app.py), which PTB's get_updates adds to the long poll's as this does.
POLL_READ_MARGIN = 10.0
Apologise = Callable[[Update], Awaitable[None]]  # tells the person, in her language
T = TypeVar("T")
Fetched = list[tuple[Update, dict[str, Any]]]  # parsed updates, each beside its JSON


def person_of(update: Update) -> int:
    """Whose update this is: its sender, else its chat (0 when it has neither)."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return 0


async def pause(stop: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
    """Sleeps, cut short when `stop` (or `wake`) is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in (stop, wake) if event]
    _done, pending = await asyncio.wait(
        waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()


class Workers:
    """One task per person with updates waiting; it ends when her inbox is empty."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        inbox: Inbox,
        apologise: Apologise,
        slow_down: Apologise,
        gate: FloodGate | None = None,
    ) -> None:
        self.app = app
        self.inbox = inbox
        self.apologise = apologise
        self.slow_down = slow_down
        self.gate = gate or FloodGate()
        # Filled by the application's error handler: PTB does not re-raise handler errors.
        self.failures: dict[int, BaseException] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._news: set[int] = set()
        self._stop = asyncio.Event()
        # Updates as the poller already parsed them, until handled: parsing an update again
        # from its stored JSON was a tenth of the bot's CPU. After a restart (or past the
        # bound) the stored JSON is parsed, as before.
        self._parsed: dict[int, Update] = {}
        # Reading a person's inbox before each of her updates was one database round trip
        # per update. Once her worker found nothing of hers left in the inbox but what it
        # took, with nothing told since (`_clear`), every update of hers stored later is one
        # the poller stored as new and remembered here, in order (`_fresh`): her worker takes
        # them from memory instead. The highest update each
        # person's workers took (`_taken`) guards against taking one twice: an update read
        # from the inbox whose storing is only told here afterwards. Anything else (a
        # restart, the webhook, an update stored before, past the bound) reads the inbox.
        self._clear: set[int] = set()
        self._fresh: dict[int, deque[int]] = {}
        self._taken: dict[int, int] = {}

    def remember(self, updates: Sequence[Update], fresh: bool = False) -> None:
        """Keeps updates just stored in the inbox, parsed, for their people's workers.

        `fresh`: the poller stored every one of them as new, just now, one batch after the
        other (so in order): people whose inbox was found empty take them from here."""
        if len(self._parsed) > MAX_PARSED:
            self._parsed.clear()
        if len(self._taken) > MAX_PARSED:
            self._taken.clear()
            self._clear.clear()
            self._fresh.clear()
        self._parsed.update((update.update_id, update) for update in updates)
        for update in updates:
            person = person_of(update)
            if person not in self._clear:
                continue
            if fresh:
                self._fresh.setdefault(person, deque()).append(update.update_id)
            else:
                self._unsettle(person)

    def _unsettle(self, person: int) -> None:
        """Her worker reads her inbox again before her next update."""
        self._clear.discard(person)
        self._fresh.pop(person, None)

    def _settle(self, person: int) -> None:
        """Her inbox was found empty: her next updates are those remembered as fresh."""
        if person in self._taken:  # else an update taken before could come back as fresh
            self._clear.add(person)

    async def _next(self, person: int) -> Entry | None:
        """Her oldest update not handled yet: from memory when her inbox is known, else read."""
        if person in self._clear:
            fresh = self._fresh.get(person)
            while fresh:
                update_id = fresh.popleft()
                if update_id <= self._taken[person]:
                    continue  # taken already, read from the inbox before it was told here
                if update_id not in self._parsed:  # forgotten past the bound
                    self._unsettle(person)
                    break
                return Entry(update_id, person, {}, 0, more=bool(fresh))
            else:
                return None
        return await _retrying(self._stop, partial(self.inbox.next, person))

    def _parse(self, entry: Entry) -> Update:
        update = self._parsed.pop(entry.update_id, None)
        return update if update is not None else Update.de_json(entry.body, self.app.bot)

    def wake(self, person: int) -> None:
        """Makes sure the person's worker runs and looks at her inbox again."""
        if self._stop.is_set():
            return
        self._news.add(person)
        task = self._tasks.get(person)
        if task is None or task.done():
            self._tasks[person] = asyncio.create_task(self._drain(person))

    def failed(self, update: object, error: BaseException | None) -> None:
        """Records that handling an update raised (called from the error handler)."""
        if isinstance(update, Update) and error is not None:
            self.failures[update.update_id] = error

    async def _drain(self, person: int) -> None:
        try:
            while not self._stop.is_set():
                self._news.discard(person)
                entry = await self._next(person)
                if entry is not None:
                    self._taken[person] = max(entry.update_id, self._taken.get(person, -1))
                if person not in self._news and (entry is None or not entry.more):
                    # Nothing waits behind it, and no update of hers was stored since the
                    # look: any stored from now on is remembered as fresh, in order.
                    self._settle(person)
                if entry is None:
                    if person in self._news:
                        continue
                    return
                verdict = self.gate.check(person)
                if verdict is Verdict.HANDLE:
                    await self._handle(entry)
                    if not entry.more and person not in self._news:
                        return  # nothing waited behind it and nothing came since: no read
                    continue
                # A flood: everything she has queued is set aside unhandled, in one write.
                self._unsettle(person)
                flooding = self._parse(entry)
                await _retrying(self._stop, partial(self.inbox.set_aside, person))
                for update_id in [u for u, p in self._parsed.items() if person_of(p) == person]:
                    del self._parsed[update_id]
                if verdict is Verdict.FLOODED:
                    log.warning("person %s sends too fast: updates set aside for a while", person)
                    await self.slow_down(flooding)
        finally:
            if self._tasks.get(person) is asyncio.current_task():
                del self._tasks[person]
                self.gate.forget_idle()

    async def _handle(self, entry: Entry) -> None:
        update = self._parse(entry)
        attempts = entry.attempts
        while not self._stop.is_set():
            self.failures.pop(entry.update_id, None)
            await self.app.process_update(update)
            error = self.failures.pop(entry.update_id, None)
            if error is None:
                await _retrying(self._stop, partial(self.inbox.done, entry.update_id))
                return
            attempts = await _retrying(
                self._stop, partial(self.inbox.failed, entry.update_id, type(error).__name__)
            ) or (attempts + 1)
            # The update id and where it failed, never the exception's text: it may hold
            # what the person typed.
            log.error(
                "update %s failed (attempt %s of %s): %s\n%s",
                entry.update_id,
                attempts,
                MAX_ATTEMPTS,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            if attempts >= MAX_ATTEMPTS:
                await _retrying(self._stop, partial(self.inbox.park, entry.update_id))
                log.error("update %s parked after %s attempts", entry.update_id, attempts)
                await self.apologise(update)
                return
            await pause(self._stop, 0.5 * attempts)

    async def stop(self, grace: float) -> None:
        """Lets running updates finish for up to `grace` seconds, then cancels the rest.

        A cancelled update is not done: it is handled again at the next start.
        """
        self._stop.set()
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _retrying(stop: asyncio.Event, step: Callable[[], Awaitable[T]]) -> T | None:
    """Runs a database step, waiting out errors (a locked or busy database) until it works."""
    delay = 0.2
    while True:
        try:
            return await step()
        except sqlite3.Error as error:
            log.error("inbox: database error (%s); retrying in %.1f s", error, delay)
            if stop.is_set():
                return None
            await pause(stop, delay)
            delay = min(delay * 2, 10.0)


class Poller:
    """Long polling into the inbox; Telegram's errors of every kind are waited out."""

    def __init__(self, app: Application, inbox: Inbox, workers: Workers, timeout: int) -> None:  # type: ignore[type-arg]
        self.app = app
        self.inbox = inbox
        self.workers = workers
        self.timeout = timeout
        self.offset: int | None = None
        allow_raw_requests()

    async def run(self, stop: asyncio.Event) -> None:
        """Polls until `stop` is set, then confirms what is stored."""
        for person in await self.inbox.waiting():
            self.workers.wake(person)
        backoff = 0.5
        while not stop.is_set():
            fetch = asyncio.ensure_future(self._fetch())
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
            except RetryAfter as error:
                seconds = seconds_of(error.retry_after)
                log.warning("getUpdates: 429, waiting %.0f s", seconds)
                await pause(stop, seconds)
                continue
            except Conflict:
                log.error("another instance polls this bot, or a webhook is set; retrying in 5 s")
                await pause(stop, 5)
                continue
            except InvalidToken:
                log.error("the Bot API refused the token while polling; retrying in 30 s")
                await pause(stop, 30)
                continue
            except (TelegramError, OSError) as error:
                log.warning("getUpdates failed (%s); retrying in %.1f s", error, backoff)
                await pause(stop, backoff)
                backoff = min(backoff * 2, 30)
                continue
            backoff = 0.5
            if updates and await self._store(updates, stop):
                self.offset = updates[-1][0].update_id + 1
        await self.confirm()

    async def _fetch(self) -> Fetched:
        """One getUpdates call: each update parsed, beside Telegram's JSON of it.

        The JSON is what the inbox stores: PTB's get_updates would leave only the parsed
        updates, and turning them back into JSON (`to_dict`) cost 3 % of the bot's CPU.
        """
        answer = await self.app.bot.do_api_request(
            "get_updates",
            {"offset": self.offset, "timeout": self.timeout, "allowed_updates": ALLOWED_UPDATES},
            read_timeout=POLL_READ_MARGIN + self.timeout,
            return_type=None,
        )
        bot = self.app.bot
        return [(Update.de_json(raw, bot), raw) for raw in answer or ()]

    async def _store(self, fetched: Fetched, stop: asyncio.Event) -> bool:
        """Writes a batch to the inbox and wakes its people; False when the database failed."""
        batch = [(update.update_id, person_of(update), raw) for update, raw in fetched]
        updates = [update for update, _raw in fetched]
        try:
            people, fresh = await self.inbox.store(batch)
        except sqlite3.Error as error:
            log.error("inbox: could not store updates (%s); fetching them again", error)
            await pause(stop, 1)
            return False
        self.workers.remember(updates, fresh)
        for person in people:
            self.workers.wake(person)
        return True

    async def confirm(self) -> None:
        """Tells Telegram that every stored update is received, so none comes back."""
        if self.offset is None:
            return
        with contextlib.suppress(TelegramError, TimeoutError):
            await asyncio.wait_for(
                self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1), 1.5
            )
