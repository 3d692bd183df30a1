"""Staff commands on a program-scale database while other people chat.

Takes the generated database of benchmarks/scale_db.py (100,000 people, ~1,000,000 answers,
thousands of pairs; built once and cached), copies it, starts the bot on it (`passerelle run`
in a subprocess, against the strict emulator with Telegram's limits on) and reports:

- start time (process start to its first getUpdates) and RSS once started;
- for each staff command: the reply time to its first message and to its last, and the
  p95 of the other people's replies during it (a few applicants keep going through the
  questionnaire the whole time, as in bench_onboarding.py);
- the bot's RSS before `/export`, its peak during it, and its peak overall.

    python benchmarks/bench_scale.py [--people 100000] [--chatters 20] [--runs 2]
        [--only /export ...] [--database FILE] [--defer-retention]

Meetings, check-ins, broadcasts and /report add their commands to `COMMANDS` below (and
their rows to scale_db.EXTENSIONS).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_onboarding import MENTEE, _start, _step  # noqa: E402
from benchmarks.procstat import memory_mib  # noqa: E402
from benchmarks.scale_db import STAFF_IDS, ensure  # noqa: E402
from bot.emulator import Emulator  # noqa: E402

# Seconds without a new message or edit that end an answer of unknown length.
QUIET = 3.0

# A staff member (not an admin: admins are told of each completed application meanwhile).
STAFF_ID = STAFF_IDS[1]


@dataclass
class Chatters:
    """Applicants going through the questionnaire in the background; each step timed."""

    emu: Emulator
    slots: int
    think: tuple[float, float] = (1.5, 3.5)
    steps: list[tuple[float, float]] = field(default_factory=list)  # (began at, seconds)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    count: int = 0

    async def _slot(self, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0, self.think[1]))
        while not self.stop.is_set():
            self.count += 1
            uid = self.emu.add_user(f"Chatter{self.count}", language_code="en")
            for kind, value in MENTEE:
                if self.stop.is_set():
                    return
                began = time.perf_counter()
                try:
                    seconds = await _step(self.emu, uid, kind, value, timeout=30)
                except TimeoutError:
                    seconds = 30.0
                self.steps.append((began, seconds))
                await asyncio.sleep(rng.uniform(*self.think))

    async def run(self) -> None:
        """Keeps every slot busy until stopped (a finished applicant is replaced by a new one)."""
        rng = random.Random(3)
        await asyncio.gather(*(self._slot(rng) for _ in range(self.slots)))

    def during(self, start: float, end: float) -> list[float]:
        """Reply times of the steps waiting for their reply at some time in [start, end]."""
        return sorted(s for began, s in self.steps if began <= end and began + s >= start)


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank), in ms; nan without values."""
    if not values:
        return float("nan")
    return sorted(values)[max(0, int(len(values) * 0.95 + 0.999999) - 1)] * 1000


@dataclass
class Timing:
    """A staff command's reply times and the others' p95 meanwhile (filled in at the end)."""

    started: float
    first: float
    last: float
    others_p95: float = float("nan")
    others: int = 0


Action = Callable[[Emulator], Awaitable[None]]


async def command(emu: Emulator, text: str) -> None:
    """The staff member sends a command."""
    await emu.send_text(STAFF_ID, text)


async def press(emu: Emulator, label: str) -> None:
    """The staff member presses a button of the bot's newest message that has buttons."""
    await emu.press(STAFF_ID, label, timeout=30)


# (label, action, how many messages mark the end of the answer; 0: wait until quiet)
COMMANDS: list[tuple[str, Action, int]] = [
    ("/stats", lambda emu: command(emu, "/stats"), 1),
    ("/review", lambda emu: command(emu, "/review"), 1),
    ("/review Next", lambda emu: press(emu, "Next"), 1),
    ("/review Approve", lambda emu: press(emu, "Approve"), 0),
    ("/pair", lambda emu: command(emu, "/pair"), 0),
    # "⏳ Writing the CSV file…" at once, then the document: timed to the document (last).
    ("/export", lambda emu: command(emu, "/export"), 2),
    # Meetings, check-ins, broadcasts and /report: add their commands here.
]


async def timed(emu: Emulator, action: Action, messages: int) -> Timing:
    """Runs one staff action; times its first and last message and the others meanwhile."""
    before = emu.mark()
    newest = max((m.message_id for m in emu.chat(STAFF_ID)), default=0)
    started = time.perf_counter()
    await action(emu)
    await emu.wait_for(
        STAFF_ID,
        predicate=lambda m: m.message_id > newest or m.message_id == newest,
        since=before,
        timeout=60,
    )
    first = time.perf_counter() - started
    last = first
    while True:  # the answer is complete when `messages` came, or nothing came for QUIET seconds
        sent = [m for m in emu.bot_messages(STAFF_ID) if m.version > before]
        if messages and len(sent) >= messages:
            break
        mark = emu.mark()
        try:
            # (A known count of messages waits for the last one; an unknown one, until quiet.)
            await emu.wait_for(STAFF_ID, since=mark, timeout=60 if messages else QUIET)
            last = time.perf_counter() - started
        except TimeoutError:
            break
    return Timing(started, first, last)


def defer_retention_run(path: Path) -> None:
    """Plans the retention run for 2099, so that the bot does not run it at start.

    On this database that run once held the database for minutes (its search scanned every
    pair once per person, since rewritten: benchmarks/README.md, "Retention at 100,000
    people"); measuring a command alone still wants nothing else at start.
    """
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "INSERT INTO timers (id, kind, due_at, created_at) VALUES ('privacy.retention:2099',"
            " 'privacy.retention', '2099-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )


async def run_once(
    database: Path, chatters_count: int, defer_retention: bool = False
) -> dict[str, object]:
    """One bot start on a copy of the database, every staff command once."""
    emu = Emulator(rate_limit_per_second=30)
    await emu.start()
    emu.add_user("Staff", language_code="en", user_id=STAFF_ID)
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "scale.db"
        shutil.copyfile(database, copy)
        if defer_retention:
            defer_retention_run(copy)
        started = time.perf_counter()
        process = await _start(
            emu,
            [sys.executable, "-m", "bot.cli", "run"],
            copy,
        )
        figures["start s"] = time.perf_counter() - started
        figures["RSS started MiB"] = memory_mib(process.pid)[0]
        chatters = Chatters(emu, chatters_count)
        background = asyncio.create_task(chatters.run())
        try:
            await asyncio.sleep(5)
            quiet_from = time.perf_counter()
            await asyncio.sleep(10)
            quiet = (quiet_from, time.perf_counter())
            for label, action, messages in COMMANDS:
                if label == "/export":
                    figures["RSS before export MiB"] = memory_mib(process.pid)[0]
                timing = await timed(emu, action, messages)
                figures[label] = timing
                if label == "/export":
                    figures["peak RSS after export MiB"] = memory_mib(process.pid)[1]
                await asyncio.sleep(3)
            figures["peak RSS MiB"] = memory_mib(process.pid)[1]
            if os.environ.get("BENCH_SHOW"):
                for message in emu.bot_messages(STAFF_ID):
                    print(message.message_id, message.text[:120].replace("\n", " | "))
        finally:
            chatters.stop.set()
            await background
            figures["others p95 quiet ms"] = p95(chatters.during(*quiet))
            for value in figures.values():
                if isinstance(value, Timing):
                    others = chatters.during(value.started, value.started + value.last)
                    value.others_p95, value.others = p95(others), len(others)
            process.terminate()
            await process.wait()
            await emu.stop()
    return figures


async def main() -> None:
    """Builds or finds the database, then measures each staff command `--runs` times."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--chatters", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--defer-retention", action="store_true", help="no retention run at start")
    parser.add_argument("--only", nargs="+", metavar="LABEL", help="e.g. --only /export")
    parser.add_argument(
        "--database",
        type=Path,
        help="a prepared copy of the database to start from instead of scale_db's (e.g. one"
        " the bot has already started on once)",
    )
    args = parser.parse_args()
    if args.only:  # these commands alone (labels as COMMANDS has them), in their order
        COMMANDS[:] = [command for command in COMMANDS if command[0] in args.only]
    database = args.database or ensure(args.people)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f};"
        f" {args.people} people ({database.stat().st_size / 2**20:.0f} MiB),"
        f" {args.chatters} applicants chatting meanwhile"
    )
    runs = []
    for index in range(args.runs):
        figures = await run_once(database, args.chatters, args.defer_retention)
        runs.append(figures)
        cells = []
        for key, value in figures.items():
            if isinstance(value, Timing):
                others = (
                    f"others p95 {value.others_p95:.0f} ms (n={value.others})"
                    if value.others
                    else "no other reply meanwhile"
                )
                cells.append(
                    f"{key}: first {value.first * 1000:.0f} ms, last {value.last * 1000:.0f} ms,"
                    f" {others}"
                )
            else:
                cells.append(f"{key}: {value:.2f}")
        print(f"run {index + 1}:\n  " + "\n  ".join(cells), flush=True)
    print(f"min/median of {len(runs)} runs:")
    for key, value in runs[0].items():
        if isinstance(value, Timing):
            for name in ("first", "last", "others_p95"):
                values = [
                    getattr(r[key], name) * (1000 if name != "others_p95" else 1) for r in runs
                ]
                print(f"  {key} {name}: {min(values):.0f} / {statistics.median(values):.0f} ms")
        else:
            values = [float(r[key]) for r in runs]  # type: ignore[arg-type]
            print(f"  {key}: {min(values):.2f} / {statistics.median(values):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
