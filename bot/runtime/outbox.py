"""The transactional outbox: what an action owes to other people, committed with the action.

A service that commits an effect also stores, in the same transaction, every message that
effect owes to someone other than the person acting (`put_in`). The courier delivers the
rows later, claiming them with a lease so that two instances on one database never send the
same row, and records what became of each: sent, unreachable (403), refused (a permanent
400, with its reason) or expired (it no longer made sense to send).

Leases and retry times are wall-clock (they are about Telegram's time, like its retry_after);
`expires_at` is program time, from the injected clock (a reminder is pointless once its
meeting has begun).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import aiosqlite

from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.people import iso
from bot.runtime.replies import Button, Edit, Send, SendDocument, fit

Owed = Send | SendDocument
T = TypeVar("T")
# Renders what a committed result owes to other people; called inside its transaction.
Tell = Callable[[T], Awaitable[Sequence[Owed]]]

PENDING = "pending"
SENT = "sent"
UNREACHABLE = "unreachable"
REFUSED = "refused"
EXPIRED = "expired"
# Long enough for one send under PTB's timeouts and the limiter's waits; a crashed local
# instance's leases are taken back at once (see `recover`), another host's after this.
LEASE = timedelta(seconds=30)


def _encode(message: Owed) -> str:
    if isinstance(message, SendDocument):
        return json.dumps(
            {
                "document": message.filename,
                "content": base64.b64encode(message.content).decode("ascii"),
                "caption": message.caption,
            },
            ensure_ascii=False,
        )
    keyboard = [[[button.label, button.data] for button in row] for row in message.keyboard]
    return json.dumps({"text": message.text, "keyboard": keyboard}, ensure_ascii=False)


def _decode(chat_id: int, body: str) -> Owed:
    data = json.loads(body)
    if "document" in data:
        return SendDocument(
            chat_id, data["document"], base64.b64decode(data["content"]), data["caption"]
        )
    keyboard = tuple(
        tuple(Button(label, value) for label, value in row) for row in data["keyboard"]
    )
    return Send(chat_id, data["text"], keyboard)


def _gone(owner: str, me: str) -> bool:
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


def _wall() -> datetime:
    return datetime.now(UTC)


def _stamp(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def put_in(
    conn: aiosqlite.Connection,
    clock: Clock,
    messages: Sequence[Owed],
    expires_at: datetime | None = None,
) -> None:
    """Stores messages to send inside the caller's open write transaction."""
    messages = [  # a long message is owed in parts, each fitting Telegram's limits
        part for message in messages for part in fit(message) if not isinstance(part, Edit)
    ]
    if not messages:
        return
    now, expiry = iso(clock), expires_at.isoformat() if expires_at else None
    await conn.executemany(
        "INSERT INTO outbox(chat_id, body, created_at, expires_at) VALUES (?, ?, ?, ?)",
        [(message.chat_id, _encode(message), now, expiry) for message in messages],
    )


@dataclass(frozen=True)
class Parcel:
    """One claimed outbox row."""

    id: int
    message: Owed
    attempts: int
    expired: bool


class Outbox:
    """The outbox table: storing, claiming under a lease, and recording what became of a row."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"

    async def recover(self) -> int:
        """Frees the leases of instances on this machine that are no longer running.

        A bot killed in the middle of a send leaves its rows leased; its restart should not
        wait for the lease to run out. Returns how many rows were freed.
        """
        rows = await self.db.fetchall(
            "SELECT DISTINCT lease_owner FROM outbox WHERE status = 'pending'"
            " AND lease_owner IS NOT NULL"
        )
        dead = [row["lease_owner"] for row in rows if _gone(row["lease_owner"], self.owner)]
        if not dead:
            return 0
        async with self.db.write() as conn:
            cursor = await conn.executemany(
                "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                [(owner,) for owner in dead],
            )
        return cursor.rowcount

    async def put(self, messages: Sequence[Owed], expires_at: datetime | None = None) -> None:
        """Stores messages to send, in a transaction of their own."""
        async with self.db.write() as conn:
            await put_in(conn, self.clock, messages, expires_at)

    async def claim(self, limit: int = 100) -> list[Parcel]:
        """Leases the oldest sendable rows to this instance, oldest first.

        A row is sendable when it is pending, its retry time has come, and no other instance
        holds a live lease on it; a chat with an older row still waiting for its retry time
        is skipped, so one person's messages keep their order.
        """
        now = _wall()
        # Most wakes find nothing to send (each reply wakes the courier): one read says so
        # without a write transaction.
        if not await self.db.fetchone(
            "SELECT 1 FROM outbox WHERE status = 'pending' AND (not_before IS NULL"
            " OR not_before <= ?) AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1",
            (_stamp(now), _stamp(now)),
        ):
            return []
        async with self.db.write() as conn:
            rows = await self.db.rows(
                conn,
                "SELECT id, chat_id, body, attempts, expires_at FROM outbox o"
                " WHERE status = 'pending' AND (not_before IS NULL OR not_before <= ?)"
                " AND (lease_until IS NULL OR lease_until <= ?)"
                " AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.status = 'pending'"
                "  AND e.chat_id = o.chat_id AND e.id < o.id"
                "  AND (e.not_before > ? OR e.lease_until > ?))"
                " ORDER BY id LIMIT ?",
                (_stamp(now), _stamp(now), _stamp(now), _stamp(now), limit),
            )
            if rows:
                await conn.executemany(
                    "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id = ?",
                    [(self.owner, _stamp(now + LEASE), row["id"]) for row in rows],
                )
        program_now = self.clock.now()
        return [
            Parcel(
                row["id"],
                _decode(row["chat_id"], row["body"]),
                row["attempts"],
                row["expires_at"] is not None
                and datetime.fromisoformat(row["expires_at"]) <= program_now,
            )
            for row in rows
        ]

    async def settle(self, parcel_id: int, status: str, error: str | None = None) -> None:
        """Records what finally became of a row (sent, unreachable, refused, expired)."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE outbox SET status = ?, sent_at = ?, error = ?, lease_owner = NULL,"
                " lease_until = NULL WHERE id = ? AND lease_owner = ?",
                (status, iso(self.clock), error, parcel_id, self.owner),
            )

    async def retry(self, parcel_id: int, delay: float, error: str) -> None:
        """Puts a row back for a later attempt, after `delay` seconds."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, not_before = ?, error = ?,"
                " lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                (_stamp(_wall() + timedelta(seconds=delay)), error, parcel_id, self.owner),
            )

    async def postpone(self, parcel_id: int, delay: float) -> None:
        """Puts a row back untried until `delay` seconds from now (its chat is paused)."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE outbox SET not_before = ?, lease_owner = NULL, lease_until = NULL"
                " WHERE id = ? AND lease_owner = ?",
                (_stamp(_wall() + timedelta(seconds=delay)), parcel_id, self.owner),
            )

    async def release(self, parcel_ids: Sequence[int]) -> None:
        """Gives back leased rows that were not attempted (stopping, or a chat paused)."""
        if not parcel_ids:
            return
        async with self.db.write() as conn:
            await conn.executemany(
                "UPDATE outbox SET lease_owner = NULL, lease_until = NULL"
                " WHERE id = ? AND lease_owner = ?",
                [(parcel_id, self.owner) for parcel_id in parcel_ids],
            )

    async def counts(self) -> dict[str, int]:
        """How many rows are in each state (for tests, stats and benchmarks)."""
        rows = await self.db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return {row["status"]: row["n"] for row in rows}
