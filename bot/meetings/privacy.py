"""What meetings keep about a person, for /mydata, and how /delete erases it.

Her weekly availability and the times offered to her go. Her meetings that have not begun
are cancelled: their timers stop, and the other person's calendar gets the cancellation
(an .ics that names nobody; the pair's end is told in general terms by the pairing's own
holding). The meetings themselves stay for the statistics, with her side set to 0, and her
answers to "Did your meeting take place?" become anonymous counts.
"""

from __future__ import annotations

from typing import Any

import aiosqlite

from bot.meetings.calendar import FILENAME, uid
from bot.meetings.reminders import timer_prefix
from bot.meetings.store import Meeting, Status, load_meeting, meeting_from_row, stamp
from bot.meetings.week import DAYS, Week
from bot.privacy.data import ERASED, Erasure, Holding
from bot.runtime.db import Database
from bot.runtime.i18n import Translator
from bot.runtime.ics import CalendarEvent, ics
from bot.runtime.outbox import put_in
from bot.runtime.replies import SendDocument
from bot.runtime.timers import cancel_matching

UPCOMING = (Status.PROPOSED, Status.CONFIRMED)
PERSON_COLUMNS = ("mentor_id", "mentee_id", "proposer_id", "closed_by")


async def _export(conn: aiosqlite.Connection, user_id: int) -> Any:
    saved = await Database.rows(
        conn, "SELECT cells, saved_at FROM availability WHERE user_id = ?", (user_id,)
    )
    week = Week(saved[0]["cells"]) if saved else Week()
    meetings = await Database.rows(
        conn,
        "SELECT * FROM meetings WHERE mentor_id = ? OR mentee_id = ? ORDER BY id",
        (user_id, user_id),
    )
    answers = await Database.rows(
        conn,
        "SELECT meeting_id, answer, answered_at FROM meeting_answers WHERE user_id = ?",
        (user_id,),
    )
    return {
        "availability": {
            "saved_at": saved[0]["saved_at"] if saved else None,
            "week": {
                str(day): sorted(part.name.lower() for part in week.parts(day))
                for day in range(DAYS)
                if week.parts(day)
            },
        },
        "meetings": [
            {
                "meeting_id": row["id"],
                "pair_id": row["pair_id"],
                "status": row["status"],
                "start_at": row["start_at"],
                "end_at": row["end_at"],
                "proposed_by_you": row["proposer_id"] == user_id,
            }
            for row in meetings
        ],
        "took_place_answers": [dict(row) for row in answers],
    }


async def _erase(erasure: Erasure) -> None:
    conn, user_id = erasure.conn, erasure.user_id
    rows = await erasure.rows(
        "SELECT * FROM meetings WHERE (mentor_id = ? OR mentee_id = ?)"
        f" AND status IN ({', '.join('?' * len(UPCOMING))}) AND start_at > ?",
        (user_id, user_id, *UPCOMING, stamp(erasure.now)),
    )
    for row in rows:
        meeting = meeting_from_row(row)
        await conn.execute(
            "UPDATE meetings SET status = ?, closed_at = ?, closed_by = ?,"
            " sequence = sequence + 1 WHERE id = ?",
            (Status.CANCELLED, stamp(erasure.now), ERASED, meeting.id),
        )
        await cancel_matching(conn, timer_prefix(meeting), erasure.now)
        closed = await load_meeting(conn, meeting.id)
        assert closed is not None
        other = meeting.other(user_id)
        if meeting.status == Status.CONFIRMED:  # it is in her calendar: take it out
            t = await erasure.translator(other)
            await put_in(conn, erasure.clock, [_cancellation(erasure, t, other, closed)])
    await conn.execute(
        "INSERT INTO anonymous_counts(kind, key, count) SELECT 'meeting.answer', answer,"
        " COUNT(*) FROM meeting_answers WHERE user_id = ? GROUP BY answer"
        " ON CONFLICT(kind, key) DO UPDATE SET count = count + excluded.count",
        (user_id,),
    )
    await conn.execute("DELETE FROM meeting_answers WHERE user_id = ?", (user_id,))
    await conn.execute("DELETE FROM availability WHERE user_id = ?", (user_id,))
    await conn.execute("DELETE FROM meeting_offers WHERE user_id = ?", (user_id,))
    # Her id is in a meeting's proposer_id or closed_by only where she is one of its pair (or
    # 0, the program): one statement over her meetings, found by index, names her nowhere.
    await conn.execute(
        "UPDATE meetings SET "
        + ", ".join(f"{c} = CASE {c} WHEN :her THEN :erased ELSE {c} END" for c in PERSON_COLUMNS)
        + " WHERE mentor_id = :her OR mentee_id = :her",
        {"her": user_id, "erased": ERASED},
    )


def _cancellation(erasure: Erasure, t: Translator, to: int, meeting: Meeting) -> SendDocument:
    """The cancelled event for the other person's calendar; it names nobody."""
    event = CalendarEvent(
        uid=uid(meeting),
        start=meeting.start,
        end=meeting.end,
        summary="Passerelle",
        stamp=erasure.now,
        sequence=meeting.sequence,
        cancelled=True,
    )
    return SendDocument(to, FILENAME, ics(event), t("📎 The cancellation, for your calendar."))


HOLDING = Holding(
    "meetings",
    ("availability", "meeting_offers", "meetings", "meeting_answers"),
    _export,
    _erase,
)
