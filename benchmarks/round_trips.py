"""SQLite round trips per update: calls to the database threads while one person applies.

Every aiosqlite call (a statement, BEGIN, COMMIT, a fetch) is one trip to a connection's
thread and back. This runs the real bot in this process against the emulator, sends one
person through the 12 steps of the mentee questionnaire, and counts the calls meanwhile,
by statement (the courier and the timers count too, as they do in production).

    python benchmarks/round_trips.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiosqlite  # noqa: E402

from benchmarks.bench_onboarding import MENTEE  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from tests.harness import Person, start_bot  # noqa: E402

counted: Counter[str] | None = None
_execute = aiosqlite.Connection._execute


async def _counting(self: aiosqlite.Connection, fn: Callable[..., Any], *args: Any) -> Any:
    if counted is not None:
        what = args[0] if args and isinstance(args[0], str) else getattr(fn, "__name__", "?")
        counted[" ".join(what.split())[:72]] += 1
    return await _execute(self, fn, *args)


async def main() -> None:
    """Counts the calls for one person's questionnaire and prints them by statement."""
    global counted
    aiosqlite.Connection._execute = _counting  # type: ignore[method-assign]
    emu = Emulator(rate_limit_per_second=30)
    await emu.start()
    with tempfile.TemporaryDirectory() as folder:
        bot = await start_bot(emu, Path(folder) / "trips.db")
        try:
            await Person(emu, emu.add_user("Warm")).send("/start")
            await asyncio.sleep(1.5)
            awa = Person(emu, emu.add_user("Awa"))
            counted = Counter()
            for kind, value in MENTEE:
                if kind == "send":
                    await awa.send(value)
                elif kind == "toggle":
                    await awa.toggle(value)
                else:
                    await awa.press(value)
            await asyncio.sleep(0.5)
            trips, counted = counted, None
        finally:
            await bot.shutdown()
    await emu.stop()
    for statement, count in trips.most_common():
        print(f"{count:4} {statement}")
    total = sum(trips.values())
    print(f"{total} round trips for {len(MENTEE)} updates: {total / len(MENTEE):.1f} per update")


if __name__ == "__main__":
    asyncio.run(main())
