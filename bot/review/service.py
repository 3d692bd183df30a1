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

    async def queue(self) -> list[int]:
        """User ids of pending applications, oldest submission first."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM applications WHERE status = ? ORDER BY submitted_at, user_id",
            (PENDING,),
        )
        return [int(row["user_id"]) for row in rows]

    async def oldest(self) -> Application | None:
        """The oldest pending application, if any."""
        queue = await self.queue()
        return await self.onboarding.get(queue[0]) if queue else None

    async def after(self, user_id: int) -> Application | None:
        """The pending application that follows this one (wrapping around), never itself."""
        queue = await self.queue()
        if user_id in queue:
            position = queue.index(user_id)
            queue = queue[position + 1 :] + queue[:position]
        return await self.onboarding.get(queue[0]) if queue else None

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
