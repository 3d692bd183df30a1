"""What cohorts keep about a person: only staff appear in them (who created a cohort, who is
in charge of it). /mydata lists those cohorts; /delete replaces her id with 0 there."""

from __future__ import annotations

from typing import Any

import aiosqlite

from bot.privacy.data import ERASED, Erasure, Holding
from bot.runtime.db import Database

PERSON_COLUMNS = ("staff_id", "created_by")


async def _export(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await Database.rows(
        conn,
        "SELECT code, name, staff_id, created_by, created_at FROM cohorts"
        " WHERE staff_id = ? OR created_by = ? ORDER BY created_at, code",
        (user_id, user_id),
    )
    return [
        {
            "code": row["code"],
            "name": row["name"],
            "in_charge": row["staff_id"] == user_id,
            "created_by_you": row["created_by"] == user_id,
            "created_at": row["created_at"],
        }
        for row in rows
    ]


async def _erase(erasure: Erasure) -> None:
    for column in PERSON_COLUMNS:
        await erasure.conn.execute(
            f"UPDATE cohorts SET {column} = ? WHERE {column} = ?", (ERASED, erasure.user_id)
        )


HOLDING = Holding("staff_cohorts", ("cohorts",), _export, _erase)
