"""What check-ins keep about a person, for /mydata, and how /delete erases it.

Her check-ins go, answers and free text included; each leaves an anonymous count of its
outcome (answered with a rating, missed) so that response rates survive. Alerts about her
go too: they name her, and so do her check-in timers. The other person's open check-ins
about their pair close (the erasure ends the pair).
"""

from __future__ import annotations

from typing import Any

import aiosqlite

from bot.checkins.cadence import timers_of
from bot.privacy.data import Erasure, Holding
from bot.runtime.db import Database
from bot.runtime.people import iso
from bot.runtime.timers import cancel_matching

COLUMNS = (
    "id, pair_id, cohort, reason, status, rating, worked_on, needs_help, help_text,"
    " opened_at, reminded_at, answered_at, closed_at"
)


async def _export(conn: aiosqlite.Connection, user_id: int) -> Any:
    checkins = await Database.rows(
        conn, f"SELECT {COLUMNS} FROM checkins WHERE user_id = ? ORDER BY id", (user_id,)
    )
    alerts = await Database.rows(
        conn,
        "SELECT id, pair_id, checkin_id, kind, created_at, handled_at FROM checkin_alerts"
        " WHERE user_id = ? ORDER BY id",
        (user_id,),
    )
    return {
        "checkins": [
            {
                "checkin_id": row["id"],
                "pair_id": row["pair_id"],
                "cohort": row["cohort"],
                "reason": row["reason"],
                "status": row["status"],
                "rating": row["rating"],
                "worked_on": row["worked_on"],
                "needs_help": None if row["needs_help"] is None else bool(row["needs_help"]),
                "help_text": row["help_text"],
                "opened_at": row["opened_at"],
                "reminded_at": row["reminded_at"],
                "answered_at": row["answered_at"],
                "closed_at": row["closed_at"],
            }
            for row in checkins
        ],
        "alerts_to_staff": [
            {
                "alert_id": row["id"],
                "pair_id": row["pair_id"],
                "checkin_id": row["checkin_id"],
                "kind": row["kind"],
                "created_at": row["created_at"],
                "handled_at": row["handled_at"],
            }
            for row in alerts
        ],
    }


async def _erase(erasure: Erasure) -> None:
    conn = erasure.conn
    # What she answered stays as counts: "answered:4", "missed"... (one statement, grouped).
    await conn.execute(
        "INSERT INTO anonymous_counts(kind, key, count) SELECT 'checkin',"
        " CASE WHEN rating IS NULL THEN status ELSE status || ':' || rating END, COUNT(*)"
        " FROM checkins WHERE user_id = ? GROUP BY 2"
        " ON CONFLICT(kind, key) DO UPDATE SET count = count + excluded.count",
        (erasure.user_id,),
    )
    # Her pairs end with her erasure (without the pairing's hooks): the other person's open
    # check-ins about them close, and their timers stop.
    for pair in await erasure.rows(
        "SELECT id, mentor_id, mentee_id FROM pairs WHERE ended_at IS NULL"
        " AND (mentor_id = ? OR mentee_id = ?)",
        (erasure.user_id, erasure.user_id),
    ):
        other = pair["mentee_id"] if pair["mentor_id"] == erasure.user_id else pair["mentor_id"]
        await conn.execute(
            "UPDATE checkins SET status = 'closed', closed_at = ? WHERE user_id = ?"
            " AND pair_id = ? AND status = 'open'",
            (iso(erasure.clock), other, pair["id"]),
        )
        await cancel_matching(conn, timers_of(other, pair["id"]), erasure.now)
    # Her own timers name her (ids, subject, payload): they go, done ones included.
    prefix = timers_of(erasure.user_id)
    await conn.execute("DELETE FROM timers WHERE id >= ? AND id < ?", (prefix, prefix[:-1] + ";"))
    await conn.execute("DELETE FROM checkin_alerts WHERE user_id = ?", (erasure.user_id,))
    await conn.execute("DELETE FROM checkins WHERE user_id = ?", (erasure.user_id,))


HOLDING = Holding("checkins", ("checkins", "checkin_alerts"), _export, _erase)
