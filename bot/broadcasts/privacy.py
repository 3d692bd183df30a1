"""What broadcasts keep about a person, for /mydata, and how /delete erases it.

Her recipient rows stay, so that each broadcast's report keeps its counts, but under an id
that names nobody (minus the row's own id: unique, never a Telegram user id); one still to
be sent is stopped, so nothing reaches an erased person. A broadcast's text is the program's,
not hers. A former staff member who wrote broadcasts is no longer named as their author.
"""

from __future__ import annotations

from typing import Any

import aiosqlite

from bot.broadcasts.model import STOPPED
from bot.privacy.data import ERASED, Erasure, Holding
from bot.runtime.db import Database


async def _export(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await Database.rows(
        conn,
        "SELECT r.broadcast_id, r.status, r.sent_at, r.rsvp, r.rsvp_at, b.event_title,"
        " b.event_start FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.broadcast_id"
        " WHERE r.user_id = ? ORDER BY r.id",
        (user_id,),
    )
    return [dict(row) for row in rows]


async def _erase(erasure: Erasure) -> None:
    conn, user_id = erasure.conn, erasure.user_id
    await conn.execute(
        "UPDATE broadcast_recipients SET status = ?, lease_owner = NULL, lease_until = NULL"
        " WHERE user_id = ? AND status = 'pending'",
        (STOPPED, user_id),
    )
    await conn.execute(
        "UPDATE broadcast_recipients SET user_id = -id WHERE user_id = ?", (user_id,)
    )
    await conn.execute(
        "UPDATE broadcasts SET created_by = ? WHERE created_by = ?", (ERASED, user_id)
    )
    await conn.execute(
        "UPDATE broadcasts SET control_chat = NULL, control_message = NULL"
        " WHERE control_chat = ?",
        (user_id,),
    )


HOLDING = Holding(
    "broadcasts_received",
    ("broadcasts", "broadcast_versions", "broadcast_recipients"),
    _export,
    _erase,
)
