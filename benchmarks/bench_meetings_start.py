"""Start-up with many upcoming meetings: how long until `passerelle run` polls, and its memory.

The database holds N pairs (2N people), one upcoming booked meeting each spread over the next
14 days, and every meeting's timers as booking schedules them (a 24-hour and a 1-hour
reminder, and the follow-up at its end): 3N open timers. A few more meetings (`--overdue`)
start in 30 minutes and had their 1-hour reminder fall due while the bot was down, so the
start-up pass of the timers loop has real work: the figure "reminders sent" is the time until
both people of each of them got it.

For each run the bot is a real `passerelle run` process against the project's emulator;
times are from spawning it, memory is the process's resident set (VmRSS when it polls, VmHWM
when the reminders are out). An empty database is measured the same way for comparison.

    python benchmarks/bench_meetings_start.py --meetings 50000 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_onboarding import _start  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from bot.runtime.clock import FrozenClock  # noqa: E402
from bot.runtime.db import Database  # noqa: E402
from bot.runtime.timers import Timers  # noqa: E402

TARGET = 2.0  # seconds from spawn to polling
FORMAT = "%Y-%m-%dT%H:%M:%SZ"
LEADS = (86400, 3600)
FIRST_ID = 10_000_000


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(FORMAT)


async def _migrate(db: Path) -> None:
    database = Database(db)
    await database.open()
    await database.close()


def seed(db: Path, meetings: int, overdue: int, now: datetime) -> list[int]:
    """Fills the database; returns the user ids of the people whose reminder is overdue."""
    asyncio.run(_migrate(db))
    created = _stamp(now - timedelta(days=1))
    total = meetings + overdue
    people, pairs, rows, timers = [], [], [], []
    for index in range(total):
        mentor, mentee = FIRST_ID + 2 * index, FIRST_ID + 2 * index + 1
        people += [
            (mentor, f"Mentor{index}", "fr", "America/Toronto", created, created, created),
            (mentee, f"Mentee{index}", "en", "Africa/Dakar", created, created, created),
        ]
        pairs.append((index + 1, mentor, mentee, created, 0))
        if index < meetings:  # on the hour, from 2 hours to 14 days ahead
            start = now.replace(minute=0, second=0, microsecond=0) + timedelta(
                hours=2 + index * (14 * 24 - 3) // max(meetings, 1)
            )
        else:
            start = now + timedelta(minutes=30)
        rows.append(
            (index + 1, index + 1, mentor, mentee, mentor, _stamp(start),
             _stamp(start + timedelta(hours=1)), secrets.token_hex(8), created, created)
        )  # fmt: skip
        payload = json.dumps({"sequence": 0})
        prefix = f"meeting:{index + 1}:0:"
        for lead in LEADS:
            due = start - timedelta(seconds=lead)
            if due <= now and index < meetings:
                continue  # its time had passed at booking: never scheduled
            if index >= meetings and lead == 86400:
                continue  # booked less than a day ahead: never scheduled
            timers.append(
                (f"{prefix}reminder:{lead}", "meeting.reminder", index + 1, _stamp(due), payload,
                 created)
            )  # fmt: skip
        timers.append(
            (f"{prefix}followup", "meeting.followup", index + 1,
             _stamp(start + timedelta(hours=1)), payload, created)
        )  # fmt: skip
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.executemany(
            "INSERT INTO people(user_id, first_name, language, timezone, consented_at,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            people,
        )
        conn.executemany(
            "INSERT INTO pairs(id, mentor_id, mentee_id, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?)",
            pairs,
        )
        conn.executemany(
            "INSERT INTO meetings(id, pair_id, mentor_id, mentee_id, proposer_id, status,"
            " start_at, end_at, code, created_at, booked_at)"
            " VALUES (?, ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO timers(id, kind, subject, due_at, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            timers,
        )
    return [FIRST_ID + n for n in range(2 * meetings, 2 * total)]


def _usage(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process (MiB), and the CPU time it used (s, user + system)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    found["cpu"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


@dataclass
class Run:
    ready: float  # seconds from spawn to the first getUpdates
    cpu: float  # CPU seconds the bot used until then (less sensitive to a busy machine)
    reminded: float | None
    rss: float
    peak: float


def _sent_to(emu: Emulator, chats: set[int], since: int) -> set[int]:
    return {
        int(params.get("chat_id", 0))
        for method, params in emu.requests[since:]
        if method.lower() == "sendmessage" and int(params.get("chat_id", 0)) in chats
    }


async def measure(db: Path, overdue_people: list[int]) -> Run:
    """Starts `passerelle run` on the database; times to polling and to the overdue reminders."""
    emu = Emulator(rate_limit_per_second=30)
    await emu.start()
    for uid in overdue_people:
        emu.add_user(f"P{uid}", user_id=uid)
        emu.user(uid).started = True
    try:
        seen = len(emu.requests)
        started = time.perf_counter()
        process = await _start(emu, [sys.executable, "-m", "bot.cli", "run"], db)
        ready = time.perf_counter() - started
        try:
            usage = _usage(process.pid)
            reminded = None
            wanted = set(overdue_people)
            while wanted and time.perf_counter() - started < 60:
                if _sent_to(emu, wanted, seen) >= wanted:
                    reminded = time.perf_counter() - started
                    break
                await asyncio.sleep(0.005)
            peak = _usage(process.pid)["VmHWM"]
            return Run(ready, usage["cpu"], reminded, usage["VmRSS"], peak)
        finally:
            process.terminate()
            await process.wait()
    finally:
        await emu.stop()


async def loop_pass(db: Path, calls: int = 20) -> float:
    """Milliseconds one pass of the timers loop spends looking (run_due with nothing due, then
    next_due), on a copy of the database so nothing runs."""
    copy = db.with_name("loop.db")
    with closing(sqlite3.connect(db)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    database = Database(copy)
    await database.open()
    try:
        later = datetime.now(UTC) - timedelta(days=1)  # before every due time
        timers = Timers(database, FrozenClock(later))
        for kind in ("meeting.reminder", "meeting.followup", "meeting.clocks"):
            timers.register(kind, _never)
        started = time.perf_counter()
        for _ in range(calls):
            await timers.run_due()
            await timers.next_due()
        return (time.perf_counter() - started) / calls * 1000
    finally:
        await database.close()


async def _never(conn: object, timer: object) -> None:
    raise AssertionError("nothing is due in the loop measurement")


def _line(label: str, runs: list[Run]) -> str:
    ready = statistics.median(r.ready for r in runs)
    reminded = [r.reminded for r in runs if r.reminded is not None]
    sent = f", overdue reminders sent after {statistics.median(reminded):.2f} s" if reminded else ""
    return (
        f"{label:>15}: polling after {ready:.2f} s (max {max(r.ready for r in runs):.2f} s,"
        f" CPU {statistics.median(r.cpu for r in runs):.2f} s){sent},"
        f" RSS {statistics.median(r.rss for r in runs):.0f} MiB,"
        f" peak {max(r.peak for r in runs):.0f} MiB"
    )


def main() -> int:
    """Seeds, measures, prints; exits 1 if start-up with meetings misses the target."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=50_000)
    parser.add_argument("--overdue", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        empty, full = Path(folder) / "empty.db", Path(folder) / "meetings.db"
        now = datetime.now(UTC)
        began = time.perf_counter()
        overdue = seed(full, args.meetings, args.overdue, now)
        asyncio.run(_migrate(empty))
        timers = sqlite3.connect(full).execute("SELECT COUNT(*) FROM timers").fetchone()[0]
        print(
            f"seeded {args.meetings:,} upcoming meetings + {args.overdue} with an overdue"
            f" reminder, {timers:,} open timers ({time.perf_counter() - began:.1f} s,"
            f" {full.stat().st_size / 2**20:.0f} MiB)"
        )
        print(f"one pass of the timers loop: {asyncio.run(loop_pass(full)):.1f} ms")
        results = {}
        for label, db, people in (("empty database", empty, []), ("with meetings", full, overdue)):
            results[label] = [asyncio.run(measure(db, people)) for _ in range(args.runs)]
            print(_line(label, results[label]))
    worst = max(r.ready for r in results["with meetings"])
    return 0 if worst < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
