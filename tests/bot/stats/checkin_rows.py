"""Check-in rows written straight into the tables, for the figures' tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core import Core
from bot.stats.checkins import stamp

AT = "2027-01-01T00:00:00Z"


async def person(core: Core, user_id: int, name: str, cohort: str | None = None) -> int:
    """A participant who applied (with a cohort code, or none)."""
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO people(user_id, first_name, language, created_at, updated_at)"
            " VALUES (?, ?, 'en', ?, ?)",
            (user_id, name, AT, AT),
        )
        await conn.execute(
            "INSERT INTO applications(user_id, flow, status, cohort, started_at, updated_at)"
            " VALUES (?, 'application', 'approved', ?, ?, ?)",
            (user_id, cohort, AT, AT),
        )
    return user_id


async def cohort(core: Core, code: str, name: str) -> None:
    """A cohort."""
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO cohorts(code, name, created_by, created_at) VALUES (?, ?, 1, ?)",
            (code, name, AT),
        )


async def pair(core: Core, mentor: int, mentee: int, ended: bool = False) -> int:
    """A pair (active unless ended)."""
    async with core.db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO pairs(mentor_id, mentee_id, created_at, created_by, ended_at)"
            " VALUES (?, ?, ?, 1, ?)",
            (mentor, mentee, AT, AT if ended else None),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


async def checkin(
    core: Core,
    pair_id: int,
    user_id: int,
    opened: datetime,
    status: str,
    rating: int | None = None,
    answered: datetime | None = None,
    cohort: str | None = None,
) -> None:
    """One check-in asked of one person; an answered one is answered an hour after by
    default."""
    if status == "answered" and answered is None:
        answered = opened + timedelta(hours=1)
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO checkins(user_id, pair_id, cohort, reason, status, rating, opened_at,"
            " answered_at) VALUES (?, ?, ?, 'cadence', ?, ?, ?, ?)",
            (
                user_id,
                pair_id,
                cohort,
                status,
                rating,
                stamp(opened),
                stamp(answered) if answered else None,
            ),
        )


async def alert(core: Core, pair_id: int, user_id: int, handled: bool = False) -> None:
    """An alert about a pair, handled or not."""
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO checkin_alerts(user_id, pair_id, kind, created_at, handled_by,"
            " handled_at) VALUES (?, ?, 'help', ?, ?, ?)",
            (user_id, pair_id, AT, 1 if handled else None, AT if handled else None),
        )
