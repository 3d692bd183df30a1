"""Durable timers: fire once when due, after a restart, never twice, cancelled, retried."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.runtime.clock import FrozenClock
from bot.runtime.db import Database, Row
from bot.runtime.timers import (
    FORGET_UPDATES,
    MAX_ATTEMPTS,
    Handler,
    Timer,
    Timers,
    backoff,
    cancel,
    cancel_matching,
    forget_updates,
    schedule,
    start_housekeeping,
)

START = datetime(2027, 1, 11, 14, 0, tzinfo=UTC)
KIND = "test.note"


class Effects:
    """A handler that writes one row per run in its transaction, and may be told to fail."""

    def __init__(self) -> None:
        self.failing = False
        self.calls = 0

    async def __call__(self, conn: aiosqlite.Connection, timer: Timer) -> None:
        self.calls += 1
        await conn.execute(
            "INSERT INTO effects(timer_id, note) VALUES (?, ?)",
            (timer.id, timer.payload.get("note", "")),
        )
        if self.failing:
            raise RuntimeError("a secret a person typed")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "passerelle.db"


async def open_db(path: Path) -> Database:
    db = Database(path)
    await db.open()
    async with db.write() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS effects(timer_id TEXT NOT NULL, note TEXT NOT NULL)"
        )
    return db


@pytest.fixture
async def db(path: Path) -> AsyncIterator[Database]:
    database = await open_db(path)
    yield database
    await database.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def effects() -> Effects:
    return Effects()


@pytest.fixture
def timers(db: Database, clock: FrozenClock, effects: Effects) -> Timers:
    return Timers(db, clock, {KIND: effects})


async def put(
    db: Database, id: str, due: datetime, note: str = "", kind: str = KIND, now: datetime = START
) -> bool:
    async with db.write() as conn:
        return await schedule(conn, id, kind, due, subject=7, payload={"note": note}, now=now)


async def ran_after(clock: FrozenClock, timers: Timers, delta: timedelta) -> int:
    """Moves the clock on, then runs what is due; how many ran."""
    clock.advance(delta)
    return await timers.run_due()


async def effect_rows(db: Database) -> list[tuple[str, str]]:
    rows = await db.fetchall("SELECT timer_id, note FROM effects ORDER BY rowid")
    return [(row["timer_id"], row["note"]) for row in rows]


async def stored(db: Database, id: str) -> dict[str, object]:
    row = await db.fetchone("SELECT * FROM timers WHERE id = ?", (id,))
    assert row is not None
    return dict(row)


@asynccontextmanager
async def looping(timers: Timers) -> AsyncIterator[None]:
    """Runs the timer loop for the block, then checks that it stops within a second."""
    stop = asyncio.Event()
    task = asyncio.create_task(timers.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 1)


async def wait_until(condition: Callable[[], bool], timeout: float = 1.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def test_a_timer_fires_once_when_due_and_not_before(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    await put(db, "meeting:42:reminder:3600", START + timedelta(hours=1), "hello")

    assert await ran_after(clock, timers, timedelta(minutes=59, seconds=59)) == 0
    assert await ran_after(clock, timers, timedelta(seconds=1)) == 1
    assert await timers.run_due() == 0
    assert await ran_after(clock, timers, timedelta(days=3)) == 0

    assert await effect_rows(db) == [("meeting:42:reminder:3600", "hello")]
    row = await stored(db, "meeting:42:reminder:3600")
    assert row["done_at"] == "2027-01-11T15:00:00Z"
    assert row["subject"] == 7
    assert row["attempts"] == 0


async def test_the_handler_sees_the_timer_as_scheduled(
    db: Database, clock: FrozenClock, path: Path
) -> None:
    seen: list[Timer] = []

    async def record(conn: aiosqlite.Connection, timer: Timer) -> None:
        seen.append(timer)

    await put(db, "t1", START, "payload ü")
    assert await Timers(db, clock, {KIND: record}).run_due() == 1
    assert seen == [Timer("t1", KIND, 7, START, {"note": "payload ü"}, 0)]


async def test_a_due_time_within_a_second_never_fires_early(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    await put(db, "t1", START + timedelta(milliseconds=300))
    assert await timers.run_due() == 0
    assert await ran_after(clock, timers, timedelta(seconds=1)) == 1


async def test_late_work_is_never_dropped(db: Database, clock: FrozenClock, timers: Timers) -> None:
    await put(db, "old", START - timedelta(days=30), "a month late")
    await put(db, "older", START - timedelta(days=31), "first")
    assert await timers.run_due() == 2
    assert await effect_rows(db) == [("older", "first"), ("old", "a month late")]


async def test_timers_run_oldest_first(db: Database, clock: FrozenClock, timers: Timers) -> None:
    for minutes in (3, 1, 2):
        await put(db, f"t{minutes}", START + timedelta(minutes=minutes))
    assert await ran_after(clock, timers, timedelta(minutes=5)) == 3
    assert [id for id, _ in await effect_rows(db)] == ["t1", "t2", "t3"]


async def test_the_handlers_writes_commit_with_done_at(
    db: Database, clock: FrozenClock, path: Path
) -> None:
    async def owe_a_message(conn: aiosqlite.Connection, timer: Timer) -> None:
        await conn.execute("INSERT INTO effects(timer_id, note) VALUES (?, 'sent')", (timer.id,))
        # From another connection, the effect is not visible before the whole commit.
        async with aiosqlite.connect(path) as other:
            cursor = await other.execute("SELECT COUNT(*) FROM effects")
            assert await cursor.fetchone() == (0,)
            cursor = await other.execute("SELECT done_at FROM timers")
            assert await cursor.fetchone() == (None,)

    await put(db, "t1", START)
    assert await Timers(db, clock, {KIND: owe_a_message}).run_due() == 1
    assert await effect_rows(db) == [("t1", "sent")]
    assert (await stored(db, "t1"))["done_at"] is not None


async def test_a_restart_runs_what_fell_due_while_down_once(
    path: Path, db: Database, clock: FrozenClock, effects: Effects
) -> None:
    await put(db, "t1", START + timedelta(hours=1), "while down")
    await put(db, "t2", START + timedelta(days=2), "later")
    await db.close()

    clock.advance(timedelta(hours=5))  # the bot was down meanwhile
    for expected in (1, 0):  # the first restart runs it, the second finds it done
        reopened = await open_db(path)
        try:
            assert await Timers(reopened, clock, {KIND: effects}).run_due() == expected
            assert await effect_rows(reopened) == [("t1", "while down")]
        finally:
            await reopened.close()
    await db.open()  # the fixture closes it


async def test_run_at_start_runs_what_fell_due_while_down(
    db: Database, clock: FrozenClock, timers: Timers, effects: Effects
) -> None:
    await put(db, "t1", START - timedelta(hours=2))
    async with looping(timers):
        await wait_until(lambda: effects.calls == 1)
    assert await effect_rows(db) == [("t1", "")]


async def test_two_instances_on_one_database_run_each_timer_once(
    db: Database, clock: FrozenClock, effects: Effects
) -> None:
    for i in range(20):
        await put(db, f"t{i}", START + timedelta(seconds=i))
    clock.advance(timedelta(minutes=1))
    first, second = Timers(db, clock, {KIND: effects}), Timers(db, clock, {KIND: effects})

    ran = await asyncio.gather(first.run_due(), second.run_due())

    assert sum(ran) == 20
    assert sorted(id for id, _ in await effect_rows(db)) == sorted(f"t{i}" for i in range(20))


async def test_two_databases_on_one_file_run_each_timer_once(
    path: Path, db: Database, clock: FrozenClock, effects: Effects
) -> None:
    for i in range(20):
        await put(db, f"t{i}", START + timedelta(seconds=i))
    clock.advance(timedelta(minutes=1))
    other = await open_db(path)
    try:
        ran = await asyncio.gather(
            Timers(db, clock, {KIND: effects}).run_due(),
            Timers(other, clock, {KIND: effects}).run_due(),
        )
    finally:
        await other.close()

    assert sum(ran) == 20
    assert effects.calls == 20
    assert sorted(id for id, _ in await effect_rows(db)) == sorted(f"t{i}" for i in range(20))


async def test_a_cancelled_timer_never_fires(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    await put(db, "t1", START + timedelta(minutes=1))
    async with db.write() as conn:
        assert await cancel(conn, "t1", now=START) is True
        assert await cancel(conn, "t1") is False
        assert await cancel(conn, "nothing") is False
    assert await ran_after(clock, timers, timedelta(hours=1)) == 0
    assert await effect_rows(db) == []
    assert await timers.next_due() is None
    assert (await stored(db, "t1"))["cancelled_at"] == "2027-01-11T14:00:00Z"


async def test_a_cancel_after_the_timer_was_listed_still_wins(
    db: Database, clock: FrozenClock, effects: Effects
) -> None:
    async def cancel_the_next(conn: aiosqlite.Connection, timer: Timer) -> None:
        await cancel(conn, "t2")

    await put(db, "t1", START - timedelta(minutes=1), kind="canceller")
    await put(db, "t2", START)
    timers = Timers(db, clock, {KIND: effects, "canceller": cancel_the_next})

    assert await timers.run_due() == 1, "t2 was listed as due, then cancelled before its turn"
    assert effects.calls == 0


async def test_cancel_matching_cancels_every_reminder_of_a_meeting(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    for id in ("meeting:4:reminder:60", "meeting:4:reminder:3600", "meeting:42:reminder:60"):
        await put(db, id, START + timedelta(minutes=5))
    await put(db, "meeting:4:done", START - timedelta(minutes=5))
    assert await timers.run_due() == 1

    async with db.write() as conn:
        assert await cancel_matching(conn, "meeting:4:") == 2
        with pytest.raises(ValueError):
            await cancel_matching(conn, "")

    assert await ran_after(clock, timers, timedelta(hours=1)) == 1
    assert [id for id, _ in await effect_rows(db)] == ["meeting:4:done", "meeting:42:reminder:60"]


async def test_rescheduling_moves_the_timer_to_the_new_time_only(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    await put(db, "t1", START + timedelta(hours=1), "first")
    assert await put(db, "t1", START + timedelta(hours=3), "moved") is True
    assert await timers.next_due() == START + timedelta(hours=3)

    assert await ran_after(clock, timers, timedelta(hours=2)) == 0
    assert await ran_after(clock, timers, timedelta(hours=1)) == 1
    assert await effect_rows(db) == [("t1", "moved")]


async def test_rescheduling_earlier_fires_at_the_earlier_time(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    await put(db, "t1", START + timedelta(hours=3))
    await put(db, "t1", START + timedelta(hours=1))
    assert await ran_after(clock, timers, timedelta(hours=1)) == 1
    assert await ran_after(clock, timers, timedelta(hours=2)) == 0


async def test_scheduling_the_same_thing_twice_is_harmless(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    for _ in range(2):
        await put(db, "t1", START + timedelta(minutes=1), "same")
    count = await db.fetchone("SELECT COUNT(*) FROM timers")
    assert count is not None and count[0] == 1
    assert await ran_after(clock, timers, timedelta(minutes=1)) == 1
    assert await effect_rows(db) == [("t1", "same")]


async def test_scheduling_a_timer_that_already_ran_does_nothing(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    await put(db, "t1", START, "once")
    assert await timers.run_due() == 1
    assert await put(db, "t1", START + timedelta(hours=1), "twice?") is False
    assert await ran_after(clock, timers, timedelta(hours=2)) == 0
    assert await effect_rows(db) == [("t1", "once")]
    assert await timers.next_due() is None


async def test_scheduling_a_cancelled_timer_reopens_it(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    await put(db, "meeting:4:reminder:60", START + timedelta(minutes=1), "old slot")
    async with db.write() as conn:
        await cancel_matching(conn, "meeting:4:")
    await put(db, "meeting:4:reminder:60", START + timedelta(minutes=30), "restored")
    assert await ran_after(clock, timers, timedelta(minutes=30)) == 1
    assert await effect_rows(db) == [("meeting:4:reminder:60", "restored")]


async def test_scheduling_rolls_back_with_the_callers_transaction(
    db: Database, clock: FrozenClock, timers: Timers
) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            await schedule(conn, "t1", KIND, START, now=START)
            raise RuntimeError("the service's effect failed")
    assert await timers.next_due() is None


async def test_scheduling_needs_an_aware_time(db: Database) -> None:
    async with db.write() as conn:
        with pytest.raises(ValueError):
            await schedule(conn, "t1", KIND, datetime(2027, 1, 1), now=START)


async def test_a_failing_handler_is_rolled_back_and_retried_with_backoff(
    db: Database,
    clock: FrozenClock,
    timers: Timers,
    effects: Effects,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await put(db, "t1", START, "try")
    effects.failing = True
    with caplog.at_level(logging.WARNING):
        assert await timers.run_due() == 0

    assert await effect_rows(db) == [], "the row the handler inserted was rolled back"
    row = await stored(db, "t1")
    assert (row["attempts"], row["last_error"], row["done_at"]) == (1, "RuntimeError", None)
    assert row["next_try_at"] == "2027-01-11T14:00:30Z"
    assert "secret" not in caplog.text
    assert await timers.next_due() == START + timedelta(seconds=30)

    assert await ran_after(clock, timers, timedelta(seconds=29)) == 0
    assert effects.calls == 1, "not tried again before the backoff"
    assert await ran_after(clock, timers, timedelta(seconds=1)) == 0
    assert effects.calls == 2
    assert (await stored(db, "t1"))["next_try_at"] == "2027-01-11T14:01:30Z"  # 60 s later

    effects.failing = False
    assert await ran_after(clock, timers, timedelta(minutes=1)) == 1
    assert await effect_rows(db) == [("t1", "try")]
    row = await stored(db, "t1")
    assert (row["attempts"], row["done_at"]) == (2, "2027-01-11T14:01:30Z")


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


async def test_a_handler_that_keeps_failing_is_given_up_after_the_limit(
    db: Database,
    clock: FrozenClock,
    timers: Timers,
    effects: Effects,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await put(db, "t1", START)
    effects.failing = True
    with caplog.at_level(logging.ERROR):
        for _ in range(MAX_ATTEMPTS + 3):
            assert await timers.run_due() == 0
            clock.advance(timedelta(hours=1))

    assert effects.calls == MAX_ATTEMPTS
    row = await stored(db, "t1")
    assert (row["attempts"], row["last_error"]) == (MAX_ATTEMPTS, "gave up")
    assert row["done_at"] is not None
    assert await timers.next_due() is None
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1 and "t1" in errors[0].getMessage()
    assert "secret" not in caplog.text


async def test_an_unknown_kind_is_left_open_and_logged_once(
    db: Database, clock: FrozenClock, timers: Timers, caplog: pytest.LogCaptureFixture
) -> None:
    await put(db, "future:1", START, kind="a.kind.from.a.newer.version")
    await put(db, "t1", START + timedelta(hours=1))
    with caplog.at_level(logging.WARNING):
        assert await timers.run_due() == 0
        assert await timers.run_due() == 0
    assert caplog.text.count("future:1") == 1
    assert await timers.next_due() == START + timedelta(hours=1), "no busy loop on it"
    row = await stored(db, "future:1")
    assert (row["done_at"], row["attempts"], row["next_try_at"]) == (None, 0, None)

    newer = Effects()
    assert await Timers(db, clock, {"a.kind.from.a.newer.version": newer}).run_due() == 1
    assert newer.calls == 1


async def test_a_kind_has_one_handler(db: Database, clock: FrozenClock, effects: Effects) -> None:
    timers = Timers(db, clock)
    timers.register(KIND, effects)
    with pytest.raises(ValueError):
        timers.register(KIND, effects)


async def test_run_wakes_on_wake_and_stops_on_stop(
    db: Database, clock: FrozenClock, effects: Effects
) -> None:
    timers = Timers(db, clock, {KIND: effects})
    async with looping(timers):
        await asyncio.sleep(0.05)  # it is now asleep: nothing is scheduled
        await put(db, "t1", START + timedelta(minutes=10))
        timers.wake()
        await asyncio.sleep(0.05)
        assert effects.calls == 0, "not due yet"

        clock.advance(timedelta(minutes=10))
        timers.wake()
        await wait_until(lambda: effects.calls == 1)


async def test_moving_a_frozen_clock_wakes_the_loop(
    db: Database, clock: FrozenClock, effects: Effects
) -> None:
    timers = Timers(db, clock, {KIND: effects})
    await put(db, "t1", START + timedelta(hours=3))
    async with looping(timers):
        await asyncio.sleep(0.05)  # asleep for up to a minute: t1 is hours away
        clock.advance(timedelta(hours=3))  # no wake() call: the clock says it moved
        await wait_until(lambda: effects.calls == 1, timeout=2)


async def test_run_sleeps_until_the_next_due_time_by_the_injected_clock(
    db: Database, clock: FrozenClock, effects: Effects
) -> None:
    await put(db, "t1", START + timedelta(milliseconds=100))  # stored as START + 1 s
    clock.advance(timedelta(milliseconds=800))  # 0.2 s left on the injected clock
    timers = Timers(db, clock, {KIND: effects})
    async with looping(timers):
        await asyncio.sleep(0.05)
        assert effects.calls == 0
        clock.advance(timedelta(milliseconds=200))  # due now; the loop wakes by itself
        await wait_until(lambda: effects.calls == 1)


async def test_run_carries_on_after_a_database_error(
    db: Database, clock: FrozenClock, effects: Effects, monkeypatch: pytest.MonkeyPatch
) -> None:
    timers = Timers(db, clock, {KIND: effects})
    calls = 0
    real = timers.run_due

    async def flaky() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise aiosqlite.OperationalError("database is locked")
        return await real()

    monkeypatch.setattr(timers, "run_due", flaky)
    monkeypatch.setattr("bot.runtime.timers.ERROR_PAUSE", 0.01)
    await put(db, "t1", START)
    async with looping(timers):
        await wait_until(lambda: effects.calls == 1)


async def put_update(db: Database, update_id: int, at: str | None) -> None:
    async with db.write() as conn:
        if at is None:
            await conn.execute(
                "INSERT INTO inbox(update_id, person, body, received_at, done_at)"
                " VALUES (?, 0, '{}', '', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                (update_id,),
            )
        else:
            await conn.execute(
                "INSERT INTO inbox(update_id, person, body, received_at, done_at)"
                " VALUES (?, 0, '{}', '', ?)",
                (update_id, at),
            )


async def housekeeping(db: Database) -> list[dict[str, object]]:
    rows = await db.fetchall(
        "SELECT id, due_at, done_at FROM timers WHERE kind = ? ORDER BY id", (FORGET_UPDATES,)
    )
    return [dict(row) for row in rows]


async def test_daily_housekeeping_forgets_old_updates_and_schedules_the_next_day(
    db: Database, clock: FrozenClock
) -> None:
    handlers: dict[str, Handler] = {FORGET_UPDATES: forget_updates(clock)}
    timers = Timers(db, clock, handlers)
    await put_update(db, 1, "2020-01-01T00:00:00Z")
    await put_update(db, 2, None)

    await start_housekeeping(db, clock)
    await start_housekeeping(db, clock)  # a second start schedules nothing more
    assert await timers.run_due() == 1
    kept = await db.fetchall("SELECT update_id FROM inbox")
    assert [row[0] for row in kept] == [2]
    today, tomorrow = "2027-01-11", "2027-01-12"
    assert await housekeeping(db) == [
        {"id": f"{FORGET_UPDATES}:{today}", "due_at": "2027-01-11T14:00:00Z",
         "done_at": "2027-01-11T14:00:00Z"},
        {"id": f"{FORGET_UPDATES}:{tomorrow}", "due_at": "2027-01-12T14:00:00Z", "done_at": None},
    ]  # fmt: skip

    await start_housekeeping(db, clock)  # a restart the same day
    assert await ran_after(clock, timers, timedelta(hours=23)) == 0
    assert await ran_after(clock, timers, timedelta(hours=1)) == 1
    assert len(await housekeeping(db)) == 3


async def test_housekeeping_forgets_settled_outbox_rows_after_thirty_days(
    db: Database, clock: FrozenClock
) -> None:
    timers = Timers(db, clock, {FORGET_UPDATES: forget_updates(clock)})
    old = (clock.now() - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = (clock.now() - timedelta(days=29)).strftime("%Y-%m-%dT%H:%M:%SZ")
    async with db.write() as conn:
        await conn.executemany(
            "INSERT INTO outbox(chat_id, body, created_at, status, sent_at)"
            " VALUES (?, '{}', ?, ?, ?)",
            [(1, old, "sent", old), (2, old, "unreachable", old), (3, recent, "sent", recent),
             (4, old, "pending", None)],
        )  # fmt: skip
    await start_housekeeping(db, clock)
    assert await timers.run_due() == 1
    kept = await db.fetchall("SELECT chat_id FROM outbox ORDER BY chat_id")
    assert [row[0] for row in kept] == [3, 4], "recent rows and rows still owed stay"


async def test_housekeeping_after_a_long_downtime_runs_once_then_tomorrow(
    db: Database, clock: FrozenClock
) -> None:
    timers = Timers(db, clock, {FORGET_UPDATES: forget_updates(clock)})
    await start_housekeeping(db, clock)
    assert await timers.run_due() == 1
    clock.advance(timedelta(days=9, hours=3))  # down for nine days

    await start_housekeeping(db, clock)
    assert await timers.run_due() == 1
    assert await timers.run_due() == 0
    assert await timers.next_due() == clock.now() + timedelta(days=1)


async def test_a_pass_of_the_loop_walks_the_open_timers_in_due_order(
    db: Database, clock: FrozenClock, timers: Timers, effects: Effects
) -> None:
    # With the planner's default guess, `kind IN (...)` read every open timer of the known
    # kinds through timers_open_kind and sorted them all, at every pass of the loop.
    timers.register("test.other", effects)
    for n in range(3):
        await put(db, f"later:{n}", START + timedelta(days=n + 1))
    looked: list[tuple[str, tuple[object, ...]]] = []
    fetchall = db.fetchall

    async def spy(sql: str, params: Iterable[object] = ()) -> list[Row]:
        looked.append((sql, tuple(params)))
        return await fetchall(sql, params)

    db.fetchall = spy  # type: ignore[method-assign]
    assert await timers.run_due() == 0
    assert await timers.next_due() == START + timedelta(days=1)

    assert len(looked) == 3  # the unknown kinds, the due ones, the next due time
    for sql, params in looked:
        plan = " | ".join(
            str(row[-1]) for row in await db.rows(db.reader, f"EXPLAIN QUERY PLAN {sql}", params)
        )
        assert "timers_open_kind" not in plan, plan
        assert "USING INDEX timers_open " in f"{plan} ", plan
        assert "FOR ORDER BY" not in plan.replace("RIGHT PART OF ORDER BY", ""), plan
