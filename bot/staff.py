"""Staff roles and the audit log of what staff did."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import aiosqlite

from bot.clock import Clock
from bot.db import Database
from bot.people import iso

ADMIN = "admin"
STAFF = "staff"


class Staff:
    """Who is staff or admin: PASSERELLE_ADMINS plus those promoted in the database."""

    def __init__(self, db: Database, clock: Clock, admins: Sequence[int]) -> None:
        self.db = db
        self.clock = clock
        self.configured_admins = tuple(admins)

    async def role(self, user_id: int) -> str | None:
        """The staff role of a person, or None for everyone else."""
        if user_id in self.configured_admins:
            return ADMIN
        row = await self.db.fetchone("SELECT role FROM staff WHERE user_id = ?", (user_id,))
        return str(row["role"]) if row else None

    async def is_staff(self, user_id: int) -> bool:
        """True for staff and admins."""
        return await self.role(user_id) is not None

    async def admins(self) -> list[int]:
        """Every admin: configured ones first, then promoted ones."""
        rows = await self.db.fetchall("SELECT user_id FROM staff WHERE role = ?", (ADMIN,))
        promoted = [row["user_id"] for row in rows if row["user_id"] not in self.configured_admins]
        return [*self.configured_admins, *promoted]

    async def members(self) -> list[tuple[int, str]]:
        """Every staff member and admin with her role."""
        rows = await self.db.fetchall("SELECT user_id, role FROM staff ORDER BY added_at")
        listed = [(admin, ADMIN) for admin in self.configured_admins]
        listed += [
            (r["user_id"], r["role"]) for r in rows if r["user_id"] not in self.configured_admins
        ]
        return listed


async def audit(
    conn: aiosqlite.Connection,
    clock: Clock,
    actor_id: int,
    action: str,
    subject_id: int | None = None,
    details: Mapping[str, object] | None = None,
) -> None:
    """Writes one staff action to the audit log, inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO audit_log(at, actor_id, action, subject_id, details) VALUES (?, ?, ?, ?, ?)",
        (iso(clock), actor_id, action, subject_id, json.dumps(details or {}, ensure_ascii=False)),
    )
