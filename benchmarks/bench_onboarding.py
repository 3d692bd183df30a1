"""Reply latency of Passerelle with many applicants at once, against a bare PTB bot baseline.

Runs the strict emulator (Telegram's 30 messages/s limit on) in this process and the bot in a
subprocess, so the bot has its own core. Each simulated applicant waits for the bot's reply,
"thinks" for a while, then answers the next step, through the whole mentee questionnaire.
Latency = from her message or button press to the bot's next new message in her chat.

    python benchmarks/bench_onboarding.py --people 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.emulator import Emulator  # noqa: E402

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


async def _start(
    emu: Emulator, command: list[str], db: Path, extra: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PASSERELLE_TOKEN": emu.token,
        "PASSERELLE_API_URL": emu.api_url,
        "PASSERELLE_DB": str(db),
        "PTB_TIMEDELTA": "1",
        **(extra or {}),
    }
    seen = len(emu.requests)
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    for _ in range(800):
        if any(m.lower() == "getupdates" for m, _ in emu.requests[seen:]):
            return process
        await asyncio.sleep(0.025)
    raise RuntimeError("bot did not start")


async def _person(
    emu: Emulator,
    uid: int,
    steps: tuple[tuple[str, str], ...],
    think: tuple[float, float],
    rng: random.Random,
    latencies: list[float],
) -> None:
    await asyncio.sleep(rng.uniform(0, think[1]))
    for kind, value in steps:
        newest = max((m.message_id for m in emu.chat(uid)), default=0)
        mark = emu.mark()
        started = time.perf_counter()
        if kind == "send":
            await emu.send_text(uid, value)
        else:
            await emu.press(uid, value, timeout=30)
        if kind == "toggle":  # the answer is the same message, edited in place
            await emu.wait_for(uid, predicate=lambda m, n=newest: m.message_id == n, since=mark)
        else:
            await emu.wait_for(uid, predicate=lambda m, n=newest: m.message_id > n, timeout=60)
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(rng.uniform(*think))


async def _measure(
    label: str,
    command: list[str],
    steps: tuple[tuple[str, str], ...],
    people: int,
    think: tuple[float, float],
) -> list[float]:
    emu = Emulator(rate_limit_per_second=30)
    await emu.start()
    with tempfile.TemporaryDirectory() as folder:
        process = await _start(emu, command, Path(folder) / "bench.db")
        try:
            rng = random.Random(7)
            uids = [emu.add_user(f"Person{i}", language_code="en") for i in range(people)]
            latencies: list[float] = []
            begun = time.perf_counter()
            await asyncio.gather(*(_person(emu, u, steps, think, rng, latencies) for u in uids))
            elapsed = time.perf_counter() - begun
        finally:
            process.terminate()
            await process.wait()
            await emu.stop()
    errors = [e for e in emu.errors if e[1] != 429]
    limited = sum(1 for e in emu.errors if e[1] == 429)
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"{label:>11}: {len(latencies)} replies in {elapsed:.1f} s; "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms; 429s {limited}; other API errors {len(errors)}"
    )
    for method, code, description in errors:
        print(f"             {method}: {code} {description}")
    return latencies


async def main() -> None:
    """Runs the baseline and Passerelle under the same load and prints the ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--think", type=float, nargs=2, default=(1.5, 3.5))
    args = parser.parse_args()
    think = (args.think[0], args.think[1])
    print(f"{args.people} people, think time {think[0]}-{think[1]} s, emulator limit 30 msg/s")
    base = await _measure(
        "baseline",
        [sys.executable, str(ROOT / "benchmarks" / "baseline_bot.py")],
        BASELINE,
        args.people,
        think,
    )
    ours = await _measure(
        "passerelle", [sys.executable, "-m", "bot.cli", "run"], MENTEE, args.people, think
    )

    def p95(values: list[float]) -> float:
        return values[int(len(values) * 0.95) - 1]

    print(
        f"ratio passerelle/baseline: p50 {statistics.median(ours) / statistics.median(base):.2f}, "
        f"p95 {p95(ours) / p95(base):.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
