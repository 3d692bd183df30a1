"""Driving /availability and /meet through the emulator: grids, pairs, documents, clocks."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from icalendar import Calendar

from bot.core import Core
from bot.emulator import Emulator, EmuMessage
from bot.meetings.week import Part, Week, cell
from bot.pairing.service import Pairing
from bot.runtime.clock import FrozenClock, SystemClock
from bot.runtime.db import Database
from tests.applicants import store_applicant
from tests.harness import Person

MONTREAL, DAKAR = "America/Toronto", "Africa/Dakar"
SAVED = "2027-01-04T12:00:00Z"  # when a week stored by save_week was saved


def plain(text: str) -> str:
    """What a person reads of an HTML message."""
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


async def paired_in(db_path: Path, chloe: Person, awa: Person, week: Week | None = None) -> int:
    """Before the bot runs: Chloé (mentor, French) and Awa (mentee, English), who have talked
    to the bot, paired in the database at `db_path` (each free in `week`, if given); the
    pair's id."""
    database = Database(db_path)
    await database.open()
    try:
        for person, role, language in ((chloe, "mentor", "fr"), (awa, "mentee", "en")):
            user = person.emu.user(person.uid)
            user.started = True
            await store_applicant(
                database, person.uid, role, first_name=user.first_name, language=language
            )
            if week is not None:
                await save_week(database, person, week)
        paired = await Pairing(database, SystemClock()).create(0, chloe.uid, awa.uid, None)
        pair = getattr(paired, "pair", None)
        assert pair is not None, paired
        return int(pair.id)
    finally:
        await database.close()


async def enrol(db: Database, person: Person, role: str, language: str, zone: str) -> None:
    """Stores an approved applicant who has talked to the bot, in her time zone."""
    user = person.emu.user(person.uid)
    user.started = True
    await store_applicant(db, person.uid, role, first_name=user.first_name, language=language)
    async with db.write() as conn:
        await conn.execute("UPDATE people SET timezone = ? WHERE user_id = ?", (zone, person.uid))


async def pair_up(core: Core, mentor: Person, mentee: Person) -> int:
    """Pairs them as staff would (the introductions are tested with pairing)."""
    paired = await core.pairing.create(0, mentor.uid, mentee.uid, None)
    pair = getattr(paired, "pair", None)
    assert pair is not None, paired
    return int(pair.id)


def grid(person: Person) -> EmuMessage:
    """Her newest message with the weekly grid."""
    return next(m for m in reversed(person.emu.bot_messages(person.uid)) if len(m.buttons) == 8)


async def toggle_cell(person: Person, day: int, part: int) -> EmuMessage:
    """Presses one toggle of the grid (day 0 = Monday, part 0 = morning), waits for the edit."""
    message = grid(person)
    button = message.reply_markup["inline_keyboard"][day][part + 1]  # type: ignore[index]
    mark = person.emu.mark()
    result = await person.emu.press_data(person.uid, message.message_id, button["callback_data"])
    assert result.answered
    return await person.emu.wait_for(
        person.uid, predicate=lambda m: m.message_id == message.message_id, since=mark
    )


async def give_availability(person: Person, days: range, part: int, done: str) -> EmuMessage:
    """Sends /availability, selects one part on each of the days, presses Done."""
    await person.send("/availability", expect="🗓")
    for day in days:
        await toggle_cell(person, day, part)
    mark = person.emu.mark()
    await person.tap(done, grid(person).message_id)
    return await person.emu.wait_for(person.uid, contains="✅", since=mark)


def buttons_of(message: EmuMessage) -> list[dict[str, Any]]:
    return message.inline_buttons


def documents(emu: Emulator, uid: int) -> list[EmuMessage]:
    """The documents the bot sent her, oldest first."""
    return [m for m in emu.bot_messages(uid) if m.document is not None]


def event_of(message: EmuMessage) -> tuple[str, Any]:
    """The METHOD and the one VEVENT of an .ics document."""
    assert message.document is not None and message.document.filename.endswith(".ics")
    calendar = Calendar.from_ical(message.document.data)
    (event,) = calendar.walk("VEVENT")
    return str(calendar["method"]), event


def clock_of(core: Core) -> FrozenClock:
    clock = core.clock
    assert isinstance(clock, FrozenClock)
    return clock


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def save_week(db: Database, person: Person, week: Week) -> None:
    """Stores a saved weekly grid directly (the grid itself is driven in its own test)."""
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO availability(user_id, cells, draft, saved_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET"
            " cells = excluded.cells, saved_at = excluded.saved_at",
            (person.uid, week.mask, week.mask, SAVED, SAVED),
        )


def days_of(days: range, part: Part) -> Week:
    """One part of the day on each of the days (0 = Monday)."""
    return Week(sum(1 << cell(day, part) for day in days))


async def settled(core: Core, timeout: float = 15.0) -> None:
    """Waits until the outbox has nothing left to send."""
    for _ in range(int(timeout / 0.05)):
        if not (await core.outbox.counts()).get("pending"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"outbox not settled: {await core.outbox.counts()}")


def count(emu: Emulator, uid: int, text: str) -> int:
    """How many of the bot's messages to her contain a text."""
    return sum(1 for m in emu.bot_messages(uid) if text in m.text)


async def document_count(emu: Emulator, uid: int, expected: int, timeout: float = 10.0) -> None:
    """Waits until she has `expected` documents, then checks no more came."""
    for _ in range(int(timeout / 0.05)):
        if len(documents(emu, uid)) >= expected:
            break
        await asyncio.sleep(0.05)
    assert len(documents(emu, uid)) == expected, [m.text for m in emu.bot_messages(uid)]
