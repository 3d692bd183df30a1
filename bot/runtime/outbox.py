"""Messages to send in the background, stored first so that a restart sends what is left."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.people import iso
from bot.runtime.replies import Button, Send


def _encode(send: Send) -> str:
    keyboard = [[[button.label, button.data] for button in row] for row in send.keyboard]
    return json.dumps({"text": send.text, "keyboard": keyboard}, ensure_ascii=False)


def _decode(chat_id: int, body: str) -> Send:
    data = json.loads(body)
    keyboard = tuple(
        tuple(Button(label, value) for label, value in row) for row in data["keyboard"]
    )
    return Send(chat_id, data["text"], keyboard)


class Outbox:
    """A durable queue of messages, oldest first."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def put(self, messages: Sequence[Send]) -> None:
        """Stores messages to send, in one transaction."""
        now = iso(self.clock)
        async with self.db.write() as conn:
            await conn.executemany(
                "INSERT INTO outbox(chat_id, body, created_at) VALUES (?, ?, ?)",
                [(message.chat_id, _encode(message), now) for message in messages],
            )

    async def pending(self, limit: int = 50) -> list[tuple[int, Send]]:
        """The oldest messages not sent yet, with their ids."""
        rows = await self.db.fetchall(
            "SELECT id, chat_id, body FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?",
            (limit,),
        )
        return [(row["id"], _decode(row["chat_id"], row["body"])) for row in rows]

    async def done(self, message_id: int) -> None:
        """Records that a message was handed to Telegram (or could not be delivered)."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE outbox SET sent_at = ? WHERE id = ?", (iso(self.clock), message_id)
            )
