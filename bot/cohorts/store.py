"""Cohorts as stored, and the check-in schedule a person follows: her cohort's, else the
program's defaults (PASSERELLE_CHECKIN_DAYS and PASSERELLE_CHECKIN_HOUR).

A person belongs to the cohort whose code she applied with (`/start <code>` stores it in
applications.cohort); a pair follows each member's own cohort for her own check-ins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import aiosqlite

from bot.runtime.db import Database, Row


@dataclass(frozen=True)
class Cohort:
    """One cohort: its deep-link code, name, check-in schedule, pause and end."""

    code: str
    name: str
    cadence_days: int
    checkin_hour: int
    paused_from: date | None
    paused_until: date | None  # inclusive
    ends_on: date | None
    staff_id: int | None  # the staff member in charge, if any
    created_by: int
    created_at: str

    def paused_on(self, day: date) -> bool:
        """Whether check-ins are paused (a holiday) on this local date."""
        if self.paused_from is None:
            return False
        return self.paused_from <= day and (self.paused_until is None or day <= self.paused_until)


@dataclass(frozen=True)
class Schedule:
    """When someone's check-ins come: every `days` days at `hour` of her local time."""

    days: int
    hour: int
    cohort: Cohort | None = None

    def paused_on(self, day: date) -> bool:
        """Whether her cohort's check-ins are paused on this local date."""
        return self.cohort is not None and self.cohort.paused_on(day)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def cohort_from_row(row: Row) -> Cohort:
    """A cohort from its `cohorts` row."""
    return Cohort(
        code=row["code"],
        name=row["name"],
        cadence_days=row["cadence_days"],
        checkin_hour=row["checkin_hour"],
        paused_from=_date(row["paused_from"]),
        paused_until=_date(row["paused_until"]),
        ends_on=_date(row["ends_on"]),
        staff_id=row["staff_id"] or None,
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


async def load_cohort(conn: aiosqlite.Connection, code: str) -> Cohort | None:
    """The cohort with this code (codes compare case-insensitively), if any."""
    rows = await Database.rows(conn, "SELECT * FROM cohorts WHERE lower(code) = lower(?)", (code,))
    return cohort_from_row(rows[0]) if rows else None


async def all_cohorts(conn: aiosqlite.Connection) -> list[Cohort]:
    """Every cohort, by name."""
    rows = await Database.rows(conn, "SELECT * FROM cohorts ORDER BY lower(name), code")
    return [cohort_from_row(row) for row in rows]


async def members_of(conn: aiosqlite.Connection, code: str) -> set[int]:
    """Who applied with this cohort's code (codes compare case-insensitively)."""
    rows = await Database.rows(
        conn, "SELECT user_id FROM applications WHERE lower(cohort) = lower(?)", (code,)
    )
    return {row["user_id"] for row in rows}


async def cohort_of(conn: aiosqlite.Connection, user_id: int) -> Cohort | None:
    """The cohort a person applied with, if it exists."""
    rows = await Database.rows(
        conn,
        "SELECT c.* FROM applications a JOIN cohorts c ON lower(c.code) = lower(a.cohort)"
        " WHERE a.user_id = ?",
        (user_id,),
    )
    return cohort_from_row(rows[0]) if rows else None


async def schedule_of(
    conn: aiosqlite.Connection, user_id: int, default_days: int, default_hour: int
) -> Schedule:
    """A person's check-in schedule: her cohort's, else the defaults."""
    cohort = await cohort_of(conn, user_id)
    if cohort is None:
        return Schedule(default_days, default_hour)
    return Schedule(cohort.cadence_days, cohort.checkin_hour, cohort)
