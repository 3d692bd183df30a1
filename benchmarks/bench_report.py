"""/stats check-in figures and the /report chart at program scale (hand-run, never a test).

    python benchmarks/bench_report.py [--people 100000] [--runs 3] [--checkout DIR]

Copies the scale database (scale_db.py: its active pairs' people in four cohorts, a check-in
every 14 days for each member of each pair over the program's months, 80 % answered, 15 %
missed, 5 % closed, ratings 1 to 5; an open alert for one pair in 50), then times the
figures program-wide and for one cohort, and the chart, as /stats and /report run them, with
the clock at scale_db.CHECKINS_NOW.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scale_db import CHECKINS_NOW, COHORTS, ensure  # noqa: E402

# --checkout DIR: the bot's code from another checkout (a worktree of main, say), for A/B runs
if "--checkout" in sys.argv:
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--checkout") + 1]).resolve()))
from bot.core import build_core  # noqa: E402
from bot.runtime.clock import FrozenClock  # noqa: E402
from bot.runtime.settings import Settings  # noqa: E402

NOW = CHECKINS_NOW


async def measure(path: Path, runs: int) -> None:
    """Times the figures and the chart, `runs` times each."""
    settings = Settings(_env_file=None, db=path, admins=(1,))  # type: ignore[call-arg]
    core = await build_core(settings, FrozenClock(NOW))
    t = core.t("fr")
    cohort = await core.cohorts.get(COHORTS[0])
    timings: dict[str, list[float]] = {"program": [], "cohort": [], "chart": []}
    try:
        for _ in range(runs):
            started = time.perf_counter()
            everyone = await core.stats.checkins("America/Toronto")
            timings["program"].append(time.perf_counter() - started)
            started = time.perf_counter()
            await core.stats.checkins("America/Toronto", cohort)
            timings["cohort"].append(time.perf_counter() - started)
            started = time.perf_counter()
            png, _ = await core.stats.chart(t, everyone)
            timings["chart"].append(time.perf_counter() - started)
        print(
            f"{everyone.overall.tally.due} check-ins due in the period,"
            f" {everyone.at_risk_total} pairs at risk, PNG {len(png) / 1024:.0f} KiB"
        )
        for name, values in timings.items():
            print(f"{name}: min {min(values):.2f} s, median {statistics.median(values):.2f} s")
    finally:
        await core.close()


def main() -> None:
    """Copies the database and prints the timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--checkout", type=Path, help="the bot's code from this checkout")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.db"
        shutil.copy(ensure(args.people), path)
        asyncio.run(measure(path, args.runs))


if __name__ == "__main__":
    main()
