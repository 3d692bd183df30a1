"""Staff review of completed applications: the queue and race-free decisions."""

from __future__ import annotations

from dataclasses import dataclass

from bot.onboarding.service import APPROVED, PENDING, REJECTED, Application, Onboarding
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.outbox import Tell, put_in
from bot.runtime.people import iso
from bot.staff.service import audit

REASON_INPUT = "review_reason"
REASON_LIMIT = 1000
# The review queue's order, which the index applications_status(status, submitted_at) serves
# (user_id is the rowid, the index's last column).
_QUEUE = "ORDER BY submitted_at, user_id LIMIT 1"


@dataclass(frozen=True)
class Decision:
    """What became of a decision: applied, or why not (already decided, or gone)."""

    applied: bool
    status: str | None
    decided_by: int | None = None
    note: str | None = None


class Review:
    """The queue of pending applications, oldest first, and the decisions on them."""

    def __init__(self, db: Database, clock: Clock, onboarding: Onboarding) -> None:
        self.db = db
        self.clock = clock
        self.onboarding = onboarding

    async def waiting(self) -> int:
        """How many applications wait for review."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM applications WHERE status = ?", (PENDING,)
        )
        return int(row[0]) if row else 0

    async def oldest(self, besides: int | None = None) -> Application | None:
        """The oldest pending application (other than `besides`), if any."""
        row = await self.db.fetchone(
            f"SELECT user_id FROM applications WHERE status = ? AND user_id IS NOT ? {_QUEUE}",
            (PENDING, besides),
        )
        return await self.onboarding.get(row["user_id"]) if row else None

    async def after(self, user_id: int) -> Application | None:
        """The pending application that follows this one (wrapping around), never itself.

        One page of one row from where this one stands in the queue (submission time, then
        user id), on the status index: the queue is never read whole. When this one is no
        longer pending, the queue starts again at the oldest.
        """
        current = await self.db.fetchone(
            "SELECT submitted_at FROM applications WHERE user_id = ? AND status = ?",
            (user_id, PENDING),
        )
        if current is None or current["submitted_at"] is None:
            return await self.oldest()
        row = await self.db.fetchone(
            "SELECT user_id FROM applications WHERE status = ?"
            f" AND (submitted_at, user_id) > (?, ?) {_QUEUE}",
            (PENDING, current["submitted_at"], user_id),
        )
        if row is None:  # the end of the queue: around to its start
            return await self.oldest(besides=user_id)
        return await self.onboarding.get(row["user_id"])

    async def decide(
        self,
        actor_id: int,
        user_id: int,
        approve: bool,
        note: str | None = None,
        update_id: int | None = None,
        tell: Tell[Decision] | None = None,
    ) -> Decision:
        """Approves or rejects a pending application once; a second decision is refused.

        `tell` renders what the decision owes the candidate; it is committed with it.
        """
        status = APPROVED if approve else REJECTED
        note = note.strip()[:REASON_LIMIT] if note and note.strip() else None
        async with self.db.write(update_id) as conn:
            cursor = await conn.execute(
                "UPDATE applications SET status = ?, decided_at = ?, decided_by = ?,"
                " decision_note = ?, updated_at = ? WHERE user_id = ? AND status = ?",
                (status, iso(self.clock), actor_id, note, iso(self.clock), user_id, PENDING),
            )
            await conn.execute(
                "DELETE FROM pending_inputs WHERE user_id = ? AND kind = ?",
                (actor_id, REASON_INPUT),
            )
            if cursor.rowcount == 1:
                details: dict[str, object] = {"note": note} if note else {}
                await audit(
                    conn,
                    self.clock,
                    actor_id,
                    "review.approve" if approve else "review.reject",
                    user_id,
                    details,
                )
                decision = Decision(True, status, actor_id, note)
                if tell is not None:
                    await put_in(conn, self.clock, await tell(decision))
                return decision
        return await self.current(user_id)

    async def current(self, user_id: int) -> Decision:
        """The decision already stored for an application (not applied by this call)."""
        row = await self.db.fetchone(
            "SELECT status, decided_by, decision_note FROM applications WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return Decision(False, None)
        return Decision(False, row["status"], row["decided_by"], row["decision_note"])
