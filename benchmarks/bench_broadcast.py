"""A broadcast to 10,000 people through the strict emulator while others chat with the bot.

For each bot (a bare python-telegram-bot bot broadcasting with AIORateLimiter, then Passerelle)
it starts the emulator with Telegram's limits (30 sends in any second overall, 20 in any 10 s
to one chat), N people the bot knows, and the bot in its own process. A staff member starts a
broadcast to everyone (Passerelle: /broadcast, Everyone, the text, Send now; the baseline:
/broadcast), and meanwhile `--chatters` people at a time go through the questionnaire (the
baseline answers each step with one message), each replaced by a new one when she is done.

It reports the broadcast's messages a second (first to last delivery), all of the bot's sends
a second over that time (replies included), the 429s the bot received, duplicates and
people left out, and the chatters' reply times (p50, p95, max; a reply stuck for a minute
counts as 60 s and that person stops).

    python benchmarks/bench_broadcast.py --people 10000 --chatters 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_onboarding import BASELINE, MENTEE, _person, _start  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from bot.runtime.db import Database  # noqa: E402

TEXT = "Round table on Friday at 10:00: the program team invites every participant."
NOW = "2027-01-01T00:00:00Z"


@dataclass
class Result:
    """What one bot did with the broadcast."""

    label: str
    deliveries: list[datetime] = field(default_factory=list)
    all_sends: int = 0
    too_many: int = 0
    duplicates: int = 0
    missing: int = 0
    latencies: list[float] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)
    too_many_by_method: dict[str, int] = field(default_factory=dict)
    lag: float = 0.0

    @property
    def seconds(self) -> float:
        """From the first delivery of the broadcast to the last."""
        return (max(self.deliveries) - min(self.deliveries)).total_seconds()

    @property
    def rate(self) -> float:
        """Broadcast messages a second."""
        return (len(self.deliveries) - 1) / self.seconds

    def p95(self) -> float:
        """The chatters' 95th percentile reply time."""
        values = sorted(self.latencies)
        return values[max(int(len(values) * 0.95) - 1, 0)]


async def _seed(db: Path, uids: list[int]) -> None:
    """Passerelle knows the recipients: one row each in people (languages mixed)."""
    database = Database(db)
    await database.open()
    try:
        async with database.write() as conn:
            await conn.executemany(
                "INSERT INTO people(user_id, first_name, language, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(uid, f"P{uid}", ("en", "fr", "es")[uid % 3], NOW, NOW) for uid in uids],
            )
    finally:
        await database.close()


async def _compose(emu: Emulator, staff: int) -> None:
    """Passerelle: /broadcast, Everyone, the text, Send now."""
    await emu.send_text(staff, "/broadcast")
    await emu.wait_for(staff, contains="Who should receive it", timeout=30)
    mark = emu.mark()
    await emu.press(staff, "Everyone", timeout=30)
    await emu.wait_for(staff, contains="Now send the announcement", since=mark, timeout=30)
    await emu.send_text(staff, TEXT)
    await emu.wait_for(staff, contains="Preview", timeout=30)
    await emu.press(staff, "Send now", timeout=30)


async def _chat(
    emu: Emulator,
    steps: tuple[tuple[str, str], ...],
    think: tuple[float, float],
    latencies: list[float],
    stop: asyncio.Event,
    seed: int,
) -> None:
    """One chatter after another goes through the questionnaire until the broadcast ends."""
    rng = random.Random(seed)
    while not stop.is_set():
        uid = emu.add_user(f"Chatter{seed}", language_code="en")
        try:
            await _person(emu, uid, steps, think, rng, latencies)
        except TimeoutError:
            latencies.append(60.0)
            return


class Attempts:
    """The recipients the bot tried to send the broadcast to, from the emulator's request log.

    Read a little at a time: scanning 10,000 chats would hold the emulator's event loop (it
    serves the bot from this process) for long enough to bunch up the requests it has not
    read yet, and so to answer 429s that Telegram would not.
    """

    def __init__(self, emu: Emulator, uids: list[int]) -> None:
        self.emu = emu
        self.uids = {str(uid) for uid in uids}
        self.seen = 0
        self.chats: set[str] = set()

    def __call__(self) -> int:
        requests = self.emu.requests
        fresh, self.seen = requests[self.seen :], len(requests)
        for method, params in fresh:
            if method == "sendMessage" and params.get("text") == TEXT:
                self.chats.add(str(params.get("chat_id")))
        return len(self.chats & self.uids)


async def _watch_lag(result: Result, stop: asyncio.Event) -> None:
    """The longest the emulator's event loop (this process's) was late by: a machine busy
    with other work delays requests, and bunched requests can draw 429s."""
    while not stop.is_set():
        started = time.monotonic()
        await asyncio.sleep(0.05)
        result.lag = max(result.lag, time.monotonic() - started - 0.05)


async def _run(
    label: str,
    command: list[str],
    steps: tuple[tuple[str, str], ...],
    people: int,
    chatters: int,
    think: tuple[float, float],
) -> Result:
    emu = Emulator(rate_limit_per_second=30, per_chat=(20, 10.0))
    await emu.start()
    result = Result(label)
    stop = asyncio.Event()
    with tempfile.TemporaryDirectory() as folder:
        uids = [emu.add_user(f"P{i}", language_code="en") for i in range(people)]
        for uid in uids:
            emu.user(uid).started = True
        staff = emu.add_user("Nadia", language_code="en")
        emu.user(staff).started = True
        ids = Path(folder) / "ids.txt"
        ids.write_text("\n".join(str(uid) for uid in uids))
        db = Path(folder) / "bench.db"
        if label == "passerelle":
            await _seed(db, uids)
        env = {
            "PASSERELLE_ADMINS": str(staff),
            "PASSERELLE_BROADCAST_IDS": str(ids),
            "PASSERELLE_BROADCAST_TEXT": TEXT,
        }
        process = await _start(emu, command, db, env)
        try:
            if label == "passerelle":
                await _compose(emu, staff)
            else:
                await emu.send_text(staff, "/broadcast")
            begun = time.monotonic()
            chatting = [
                asyncio.create_task(_chat(emu, steps, think, result.latencies, stop, seed))
                for seed in range(chatters)
            ]
            chatting.append(asyncio.create_task(_watch_lag(result, stop)))
            last_count, last_change = -1, time.monotonic()
            tried = Attempts(emu, uids)
            while True:
                await asyncio.sleep(5.0)
                count = tried()
                print(f"  {label}: {count} of {people} after {time.monotonic() - begun:.0f} s")
                if count == people and all(
                    any(m.text == TEXT for m in emu.bot_messages(uid)) for uid in uids
                ):
                    break
                if count != last_count:
                    last_count, last_change = count, time.monotonic()
                elif time.monotonic() - last_change > 120:
                    break  # nothing more for two minutes: what is missing is missing
                if time.monotonic() - begun > people / 15 + 120:
                    break  # half of Telegram's rate or less: it would never end
            stop.set()
            await asyncio.gather(*chatting)
        finally:
            process.terminate()
            await process.wait()
            await emu.stop()
    for uid in uids:
        copies = [m.date for m in emu.bot_messages(uid) if m.text == TEXT]
        result.deliveries += copies[:1]
        result.duplicates += max(len(copies) - 1, 0)
        result.missing += not copies
    first, last = min(result.deliveries), max(result.deliveries)
    for chat in emu.state.chats.values():
        for message in chat.messages.values():
            when = [message.date, message.edit_date or message.date]
            result.all_sends += message.from_bot and any(first <= at <= last for at in when)
    result.too_many = sum(1 for _, code, _ in emu.errors if code == 429)
    for method, code, _ in emu.errors:
        if code == 429:
            result.too_many_by_method[method] = result.too_many_by_method.get(method, 0) + 1
    result.other_errors = [
        f"{method} {code} {text}" for method, code, text in emu.errors if code not in (409, 429)
    ]
    return result


def _report(result: Result) -> None:
    values = sorted(result.latencies)
    print(
        f"{result.label:>10}: {len(result.deliveries)} delivered in {result.seconds:.0f} s:"
        f" {result.rate:.2f} broadcast msg/s, {result.all_sends / result.seconds:.2f} msg/s"
        f" of all sends; 429s {result.too_many}; duplicates {result.duplicates};"
        f" missing {result.missing}"
    )
    if values:
        print(
            f"{'':>10}  chatters: {len(values)} replies; p50"
            f" {statistics.median(values) * 1000:.0f} ms, p95 {result.p95() * 1000:.0f} ms,"
            f" max {values[-1] * 1000:.0f} ms"
        )
    if result.too_many_by_method:
        print(f"{'':>10}  429s by method: {result.too_many_by_method}")
    print(f"{'':>10}  emulator event loop late by {result.lag * 1000:.0f} ms at worst")
    for line in result.other_errors[:5]:
        print(f"{'':>10}  error: {line}")


async def main() -> None:
    """Runs the broadcast with each bot and prints the figures and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--chatters", type=int, default=5)
    parser.add_argument("--think", type=float, nargs=2, default=(1.5, 3.5))
    parser.add_argument(
        "--bots", nargs="+", choices=("baseline", "passerelle"), default=["baseline", "passerelle"]
    )
    args = parser.parse_args()
    think = (args.think[0], args.think[1])
    print(
        f"{datetime.now(UTC):%Y-%m-%d} · {os.cpu_count()} cores · Python"
        f" {platform.python_version()} · {args.people} people, {args.chatters} chatting at a"
        f" time (think {think[0]}-{think[1]} s), emulator 30/s overall and 20 per 10 s a chat"
    )
    bots = (
        (
            "baseline",
            [sys.executable, str(ROOT / "benchmarks" / "baseline_broadcast.py")],
            BASELINE,
        ),
        ("passerelle", [sys.executable, "-m", "bot.cli", "run"], MENTEE),
    )
    results = {}
    for label, command, steps in (bot for bot in bots if bot[0] in args.bots):
        results[label] = await _run(label, command, steps, args.people, args.chatters, think)
        _report(results[label])
    if len(results) == 2:
        ours, base = results["passerelle"], results["baseline"]
        print(
            f"ratio passerelle/baseline: broadcast msg/s {ours.rate / base.rate:.2f},"
            f" chatters' p95 {ours.p95() / base.p95():.3f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
