"""A core with two admins (one configured, one promoted, English and French), a pair, a cohort
with a Spanish-speaking staff member in charge, and check-in rows stored directly."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.checkins.triggers import Kind, Trigger
from bot.core import Core, build_core
from bot.runtime.clock import FrozenClock
from bot.runtime.settings import Settings
from tests.applicants import store_applicant

NOW = datetime(2027, 1, 13, 15, 0, tzinfo=UTC)  # 10:00 in Montreal, 15:00 in Dakar
NADIA, INES, SAM, OTTO = 9001, 9002, 9003, 9004  # admin (en), admin (fr), staff (es), staff
CHLOE, AWA = 1001, 2001  # mentor (fr, Montreal), mentee (en, Dakar)


@dataclass
class World:
    core: Core
    clock: FrozenClock
    pair_id: int


async def add_person(
    core: Core, user_id: int, name: str, language: str, zone: str, last: str | None = None
) -> None:
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO people(user_id, first_name, last_name, language, timezone, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, 'x', 'x')",
            (user_id, name, last, language, zone),
        )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, db=tmp_path / "passerelle.db", admins=(NADIA,)
    )
    clock = FrozenClock(NOW)
    core = await build_core(settings, clock)
    await add_person(core, NADIA, "Nadia", "en", "America/Toronto", "Benali")
    await add_person(core, INES, "Inès", "fr", "Europe/Paris")
    await add_person(core, SAM, "Sam", "es", "America/Mexico_City")
    await add_person(core, OTTO, "Otto", "en", "Europe/Berlin")
    await store_applicant(core.db, CHLOE, "mentor", first_name="Chloé", language="fr")
    await store_applicant(core.db, AWA, "mentee", first_name="Awa", language="en", username="awa_d")
    async with core.db.write() as conn:
        await conn.executemany(
            "INSERT INTO staff(user_id, role, added_by, added_at) VALUES (?, ?, ?, 'x')",
            [(INES, "admin", NADIA), (SAM, "staff", NADIA), (OTTO, "staff", NADIA)],
        )
    paired = await core.pairing.create(0, CHLOE, AWA, None)
    await core.db.run("DELETE FROM outbox")  # the introductions are pairing's
    yield World(core, clock, paired.pair.id)  # type: ignore[union-attr]
    await core.close()


async def put_in_cohort(world: World, user_id: int, staff_id: int | None) -> None:
    """Makes a cohort with this staff member in charge and puts her in it."""
    async with world.core.db.write() as conn:
        await conn.execute(
            "INSERT INTO cohorts(code, name, staff_id, created_by, created_at)"
            " VALUES ('dakar27', 'Dakar 2027', ?, ?, 'x')",
            (staff_id, NADIA),
        )
        await conn.execute(
            "UPDATE applications SET cohort = 'DAKAR27' WHERE user_id = ?", (user_id,)
        )


async def add_checkin(
    world: World,
    user_id: int,
    rating: int | None,
    worked_on: str | None = None,
    help_text: str | None = None,
) -> int:
    """An answered check-in of hers, stored directly; its id."""
    async with world.core.db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO checkins(user_id, pair_id, reason, status, rating, worked_on,"
            " needs_help, help_text, opened_at, answered_at)"
            " VALUES (?, ?, 'cadence', 'answered', ?, ?, ?, ?, 'x', 'x')",
            (user_id, world.pair_id, rating, worked_on, help_text is not None, help_text),
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def raise_one(world: World, trigger: Trigger) -> None:
    """Raises a trigger in a transaction of its own, as the check-in service would."""
    async with world.core.db.write() as conn:
        await world.core.alerts.raise_alert(conn, trigger)


def trigger(world: World, kind: Kind, checkin_id: int | None = None) -> Trigger:
    """A trigger about Awa in the pair."""
    return Trigger(kind, AWA, world.pair_id, checkin_id=checkin_id)


async def outbox(core: Core) -> list[tuple[int, dict[str, Any]]]:
    """Every outbox row, oldest first: (chat, decoded body)."""
    rows = await core.db.fetchall("SELECT chat_id, body FROM outbox ORDER BY id")
    return [(row["chat_id"], json.loads(row["body"])) for row in rows]


async def alerts(core: Core) -> list[dict[str, Any]]:
    """Every alert row, oldest first."""
    return [dict(row) for row in await core.db.fetchall("SELECT * FROM checkin_alerts ORDER BY id")]
