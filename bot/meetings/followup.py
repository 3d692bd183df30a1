"""After a meeting: each person's answer to "Did your meeting take place?", and staff figures.

An answer is recorded per side (a no-show is the other person, as she reports it), once: the
first answer stands. A later capability reacts to answers through `after_answer` hooks, called
in the transaction that records the answer (check-ins after a meeting held, a staff alert on
a no-show), so what it decides commits with the answer or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite

from bot.meetings.notice_view import PairRecord
from bot.meetings.results import FollowedUp, Stale
from bot.meetings.store import Answer, Duo, Status, load_meeting, members, one, stamp
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.people import person_from_row

AfterAnswer = Callable[[aiosqlite.Connection, FollowedUp], Awaitable[None]]


class FollowUps:
    """Records follow-up answers and counts meetings held, cancelled and missed per pair."""

    def __init__(self, db: Database, clock: Clock, default_zone: str) -> None:
        self.db = db
        self.clock = clock
        self.default_zone = default_zone
        self._after_answer: list[AfterAnswer] = []

    def after_answer(self, hook: AfterAnswer) -> None:
        """Adds what should happen, in its transaction, after a newly recorded answer."""
        self._after_answer.append(hook)

    async def answer(
        self, user_id: int, meeting_id: int, answer: Answer, update_id: int | None
    ) -> FollowedUp | Stale:
        """Records whether it took place, for her side; the first answer stands."""
        async with self.db.write(update_id) as conn:
            meeting = await load_meeting(conn, meeting_id)
            now = self.clock.now()
            if (
                meeting is None
                or not meeting.has(user_id)
                or meeting.status != Status.CONFIRMED
                or meeting.end > now
            ):
                return Stale()
            found = await members(conn, (user_id, meeting.other(user_id)), self.default_zone)
            if len(found) < 2:
                return Stale()
            pair = Duo(meeting.pair_id, found[user_id], found[meeting.other(user_id)])
            cursor = await conn.execute(
                "INSERT INTO meeting_answers(meeting_id, user_id, answer, answered_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (meeting.id, user_id, answer, stamp(now)),
            )
            if cursor.rowcount == 0:
                row = await one(
                    conn,
                    "SELECT answer FROM meeting_answers WHERE meeting_id = ? AND user_id = ?",
                    (meeting.id, user_id),
                )
                assert row is not None
                return FollowedUp(pair, meeting, Answer(row["answer"]), recorded=False)
            result = FollowedUp(pair, meeting, answer, recorded=True)
            for hook in self._after_answer:
                await hook(conn, result)
        return result

    async def records(self) -> list[PairRecord]:
        """Per pair with any booked meeting: held, cancelled, and no-shows of each side."""
        rows = await self.db.fetchall(
            "SELECT m.pair_id, m.mentor_id, m.mentee_id,"
            " SUM(m.status = 'cancelled') AS cancelled,"
            " SUM(EXISTS (SELECT 1 FROM meeting_answers a WHERE a.meeting_id = m.id"
            "  AND a.answer = 'held')) AS held,"
            " SUM((SELECT COUNT(*) FROM meeting_answers a WHERE a.meeting_id = m.id"
            "  AND a.answer = 'no_show' AND a.user_id = m.mentee_id)) AS mentor_absent,"
            " SUM((SELECT COUNT(*) FROM meeting_answers a WHERE a.meeting_id = m.id"
            "  AND a.answer = 'no_show' AND a.user_id = m.mentor_id)) AS mentee_absent"
            " FROM meetings m WHERE m.booked_at IS NOT NULL GROUP BY m.pair_id ORDER BY m.pair_id"
        )
        ids = {row[key] for row in rows for key in ("mentor_id", "mentee_id")}
        marks = ",".join("?" * len(ids))
        people = {
            row["user_id"]: person_from_row(row)
            for row in await self.db.fetchall(
                f"SELECT * FROM people WHERE user_id IN ({marks})", tuple(ids)
            )
        }
        return [
            PairRecord(
                people[row["mentor_id"]],
                people[row["mentee_id"]],
                row["held"],
                row["cancelled"],
                row["mentor_absent"],
                row["mentee_absent"],
            )
            for row in rows
            if row["mentor_id"] in people and row["mentee_id"] in people
        ]
