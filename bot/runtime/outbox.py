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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import aiosqlite

from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.leases import LeasedRows, stamp, wall
from bot.runtime.people import iso
from bot.runtime.replies import Button, Send, SendDocument, fit

Owed = Send | SendDocument
T = TypeVar("T")
_puts = 0  # put_in calls in this process: a claim compares it with its last empty look
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
    keyboard = [
        [[button.label, button.data, *([button.url] if button.url else [])] for button in row]
        for row in message.keyboard
    ]
    return json.dumps({"text": message.text, "keyboard": keyboard}, ensure_ascii=False)


def _decode(chat_id: int, body: str) -> Owed:
    data = json.loads(body)
    if "document" in data:
        return SendDocument(
            chat_id, data["document"], base64.b64decode(data["content"]), data["caption"]
        )
    keyboard = tuple(tuple(Button(*button) for button in row) for row in data["keyboard"])
    return Send(chat_id, data["text"], keyboard)


async def put_in(
    conn: aiosqlite.Connection,
    clock: Clock,
    messages: Sequence[Owed],
    expires_at: datetime | None = None,
) -> None:
    """Stores messages to send inside the caller's open write transaction."""
    messages = [  # a long message is owed in parts, each fitting Telegram's limits
        part for message in messages for part in fit(message) if isinstance(part, Owed)
    ]
    if not messages:
        return
    global _puts
    _puts += 1
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


class Outbox(LeasedRows):
    """The outbox table: storing, claiming under a lease, and recording what became of a row."""

    def __init__(self, db: Database, clock: Clock) -> None:
        super().__init__(db, clock, "outbox")
        self._empty_at: int | None = None  # `_puts` when a look found nothing to send

    def nothing_new(self) -> bool:
        """True when the last look found nothing to send and no message was put in since:
        only time (a retry's hour, a lapsed lease) can make a row sendable then."""
        return self._empty_at == _puts

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
        now = wall()
        # put_in runs inside a write: with none under way, every message put in so far is
        # committed, and the look below sees it.
        puts, settled = _puts, not self.db.writing
        # Most wakes find nothing to send (each reply wakes the courier): one read says so
        # without a write transaction.
        if not await self.db.fetchone(
            "SELECT 1 FROM outbox WHERE status = 'pending' AND (not_before IS NULL"
            " OR not_before <= ?) AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1",
            (stamp(now), stamp(now)),
        ):
            self._empty_at = puts if settled else None
            return []
        self._empty_at = None
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
                (stamp(now), stamp(now), stamp(now), stamp(now), limit),
            )
            if rows:
                await conn.executemany(
                    "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id = ?",
                    [(self.owner, stamp(now + LEASE), row["id"]) for row in rows],
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

    async def settle(self, row_id: int, status: str, error: str | None = None) -> None:
        """Records what finally became of a row; its content is no longer kept, only its fate."""
        await self._leased(
            "status = ?, sent_at = ?, error = ?, body = '{}'",
            row_id,
            status,
            iso(self.clock),
            error,
        )

    async def counts(self) -> dict[str, int]:
        """How many rows are in each state (for tests, stats and benchmarks)."""
        rows = await self.db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return {row["status"]: row["n"] for row in rows}
