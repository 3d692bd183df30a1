"""The recipient rows as the broadcast runner works them: claimed under a lease, settled once.

Each row's state commits as it changes: leased to this instance before its first message is
sent, its count of parts sent after each part of a message in several (a photo, then the
text), and its fate (sent, unreachable, failed, stopped) as soon as Telegram answered. A
crash leaves at most the rows in flight at that instant unsettled; at start, `recover` frees
this machine's dead leases and they are sent again (those few people may get the message
twice). Leases and retry times are wall-clock, like the outbox's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.broadcasts.model import SENDING, STOPPED, Broadcast, Recipient, Tally
from bot.broadcasts.service import Broadcasts
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.leases import LeasedRows, stamp, wall
from bot.runtime.outbox import Owed, put_in
from bot.runtime.people import iso

# Long enough for a row to wait its turn in the runner's queue and be sent; a crashed local
# instance's leases are taken back at once at start, another host's after this.
LEASE = timedelta(seconds=60)
# Renders what the end of a broadcast owes its author (the report), in its transaction.
Report = Callable[[Broadcast, Tally], Awaitable[Sequence[Owed]]]
_OPEN = f"status IN ('{SENDING}', '{STOPPED}') AND finished_at IS NULL"
_NOTHING_LEFT = (
    "NOT EXISTS (SELECT 1 FROM broadcast_recipients r"
    " WHERE r.broadcast_id = b.id AND r.status = 'pending')"
)


@dataclass(frozen=True)
class Parcel:
    """One claimed recipient row: whom, in which language and zone, how far it got."""

    id: int
    broadcast_id: int
    recipient: Recipient
    parts: int
    attempts: int
    error: str | None


class Deliveries(LeasedRows):
    """Claims, settles and reports the recipient rows of running broadcasts."""

    def __init__(self, db: Database, clock: Clock, broadcasts: Broadcasts) -> None:
        super().__init__(db, clock, "broadcast_recipients")
        self.broadcasts = broadcasts

    async def claim(self, limit: int) -> list[Parcel]:
        """Leases the next sendable rows of running broadcasts, oldest broadcast first."""
        now = stamp(wall())
        async with self.db.write() as conn:
            rows = await self.db.rows(
                conn,
                "SELECT r.id, r.broadcast_id, r.user_id, r.parts, r.attempts, r.error,"
                " p.language, p.timezone FROM broadcasts b"
                " JOIN broadcast_recipients r ON r.broadcast_id = b.id AND r.status = 'pending'"
                " LEFT JOIN people p ON p.user_id = r.user_id"
                " WHERE b.status = ? AND (r.not_before IS NULL OR r.not_before <= ?)"
                " AND (r.lease_until IS NULL OR r.lease_until <= ?)"
                " ORDER BY r.broadcast_id, r.id LIMIT ?",
                (SENDING, now, now, limit),
            )
            if rows:
                until = stamp(wall() + LEASE)
                await conn.executemany(
                    "UPDATE broadcast_recipients SET lease_owner = ?, lease_until = ? WHERE id = ?",
                    [(self.owner, until, row["id"]) for row in rows],
                )
        return [
            Parcel(
                row["id"],
                row["broadcast_id"],
                Recipient(row["user_id"], row["language"] or "", row["timezone"]),
                row["parts"],
                row["attempts"],
                row["error"],
            )
            for row in rows
        ]

    async def _update(self, sql: str, params: Sequence[object]) -> None:
        async with self.db.write() as conn:
            await conn.execute(sql, tuple(params))

    async def progressed(self, parcel_id: int, parts: int) -> None:
        """Records that the first `parts` messages of a row were sent."""
        await self._update(
            "UPDATE broadcast_recipients SET parts = ? WHERE id = ? AND lease_owner = ?",
            (parts, parcel_id, self.owner),
        )

    async def stopped(self) -> set[int]:
        """Broadcasts staff stopped whose last rows are still being settled."""
        rows = await self.db.fetchall(
            "SELECT id FROM broadcasts WHERE status = ? AND finished_at IS NULL", (STOPPED,)
        )
        return {row["id"] for row in rows}

    async def running(self) -> list[Broadcast]:
        """Broadcasts sending (or stopped and not reported yet)."""
        rows = await self.db.fetchall(f"SELECT id FROM broadcasts WHERE {_OPEN} ORDER BY id")
        return [await self.broadcasts.get(row["id"]) for row in rows]

    async def finish(self, report: Report) -> list[Broadcast]:
        """Closes each running broadcast with no row left to send; its report goes with it."""
        candidates = await self.db.fetchall(
            f"SELECT id FROM broadcasts b WHERE {_OPEN} AND {_NOTHING_LEFT}"
        )
        finished = []
        for row in candidates:
            async with self.db.write() as conn:
                cursor = await conn.execute(
                    "UPDATE broadcasts AS b SET finished_at = ?, status = CASE status WHEN ?"
                    f" THEN 'done' ELSE status END WHERE id = ? AND {_OPEN} AND {_NOTHING_LEFT}",
                    (iso(self.clock), SENDING, row["id"]),
                )
                if cursor.rowcount == 0:
                    continue  # another instance finished it, or a row came back
                broadcast = await self.broadcasts.get(row["id"], conn)
                tally = await self.broadcasts.tally(row["id"], conn)
                await put_in(conn, self.clock, await report(broadcast, tally))
            finished.append(broadcast)
        return finished

    async def show_progress_on(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """Records the message that shows a broadcast's progress to its author."""
        await self._update(
            "UPDATE broadcasts SET control_chat = ?, control_message = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )
