"""Durable timers: the `timers` table is the only memory of work due later.

A service schedules a timer inside its own write transaction, under a stable id it
derives from what the timer is for ("meeting:42:reminder:3600"), so scheduling the same
thing twice is harmless. `Timers.run` wakes at the next due time, runs each due timer's
handler in the transaction that marks it done (whatever the handler writes, outbox rows
included, commits together with done_at), and at start runs whatever fell due while the
bot was down, however late: there is no misfire grace, late work is never dropped.

The waking is a plain asyncio loop rather than python-telegram-bot's JobQueue
(APScheduler): the table already remembers everything, so a scheduler would only
duplicate that state in memory, bring its misfire grace (1 s by default) that must be
disabled, and read the wall clock where the tests inject a FrozenClock. Here sleeping is
computed against the injected clock (due - clock.now()), capped at a minute so a jump of
the wall clock is noticed, and `wake()` cuts it short (a FrozenClock calls it when moved).

Two instances on one database never run a timer twice: each claim re-checks, inside its
`BEGIN IMMEDIATE` transaction, that the timer is still open and due. Scheduling a
cancelled id re-opens it (the caller's newest decision wins); a timer that ran never runs
again. A timer whose kind has no handler here is left open and logged, to run as soon as
a version that knows the kind starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from bot.runtime.clock import Clock, FrozenClock
from bot.runtime.db import Database, Row

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
MAX_SLEEP = 60.0  # seconds: a wall-clock jump is noticed within a minute
ERROR_PAUSE = 5.0  # seconds to wait after a database error before trying again
BATCH = 100  # timers run per call of run_due; run() calls again at once if more are due
OPEN = "done_at IS NULL AND cancelled_at IS NULL"
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Timer:
    """One piece of due work as its handler sees it."""

    id: str
    kind: str
    subject: int | None
    due_at: datetime
    payload: dict[str, Any]
    attempts: int


# A handler writes through the connection it is given (never db.write(), which would wait
# for the transaction it runs in); what it writes commits with the timer's done_at.
Handler = Callable[[aiosqlite.Connection, Timer], Awaitable[None]]


def instant(moment: datetime) -> str:
    """An aware datetime as the stored UTC ISO string, rounded up to the whole second.

    Rounding up (never down) means a timer never runs before the instant asked for.
    """
    if moment.tzinfo is None:
        raise ValueError("timers need an aware datetime")
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.strftime(_FORMAT)


def _parse(text: str) -> datetime:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def _now_text(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(_FORMAT)


async def schedule(
    conn: aiosqlite.Connection,
    id: str,
    kind: str,
    due_at: datetime,
    subject: int | None = None,
    payload: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """Schedules (or moves) a timer in the caller's write transaction; False if already done.

    An open timer with this id is moved to the new due time, kind, subject and payload (a
    pending retry is forgotten: it is due at the new time). A timer that already ran is
    left alone, so nothing ever runs twice. A cancelled one is re-opened: scheduling is the
    caller's newest decision, as cancelling was (a meeting cancelled, then restored at the
    same slot, gets its reminders back). `now` only stamps created_at. Ids are logged, so
    they name objects by their ids, never by anything a person typed.
    """
    cursor = await conn.execute(
        "INSERT INTO timers(id, kind, subject, due_at, payload, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, subject = excluded.subject,"
        " due_at = excluded.due_at, payload = excluded.payload,"
        " next_try_at = NULL, cancelled_at = NULL"
        " WHERE timers.done_at IS NULL",
        (
            id,
            kind,
            subject,
            instant(due_at),
            json.dumps(dict(payload or {}), ensure_ascii=False, sort_keys=True),
            _now_text(now),
        ),
    )
    return cursor.rowcount > 0


async def cancel(conn: aiosqlite.Connection, id: str, now: datetime | None = None) -> bool:
    """Cancels an open timer in the caller's transaction; False if none was open."""
    cursor = await conn.execute(
        f"UPDATE timers SET cancelled_at = ? WHERE id = ? AND {OPEN}", (_now_text(now), id)
    )
    return cursor.rowcount > 0


async def cancel_matching(
    conn: aiosqlite.Connection, prefix: str, now: datetime | None = None
) -> int:
    """Cancels every open timer whose id starts with `prefix` ("meeting:42:"); how many."""
    if not prefix:
        raise ValueError("an empty prefix would cancel every timer")
    # A range of the primary key, not substr(): the ids that start with the prefix are those
    # from it up to the prefix with its last character incremented (UTF-8 keeps code point
    # order, and SQLite compares text byte by byte), so this reads only them, however many
    # timers (done ones included) the table holds.
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    cursor = await conn.execute(
        f"UPDATE timers SET cancelled_at = ? WHERE id >= ? AND id < ? AND {OPEN}",
        (_now_text(now), prefix, after),
    )
    return cursor.rowcount


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failures: 30 s, doubling, at most 1 h."""
    return min(FIRST_BACKOFF * (1 << min(max(attempts - 1, 0), 16)), MAX_BACKOFF)


def _timer(row: Row) -> Timer:
    return Timer(
        id=row["id"],
        kind=row["kind"],
        subject=row["subject"],
        due_at=_parse(row["due_at"]),
        payload=json.loads(row["payload"]),
        attempts=row["attempts"],
    )


class Timers:
    """Runs due timers with the handler registered for their kind."""

    def __init__(
        self, db: Database, clock: Clock, handlers: Mapping[str, Handler] | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self._handlers: dict[str, Handler] = dict(handlers or {})
        self._wake = asyncio.Event()
        self._stop: asyncio.Event | None = None
        self._reported: set[str] = set()
        if isinstance(clock, FrozenClock):  # a test or a demo moved time: look again at once
            clock.watch(self.wake)

    def register(self, kind: str, handler: Handler) -> None:
        """Adds the handler of a kind; a kind has one handler only."""
        if kind in self._handlers:
            raise ValueError(f"a handler for timer kind {kind!r} is already registered")
        self._handlers[kind] = handler

    def wake(self) -> None:
        """Makes the loop look at the table again (something was scheduled, the clock moved)."""
        self._wake.set()

    def _known(self) -> tuple[str, tuple[str, ...]]:
        kinds = tuple(self._handlers)
        # `+kind`: the unary plus keeps SQLite from reading this term through timers_open_kind.
        # With the planner's default guess, `kind IN (...)` looked selective, and every pass
        # read all the open timers of the known kinds (every check-in date and meeting
        # reminder: 1.5 s with 250,000 of them) to sort them by due time; timers_open, in due
        # order, stops at the first due.
        return f"+kind IN ({', '.join('?' * len(kinds))})", kinds

    async def run_due(self) -> int:
        """Runs every open timer due by now, oldest first, each in its own transaction."""
        now = _now_text(self.clock.now())  # rounded down: due_at was rounded up
        await self._report_unknown(now)
        known, kinds = self._known()
        rows = await self.db.fetchall(
            f"SELECT id FROM timers WHERE {OPEN} AND {known} AND due_at <= ?"
            " AND (next_try_at IS NULL OR next_try_at <= ?) ORDER BY due_at, id LIMIT ?",
            (*kinds, now, now, BATCH),
        )
        ran = 0
        for row in rows:
            if self._stop is not None and self._stop.is_set():
                break
            ran += await self._run_one(row["id"], now)
        return ran

    async def _run_one(self, id: str, now: str) -> int:
        async with self.db.write() as conn:
            # Re-checked inside the transaction: another instance, or a cancel, may have won.
            rows = await self.db.rows(
                conn,
                f"SELECT * FROM timers WHERE id = ? AND {OPEN} AND due_at <= ?"
                " AND (next_try_at IS NULL OR next_try_at <= ?)",
                (id, now, now),
            )
            if not rows:
                return 0
            timer = _timer(rows[0])
            await conn.execute("SAVEPOINT timer_handler")
            try:
                await self._handlers[timer.kind](conn, timer)
            except Exception as error:
                await conn.execute("ROLLBACK TO timer_handler")
                await self._failed(conn, timer, type(error).__name__, now)
                return 0
            await conn.execute("RELEASE timer_handler")
            await conn.execute(
                "UPDATE timers SET done_at = ?, next_try_at = NULL WHERE id = ?", (now, id)
            )
            return 1

    async def _failed(self, conn: aiosqlite.Connection, timer: Timer, error: str, now: str) -> None:
        attempts = timer.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.error(
                "timer %s (%s) gave up after %d attempts: %s", timer.id, timer.kind, attempts, error
            )
            await conn.execute(
                "UPDATE timers SET attempts = ?, last_error = 'gave up', done_at = ?,"
                " next_try_at = NULL WHERE id = ?",
                (attempts, now, timer.id),
            )
            return
        retry = instant(_parse(now) + backoff(attempts))
        log.warning(
            "timer %s (%s) failed (%s), attempt %d, next try at %s",
            timer.id,
            timer.kind,
            error,
            attempts,
            retry,
        )
        await conn.execute(
            "UPDATE timers SET attempts = ?, last_error = ?, next_try_at = ? WHERE id = ?",
            (attempts, error, retry, timer.id),
        )

    async def _report_unknown(self, now: str) -> None:
        """Logs, once per id, a due timer no handler knows; it stays open, untouched.

        It is not an error to keep: a timer written by a newer version of the bot (or one
        whose capability is switched off) runs as soon as a version that knows its kind
        starts, instead of being dropped or given up on.
        """
        known, kinds = self._known()
        rows = await self.db.fetchall(
            f"SELECT id, kind FROM timers WHERE {OPEN} AND NOT {known} AND due_at <= ?",
            (*kinds, now),
        )
        for row in rows:
            if row["id"] not in self._reported:
                self._reported.add(row["id"])
                log.warning("timer %s has unknown kind %s; left open", row["id"], row["kind"])

    async def next_due(self) -> datetime | None:
        """When the next open timer of a known kind is due (a pending retry counts).

        Two index walks rather than one MIN() over every open timer: the earliest timer not
        awaiting a retry (timers_open, in due order, stops at the first of a known kind), and
        the earliest retry (timers_retrying; a retry is always after its due time). With a
        hundred thousand reminders booked, the MIN() scan took a third of a second on the
        read connection at every pass of the loop.
        """
        known, kinds = self._known()
        rows = await self.db.fetchall(
            f"SELECT due_at FROM (SELECT due_at FROM timers WHERE {OPEN}"
            f" AND next_try_at IS NULL AND {known} ORDER BY due_at LIMIT 1)"
            f" UNION ALL SELECT MIN(next_try_at) FROM timers WHERE {OPEN}"
            f" AND next_try_at IS NOT NULL AND {known}",
            (*kinds, *kinds),
        )
        found = [row[0] for row in rows if row[0] is not None]
        return _parse(min(found)) if found else None

    async def run(self, stop: asyncio.Event) -> None:
        """Runs due timers until `stop` is set, sleeping until the next one or a wake-up."""
        self._stop = stop
        while not stop.is_set():
            self._wake.clear()  # before looking, so a wake-up during the pass is kept
            try:
                await self.run_due()
                due = await self.next_due()
            except Exception as error:  # a database error: carry on after a pause
                log.error("timers: %s; trying again in %.0f s", type(error).__name__, ERROR_PAUSE)
                delay = ERROR_PAUSE
            else:
                delay = MAX_SLEEP
                if due is not None:
                    delay = min(max((due - self.clock.now()).total_seconds(), 0.0), MAX_SLEEP)
            await self._sleep(stop, delay)

    async def _sleep(self, stop: asyncio.Event, delay: float) -> None:
        waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
        try:
            await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await wait


FORGET_UPDATES = "housekeeping.forget_updates"
KEEP_UPDATES = "-2 days"  # Telegram redelivers an update for at most 24 hours
KEEP_SENT = timedelta(days=30)  # a settled outbox row, for figures and for anyone debugging


def _daily_id(moment: datetime) -> str:
    return f"{FORGET_UPDATES}:{moment.astimezone(UTC).date().isoformat()}"


def forget_updates(clock: Clock) -> Handler:
    """The daily housekeeping: forgets handled inbox updates and settled outbox rows (who was
    sent something, and when, is no longer needed after KEEP_SENT), then schedules the next
    day."""

    async def handler(conn: aiosqlite.Connection, timer: Timer) -> None:
        # Their done_at is SQLite's wall-clock time, like Telegram's redelivery window, not
        # the injected clock.
        await conn.execute(
            "DELETE FROM inbox WHERE done_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
            (KEEP_UPDATES,),
        )
        now = clock.now()
        await conn.execute(
            "DELETE FROM outbox WHERE status != 'pending' AND sent_at < ?",
            ((now - KEEP_SENT).strftime(_FORMAT),),
        )
        following = max(timer.due_at, now) + timedelta(days=1)
        await schedule(conn, _daily_id(following), FORGET_UPDATES, following, now=now)

    return handler


async def start_housekeeping(db: Database, clock: Clock) -> None:
    """Schedules today's housekeeping, due now, unless one is already scheduled."""
    now = clock.now()
    async with db.write() as conn:
        open_ = await db.rows(  # by id (the primary key), not by kind: no scan of every timer
            conn,
            f"SELECT 1 FROM timers WHERE id > ? AND id < ? AND {OPEN} LIMIT 1",
            (f"{FORGET_UPDATES}:", f"{FORGET_UPDATES};"),
        )
        if not open_:
            await schedule(conn, _daily_id(now), FORGET_UPDATES, now, now=now)
