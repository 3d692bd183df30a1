"""A core on a fresh database with a frozen clock, and a Montreal-Dakar pair to plan with."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core, build_core
from bot.meetings.week import Part, Week, cell
from bot.runtime.clock import FrozenClock
from bot.runtime.settings import Settings
from tests.applicants import store_applicant

MONDAY = datetime(2027, 1, 11, 14, 0, tzinfo=UTC)  # 09:00 in Montreal, 14:00 in Dakar
MONTREAL, DAKAR = "America/Toronto", "Africa/Dakar"
CHLOE, AWA, STRANGER = 1001, 2001, 3001


def every_weekday(part: Part) -> Week:
    return Week(sum(1 << cell(day, part) for day in range(5)))


@dataclass
class Pair:
    core: Core
    clock: FrozenClock
    id: int
    mentor: int = CHLOE
    mentee: int = AWA


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, db=tmp_path / "passerelle.db")  # type: ignore[call-arg]
    built = await build_core(settings, FrozenClock(MONDAY))
    yield built
    await built.close()


async def add_person(
    core: Core, user_id: int, role: str, name: str, language: str, zone: str
) -> None:
    await store_applicant(core.db, user_id, role, first_name=name, language=language)
    async with core.db.write() as conn:
        await conn.execute("UPDATE people SET timezone = ? WHERE user_id = ?", (zone, user_id))


async def save_week(core: Core, user_id: int, week: Week) -> None:
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO availability(user_id, cells, draft, saved_at, updated_at)"
            " VALUES (?, ?, ?, 'x', 'x') ON CONFLICT(user_id) DO UPDATE SET cells = excluded.cells,"
            " saved_at = 'x'",
            (user_id, week.mask, week.mask),
        )


@pytest.fixture
async def pair(core: Core) -> Pair:
    """Chloé (mentor, French, Montreal, weekday mornings) and Awa (mentee, English, Dakar,
    weekday afternoons), paired."""
    await add_person(core, CHLOE, "mentor", "Chloé", "fr", MONTREAL)
    await add_person(core, AWA, "mentee", "Awa", "en", DAKAR)
    await add_person(core, STRANGER, "mentee", "Zoé", "en", DAKAR)
    await save_week(core, CHLOE, every_weekday(Part.MORNING))
    await save_week(core, AWA, every_weekday(Part.AFTERNOON))
    paired = await core.pairing.create(0, CHLOE, AWA, None)
    assert not hasattr(paired, "issues"), paired
    clock = core.clock
    assert isinstance(clock, FrozenClock)
    return Pair(core, clock, paired.pair.id)  # type: ignore[union-attr]


async def outbox(core: Core) -> list[tuple[int, dict[str, Any]]]:
    """Every outbox row, oldest first: (chat, decoded body)."""
    rows = await core.db.fetchall("SELECT chat_id, body FROM outbox ORDER BY id")
    return [(row["chat_id"], json.loads(row["body"])) for row in rows]


async def open_timers(core: Core) -> dict[str, str]:
    """Open timers: id -> due time."""
    rows = await core.db.fetchall(
        "SELECT id, due_at FROM timers WHERE done_at IS NULL AND cancelled_at IS NULL"
        " AND kind LIKE 'meeting.%' ORDER BY due_at, id"
    )
    return {row["id"]: row["due_at"] for row in rows}
