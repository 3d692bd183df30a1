"""The delivery engine through a real `passerelle run`: crashes, Telegram faults, slow chats.

Each test plays what went wrong on the first round's main: a kill -9 right after a staff
action was committed, a 429 or a hanging send on one person's chat, a run of 5xx, a 429
on getUpdates, a locked database, two instances on one database.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.runtime.db import Database
from bot.runtime.outbox import Outbox
from bot.runtime.replies import Send
from tests.applicants import store_applicant
from tests.harness import START, Person, new_person, start_process

pytestmark = pytest.mark.slow


async def seed(db: Path, *applicants: tuple[Person, str, str]) -> None:
    """Stores people with submitted applications: (person, role, status)."""
    database = Database(db)
    await database.open()
    try:
        for person, role, status in applicants:
            person.emu.user(person.uid).started = True
            await store_applicant(
                database,
                person.uid,
                role,
                first_name=person.emu.user(person.uid).first_name,
                status=status,
                language="fr" if role == "mentee" else "en",
            )
    finally:
        await database.close()


def known_people(emu: Emulator, count: int) -> list[Person]:
    """People who have talked to the bot before (so it may write to them first)."""
    people = [new_person(emu, f"P{i}") for i in range(count)]
    for person in people:
        emu.user(person.uid).started = True
    return people


def rows(db: Path, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, tuple(params)).fetchall()


def received(person: Person) -> list[str]:
    return [m.text for m in person.emu.bot_messages(person.uid)]


@contextlib.asynccontextmanager
async def bot_process(emu: Emulator, db: Path, **env: str) -> AsyncIterator[list[object]]:
    """Runs `passerelle run`; yields a one-item list holding the current process."""
    holder: list[object] = [await start_process(emu, db, **env)]
    try:
        yield holder
    finally:
        process = holder[0]
        assert isinstance(process, asyncio.subprocess.Process)
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 10)


async def kill_9(holder: list[object]) -> None:
    process = holder[0]
    assert isinstance(process, asyncio.subprocess.Process)
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def settled(db: Path, timeout: float = 10.0) -> None:
    """Waits until nothing is left to send in the outbox."""
    for _ in range(int(timeout / 0.05)):
        if not rows(db, "SELECT 1 FROM outbox WHERE status = 'pending'"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"outbox not settled: {rows(db, 'SELECT id, status FROM outbox')}")


async def test_kill_9_after_approve_tells_the_candidate_exactly_once(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, zoe = new_person(emu, "Nadia"), new_person(emu, "Zoé", "fr")
    await seed(db, (zoe, "mentee", "pending"))
    env = {"PASSERELLE_ADMINS": str(nadia.uid)}
    async with bot_process(emu, db, **env) as holder:
        await nadia.send("/review", expect="waiting for review")
        held = emu.hold(chat_id=nadia.uid)  # her answer is in flight when the bot dies
        stuck = emu.fault(chat_id=zoe.uid, hang=True)  # and so is the candidate's notice
        await nadia.tap("Approve")
        await held.wait(1)
        await kill_9(holder)
        assert rows(db, "SELECT status FROM applications WHERE user_id = ?", (zoe.uid,)) == [
            ("approved",)
        ], "the decision was committed before the bot died"
        assert received(zoe) == []
        stuck.clear()
        held.release()
        holder[0] = await start_process(emu, db, **env)
        await emu.wait_for(zoe.uid, contains="acceptée", timeout=10)
        await settled(db)
        await asyncio.sleep(0.5)  # time enough for a second copy to show up
        assert len(received(zoe)) == 1, received(zoe)
        assert rows(db, "SELECT status FROM outbox WHERE chat_id = ?", (zoe.uid,)) == [("sent",)]
        # The replayed press shows Nadia where things stand, not an empty answer.
        await emu.wait_for(nadia.uid, contains="no applications waiting", since=0, timeout=5)


async def test_kill_9_after_pair_and_pair_all_introduces_everyone_exactly_once(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    chloe, awa = new_person(emu, "Chloé"), new_person(emu, "Awa", "fr")
    mentors = [new_person(emu, f"Mentor{i}") for i in range(3)]
    mentees = [new_person(emu, f"Mentee{i}", "fr") for i in range(3)]
    await seed(
        db,
        (chloe, "mentor", "approved"),
        (awa, "mentee", "approved"),
        *((m, "mentor", "approved") for m in mentors),
        *((m, "mentee", "approved") for m in mentees),
    )
    env = {"PASSERELLE_ADMINS": str(nadia.uid)}
    async with bot_process(emu, db, **env) as holder:
        await nadia.send("/start", expect="/review")
        held = emu.hold(chat_id=nadia.uid)
        stuck = [emu.fault(chat_id=p.uid, hang=True) for p in (chloe, awa)]
        await emu.send_text(nadia.uid, f"/pair {chloe.uid} {awa.uid}")
        await held.wait(1)
        await kill_9(holder)
        assert len(rows(db, "SELECT id FROM pairs WHERE ended_at IS NULL")) == 1
        for fault in stuck:
            fault.clear()
        held.release()
        holder[0] = await start_process(emu, db, **env)
        for person in (chloe, awa):
            await emu.wait_for(person.uid, since=0, timeout=10)
        await emu.wait_for(nadia.uid, contains="Chloé", since=0, timeout=5)

        await nadia.send("/pair", expect="suggested pairs")
        await emu.wait_for(nadia.uid, predicate=lambda m: "Pair all" in str(m.buttons), since=0)
        held = emu.hold(chat_id=nadia.uid)
        stuck = [emu.fault(chat_id=p.uid, hang=True) for p in (chloe, *mentors, *mentees)]
        await nadia.tap("Pair all")
        await held.wait(1)
        await kill_9(holder)
        assert len(rows(db, "SELECT id FROM pairs WHERE ended_at IS NULL")) == 4
        for fault in stuck:
            fault.clear()
        held.release()
        holder[0] = await start_process(emu, db, **env)
        await settled(db)
        await emu.wait_for(nadia.uid, contains="3 pairs formed", since=0, timeout=5)
        await asyncio.sleep(0.5)  # time enough for a second copy to show up
    assert len(rows(db, "SELECT id FROM pairs WHERE ended_at IS NULL")) == 4
    everyone = (chloe, awa, *mentors, *mentees)
    owed = {p.uid: rows(db, "SELECT COUNT(*) FROM outbox WHERE chat_id = ?", (p.uid,))[0][0]
            for p in everyone}  # fmt: skip
    assert sum(owed.values()) == 8, "two introductions for each of the four pairs"
    assert rows(db, "SELECT DISTINCT status FROM outbox") == [("sent",)]
    for person in everyone:
        assert len(received(person)) == owed[person.uid], (person.uid, received(person))


async def test_a_60_s_retry_after_on_one_chat_delays_nobody_else(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    slow = new_person(emu, "Slow")
    others = [new_person(emu, f"P{i}") for i in range(20)]
    async with bot_process(emu, db) as holder:
        emu.fault(chat_id=slow.uid, status=429, retry_after=60)
        await emu.send_text(slow.uid, "/help")
        await asyncio.sleep(0.3)  # her reply is now waiting out its 60 s
        waits = await _help_round_trips(others)
        assert max(waits) < 1.0, sorted(waits)[-3:]
        assert received(slow) == []
        started = time.monotonic()
        process = holder[0]
        assert isinstance(process, asyncio.subprocess.Process)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
        assert time.monotonic() - started < 5.0, "SIGTERM ends the wait"


async def test_a_hanging_chat_delays_nobody_else(emu: Emulator, tmp_path: Path) -> None:
    db = tmp_path / "passerelle.db"
    slow = new_person(emu, "Slow")
    others = [new_person(emu, f"P{i}") for i in range(20)]
    async with bot_process(emu, db):
        stuck = emu.fault(chat_id=slow.uid, hang=True)
        await emu.send_text(slow.uid, "/help")
        await asyncio.sleep(0.3)
        waits = await _help_round_trips(others)
        assert max(waits) < 1.0, sorted(waits)[-3:]
        stuck.clear()
        await emu.wait_for(slow.uid, contains="/start", since=0, timeout=15)


async def _help_round_trips(people: Sequence[Person]) -> list[float]:
    """Each person sends /help (a little apart, as people do); seconds to each answer."""

    async def one(person: Person, delay: float) -> float:
        await asyncio.sleep(delay)
        started = time.monotonic()
        await person.send("/help", expect="/start", timeout=10)
        return time.monotonic() - started

    return list(await asyncio.gather(*(one(p, i * 0.05) for i, p in enumerate(people))))


async def test_a_15_s_run_of_5xx_then_every_message_is_delivered_once(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    people = known_people(emu, 6)
    async with bot_process(emu, db):
        emu.fault(method="sendMessage", status=502, description="Bad Gateway", seconds=15)
        outbox = await _outbox(db)
        await outbox.put([Send(p.uid, f"Notice for {p.uid}") for p in people])
        await outbox.db.close()
        await settled(db, timeout=60)
    for person in people:
        assert received(person) == [f"Notice for {person.uid}"]
    assert any(code == 502 for _, code, _ in emu.errors)


async def _outbox(db: Path) -> Outbox:
    from bot.runtime.clock import FrozenClock

    database = Database(db)
    await database.open()
    return Outbox(database, FrozenClock(START))


async def test_a_429_on_get_updates_is_waited_out(emu: Emulator, tmp_path: Path) -> None:
    db = tmp_path / "passerelle.db"
    awa = new_person(emu, "Awa")
    async with bot_process(emu, db) as holder:
        emu.fault(method="getUpdates", status=429, retry_after=2, times=1)
        await emu.send_text(awa.uid, "/help")
        await emu.wait_for(awa.uid, contains="/start", since=0, timeout=10)
        process = holder[0]
        assert isinstance(process, asyncio.subprocess.Process)
        assert process.returncode is None, "the bot is still running"
    assert any(method.lower() == "getupdates" and code == 429 for method, code, _ in emu.errors)


async def test_a_locked_database_during_delivery_is_waited_out(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    people = known_people(emu, 3)
    async with bot_process(emu, db):
        with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
            conn.execute("BEGIN EXCLUSIVE")
            for person in people:
                conn.execute(
                    "INSERT INTO outbox(chat_id, body, created_at) VALUES (?, ?, ?)",
                    (person.uid, f'{{"text": "Hello {person.uid}", "keyboard": []}}', "x"),
                )
            await asyncio.sleep(7)  # longer than the bot's 5 s busy timeout
            conn.execute("COMMIT")
        await settled(db, timeout=40)
        # The courier is still alive: a later message goes out too.
        outbox = await _outbox(db)
        await outbox.put([Send(people[0].uid, "Later")])
        await outbox.db.close()
        await emu.wait_for(people[0].uid, contains="Later", since=0, timeout=10)
    for person in people:
        assert received(person)[0] == f"Hello {person.uid}"
        assert received(person).count(f"Hello {person.uid}") == 1


async def test_two_instances_on_one_database_send_each_row_once(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    people = known_people(emu, 20)
    outbox = await _outbox(db)
    await outbox.put([Send(p.uid, f"Backlog for {p.uid}") for p in people])
    await outbox.db.close()
    async with bot_process(emu, db), bot_process(emu, db):
        await settled(db, timeout=20)
        await asyncio.sleep(1.0)
    for person in people:
        assert received(person) == [f"Backlog for {person.uid}"]
