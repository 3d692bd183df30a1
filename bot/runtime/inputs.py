"""Free-text input a person was asked for outside the questionnaire (e.g. a rejection reason)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.people import iso


@dataclass(frozen=True)
class PendingInput:
    """What the bot is waiting for this person to type."""

    kind: str
    payload: dict[str, Any]


class PendingInputs:
    """One awaited free-text input per person, stored so a restart keeps it."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def get(self, user_id: int) -> PendingInput | None:
        """The input the person is expected to type, if any."""
        row = await self.db.fetchone(
            "SELECT kind, payload FROM pending_inputs WHERE user_id = ?", (user_id,)
        )
        return PendingInput(row["kind"], json.loads(row["payload"])) if row else None

    async def expect(self, user_id: int, kind: str, payload: dict[str, Any]) -> None:
        """Records that the next text from this person answers `kind`."""
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO pending_inputs(user_id, kind, payload, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(user_id) DO UPDATE SET kind = excluded.kind,"
                " payload = excluded.payload, created_at = excluded.created_at",
                (user_id, kind, json.dumps(payload), iso(self.clock)),
            )

    async def clear(self, user_id: int) -> bool:
        """Forgets the awaited input; True when there was one."""
        async with self.db.write() as conn:
            cursor = await conn.execute("DELETE FROM pending_inputs WHERE user_id = ?", (user_id,))
            return cursor.rowcount > 0
