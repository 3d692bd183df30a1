"""Erasing a participant: her check-ins and meetings become counts and anonymous rows, and
every statement finds her rows by index (at program scale, scanning them held the writer for
seconds a person)."""

from __future__ import annotations

import sqlite3

from bot.privacy.data import ERASED
from bot.privacy.service import Reason
from tests.bot.checkins.conftest import AWA, CHLOE, World

# Tables that grow with the number of people: a statement of an erasure never reads them whole.
GROWING = (
    "people",
    "applications",
    "answers",
    "consents",
    "pairs",
    "checkins",
    "checkin_alerts",
    "meetings",
    "meeting_answers",
    "meeting_offers",
    "availability",
    "inbox",
    "outbox",
    "timers",
    "broadcast_recipients",
)


async def _history(world: World) -> None:
    """Three check-ins and an alert of hers; two meetings she proposed and closed."""
    async with world.core.db.write() as conn:
        await conn.executemany(
            "INSERT INTO checkins(user_id, pair_id, reason, status, rating, opened_at)"
            " VALUES (?, ?, 'cadence', ?, ?, 'x')",
            [
                (AWA, world.pair_id, "answered", 4),
                (AWA, world.pair_id, "answered", 4),
                (AWA, world.pair_id, "missed", None),
                (CHLOE, world.pair_id, "answered", 5),
            ],
        )
        await conn.execute(
            "INSERT INTO checkin_alerts(user_id, pair_id, kind, created_at)"
            " VALUES (?, ?, 'help', 'x')",
            (AWA, world.pair_id),
        )
        await conn.executemany(
            "INSERT INTO meetings(id, pair_id, mentor_id, mentee_id, proposer_id, status,"
            " start_at, end_at, code, created_at, closed_by) VALUES (?, ?, ?, ?, ?, ?,"
            " '2026-12-01T15:00:00Z', '2026-12-01T16:00:00Z', ?, 'x', ?)",
            [
                (1, world.pair_id, CHLOE, AWA, AWA, "confirmed", "m1", None),
                (2, world.pair_id, CHLOE, AWA, AWA, "cancelled", "m2", AWA),
                (3, world.pair_id, CHLOE, AWA, CHLOE, "declined", "m3", CHLOE),
            ],
        )
        await conn.executemany(
            "INSERT INTO meeting_answers(meeting_id, user_id, answer, answered_at)"
            " VALUES (1, ?, ?, 'x')",
            [(AWA, "held"), (CHLOE, "held")],
        )
        await conn.execute(
            "INSERT INTO meeting_offers(pair_id, user_id, slots, created_at)"
            " VALUES (?, ?, '[]', 'x')",
            (world.pair_id, AWA),
        )


async def test_her_check_ins_and_meetings_leave_counts_and_anonymous_meetings(
    world: World,
) -> None:
    await _history(world)
    db = world.core.db
    async with db.write() as conn:
        await world.core.privacy.erase_in(conn, AWA, Reason.REQUEST, 0)
    counts = await db.fetchall(
        "SELECT kind, key, count FROM anonymous_counts WHERE kind IN ('checkin', 'meeting.answer')"
    )
    assert sorted(tuple(row) for row in counts) == [
        ("checkin", "answered:4", 2),
        ("checkin", "missed", 1),
        ("meeting.answer", "held", 1),
    ]
    meetings = await db.fetchall(
        "SELECT id, mentor_id, mentee_id, proposer_id, closed_by FROM meetings ORDER BY id"
    )
    assert [tuple(row) for row in meetings] == [
        (1, CHLOE, ERASED, ERASED, None),
        (2, CHLOE, ERASED, ERASED, ERASED),
        (3, CHLOE, ERASED, CHLOE, CHLOE),
    ]
    left = await db.fetchall(
        "SELECT 'checkins' FROM checkins WHERE user_id = ?1"
        " UNION ALL SELECT 'alerts' FROM checkin_alerts WHERE user_id = ?1"
        " UNION ALL SELECT 'answers' FROM meeting_answers WHERE user_id = ?1"
        " UNION ALL SELECT 'offers' FROM meeting_offers WHERE user_id = ?1",
        (AWA,),
    )
    assert left == []
    chloe = await db.fetchall("SELECT rating FROM checkins WHERE user_id = ?", (CHLOE,))
    assert [row["rating"] for row in chloe] == [5]  # the other person's rows are hers


async def test_an_erasure_reads_no_growing_table_whole(world: World) -> None:
    await _history(world)
    db = world.core.db
    statements: list[str] = []
    async with db.write() as conn:
        await conn.set_trace_callback(statements.append)
        await world.core.privacy.erase_in(conn, AWA, Reason.RETENTION, 0)
        await conn.set_trace_callback(None)
    explained = sqlite3.connect(db.path)
    scans = []
    for sql in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            continue
        for row in explained.execute(f"EXPLAIN QUERY PLAN {sql}"):
            words = row[3].split()
            if words[:1] == ["SCAN"] and words[1] in GROWING:
                scans.append((row[3], sql))
    explained.close()
    assert len(statements) > 20  # the trace saw the erasure
    assert scans == []
