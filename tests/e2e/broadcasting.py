"""Drivers for the broadcast tests: many known people at once, a staff member who broadcasts."""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from bot.emulator import Emulator, EmuMessage
from bot.privacy.notice import VERSION as PRIVACY_VERSION
from bot.runtime.db import Database
from tests.harness import Person


@pytest.fixture(name="emu")
async def limited_emu() -> AsyncIterator[Emulator]:
    """The emulator with Telegram's limits: 30 a second overall and a per-chat limit."""
    emulator = Emulator(rate_limit_per_second=30, per_chat=(20, 10.0))
    await emulator.start()
    yield emulator
    await emulator.stop()


ZONES = ("Africa/Dakar", "America/La_Paz", "America/Toronto", "Asia/Manila")
LANGUAGES = ("fr", "es", "en")


async def seed_people(
    db: Path,
    emu: Emulator,
    count: int,
    languages: Sequence[str] = LANGUAGES,
    zones: Sequence[str] = ZONES,
) -> list[int]:
    """People who talked to the bot before (stored, and known to the emulator); their ids."""
    uids = []
    for index in range(count):
        language = languages[index % len(languages)]
        uid = emu.add_user(f"P{index}", language_code=language)
        emu.user(uid).started = True
        uids.append(uid)
    database = Database(db)
    await database.open()
    try:
        async with database.write() as conn:
            await conn.executemany(
                "INSERT INTO people(user_id, first_name, language, timezone, consented_at,"
                " consent_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        uid,
                        f"P{index}",
                        languages[index % len(languages)],
                        zones[index % len(zones)],
                        "2027-01-01T00:00:00Z",
                        PRIVACY_VERSION,
                        "2027-01-01T00:00:00Z",
                        "2027-01-01T00:00:00Z",
                    )
                    for index, uid in enumerate(uids)
                ],
            )
    finally:
        await database.close()
    return uids


def received(emu: Emulator, uids: Sequence[int], contains: str) -> Counter[int]:
    """How many bot messages containing `contains` each person got."""
    return Counter(
        {uid: sum(1 for m in emu.bot_messages(uid) if contains in m.text) for uid in uids}
    )


def sql(db: Path, query: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
    """Runs a query on the bot's database from outside."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(query, tuple(params)).fetchall()


async def compose(staff: Person, audience: str, text: str) -> EmuMessage:
    """/broadcast, an audience, the text: returns the control message under the preview."""
    await staff.send("/broadcast", expect="Who should receive it")
    prompt = await staff.toggle(audience)
    assert "Now send the announcement" in prompt.text, prompt.text
    return await staff.send(text, expect="Preview")
