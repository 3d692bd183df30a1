"""/stats check-in figures and the /report chart at program scale (hand-run, never a test).

    python benchmarks/bench_report.py [--people 100000] [--runs 3]

Copies the scale database (scale_db.py), gives the active pairs' people four cohorts and a
year of check-ins (one every 14 days for each member of each active pair: 80 % answered,
15 % missed, 5 % closed, ratings 1 to 5; an open alert for one pair in 50), then times the
figures program-wide and for one cohort, and the chart, as /stats and /report run them.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scale_db import ensure  # noqa: E402
from bot.core import build_core  # noqa: E402
from bot.runtime.clock import FrozenClock  # noqa: E402
from bot.runtime.settings import Settings  # noqa: E402
from bot.stats.checkins import stamp  # noqa: E402

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
COHORTS = ("spring26", "summer26", "fall26", "winter26")


def add_checkins(path: Path, seed: int = 10) -> int:
    """Cohorts, a year of check-ins and some open alerts for the active pairs; the row count."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    for code in COHORTS:
        conn.execute(
            "INSERT INTO cohorts(code, name, created_by, created_at) VALUES (?, ?, 1, ?)",
            (code, code.capitalize(), stamp(NOW)),
        )
    pairs = conn.execute("SELECT id, mentor_id, mentee_id FROM pairs WHERE ended_at IS NULL")
    rows, alerts, cohorts = [], [], []
    for pair_id, mentor, mentee in pairs.fetchall():
        code = COHORTS[pair_id % len(COHORTS)]
        cohorts += [(code, mentor), (code, mentee)]
        for member in (mentor, mentee):
            for k in range(26):
                opened = NOW - timedelta(days=14 * k + 1, hours=rng.randint(0, 23))
                status = rng.choices(("answered", "missed", "closed"), (80, 15, 5))[0]
                rating = rng.choices((1, 2, 3, 4, 5), (3, 7, 20, 40, 30))[0]
                answered = stamp(opened + timedelta(hours=5)) if status == "answered" else None
                rows.append(
                    (
                        member,
                        pair_id,
                        code,
                        status,
                        rating if answered else None,
                        stamp(opened),
                        answered,
                    )
                )
        if rng.random() < 0.02:
            alerts.append((mentee, pair_id, stamp(NOW - timedelta(days=3))))
    conn.executemany("UPDATE applications SET cohort = ? WHERE user_id = ?", cohorts)
    conn.executemany(
        "INSERT INTO checkins(user_id, pair_id, cohort, reason, status, rating, opened_at,"
        " answered_at) VALUES (?, ?, ?, 'cadence', ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO checkin_alerts(user_id, pair_id, kind, created_at) VALUES (?, ?, 'help', ?)",
        alerts,
    )
    conn.commit()
    conn.close()
    return len(rows)


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
    """Builds the copy, adds check-ins and prints the timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.db"
        shutil.copy(ensure(args.people), path)
        started = time.perf_counter()
        rows = add_checkins(path)
        print(f"{rows} check-ins written in {time.perf_counter() - started:.1f} s")
        asyncio.run(measure(path, args.runs))


if __name__ == "__main__":
    main()
