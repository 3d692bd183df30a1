"""Head-of-line blocking: one person's chat is slowed while N others go through the questionnaire.

For each bot (a bare python-telegram-bot bot as the baseline, then Passerelle) it runs the same
load twice against the strict emulator: once with every chat healthy, once with one extra
person whose chat is slowed the whole time — every send to her answered 429 with
`retry_after` 60 s (`--slow 429`), or never answered at all (`--slow hang`) — while she keeps
writing every two seconds. It reports the others' p50/p95/max reply times in both runs and the
ratio: with per-person workers the slow chat should cost the others nothing.

    python benchmarks/bench_slow_chat.py --people 50 --slow 429
    python benchmarks/bench_slow_chat.py --people 50 --slow hang --bots passerelle

A reply stuck for over a minute counts as 60 s and that person stops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_onboarding import BASELINE, MENTEE, _person, _start  # noqa: E402
from bot.emulator import Emulator  # noqa: E402


async def _slow_person(emu: Emulator, uid: int, stop: asyncio.Event) -> None:
    """Keeps writing to the bot while her chat is slowed."""
    while not stop.is_set():
        await emu.send_text(uid, "/help")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)


async def _run(
    command: list[str],
    steps: tuple[tuple[str, str], ...],
    people: int,
    think: tuple[float, float],
    slow: str | None,
) -> list[float]:
    emu = Emulator(rate_limit_per_second=30)
    await emu.start()
    stop = asyncio.Event()
    with tempfile.TemporaryDirectory() as folder:
        process = await _start(emu, command, Path(folder) / "bench.db")
        try:
            rng = random.Random(7)
            uids = [emu.add_user(f"Person{i}", language_code="en") for i in range(people)]
            tasks = []
            if slow is not None:
                victim = emu.add_user("Slow", language_code="en")
                if slow == "429":
                    emu.fault(chat_id=victim, status=429, retry_after=60)
                else:
                    emu.fault(chat_id=victim, hang=True)
                tasks.append(asyncio.create_task(_slow_person(emu, victim, stop)))
                await asyncio.sleep(1.0)  # her first reply is stuck before the others start
            latencies: list[float] = []

            async def one(uid: int) -> None:
                try:
                    await _person(emu, uid, steps, think, rng, latencies)
                except TimeoutError:  # a reply stuck over a minute: counted as 60 s, she stops
                    latencies.append(60.0)

            await asyncio.gather(*(one(u) for u in uids))
            stop.set()
            await asyncio.gather(*tasks)
        finally:
            emu.clear_faults()
            process.terminate()
            await process.wait()
            await emu.stop()
    return sorted(latencies)


def _p95(values: list[float]) -> float:
    return values[int(len(values) * 0.95) - 1]


def _line(label: str, values: list[float]) -> str:
    return (
        f"{label:>26}: {len(values)} replies; p50 {statistics.median(values) * 1000:.0f} ms,"
        f" p95 {_p95(values) * 1000:.0f} ms, max {values[-1] * 1000:.0f} ms"
    )


async def main() -> None:
    """Measures both bots with and without a slow chat; prints the figures and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--think", type=float, nargs=2, default=(1.5, 3.5))
    parser.add_argument("--slow", choices=("429", "hang"), default="429")
    parser.add_argument(
        "--bots", nargs="+", choices=("baseline", "passerelle"), default=["baseline", "passerelle"]
    )
    args = parser.parse_args()
    think = (args.think[0], args.think[1])
    print(f"{args.people} people, think {think[0]}-{think[1]} s, one slow chat: {args.slow}")
    bots = (
        ("baseline", [sys.executable, str(ROOT / "benchmarks" / "baseline_bot.py")], BASELINE),
        ("passerelle", [sys.executable, "-m", "bot.cli", "run"], MENTEE),
    )
    for label, command, steps in (bot for bot in bots if bot[0] in args.bots):
        started = time.perf_counter()
        healthy = await _run(command, steps, args.people, think, None)
        slowed = await _run(command, steps, args.people, think, args.slow)
        print(_line(f"{label}, no slow chat", healthy))
        print(_line(f"{label}, one slow chat", slowed))
        print(
            f"{'':>26}  others' p95 with / without the slow chat: "
            f"{_p95(slowed) / _p95(healthy):.2f} ({time.perf_counter() - started:.0f} s)"
        )


if __name__ == "__main__":
    asyncio.run(main())
