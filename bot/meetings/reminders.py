"""A booked meeting's timers: reminders, the follow-up question, a clock change announced.

They are durable timers (bot/runtime/timers.py) scheduled in the transaction that books or
moves the meeting, under ids `meeting:<id>:<sequence>:<what>`: moving the meeting cancels
every `meeting:<id>:` timer and schedules the new sequence's, so a moved reminder fires at
the new time only and a reminder that already ran never runs again. Each handler checks again
that the meeting is still booked at that sequence; a reminder due while the bot was down runs
at start, once, if the meeting has not begun (its outbox rows expire when it begins).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import aiosqlite

from bot.meetings import notice_view
from bot.meetings.slots import clock_changes, offset
from bot.meetings.store import (
    Duo,
    Meeting,
    Member,
    Status,
    load_meeting,
    members,
    one,
    video_url,
)
from bot.runtime.clock import Clock
from bot.runtime.i18n import Catalogs, Translator
from bot.runtime.outbox import Owed, put_in
from bot.runtime.replies import Send
from bot.runtime.timers import Timer, schedule

REMIND, FOLLOW_UP, CLOCKS = "meeting.reminder", "meeting.followup", "meeting.clocks"
CLOCKS_NOTICE = timedelta(days=7)  # a clock change ahead is announced a week before


def timer_prefix(meeting: Meeting) -> str:
    """What every timer id of a meeting starts with."""
    return f"meeting:{meeting.id}:"


async def schedule_timers(
    conn: aiosqlite.Connection,
    meeting: Meeting,
    leads: Sequence[timedelta],
    zones: Sequence[str],
    now: datetime,
) -> None:
    """Reminders at each lead time still ahead, the follow-up at its end, a clock notice.

    A lead time already past when the meeting is booked is skipped, not sent at once: a
    meeting booked 3 hours ahead gets its 1-hour reminder only, not a late 24-hour one. The
    clock notice is due a week before (at once, if that is past) when a clock change between
    now and the meeting moves either person's local time.
    """
    prefix = f"{timer_prefix(meeting)}{meeting.sequence}:"
    payload = {"sequence": meeting.sequence}
    for lead in leads:
        due = meeting.start - lead
        if due > now:
            seconds = int(lead.total_seconds())
            await schedule(
                conn, f"{prefix}reminder:{seconds}", REMIND, due, meeting.id, payload, now
            )
    await schedule(conn, f"{prefix}followup", FOLLOW_UP, meeting.end, meeting.id, payload, now)
    if any(offset(name, now) != offset(name, meeting.start) for name in zones):
        due = max(meeting.start - CLOCKS_NOTICE, now)
        await schedule(conn, f"{prefix}clocks", CLOCKS, due, meeting.id, payload, now)


class Reminders:
    """The handlers of a meeting's timers; each writes in the timer's own transaction."""

    def __init__(self, clock: Clock, books: Catalogs, default_zone: str, url: str) -> None:
        self.clock = clock
        self.books = books
        self.default_zone = default_zone
        self.url = url

    def _t(self, member: Member) -> Translator:
        return self.books.get(member.person.language)

    async def _booked(
        self, conn: aiosqlite.Connection, timer: Timer
    ) -> tuple[Meeting, list[Duo]] | None:
        """The meeting a timer is for if still booked at its sequence, with both views of it."""
        meeting = await load_meeting(conn, timer.subject) if timer.subject is not None else None
        if (
            meeting is None
            or meeting.status != Status.CONFIRMED
            or meeting.sequence != timer.payload.get("sequence")
        ):
            return None
        found = await members(conn, (meeting.mentor_id, meeting.mentee_id), self.default_zone)
        if len(found) < 2:
            return None
        pair = Duo(meeting.pair_id, found[meeting.mentor_id], found[meeting.mentee_id])
        return meeting, [pair, pair.turned()]

    async def remind(self, conn: aiosqlite.Connection, timer: Timer) -> None:
        """A reminder falls due: both are told, unless it moved or began, or the pair ended."""
        booked = await self._booked(conn, timer)
        now = self.clock.now()
        if booked is None or booked[0].start <= now:
            return
        meeting, pairs = booked
        active = await one(
            conn, "SELECT 1 FROM pairs WHERE id = ? AND ended_at IS NULL", (meeting.pair_id,)
        )
        if active is None:
            return
        url = video_url(self.url, meeting)
        owed: list[Owed] = []
        for pair in pairs:
            text, keyboard = notice_view.reminder(
                self._t(pair.me), pair, meeting, url, meeting.start - now
            )
            owed.append(Send(pair.me.user_id, text, keyboard))
        await put_in(conn, self.clock, owed, expires_at=meeting.start)

    async def follow_up(self, conn: aiosqlite.Connection, timer: Timer) -> None:
        """The meeting's end: each is asked whether it took place."""
        booked = await self._booked(conn, timer)
        if booked is None:
            return
        meeting, pairs = booked
        owed: list[Owed] = []
        for pair in pairs:
            text, keyboard = notice_view.followup_question(self._t(pair.me), pair, meeting)
            owed.append(Send(pair.me.user_id, text, keyboard))
        await put_in(conn, self.clock, owed)

    async def clocks(self, conn: aiosqlite.Connection, timer: Timer) -> None:
        """A week before: a clock change between booking and meeting moves someone's time."""
        booked = await self._booked(conn, timer)
        if booked is None:
            return
        meeting, pairs = booked
        booked_at = meeting.booked_at
        if booked_at is None or meeting.start <= self.clock.now():
            return
        zones = dict.fromkeys((pairs[0].me.zone, pairs[0].other.zone))
        changes = [
            (name, change)
            for name in zones
            for change in clock_changes(name, booked_at, meeting.start)
        ]
        if not changes:
            return
        owed: list[Owed] = [
            Send(
                pair.me.user_id, notice_view.clocks_notice(self._t(pair.me), pair, meeting, changes)
            )
            for pair in pairs
        ]
        await put_in(conn, self.clock, owed, expires_at=meeting.start)
