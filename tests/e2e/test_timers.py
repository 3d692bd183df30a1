"""Durable timers in the real bot process: run once across kill -9, never when cancelled."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.runtime.db import Database
from bot.runtime.timers import FORGET_UPDATES, cancel, schedule
from tests.harness import start_process

OLD = "2020-01-01T00:00:00Z"  # long past Telegram's 24-hour redelivery window


def _sql(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def _timers(db: Path) -> list[tuple[object, ...]]:
    return _sql(
        db,
        "SELECT id, due_at, done_at, attempts, last_error FROM timers WHERE kind = ?"
        " ORDER BY due_at",
        (FORGET_UPDATES,),
    )


def _updates(db: Path) -> list[object]:
    return [row[0] for row in _sql(db, "SELECT update_id FROM inbox ORDER BY 1")]


async def _until_done(db: Path, count: int, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if sum(1 for row in _timers(db) if row[2] is not None) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} housekeeping timers not done in time: {_timers(db)}")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _day_of(timer_id: object) -> date:
    return date.fromisoformat(str(timer_id).rsplit(":", 1)[1])


async def _schedule_and_cancel(db: Path, id: str, due: datetime) -> None:
    database = Database(db)
    await database.open()
    try:
        async with database.write() as conn:
            await schedule(conn, id, FORGET_UPDATES, due)
        async with database.write() as conn:
            await cancel(conn, id)
    finally:
        await database.close()


async def _kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


@pytest.mark.slow
async def test_daily_housekeeping_runs_once_across_kill_9_and_restarts(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    seed = Database(db)
    await seed.open()
    await seed.close()
    _sql(
        db,
        "INSERT INTO inbox(update_id, person, body, received_at, done_at)"
        " VALUES (1, 0, '{}', '', ?)",
        (OLD,),
    )
    _sql(
        db,
        "INSERT INTO inbox(update_id, person, body, received_at, done_at)"
        " VALUES (2, 0, '{}', '', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
    )

    process = await start_process(emu, db)
    try:
        await _until_done(db, 1)
        assert _updates(db) == [2], "the old update id is forgotten, the recent one kept"
        (first, following) = _timers(db)
        assert first[2] is not None and following[2] is None
        assert _day_of(following[0]) == _day_of(first[0]) + timedelta(days=1)

        await _kill(process)
        # Make it look as if that run was yesterday: today's run fell due while it was down.
        now = datetime.now(UTC)
        yesterday, today = now - timedelta(days=1), now.date()
        _sql(
            db,
            "UPDATE timers SET id = ?, due_at = ?, done_at = ? WHERE id = ?",
            (f"{FORGET_UPDATES}:{yesterday.date()}", _stamp(yesterday), _stamp(yesterday),
             first[0]),
        )  # fmt: skip
        _sql(
            db,
            "UPDATE timers SET id = ?, due_at = ? WHERE id = ?",
            (f"{FORGET_UPDATES}:{today}", _stamp(now - timedelta(minutes=5)), following[0]),
        )
        _sql(
            db,
            "INSERT INTO inbox(update_id, person, body, received_at, done_at)"
            " VALUES (3, 0, '{}', '', ?)",
            (OLD,),
        )
        before = _timers(db)

        process = await start_process(emu, db)
        await _until_done(db, 2)
        await asyncio.sleep(0.5)  # room for a wrong second run to show
        after = _timers(db)
        assert _updates(db) == [2]
        assert after[0] == before[0], "yesterday's run is not repeated"
        assert after[1][0] == f"{FORGET_UPDATES}:{today}"
        assert after[1][2] is not None and after[1][3:] == (0, None), "ran once, at start"
        assert len(after) == 3 and after[2][2] is None, "tomorrow's is the only one open"
        assert _day_of(after[2][0]) == today + timedelta(days=1)

        await _kill(process)
        _sql(
            db,
            "INSERT INTO inbox(update_id, person, body, received_at, done_at)"
            " VALUES (4, 0, '{}', '', ?)",
            (OLD,),
        )
        await _schedule_and_cancel(db, "housekeeping.cancelled", now - timedelta(hours=1))
        process = await start_process(emu, db)
        await asyncio.sleep(1.0)  # its start-up pass has long run: nothing is due
        rows = {row[0]: row for row in _timers(db)}
        cancelled = rows.pop("housekeeping.cancelled")
        assert list(rows.values()) == after, "a restart the same day runs nothing again"
        assert cancelled[2] is None, "the cancelled timer, though due, is not done"
        assert _updates(db) == [2, 4], "the cancelled timer, though due, did not run"

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 5) == 0
    finally:
        if process.returncode is None:
            await _kill(process)
