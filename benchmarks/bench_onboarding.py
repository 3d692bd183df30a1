"""Interactive load: Passerelle beside a bare PTB bot, same people, same run, Telegram's limits on.

Runs the strict emulator (Telegram's 30 messages/s limit on) in this process and each bot in a
subprocess of its own, so the bot has its own core and its CPU time can be read from /proc.
Each simulated applicant waits for the bot's reply, "thinks" for a while, then answers the next
step, through the whole mentee questionnaire. Latency = from her message or button press to the
bot's next new message in her chat (or the in-place edit, for a multiple-choice toggle).

By default the think time grows with the number of people so that together they ask for
`--rate` updates a second (20: two thirds of what Telegram lets a bot send), which is what
"N people at once, under Telegram's limits" means here; `--think A B` sets it instead (a short
one asks for more than any bot may send: see the README). A run stops starting new steps after
`--seconds`; people who have not finished by then stop where they are.

    python benchmarks/bench_onboarding.py --people 50 200 1000 --runs 3

For each bot: replies, updates/s, p50/p95/p99/max, CPU ms per handled update (the bot
process's user + system time over the load, from /proc), peak RSS (VmHWM), 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.procstat import cpu_seconds, memory_mib  # noqa: E402
from bot.emulator import Emulator, EmuMessage  # noqa: E402

MENTEE = (
    ("send", "/start"),
    ("press", "I agree"),
    ("press", "Entrepreneur in a partner country"),
    ("press", "Senegal"),
    ("press", "1 to 3 years"),
    ("press", "Technology"),
    ("toggle", "French"),
    ("press", "Done"),
    ("press", "Yes"),
    ("send", "person@example.org"),
    ("send", "I want to grow my fruit-juice business."),
    ("press", "Confirm"),
)
BASELINE = tuple(("send", "hello") if kind == "send" else ("press", "Yes") for kind, _ in MENTEE)
BOTS = {
    "baseline": ([sys.executable, str(ROOT / "benchmarks" / "baseline_bot.py")], BASELINE),
    "passerelle": ([sys.executable, "-m", "bot.cli", "run"], MENTEE),
}


async def _start(
    emu: Emulator, command: list[str], db: Path, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    environment = {
        **os.environ,
        "PASSERELLE_TOKEN": emu.token,
        "PASSERELLE_API_URL": emu.api_url,
        "PASSERELLE_DB": str(db),
        "PTB_TIMEDELTA": "1",
        **(env or {}),
    }
    seen = len(emu.requests)
    process = await asyncio.create_subprocess_exec(
        *command,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    for _ in range(2400):
        if any(m.lower() == "getupdates" for m, _ in emu.requests[seen:]):
            return process
        if process.returncode is not None:
            break
        await asyncio.sleep(0.025)
    if process.returncode is None:
        process.terminate()
        await process.wait()
    raise RuntimeError("bot did not start")


class Watch:
    """Wakes only the person whose chat changed.

    `Emulator.wait_for` wakes every waiting person on every change anywhere: with hundreds of
    people that costs this process more than the bot it measures, and slows both bots alike.
    """

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.events: dict[int, asyncio.Event] = {}
        state = emu.state
        new_message, touch = state.new_message, state.touch

        def on_new(chat: Any, **fields: Any) -> EmuMessage:
            message = new_message(chat, **fields)
            self._wake(message.chat_id)
            return message

        def on_touch(message: EmuMessage) -> None:
            touch(message)
            self._wake(message.chat_id)

        state.new_message = on_new  # type: ignore[method-assign]
        state.touch = on_touch  # type: ignore[method-assign]

    def _wake(self, chat_id: int) -> None:
        event = self.events.pop(chat_id, None)
        if event is not None:
            event.set()

    async def until(
        self, uid: int, ready: Callable[[dict[int, EmuMessage]], bool], timeout: float
    ) -> None:
        """Waits until `ready(her chat's messages by id)` holds."""
        deadline = time.perf_counter() + timeout
        messages = self.emu.state.chats[uid].messages
        while not ready(messages):
            event = self.events[uid] = asyncio.Event()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no reply for {uid} within {timeout} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)


_WATCHES: dict[int, Watch] = {}


def watch(emu: Emulator) -> Watch:
    """The emulator's watch (made on first use)."""
    if id(emu) not in _WATCHES:
        _WATCHES.clear()
        _WATCHES[id(emu)] = Watch(emu)
    return _WATCHES[id(emu)]


async def _step(emu: Emulator, uid: int, kind: str, value: str, timeout: float = 60) -> float:
    """One action of a person; returns the seconds until the bot's answer showed."""
    chat = emu.state.chats[uid].messages
    newest = next(reversed(chat), 0)
    mark = emu.mark()
    started = time.perf_counter()
    if kind == "send":
        await emu.send_text(uid, value)
    else:
        await emu.press(uid, value, timeout=0)  # the reply is what is timed, not the answer
    if kind == "toggle":  # the answer is the same message, edited in place

        def ready(messages: dict[int, EmuMessage]) -> bool:
            return messages[newest].version > mark

    else:

        def ready(messages: dict[int, EmuMessage]) -> bool:
            last = messages[next(reversed(messages))]
            return last.message_id > newest and last.from_bot

    await watch(emu).until(uid, ready, timeout)
    return time.perf_counter() - started


async def _person(
    emu: Emulator,
    uid: int,
    steps: tuple[tuple[str, str], ...],
    think: tuple[float, float],
    rng: random.Random,
    latencies: list[float],
    until: float | None = None,
) -> None:
    def pause(seconds: float) -> float:  # never past the end of the run
        return seconds if until is None else min(seconds, max(0.0, until - time.perf_counter()))

    await asyncio.sleep(pause(rng.uniform(0, think[1])))
    for kind, value in steps:
        if until is not None and time.perf_counter() >= until:
            return
        latencies.append(await _step(emu, uid, kind, value))
        await asyncio.sleep(pause(rng.uniform(*think)))


@dataclass(frozen=True)
class Run:
    """The figures of one bot under one load."""

    latencies: list[float]
    elapsed: float
    cpu: float  # the bot's CPU seconds over the load
    peak_rss: float  # MiB
    limited: int  # 429s
    lost: int  # replies that never came (60 s)

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds per handled update."""
        return self.cpu * 1000 / max(1, len(self.latencies))

    @property
    def rate(self) -> float:
        """Handled updates per second."""
        return len(self.latencies) / self.elapsed

    def quantile(self, q: float) -> float:
        """A latency quantile in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * q + 0.999999) - 1)] * 1000


def think_for(people: int, rate: float) -> tuple[float, float]:
    """Think times around people / rate seconds (±40 %), so together they ask for `rate`/s."""
    mean = people / rate
    return (0.6 * mean, 1.4 * mean)


async def measure(
    bot: str, people: int, think: tuple[float, float], seconds: float, seed: int = 7
) -> Run:
    """Starts a bot, warms it with one person, then measures `people` people at once."""
    command, steps = BOTS[bot]
    emu = Emulator(rate_limit_per_second=30)
    await emu.start()
    with tempfile.TemporaryDirectory() as folder:
        process = await _start(emu, command, Path(folder) / "bench.db")
        try:
            warm = emu.add_user("Warm", language_code="en")
            for kind, value in steps[:3]:
                await _step(emu, warm, kind, value)
            rng = random.Random(seed)
            uids = [emu.add_user(f"Person{i}", language_code="en") for i in range(people)]
            latencies: list[float] = []
            lost = 0

            async def one(uid: int) -> None:
                nonlocal lost
                try:
                    await _person(emu, uid, steps, think, rng, latencies, until)
                except TimeoutError:
                    lost += 1

            errors_before = len(emu.errors)
            cpu_before = cpu_seconds(process.pid)
            begun = time.perf_counter()
            until = begun + seconds
            await asyncio.gather(*(one(u) for u in uids))
            elapsed = time.perf_counter() - begun
            cpu = cpu_seconds(process.pid) - cpu_before
            _rss, peak = memory_mib(process.pid)
        finally:
            process.terminate()
            await process.wait()
            await emu.stop()
    limited = sum(1 for e in emu.errors[errors_before:] if e[1] == 429)
    return Run(latencies, elapsed, cpu, peak, limited, lost)


def line(label: str, run: Run) -> str:
    """One run's figures on one line."""
    return (
        f"{label:>11}: {len(run.latencies):5} replies, {run.rate:5.1f}/s;"
        f" p50 {run.quantile(0.5):4.0f}"
        f" p95 {run.quantile(0.95):5.0f} p99 {run.quantile(0.99):5.0f}"
        f" max {run.quantile(1.0):5.0f} ms; CPU {run.cpu_ms:5.2f} ms/update;"
        f" peak RSS {run.peak_rss:4.0f} MiB; 429s {run.limited}; lost {run.lost}"
    )


def summary(runs: dict[str, list[Run]]) -> None:
    """Min / median of each figure per bot, and the ratios to the baseline."""
    figures = {
        "p50 ms": lambda r: r.quantile(0.5),
        "p95 ms": lambda r: r.quantile(0.95),
        "p99 ms": lambda r: r.quantile(0.99),
        "CPU ms/update": lambda r: r.cpu_ms,
        "peak RSS MiB": lambda r: r.peak_rss,
        "updates/s": lambda r: r.rate,
    }
    medians: dict[str, dict[str, float]] = {}
    for bot, done in runs.items():
        cells = []
        medians[bot] = {}
        for name, get in figures.items():
            values = [get(r) for r in done]
            medians[bot][name] = statistics.median(values)
            cells.append(f"{name} {min(values):.2f}/{statistics.median(values):.2f}")
        limited = sum(r.limited for r in done)
        print(f"  {bot:>10} (min/median of {len(done)}): {'; '.join(cells)}; 429s {limited}")
    if "baseline" in medians and "passerelle" in medians:
        base, ours = medians["baseline"], medians["passerelle"]
        ratios = ", ".join(
            f"{name} {ours[name] / base[name]:.2f}"
            for name in ("CPU ms/update", "p50 ms", "p95 ms", "peak RSS MiB")
        )
        print(f"  ratio passerelle/baseline (medians): {ratios}")


async def main() -> None:
    """Measures each bot under each load, alternating bots, and prints medians and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[50])
    parser.add_argument("--rate", type=float, default=20.0, help="updates/s the people ask for")
    parser.add_argument("--think", type=float, nargs=2, help="think time range, seconds")
    parser.add_argument("--seconds", type=float, default=90.0, help="no new step after this")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--bots", nargs="+", choices=tuple(BOTS), default=list(BOTS))
    parser.add_argument(
        "--compare",
        metavar="CHECKOUT",
        help="also run Passerelle from another checkout (a worktree of main, say) as 'compare'",
    )
    parser.add_argument(
        "--together",
        action="store_true",
        help="run the bots at the same time (each with its own emulator and people) rather than"
        " one after the other: the machine's load then weighs on each alike",
    )
    args = parser.parse_args()
    if args.compare:
        command = ["env", "-C", args.compare, sys.executable, "-m", "bot.cli", "run"]
        BOTS["compare"] = (command, MENTEE)
        args.bots = [*args.bots, "compare"]
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    for people in args.people:
        think = tuple(args.think) if args.think else think_for(people, args.rate)
        print(
            f"{people} people, think {think[0]:.1f}-{think[1]:.1f} s,"
            f" at most {args.seconds:.0f} s, emulator limit 30 msg/s"
        )
        runs: dict[str, list[Run]] = {bot: [] for bot in args.bots}
        for index in range(args.runs):
            if args.together:
                together = await asyncio.gather(
                    *(
                        measure(bot, people, (think[0], think[1]), args.seconds, 7 + index)
                        for bot in args.bots
                    )
                )
                for bot, run in zip(args.bots, together, strict=True):
                    runs[bot].append(run)
                    print(line(bot, run), flush=True)
                continue
            for bot in args.bots:
                run = await measure(bot, people, (think[0], think[1]), args.seconds, 7 + index)
                runs[bot].append(run)
                print(line(bot, run), flush=True)
        summary(runs)


if __name__ == "__main__":
    asyncio.run(main())
