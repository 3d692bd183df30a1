"""The privacy retention run at 100,000 people: what /privacy counts for staff, and how long
one run holds the write transaction.

Copies the scale database (scale_db.py), opens it with the bot's own core (migrations
included) on a clock moved to 2029, when most applicants and some participants are past the
retention periods, then times `Privacy.due()` and a few retention runs as the timer runs them
(each in one write transaction).

    python benchmarks/bench_retention.py --runs 6
    python benchmarks/bench_retention.py --runs 6 --participants

The applicants due come first, and they have no meetings or check-ins. `--participants`
gives every active pair a year of meetings (two a month, most of them held and answered by
both) beside the scale database's check-ins (one a fortnight for each member), then times
erasing 25 members of active pairs in one write transaction, as a retention run or 25
`/delete` in a row would: what erasing a person costs where it is dearest.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scale_db import ensure
from bot.core import build_core
from bot.privacy.service import RETENTION_BATCH, Reason
from bot.runtime.clock import FrozenClock
from bot.runtime.settings import Settings
from bot.stats.checkins import stamp

LATER = datetime(2029, 1, 1, tzinfo=UTC)
YEAR_START = datetime(2026, 1, 5, 14, tzinfo=UTC)


def add_meetings(path: Path, seed: int = 11) -> int:
    """Two meetings a month for a year for each active pair, most held; the row count."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    pairs = conn.execute("SELECT id, mentor_id, mentee_id FROM pairs WHERE ended_at IS NULL")
    meetings, answers = [], []
    number = 0
    for pair_id, mentor, mentee in pairs.fetchall():
        for k in range(24):
            number += 1
            start = YEAR_START + timedelta(days=15 * k, hours=rng.randint(0, 6))
            status = rng.choices(("confirmed", "cancelled", "declined"), (85, 10, 5))[0]
            closer = rng.choice((mentor, mentee)) if status != "confirmed" else None
            meetings.append(
                (
                    number,
                    pair_id,
                    mentor,
                    mentee,
                    rng.choice((mentor, mentee)),
                    status,
                    stamp(start),
                    stamp(start + timedelta(hours=1)),
                    f"bench{number}",
                    stamp(start - timedelta(days=3)),
                    closer,
                )
            )
            if status == "confirmed":
                answers += [(number, mentor, stamp(start)), (number, mentee, stamp(start))]
    conn.executemany(
        "INSERT INTO meetings(id, pair_id, mentor_id, mentee_id, proposer_id, status,"
        " start_at, end_at, code, created_at, closed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        meetings,
    )
    conn.executemany(
        "INSERT INTO meeting_answers(meeting_id, user_id, answer, answered_at)"
        " VALUES (?, ?, 'held', ?)",
        answers,
    )
    conn.commit()
    conn.close()
    return len(meetings)


def spread(what: str, held: list[float]) -> None:
    """Prints how long each write transaction held the writer: min, median, max."""
    print(
        f"{what}: min {min(held):.3f} s, median {statistics.median(held):.3f} s,"
        f" max {max(held):.3f} s"
    )


async def erase_participants(db: Path, runs: int) -> None:
    """Times erasing 25 members of active pairs in one transaction, `runs` times."""
    core = await build_core(Settings(token="1:bench", db=db), clock=FrozenClock(LATER))
    try:
        rows = await core.db.fetchall(
            "SELECT mentor_id, mentee_id FROM pairs WHERE ended_at IS NULL ORDER BY id"
        )
        people = [row[key] for row in rows for key in ("mentee_id", "mentor_id")]
        people = list(dict.fromkeys(people))
        held = []
        for run in range(runs):
            batch = people[run * RETENTION_BATCH : (run + 1) * RETENTION_BATCH]
            start = time.perf_counter()
            async with core.db.write() as conn:
                for user_id in batch:
                    await core.privacy.erase_in(conn, user_id, Reason.RETENTION, 0)
            held.append(time.perf_counter() - start)
        spread(f"{RETENTION_BATCH} participants erased (one transaction)", held)
    finally:
        await core.close()


async def measure(db: Path, runs: int) -> None:
    core = await build_core(Settings(token="1:bench", db=db), clock=FrozenClock(LATER))
    try:
        counts = []
        for _ in range(3):
            start = time.perf_counter()
            due = await core.privacy.due()
            counts.append(time.perf_counter() - start)
        print(f"due: {due.applicants:,} applicants, {due.participants:,} participants")
        print(f"Privacy.due(): min {min(counts):.3f} s, median {statistics.median(counts):.3f} s")
        held = []
        for _ in range(runs):
            start = time.perf_counter()
            async with core.db.write() as conn:
                await core.privacy.run_retention(conn, None)  # type: ignore[arg-type]
            held.append(time.perf_counter() - start)
        spread(f"retention run ({RETENTION_BATCH} people, one transaction)", held)
    finally:
        await core.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6, help="retention runs to time")
    parser.add_argument(
        "--participants", action="store_true", help="erase participants with a year of activity"
    )
    args = parser.parse_args()
    source = ensure()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "retention.db"
        shutil.copy(source, db)
        if not args.participants:
            asyncio.run(measure(db, args.runs))
            return
        meetings = add_meetings(db)
        with sqlite3.connect(db) as conn:
            checkins = conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0]
        print(f"added {checkins:,} check-ins and {meetings:,} meetings")
        asyncio.run(erase_participants(db, args.runs))


if __name__ == "__main__":
    main()
