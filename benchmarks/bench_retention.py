"""The privacy retention run at 100,000 people: what /privacy counts for staff, and how long
one run holds the write transaction.

Copies the scale database (scale_db.py), opens it with the bot's own core (migrations
included) on a clock moved to 2029, when most applicants and some participants are past the
retention periods, then times `Privacy.due()` and a few retention runs as the timer runs them
(each in one write transaction).

    python benchmarks/bench_retention.py --runs 6
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scale_db import ensure
from bot.core import build_core
from bot.privacy.service import RETENTION_BATCH
from bot.runtime.clock import FrozenClock
from bot.runtime.settings import Settings

LATER = datetime(2029, 1, 1, tzinfo=UTC)


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
        print(
            f"retention run ({RETENTION_BATCH} people, one transaction): min {min(held):.3f} s,"
            f" median {statistics.median(held):.3f} s, max {max(held):.3f} s"
        )
    finally:
        await core.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6, help="retention runs to time")
    args = parser.parse_args()
    source = ensure()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "retention.db"
        shutil.copy(source, db)
        asyncio.run(measure(db, args.runs))


if __name__ == "__main__":
    main()
