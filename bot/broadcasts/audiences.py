"""Who an announcement reaches: the segments staff choose from, counted and listed in SQL.

Program staff are never in an audience (they write the announcements and see the preview),
nor is anyone Telegram refused a message to (403: she blocked the bot or deleted her account)
until she writes to the bot again. Applicants are people whose application is in progress or
waiting for review; participants those approved, mentors and mentees among them. A country
is where a mentee's business is or where a mentor wants to go, and Canada is every mentor's;
a cohort is the code someone applied with (a /start link). Both count everyone whose
application is still open or approved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.runtime.db import Database

EVERYONE = "everyone"
APPLICANTS = "applicants"
PARTICIPANTS = "participants"
MENTORS = "mentors"
MENTEES = "mentees"
SEGMENTS = (EVERYONE, APPLICANTS, PARTICIPANTS, MENTORS, MENTEES)
COUNTRY = "country"
LANGUAGE = "language"
COHORT = "cohort"
CHOOSING = (COUNTRY, LANGUAGE, COHORT)
CANADA = "canada"
NO_PREFERENCE = "any"

_OPEN = "a.status IN ('in_progress', 'pending', 'approved')"
_APPLICATION = {
    APPLICANTS: "a.status IN ('in_progress', 'pending')",
    PARTICIPANTS: "a.status = 'approved'",
    MENTORS: "a.status = 'approved' AND a.role = 'mentor'",
    MENTEES: "a.status = 'approved' AND a.role = 'mentee'",
}
# The answer that places someone in a country: a mentee's business, a mentor's destination.
_PLACE_STEP = "CASE a.role WHEN 'mentor' THEN 'destination' ELSE 'country' END"


@dataclass(frozen=True)
class Audience:
    """A segment: its kind and, for a country, a language or a cohort, which one."""

    kind: str
    value: str | None = None

    def __post_init__(self) -> None:
        if self.kind in SEGMENTS and self.value is not None:
            raise ValueError(f"{self.kind} takes no value")
        if self.kind in CHOOSING and not self.value:
            raise ValueError(f"{self.kind} needs a value")
        if self.kind not in SEGMENTS and self.kind not in CHOOSING:
            raise ValueError(f"unknown audience {self.kind!r}")


def _has(condition: str) -> str:
    return f"EXISTS (SELECT 1 FROM applications a WHERE a.user_id = p.user_id AND {condition})"


class Audiences:
    """Counts and lists the people of a segment (read, or inside a write transaction)."""

    def __init__(self, db: Database, admins: Sequence[int]) -> None:
        self.db = db
        self.admins = tuple(admins)

    def _where(self, audience: Audience | None = None) -> tuple[str, tuple[Any, ...]]:
        """The WHERE clause over `people p` of an audience (of everyone reachable, for None)."""
        admins = ", ".join("?" * len(self.admins))
        clauses = ["p.unreachable = 0", "p.user_id NOT IN (SELECT user_id FROM staff)"]
        if admins:
            clauses.append(f"p.user_id NOT IN ({admins})")
        params: list[Any] = list(self.admins)
        kind = audience.kind if audience else EVERYONE
        value = audience.value if audience else None
        if kind in _APPLICATION:
            clauses.append(_has(_APPLICATION[kind]))
        elif kind == LANGUAGE:
            clauses.append("p.language = ?")
            params.append(value)
        elif kind == COHORT:
            clauses.append(_has(f"a.cohort = ? AND {_OPEN}"))
            params.append(value)
        elif kind == COUNTRY and value == CANADA:
            clauses.append(_has(f"a.role = 'mentor' AND {_OPEN}"))
        elif kind == COUNTRY:
            clauses.append(
                _has(
                    f"{_OPEN} AND EXISTS (SELECT 1 FROM answers w WHERE w.user_id = p.user_id"
                    f" AND w.step = {_PLACE_STEP} AND w.value = ?)"
                )
            )
            params.append(json.dumps(value))
        return " AND ".join(clauses), tuple(params)

    async def count(self, audience: Audience) -> int:
        """How many people the audience reaches now."""
        where, params = self._where(audience)
        row = await self.db.fetchone(f"SELECT COUNT(*) FROM people p WHERE {where}", params)
        return int(row[0]) if row else 0

    async def segments(self) -> dict[str, int]:
        """How many people each fixed segment reaches now."""
        return {kind: await self.count(Audience(kind)) for kind in SEGMENTS}

    async def by_language(self, audience: Audience) -> dict[str, int]:
        """How many people of the audience read each language, most first."""
        where, params = self._where(audience)
        rows = await self.db.fetchall(
            f"SELECT p.language, COUNT(*) AS n FROM people p WHERE {where}"
            " GROUP BY p.language ORDER BY n DESC, p.language",
            params,
        )
        return {row["language"]: row["n"] for row in rows}

    async def by_zone(self, audience: Audience, default_zone: str) -> dict[str, int]:
        """How many people of the audience live in each time zone, most first."""
        where, params = self._where(audience)
        rows = await self.db.fetchall(
            f"SELECT coalesce(p.timezone, ?) AS zone, COUNT(*) AS n FROM people p WHERE {where}"
            " GROUP BY zone ORDER BY n DESC, zone",
            (default_zone, *params),
        )
        return {row["zone"]: row["n"] for row in rows}

    async def choices(self, kind: str) -> list[tuple[str, int]]:
        """The countries, languages or cohorts people are in, each with its count, most first."""
        where, params = self._where()
        if kind == LANGUAGE:
            sql = (
                f"SELECT p.language AS value, COUNT(*) AS n FROM people p WHERE {where}"
                " GROUP BY p.language"
            )
        elif kind == COHORT:
            sql = (
                "SELECT a.cohort AS value, COUNT(*) AS n FROM people p"
                f" JOIN applications a ON a.user_id = p.user_id WHERE {where}"
                f" AND a.cohort IS NOT NULL AND {_OPEN} GROUP BY a.cohort"
            )
        elif kind == COUNTRY:
            return await self._countries(where, params)
        else:
            raise ValueError(f"no choices for {kind!r}")
        rows = await self.db.fetchall(sql, params)
        return sorted(((row["value"], row["n"]) for row in rows), key=lambda c: (-c[1], c[0]))

    async def _countries(self, where: str, params: tuple[Any, ...]) -> list[tuple[str, int]]:
        rows = await self.db.fetchall(
            "SELECT w.value AS value, COUNT(*) AS n FROM people p"
            f" JOIN applications a ON a.user_id = p.user_id JOIN answers w"
            f" ON w.user_id = p.user_id AND w.step = {_PLACE_STEP}"
            f" WHERE {where} AND {_OPEN} GROUP BY w.value",
            params,
        )
        found = [(str(json.loads(row["value"])), int(row["n"])) for row in rows]
        mentors = await self.count(Audience(COUNTRY, CANADA))
        found = [(code, n) for code, n in found if code != NO_PREFERENCE]
        if mentors:
            found.append((CANADA, mentors))
        return sorted(found, key=lambda c: (-c[1], c[0]))

    async def commit(
        self, conn: aiosqlite.Connection, broadcast_id: int, audience: Audience
    ) -> int:
        """Writes one pending recipient row per person, in the caller's transaction."""
        where, params = self._where(audience)
        cursor = await conn.execute(
            "INSERT INTO broadcast_recipients(broadcast_id, user_id)"
            f" SELECT ?, p.user_id FROM people p WHERE {where} ORDER BY p.user_id",
            (broadcast_id, *params),
        )
        return cursor.rowcount
