"""The durable inbox: every update Telegram hands over is on disk before it is confirmed.

A batch from getUpdates is written in one transaction (raw update, id, the person it belongs
to), then confirmed to Telegram at once. Each person's worker takes her updates in order.
Once handled (or parked), an update's content is forgotten: only its id is kept, for two
days, so that Telegram delivering it again is noticed.
An update's effects mark its row applied in their own transaction (`Database.write`), and the
row is done once the update is handled; a row not done at start is handled then (a replay
whose effects were applied shows the person the current state instead of applying them
again). An update that keeps failing is parked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.runtime.db import Database

MAX_ATTEMPTS = 3
_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


@dataclass(frozen=True)
class Entry:
    """One update waiting in the inbox."""

    update_id: int
    person: int
    body: dict[str, Any]
    attempts: int
    more: bool = True  # another update of hers was waiting behind this one when it was read


class Inbox:
    """The inbox table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(self, updates: Sequence[tuple[int, int, dict[str, Any]]]) -> list[int]:
        """Stores (update id, person, raw update) in one transaction; returns who has news.

        An update already stored (Telegram delivers it again when a crash came before the
        confirmation) is not stored twice. The batch is one statement (a batch holds at most
        100 updates): a transaction of its own, in one round trip.
        """
        return (await self.store(updates))[0]

    async def store(
        self, updates: Sequence[tuple[int, int, dict[str, Any]]]
    ) -> tuple[list[int], bool]:
        """`put`, and whether every update of the batch was new (none was stored before)."""
        if not updates:
            return [], True
        rows = ", ".join([f"(?, ?, ?, {_NOW})"] * len(updates))
        stored = await self.db.run(
            f"INSERT INTO inbox(update_id, person, body, received_at) VALUES {rows}"
            " ON CONFLICT(update_id) DO NOTHING",
            [
                value
                for update_id, person, body in updates
                for value in (update_id, person, json.dumps(body, ensure_ascii=False))
            ],
        )
        people = list(dict.fromkeys(person for _update_id, person, _body in updates))
        return people, stored == len(updates)

    async def next(self, person: int) -> Entry | None:
        """The person's oldest update not handled yet (parked ones are skipped), and whether
        another one waits behind it."""
        rows = await self.db.fetchall(
            "SELECT update_id, person, body, attempts FROM inbox WHERE person = ?"
            " AND done_at IS NULL AND parked_at IS NULL ORDER BY update_id LIMIT 2",
            (person,),
        )
        if not rows:
            return None
        row = rows[0]
        body = json.loads(row["body"])
        return Entry(row["update_id"], row["person"], body, row["attempts"], len(rows) > 1)

    async def waiting(self) -> list[int]:
        """Everyone with an update not handled yet (at start: what a crash left)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT person FROM inbox WHERE done_at IS NULL AND parked_at IS NULL"
        )
        return [row["person"] for row in rows]

    async def done(self, update_id: int) -> None:
        """Marks an update handled and forgets what it said (only its id is still needed)."""
        await self.db.run(
            f"UPDATE inbox SET done_at = {_NOW}, body = '{{}}' WHERE update_id = ?", (update_id,)
        )

    async def failed(self, update_id: int, error: str) -> int:
        """Counts a failed attempt (the error's class name, never its text); returns attempts."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE inbox SET attempts = attempts + 1, last_error = ? WHERE update_id = ?",
                (error, update_id),
            )
            rows = await self.db.rows(
                conn, "SELECT attempts FROM inbox WHERE update_id = ?", (update_id,)
            )
        return int(rows[0]["attempts"]) if rows else MAX_ATTEMPTS

    async def set_aside(self, person: int) -> int:
        """Marks every update of a person not handled yet as done unhandled (a flood)."""
        async with self.db.write() as conn:
            cursor = await conn.execute(
                f"UPDATE inbox SET done_at = {_NOW}, body = '{{}}', last_error = 'flood'"
                " WHERE person = ?"
                " AND done_at IS NULL AND parked_at IS NULL",
                (person,),
            )
        return cursor.rowcount

    async def park(self, update_id: int) -> None:
        """Sets aside an update that kept failing: it is not tried again (nor kept)."""
        async with self.db.write() as conn:
            await conn.execute(
                f"UPDATE inbox SET parked_at = {_NOW}, body = '{{}}' WHERE update_id = ?",
                (update_id,),
            )
