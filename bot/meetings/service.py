"""Meetings: a time that suits both, proposed, booked, moved or cancelled, and asked after.

Each step is one write transaction that checks again what it acts on (she is in the pair,
the pair is active, the meeting is still in the state the button was made for) and changes
it with a conditional update. What the step owes anyone (the other person's notice, the
.ics files of both) goes into the outbox in that transaction, and the meeting's timers
(reminders, the follow-up question, a clock-change notice) are scheduled, or cancelled by
prefix, in it too: the database is the only memory of what is due.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import aiosqlite

from bot.meetings import calendar, meeting_view, view
from bot.meetings.reminders import schedule_timers, timer_prefix
from bot.meetings.results import (
    Confirmed,
    Declined,
    Dropped,
    Missing,
    Moved,
    NoSlot,
    Offered,
    Pending,
    Proposed,
    Situation,
    Stale,
    Unavailable,
    Upcoming,
)
from bot.meetings.slots import Rules, find_slots, inside, near_miss
from bot.meetings.store import (
    Duo,
    Meeting,
    Member,
    Offer,
    Status,
    current_meeting,
    duo,
    load_meeting,
    load_offer,
    meeting_from_row,
    members,
    one,
    slots_json,
    stamp,
    video_url,
)
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.i18n import Catalogs, Translator
from bot.runtime.outbox import Owed, put_in
from bot.runtime.replies import Send
from bot.runtime.settings import Settings
from bot.runtime.timers import cancel_matching

TOLD_AGAIN = timedelta(hours=24)  # the other person is told of a failed /meet at most this often


class Meetings:
    """Proposes, books, moves and cancels meetings of pairs; reminds and asks after them."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        books: Catalogs,
        settings: Settings,
        rules: Rules | None = None,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.books = books
        self.settings = settings
        self.rules = rules or Rules()
        self.wake = wake  # the timers loop: something was scheduled

    def url(self, meeting: Meeting) -> str:
        """The meeting's video link."""
        return video_url(self.settings.meeting_url, meeting)

    def _t(self, member: Member) -> Translator:
        return self.books.get(member.person.language)

    # --- /meet -------------------------------------------------------------------------------

    async def pairs(self, user_id: int) -> list[tuple[int, Member]]:
        """Her active pairs, each with the other person, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, CASE WHEN mentor_id = ? THEN mentee_id ELSE mentor_id END AS other"
            " FROM pairs WHERE ended_at IS NULL AND (mentor_id = ? OR mentee_id = ?) ORDER BY id",
            (user_id, user_id, user_id),
        )
        found = await members(
            self.db.reader, [row["other"] for row in rows], self.settings.timezone
        )
        return [(row["id"], found[row["other"]]) for row in rows if row["other"] in found]

    async def seen_by(self, user_id: int, meeting_id: int) -> tuple[Duo, Meeting] | None:
        """A meeting of hers as it stands, in an active pair (to show again after a crash)."""
        meeting = await load_meeting(self.db.reader, meeting_id)
        if meeting is None or not meeting.has(user_id):
            return None
        pair = await duo(self.db.reader, meeting.pair_id, user_id, self.settings.timezone)
        return (pair, meeting) if pair is not None else None

    async def pair_of_offer(self, user_id: int, offer_id: int) -> int | None:
        """The active pair an offer to her belongs to."""
        row = await self.db.fetchone(
            "SELECT p.id FROM meeting_offers o JOIN pairs p ON p.id = o.pair_id"
            " WHERE o.id = ? AND o.user_id = ? AND p.ended_at IS NULL",
            (offer_id, user_id),
        )
        return int(row["id"]) if row is not None else None

    async def situation(self, user_id: int, pair_id: int) -> Situation | Stale:
        """What /meet shows for a pair: its meeting, or times to pick, or why there are none.

        Offering times stores them (the buttons name the offer); telling the other person that
        she is needed is committed with it, at most once a day.
        """
        async with self.db.write() as conn:
            pair = await duo(conn, pair_id, user_id, self.settings.timezone)
            if pair is None:
                return Stale()
            return await self._situation(conn, pair)

    async def _situation(self, conn: aiosqlite.Connection, pair: Duo) -> Situation:
        now = self.clock.now()
        meeting = await current_meeting(conn, pair.pair_id, now)
        if meeting is not None:
            if meeting.status == Status.CONFIRMED:
                return Upcoming(pair, meeting)
            return Pending(pair, meeting)
        if not pair.me.available:
            return Missing(pair, mine=True)
        if not pair.other.available:
            if await self._tell_once(conn, pair, now):
                other = pair.turned()
                await put_in(
                    conn,
                    self.clock,
                    [Send(other.me.user_id, view.ask_availability(self._t(other.me), other))],
                )
            return Missing(pair, mine=False)
        found = await self._offer(conn, pair, now, (), None)
        if isinstance(found, NoSlot) and await self._tell_once(conn, pair, now):
            other = pair.turned()
            t = self._t(other.me)
            miss = near_miss(other.me.side, other.other.side, now, self.rules)
            await put_in(
                conn, self.clock, [Send(other.me.user_id, view.no_slot(t, other, miss, now, True))]
            )
        return found

    async def _tell_once(self, conn: aiosqlite.Connection, pair: Duo, now: datetime) -> bool:
        """Records a /meet that found nothing; True unless one was recorded in the last day."""
        recent = await one(
            conn,
            "SELECT 1 FROM meeting_offers WHERE pair_id = ? AND user_id = ? AND slots = '[]'"
            " AND created_at > ?",
            (pair.pair_id, pair.me.user_id, stamp(now - TOLD_AGAIN)),
        )
        if recent is not None:
            return False
        await conn.execute(
            "INSERT INTO meeting_offers(pair_id, user_id, slots, created_at, used_at)"
            " VALUES (?, ?, '[]', ?, ?)",
            (pair.pair_id, pair.me.user_id, stamp(now), stamp(now)),
        )
        return True

    async def _offer(
        self,
        conn: aiosqlite.Connection,
        pair: Duo,
        now: datetime,
        exclude: Sequence[datetime],
        moves: Meeting | None,
    ) -> Offered | NoSlot:
        """Times that suit both (none in `exclude`), stored as an offer to duo.me."""
        slots = find_slots(pair.me.side, pair.other.side, now, self.rules, exclude)
        if not slots:
            miss = near_miss(pair.me.side, pair.other.side, now, self.rules)
            return NoSlot(pair, miss)
        return await self._store_offer(conn, pair, slots, moves)

    async def _store_offer(
        self,
        conn: aiosqlite.Connection,
        pair: Duo,
        slots: Sequence[datetime],
        moves: Meeting | None,
    ) -> Offered:
        cursor = await conn.execute(
            "INSERT INTO meeting_offers(pair_id, user_id, slots, moves, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                pair.pair_id,
                pair.me.user_id,
                slots_json(slots),
                moves.id if moves else None,
                stamp(self.clock.now()),
            ),
        )
        assert cursor.lastrowid is not None
        offer = Offer(
            cursor.lastrowid,
            pair.pair_id,
            pair.me.user_id,
            tuple(slots),
            moves.id if moves else None,
        )
        return Offered(pair, offer)

    def _fits(self, pair: Duo, start: datetime, now: datetime) -> bool:
        """Whether an offered start still suits both when it is picked.

        Half the notice may have gone by since it was offered (a 10:00 slot offered at 09:00
        can be picked until 09:30), so that the soonest slot is not refused for the minute
        it took to choose; both grids must still hold it.
        """
        return (
            now + self.rules.notice / 2 <= start <= now + self.rules.horizon
            and inside(pair.me.side, start, self.rules.length)
            and inside(pair.other.side, start, self.rules.length)
        )

    async def more(self, user_id: int, offer_id: int) -> Situation | Stale:
        """Other times than those of an offer (which is then used up)."""
        async with self.db.write() as conn:
            opened = await self._open_offer(conn, user_id, offer_id)
            if opened is None:
                return Stale()
            found, pair = opened
            await self._use(conn, "id = ?", found.id)
            moving = await self._movable(conn, found.moves, user_id) if found.moves else None
            if found.moves and moving is None:
                return Stale()
            now = self.clock.now()
            if moving is None and await current_meeting(conn, pair.pair_id, now) is not None:
                return await self._situation(conn, pair)
            exclude = (*found.slots, *((moving.start,) if moving else ()))
            return await self._offer(conn, pair, now, exclude, moving)

    async def _open_offer(
        self, conn: aiosqlite.Connection, user_id: int, offer_id: int
    ) -> tuple[Offer, Duo] | None:
        """An unused offer made to her, with her pair, if that pair is still active."""
        found = await load_offer(conn, offer_id, user_id)
        if found is None:
            return None
        pair = await duo(conn, found.pair_id, user_id, self.settings.timezone)
        return (found, pair) if pair is not None else None

    async def _use(self, conn: aiosqlite.Connection, where: str, *params: object) -> None:
        await conn.execute(
            f"UPDATE meeting_offers SET used_at = ? WHERE used_at IS NULL AND {where}",
            (stamp(self.clock.now()), *params),
        )

    async def _movable(
        self, conn: aiosqlite.Connection, meeting_id: int | None, user_id: int
    ) -> Meeting | None:
        """A booked meeting of hers, in an active pair, that has not begun."""
        meeting = await load_meeting(conn, meeting_id) if meeting_id is not None else None
        if (
            meeting is None
            or not meeting.has(user_id)
            or meeting.status != Status.CONFIRMED
            or meeting.start <= self.clock.now()
        ):
            return None
        return meeting

    # --- picking, answering ------------------------------------------------------------------

    async def pick(
        self, user_id: int, offer_id: int, index: int, update_id: int | None
    ) -> Proposed | Moved | Unavailable | Stale:
        """Proposes the picked time to the other, or moves the meeting the offer was for."""
        async with self.db.write(update_id) as conn:
            opened = await self._open_offer(conn, user_id, offer_id)
            if opened is None or not 0 <= index < len(opened[0].slots):
                return Stale()
            found, pair = opened
            now, start = self.clock.now(), found.slots[index]
            if found.moves is not None:
                moving = await self._movable(conn, found.moves, user_id)
                if moving is None:
                    return Stale()
                if not self._fits(pair, start, now):
                    await self._use(conn, "id = ?", found.id)
                    return Unavailable(await self._offer(conn, pair, now, (moving.start,), moving))
                return await self._move(conn, pair, moving, start, now)
            current = await current_meeting(conn, pair.pair_id, now)
            if current is not None:
                return Unavailable(await self._situation(conn, pair))
            if not self._fits(pair, start, now):
                await self._use(conn, "id = ?", found.id)
                return Unavailable(await self._situation(conn, pair))
            return await self._propose(conn, pair, found, start, now)

    async def _propose(
        self, conn: aiosqlite.Connection, pair: Duo, found: Offer, start: datetime, now: datetime
    ) -> Proposed:
        mentor, mentee = await self._roles(conn, pair.pair_id)
        cursor = await conn.execute(
            "INSERT INTO meetings(pair_id, mentor_id, mentee_id, proposer_id, status, start_at,"
            " end_at, offered, code, created_at) VALUES (?, ?, ?, ?, 'proposed', ?, ?, ?, ?, ?)",
            (
                pair.pair_id,
                mentor,
                mentee,
                pair.me.user_id,
                stamp(start),
                stamp(start + self.rules.length),
                slots_json(found.slots),
                secrets.token_hex(8),
                stamp(now),
            ),
        )
        assert cursor.lastrowid is not None
        await self._use(conn, "pair_id = ? AND moves IS NULL", pair.pair_id)
        meeting = await load_meeting(conn, cursor.lastrowid)
        assert meeting is not None
        other = pair.turned()
        text, keyboard = meeting_view.proposal(self._t(other.me), other, meeting)
        await put_in(conn, self.clock, [Send(other.me.user_id, text, keyboard)], meeting.start)
        return Proposed(pair, meeting)

    async def _roles(self, conn: aiosqlite.Connection, pair_id: int) -> tuple[int, int]:
        row = await one(conn, "SELECT mentor_id, mentee_id FROM pairs WHERE id = ?", (pair_id,))
        assert row is not None
        return row["mentor_id"], row["mentee_id"]

    async def _asked(
        self, conn: aiosqlite.Connection, user_id: int, meeting_id: int
    ) -> tuple[Duo, Meeting] | None:
        """A proposal made to her (not by her), still open and not begun, in an active pair."""
        meeting = await load_meeting(conn, meeting_id)
        if (
            meeting is None
            or not meeting.has(user_id)
            or meeting.proposer_id == user_id
            or meeting.status != Status.PROPOSED
            or meeting.start <= self.clock.now()
        ):
            return None
        pair = await duo(conn, meeting.pair_id, user_id, self.settings.timezone)
        return (pair, meeting) if pair is not None else None

    async def accept(
        self, user_id: int, meeting_id: int, update_id: int | None
    ) -> Confirmed | Stale:
        """Books a proposed meeting: both get the link and the .ics; its timers are set."""
        async with self.db.write(update_id) as conn:
            asked = await self._asked(conn, user_id, meeting_id)
            if asked is None:
                return Stale()
            pair, meeting = asked
            now = self.clock.now()
            await conn.execute(
                "UPDATE meetings SET status = 'confirmed', booked_at = ? WHERE id = ?",
                (stamp(now), meeting.id),
            )
            booked = await load_meeting(conn, meeting.id)
            assert booked is not None
            owed: list[Owed] = []
            leads = [lead for lead in self.settings.reminders if booked.start - lead > now]
            for side in (pair, pair.turned()):
                t = self._t(side.me)
                text = meeting_view.confirmed(t, side, booked, self.url(booked), leads)
                owed += [
                    Send(side.me.user_id, text),
                    calendar.calendar_file(t, side, booked, self.url(booked), now),
                ]
            await put_in(conn, self.clock, owed)
            await self._schedule(conn, pair, booked, now)
        self.wake()
        return Confirmed(pair, booked)

    async def decline(
        self, user_id: int, meeting_id: int, update_id: int | None
    ) -> Declined | Stale:
        """Declines a proposal; the decliner gets the other proposed times, or new ones."""
        async with self.db.write(update_id) as conn:
            asked = await self._asked(conn, user_id, meeting_id)
            if asked is None:
                return Stale()
            pair, meeting = asked
            now = self.clock.now()
            await self._close(conn, meeting, Status.DECLINED, user_id)
            other = pair.turned()
            text = meeting_view.declined_notice(self._t(other.me), other, meeting)
            await put_in(conn, self.clock, [Send(other.me.user_id, text)])
            rest = [s for s in meeting.offered if s != meeting.start and self._fits(pair, s, now)]
            then = (
                await self._store_offer(conn, pair, rest, None)
                if rest
                else await self._offer(conn, pair, now, (meeting.start,), None)
            )
        return Declined(pair, meeting, then)

    async def _close(
        self, conn: aiosqlite.Connection, meeting: Meeting, status: Status, user_id: int
    ) -> None:
        await conn.execute(
            "UPDATE meetings SET status = ?, closed_at = ?, closed_by = ?,"
            " sequence = sequence + ? WHERE id = ?",
            (
                status,
                stamp(self.clock.now()),
                user_id,
                1 if meeting.status == Status.CONFIRMED else 0,
                meeting.id,
            ),
        )
        await cancel_matching(conn, timer_prefix(meeting), self.clock.now())
        await self._use(conn, "pair_id = ? AND moves = ?", meeting.pair_id, meeting.id)

    # --- moving, cancelling ------------------------------------------------------------------

    async def move(self, user_id: int, meeting_id: int) -> Offered | NoSlot | Missing | Stale:
        """New times for a booked meeting of hers (Reschedule, or I can't make it)."""
        async with self.db.write() as conn:
            meeting = await self._movable(conn, meeting_id, user_id)
            pair = (
                await duo(conn, meeting.pair_id, user_id, self.settings.timezone)
                if meeting
                else None
            )
            if meeting is None or pair is None:
                return Stale()
            if not pair.me.available or not pair.other.available:
                return Missing(pair, mine=not pair.me.available)
            return await self._offer(conn, pair, self.clock.now(), (meeting.start,), meeting)

    async def _move(
        self,
        conn: aiosqlite.Connection,
        pair: Duo,
        meeting: Meeting,
        start: datetime,
        now: datetime,
    ) -> Moved:
        await cancel_matching(conn, timer_prefix(meeting), now)
        await self._use(conn, "pair_id = ? AND moves = ?", meeting.pair_id, meeting.id)
        await conn.execute(
            "UPDATE meetings SET start_at = ?, end_at = ?, sequence = sequence + 1, booked_at = ?,"
            " proposer_id = ? WHERE id = ?",
            (
                stamp(start),
                stamp(start + self.rules.length),
                stamp(now),
                pair.me.user_id,
                meeting.id,
            ),
        )
        moved = await load_meeting(conn, meeting.id)
        assert moved is not None
        other = pair.turned()
        t = self._t(other.me)
        text, keyboard = meeting_view.moved_notice(t, other, moved, meeting.start, self.url(moved))
        await put_in(
            conn,
            self.clock,
            [
                Send(other.me.user_id, text, keyboard),
                calendar.calendar_file(t, other, moved, self.url(moved), now),
                calendar.calendar_file(self._t(pair.me), pair, moved, self.url(moved), now),
            ],
        )
        await self._schedule(conn, pair, moved, now)
        self.wake()
        return Moved(pair, moved, meeting.start)

    async def drop(self, user_id: int, meeting_id: int, update_id: int | None) -> Dropped | Stale:
        """Cancels a booked meeting (both get the CANCEL .ics) or withdraws her own proposal."""
        async with self.db.write(update_id) as conn:
            meeting = await load_meeting(conn, meeting_id)
            now = self.clock.now()
            if meeting is None or not meeting.has(user_id) or meeting.start <= now:
                return Stale()
            proposal = meeting.status == Status.PROPOSED and meeting.proposer_id == user_id
            if meeting.status != Status.CONFIRMED and not proposal:
                return Stale()
            pair = await duo(conn, meeting.pair_id, user_id, self.settings.timezone)
            if pair is None:
                return Stale()
            status = Status.WITHDRAWN if proposal else Status.CANCELLED
            await self._close(conn, meeting, status, user_id)
            closed = await load_meeting(conn, meeting.id)
            assert closed is not None
            other = pair.turned()
            t = self._t(other.me)
            if proposal:
                owed: list[Owed] = [
                    Send(other.me.user_id, meeting_view.withdrawn_notice(t, other, closed))
                ]
            else:
                owed = [
                    Send(other.me.user_id, meeting_view.cancelled_notice(t, other, closed)),
                    calendar.calendar_file(t, other, closed, self.url(closed), now, cancelled=True),
                    calendar.calendar_file(
                        self._t(pair.me), pair, closed, self.url(closed), now, cancelled=True
                    ),
                ]
            await put_in(conn, self.clock, owed)
        return Dropped(pair, closed)

    async def pair_ending(self, conn: aiosqlite.Connection, pair_id: int) -> None:
        """Cancels the pair's meetings that have not begun, as the pair ends (same transaction).

        Both are told by the pairing's own notice; their calendars get the cancellation.
        """
        now = self.clock.now()
        rows = await Database.rows(
            conn,
            "SELECT * FROM meetings WHERE pair_id = ? AND status IN (?, ?) AND start_at > ?",
            (pair_id, Status.PROPOSED, Status.CONFIRMED, stamp(now)),
        )
        for row in rows:
            meeting = meeting_from_row(row)
            pair = await duo(conn, pair_id, meeting.mentor_id, self.settings.timezone)
            await self._close(conn, meeting, Status.CANCELLED, 0)
            closed = await load_meeting(conn, meeting.id)
            if pair is None or closed is None or meeting.status != Status.CONFIRMED:
                continue
            await put_in(
                conn,
                self.clock,
                [
                    calendar.calendar_file(
                        self._t(side.me), side, closed, self.url(closed), now, cancelled=True
                    )
                    for side in (pair, pair.turned())
                ],
            )

    # --- timers ------------------------------------------------------------------------------

    # --- after the meeting -------------------------------------------------------------------

    async def _schedule(
        self, conn: aiosqlite.Connection, pair: Duo, meeting: Meeting, now: datetime
    ) -> None:
        zones = (pair.me.zone, pair.other.zone)
        await schedule_timers(conn, meeting, self.settings.reminders, zones, now)
