"""The /export CSV alone on the 100,000-people database of scale_db.py: time and extra memory.

    python benchmarks/bench_export.py --runs 5 [--cohort CODE]

Calls `Stats._write_csv` (what /export runs in its worker thread) in this process, on the
cached database, each run after resetting the peak RSS (/proc/self/clear_refs): the time of
the whole file and the peak RSS above the RSS before it. bench_scale.py measures /export
through the bot while others chat.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scale_db import ensure
from bot.core import load_application_form
from bot.runtime.clock import SystemClock
from bot.runtime.db import Database
from bot.runtime.i18n import catalogs
from bot.stats.service import Stats


def rss_mib() -> tuple[float, float]:
    """This process's RSS and peak RSS (VmHWM), MiB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    """Times the export `--runs` times."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--language", default="en")
    parser.add_argument("--cohort", default=None)
    args = parser.parse_args()
    path = ensure(args.people)
    books = catalogs()
    stats = Stats(Database(path), SystemClock(), load_application_form(books))
    t = books.get(args.language)
    print(f"load average {os.getloadavg()[0]:.1f}, {path}", flush=True)
    times, cpus, extras = [], [], []
    for _ in range(args.runs):
        gc.collect()
        Path("/proc/self/clear_refs").write_text("5")
        before = rss_mib()[0]
        started, cpu = time.perf_counter(), time.process_time()
        content, rows = stats._write_csv(t, args.cohort)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        extra = rss_mib()[1] - before
        digest = hashlib.sha256(content).hexdigest()[:12]
        size = len(content) / 2**20
        del content
        times.append(elapsed)
        cpus.append(cpu)
        extras.append(extra)
        print(
            f"{rows} rows, {size:.1f} MiB, sha256 {digest}: {elapsed:.2f} s (CPU {cpu:.2f} s),"
            f" +{extra:.0f} MiB",
            flush=True,
        )
    print(
        f"min / median of {args.runs}: {min(times):.2f} / {statistics.median(times):.2f} s,"
        f" CPU {min(cpus):.2f} / {statistics.median(cpus):.2f} s,"
        f" extra peak RSS {min(extras):.0f} / {statistics.median(extras):.0f} MiB"
    )


if __name__ == "__main__":
    main()
