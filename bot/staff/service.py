"""Staff roles and the audit log of what staff did."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiosqlite

from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.outbox import Tell, put_in
from bot.runtime.people import iso

ADMIN = "admin"
STAFF = "staff"
ROLES = (ADMIN, STAFF)

ADDED = "added"
CHANGED = "changed"
UNCHANGED = "unchanged"
REMOVED = "removed"
NOT_STAFF = "not_staff"
CONFIGURED = "configured"
JOINED = "joined"
USED = "used"
UNKNOWN = "unknown"
LAST_ADMIN = "last_admin"


@dataclass(frozen=True)
class InviteResult:
    """What came of opening an invite link: the outcome, the role and who made the link."""

    outcome: str
    role: str | None = None
    created_by: int | None = None


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

    async def set_role(
        self,
        actor_id: int,
        user_id: int,
        role: str,
        update_id: int | None = None,
        tell: Tell[str] | None = None,
    ) -> str:
        """Makes a person staff or admin; ADDED, CHANGED, UNCHANGED, CONFIGURED or LAST_ADMIN.

        `tell` renders what the change owes the person (her notice), committed with it.
        """
        if role not in ROLES:
            raise ValueError(f"unknown staff role {role!r}")
        if user_id in self.configured_admins:
            return CONFIGURED
        async with self.db.write(update_id) as conn:
            async with conn.execute(
                "SELECT role FROM staff WHERE user_id = ?", (user_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None and row["role"] == role:
                return UNCHANGED
            if row is not None and row["role"] == ADMIN and await self._last_admin(conn, user_id):
                return LAST_ADMIN
            await conn.execute(
                "INSERT INTO staff(user_id, role, added_by, added_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(user_id) DO UPDATE SET role = excluded.role",
                (user_id, role, actor_id, iso(self.clock)),
            )
            await audit(conn, self.clock, actor_id, f"staff.{role}", user_id)
            outcome = ADDED if row is None else CHANGED
            if tell is not None:
                await put_in(conn, self.clock, await tell(outcome))
        return outcome

    async def remove(
        self,
        actor_id: int,
        user_id: int,
        update_id: int | None = None,
        tell: Tell[str] | None = None,
    ) -> str:
        """Removes a staff member; REMOVED, NOT_STAFF, CONFIGURED or LAST_ADMIN (the only one)."""
        if user_id in self.configured_admins:
            return CONFIGURED
        async with self.db.write(update_id) as conn:
            if await self._last_admin(conn, user_id):
                return LAST_ADMIN
            cursor = await conn.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
            if cursor.rowcount == 0:
                return NOT_STAFF
            await audit(conn, self.clock, actor_id, "staff.remove", user_id)
            if tell is not None:
                await put_in(conn, self.clock, await tell(REMOVED))
        return REMOVED

    async def only_admin(self, user_id: int) -> bool:
        """Whether this person is the one admin who can manage staff (nobody else could)."""
        admins = await self.admins()
        return admins == [user_id] and user_id not in self.configured_admins

    async def _last_admin(self, conn: aiosqlite.Connection, user_id: int) -> bool:
        """Whether this person is the only admin (configured admins count; read in the write)."""
        if self.configured_admins:
            return False
        async with conn.execute(
            "SELECT user_id FROM staff WHERE role = ? LIMIT 2", (ADMIN,)
        ) as cursor:
            admins = [row["user_id"] for row in await cursor.fetchall()]
        return admins == [user_id]

    async def invite(self, actor_id: int, role: str = STAFF, update_id: int | None = None) -> str:
        """Creates a single-use invite code for a future staff member."""
        if role not in ROLES:
            raise ValueError(f"unknown staff role {role!r}")
        code = secrets.token_urlsafe(12)
        async with self.db.write(update_id) as conn:
            await conn.execute(
                "INSERT INTO staff_invites(code, role, created_by, created_at) VALUES (?, ?, ?, ?)",
                (code, role, actor_id, iso(self.clock)),
            )
            await audit(conn, self.clock, actor_id, "staff.invite", None, {"role": role})
        return code

    async def accept(
        self,
        user_id: int,
        code: str,
        update_id: int | None = None,
        tell: Tell[InviteResult] | None = None,
    ) -> InviteResult:
        """Uses an invite code once: JOINED, USED (by someone) or UNKNOWN.

        `tell` renders what joining owes others (the notice to whoever made the invite).
        """
        async with self.db.write(update_id) as conn:
            async with conn.execute(
                "SELECT role, created_by, used_by FROM staff_invites WHERE code = ?", (code,)
            ) as cursor:
                invite = await cursor.fetchone()
            if invite is None:
                return InviteResult(UNKNOWN)
            if invite["used_by"] is not None:
                return InviteResult(USED, invite["role"], invite["created_by"])
            await conn.execute(
                "UPDATE staff_invites SET used_by = ?, used_at = ? WHERE code = ?",
                (user_id, iso(self.clock), code),
            )
            role = invite["role"]
            if user_id not in self.configured_admins:
                await conn.execute(
                    "INSERT INTO staff(user_id, role, added_by, added_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(user_id) DO UPDATE SET role = CASE WHEN staff.role = 'admin'"
                    " THEN 'admin' ELSE excluded.role END",
                    (user_id, role, invite["created_by"], iso(self.clock)),
                )
            details = {"invited_by": invite["created_by"], "role": role}
            await audit(conn, self.clock, user_id, "staff.join", user_id, details)
            joined = InviteResult(JOINED, role, invite["created_by"])
            if tell is not None:
                await put_in(conn, self.clock, await tell(joined))
        return joined


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
