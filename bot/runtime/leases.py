"""Leases on rows that one instance works on (outbox rows, broadcast recipients).

A lease names its owner (host:pid:random) and runs until a wall-clock instant: leases are
about Telegram's time, like its retry_after, not the program's injected clock. A crashed
instance's leases on this machine are taken back at the next start (`recover`); another
host's run out.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.people import iso


def new_owner() -> str:
    """A lease owner name unique to this instance: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def gone(owner: str, me: str) -> bool:
    """Whether a lease owner (host:pid:id) is an instance on this machine that has ended."""
    host, _, rest = owner.partition(":")
    pid, _, _instance = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit() or owner == me:
        return False
    if int(pid) == os.getpid():
        return True  # an earlier instance in this same process (restarted in place)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def wall() -> datetime:
    """The wall-clock instant (UTC)."""
    return datetime.now(UTC)


def stamp(instant: datetime) -> str:
    """A wall-clock instant as stored in lease and retry columns (sortable text)."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeasedRows:
    """A table of work rows that instances lease, then settle, retry, postpone or release.

    The table has the columns `id`, `status` ('pending' until settled), `attempts`,
    `not_before`, `lease_owner`, `lease_until`, `error` and `sent_at`; the outbox and the
    recipients of broadcasts are two such tables. Every change checks that this instance
    still holds the lease, so a row another instance took over is left to it.
    """

    def __init__(self, db: Database, clock: Clock, table: str) -> None:
        self.db = db
        self.clock = clock
        self.table = table
        self.owner = new_owner()

    async def recover(self) -> int:
        """Frees the leases of instances on this machine that are no longer running.

        A bot killed in the middle of a send leaves its rows leased; its restart should not
        wait for the lease to run out. Returns how many rows were freed.
        """
        rows = await self.db.fetchall(
            f"SELECT DISTINCT lease_owner FROM {self.table} WHERE status = 'pending'"
            " AND lease_owner IS NOT NULL"
        )
        dead = [row["lease_owner"] for row in rows if gone(row["lease_owner"], self.owner)]
        if not dead:
            return 0
        async with self.db.write() as conn:
            cursor = await conn.executemany(
                f"UPDATE {self.table} SET lease_owner = NULL, lease_until = NULL"
                " WHERE lease_owner = ? AND status = 'pending'",
                [(owner,) for owner in dead],
            )
        return cursor.rowcount

    async def _leased(self, sql: str, row_id: int, *params: object) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                f"UPDATE {self.table} SET {sql}, lease_owner = NULL, lease_until = NULL"
                " WHERE id = ? AND lease_owner = ?",
                (*params, row_id, self.owner),
            )

    async def settle(self, row_id: int, status: str, error: str | None = None) -> None:
        """Records what finally became of a row (sent, unreachable, refused...)."""
        await self._leased(
            "status = ?, sent_at = ?, error = ?", row_id, status, iso(self.clock), error
        )

    async def retry(self, row_id: int, delay: float, error: str) -> None:
        """Puts a row back for a later attempt, after `delay` seconds."""
        later = stamp(wall() + timedelta(seconds=delay))
        await self._leased(
            "attempts = attempts + 1, not_before = ?, error = ?", row_id, later, error
        )

    async def postpone(self, row_id: int, delay: float) -> None:
        """Puts a row back untried until `delay` seconds from now (sending is paused)."""
        await self._leased("not_before = ?", row_id, stamp(wall() + timedelta(seconds=delay)))

    async def release(self, row_ids: Sequence[int]) -> None:
        """Gives back leased rows that were not attempted (stopping, or a chat paused)."""
        if not row_ids:
            return
        async with self.db.write() as conn:
            await conn.executemany(
                f"UPDATE {self.table} SET lease_owner = NULL, lease_until = NULL"
                " WHERE id = ? AND lease_owner = ?",
                [(row_id, self.owner) for row_id in row_ids],
            )
