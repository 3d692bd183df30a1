"""Check-in rounds: who is asked when, her answers committed one by one, and what they raise.

Each participant of an active pair gets a check-in for that pair every `days` days at `hour`
of her own local time (her cohort's schedule, else the program's), the first one `days` after
the pair was formed; also after each meeting that took place, on /checkin, and on a staff
round (/checkins_now). Every cadence date is a durable timer (`checkin:{user}:{pair}:{date}`)
scheduled in the transaction that formed the pair; each one schedules the next. A check-in
still open 48 hours after it opened gets one reminder (another timer, cancelled once
answered); one still open when the next is due is closed as missed.

A mentor with several mentees has one check-in per pair; she answers them one at a time, the
oldest open one first: the next one's first question goes out (to the outbox) in the
transaction that answered or closed the one before (`shown_at` says it went out).

The `escalate` hooks are awaited with a Trigger inside the transaction that records what
triggered it (a rating of 1 or 2, help asked for once its text is recorded, two check-ins in
a row missed, a reported no-show), so an alert commits with its cause or not at all.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import aiosqlite

from bot.checkins import view
from bot.checkins.cadence import (
    DUE,
    REMIND,
    REMIND_AFTER,
    SWEEP,
    due_id,
    local_instant,
    next_day,
    remind_id,
    sweep_id,
    timers_of,
)
from bot.checkins.steps import YES
from bot.checkins.store import (
    ANSWERED,
    CLOSED,
    HELP,
    MISSED,
    OPEN,
    RATING,
    Checkin,
    Reason,
    Started,
    UnknownCohort,
    checkin_from_row,
    stored_values,
)
from bot.checkins.triggers import LOW_RATING_AT_MOST, Escalate, Kind, Trigger
from bot.cohorts.store import Cohort, Schedule, cohort_of, load_cohort, members_of, schedule_of
from bot.meetings.results import FollowedUp
from bot.meetings.store import Answer
from bot.runtime.clock import Clock
from bot.runtime.db import Database, Row
from bot.runtime.i18n import Catalogs
from bot.runtime.outbox import put_in
from bot.runtime.people import iso
from bot.runtime.replies import Send
from bot.runtime.settings import Settings
from bot.runtime.timers import Timer, cancel, cancel_matching, schedule
from dialogs.loader import Form
from dialogs.runner import advance
from dialogs.runner_types import Ask, Begin, Event, Stale, Transition

PAIRS_PER_STEP = 2_000  # active pairs looked at per step of the start-up sweep
MISSING_BATCH = 50  # at most this many cadence dates scheduled per step


def _is_open_due(user: str, pair: str) -> str:
    """SQL: `t`, a timers row, is the open cadence date of person `user` for pair `pair` (SQL
    expressions), as timers_open_checkin_due holds them (its kind written out, as in the
    index's WHERE, so that SQLite sees the index applies)."""
    return (
        f"t.kind = '{DUE}' AND t.done_at IS NULL AND t.cancelled_at IS NULL"
        f" AND t.subject = {user} AND json_extract(t.payload, '$.pair_id') = {pair}"
    )


# The next PAIRS_PER_STEP active pairs after a pair id (a primary-key range): the last one's id
# and how many there are.
_WINDOW = (
    "SELECT MAX(id) AS last, COUNT(*) AS seen FROM (SELECT id FROM pairs"
    " WHERE ended_at IS NULL AND id > ? ORDER BY id LIMIT ?)"
)
# The members of the active pairs in a range of ids with no open cadence date, in pair order:
# each member looked up in timers_open_checkin_due (5 ms for 2,000 pairs).
_MISSING = (
    " UNION ALL ".join(
        f"SELECT p.id, p.created_at, p.{member} AS user_id FROM pairs p"
        f" WHERE p.id > ? AND p.id <= ? AND p.ended_at IS NULL"
        f" AND NOT EXISTS (SELECT 1 FROM timers t WHERE {_is_open_due(f'p.{member}', 'p.id')})"
        for member in ("mentor_id", "mentee_id")
    )
    + " ORDER BY id LIMIT ?"
)


class Checkins:
    """Opens check-ins, runs the form for each answer, and keeps the rounds going."""

    def __init__(
        self, db: Database, clock: Clock, form: Form, books: Catalogs, settings: Settings
    ) -> None:
        self.db = db
        self.clock = clock
        self.form = form
        self.books = books
        self.settings = settings
        # Awaited with each Trigger inside the transaction that raised it (alerts to staff).
        self.escalate: list[Escalate] = []

    # --- Reading ---------------------------------------------------------------------------

    async def current(
        self, user_id: int, conn: aiosqlite.Connection | None = None
    ) -> Checkin | None:
        """Her check-in being answered: the oldest open one, if any."""
        rows = await self.db.rows(
            conn or self.db.reader,
            "SELECT * FROM checkins WHERE user_id = ? AND status = ? ORDER BY id LIMIT 1",
            (user_id, OPEN),
        )
        return checkin_from_row(rows[0]) if rows else None

    async def get(
        self, checkin_id: int, conn: aiosqlite.Connection | None = None
    ) -> Checkin | None:
        """A check-in by id."""
        rows = await self.db.rows(
            conn or self.db.reader, "SELECT * FROM checkins WHERE id = ?", (checkin_id,)
        )
        return checkin_from_row(rows[0]) if rows else None

    async def other_name(self, pair_id: int, user_id: int) -> str:
        """The first name of the other person of her pair."""
        return await self._other_name(self.db.reader, pair_id, user_id)

    async def _other_name(self, conn: aiosqlite.Connection, pair_id: int, user_id: int) -> str:
        rows = await self.db.rows(
            conn,
            "SELECT p.first_name FROM pairs x JOIN people p"
            " ON p.user_id = CASE WHEN x.mentor_id = ? THEN x.mentee_id ELSE x.mentor_id END"
            " WHERE x.id = ?",
            (user_id, pair_id),
        )
        return str(rows[0]["first_name"]) if rows and rows[0]["first_name"] else "?"

    async def _active_pairs(
        self, conn: aiosqlite.Connection, user_id: int | None = None
    ) -> list[Row]:
        if user_id is None:
            return await self.db.rows(
                conn, "SELECT * FROM pairs WHERE ended_at IS NULL ORDER BY id"
            )
        return await self.db.rows(  # each half on its partial index (one OR would scan)
            conn,
            "SELECT * FROM pairs WHERE ended_at IS NULL AND mentor_id = ?"
            " UNION ALL SELECT * FROM pairs WHERE ended_at IS NULL AND mentee_id = ?"
            " ORDER BY id",
            (user_id, user_id),
        )

    async def _in_active_pair(self, conn: aiosqlite.Connection, user_id: int, pair_id: int) -> bool:
        rows = await self.db.rows(
            conn,
            "SELECT 1 FROM pairs WHERE id = ? AND ended_at IS NULL"
            " AND (mentor_id = ? OR mentee_id = ?)",
            (pair_id, user_id, user_id),
        )
        return bool(rows)

    async def _zone(self, conn: aiosqlite.Connection, user_id: int) -> str:
        rows = await self.db.rows(conn, "SELECT timezone FROM people WHERE user_id = ?", (user_id,))
        zone = rows[0]["timezone"] if rows else None
        return str(zone or self.settings.timezone)

    async def _schedule_of(self, conn: aiosqlite.Connection, user_id: int) -> Schedule:
        return await schedule_of(
            conn, user_id, self.settings.checkin_days, self.settings.checkin_hour
        )

    # --- Opening and prompting --------------------------------------------------------------

    async def open_in(
        self,
        conn: aiosqlite.Connection,
        user_id: int,
        pair_id: int,
        reason: Reason,
        show: bool = True,
    ) -> int | None:
        """Opens a check-in for her about an active pair, in the caller's transaction, with
        its 48-hour reminder; None when one is open already (or the pair is not active).

        With `show`, her first question goes to the outbox unless she is answering another.
        """
        if not await self._in_active_pair(conn, user_id, pair_id):
            return None
        found = await self.db.rows(
            conn,
            "SELECT id FROM checkins WHERE user_id = ? AND pair_id = ? AND status = ?",
            (user_id, pair_id, OPEN),
        )
        if found:
            return None
        cohort = await cohort_of(conn, user_id)
        cursor = await conn.execute(
            "INSERT INTO checkins(user_id, pair_id, cohort, reason, status, step, round,"
            " opened_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
            (
                user_id,
                pair_id,
                cohort.code if cohort else None,
                reason.value,
                OPEN,
                self.form.steps[0].id,
                iso(self.clock),
            ),
        )
        checkin_id = cursor.lastrowid
        assert checkin_id is not None
        now = self.clock.now()
        await schedule(
            conn,
            remind_id(user_id, pair_id, checkin_id),
            REMIND,
            now + REMIND_AFTER,
            user_id,
            {"checkin_id": checkin_id},
            now,
        )
        if show:
            await self._prompt_next(conn, user_id)
        return checkin_id

    async def _prompt_next(self, conn: aiosqlite.Connection, user_id: int) -> None:
        """Sends (to the outbox) the question of her current check-in if it never went out."""
        current = await self.current(user_id, conn)
        if current is None or current.shown:
            return
        await self._prompt(conn, current)

    async def _prompt(
        self, conn: aiosqlite.Connection, checkin: Checkin, reminder: bool = False
    ) -> None:
        rows = await self.db.rows(
            conn, "SELECT language FROM people WHERE user_id = ?", (checkin.user_id,)
        )
        if not rows or checkin.state.step is None:
            return
        t = self.books.get(rows[0]["language"])
        name = await self._other_name(conn, checkin.pair_id, checkin.user_id)
        ask = Ask(checkin.state.step, checkin.state.round)
        if reminder:
            message = view.late_reminder(t, self.form, checkin.id, ask, name)
        else:
            message = view.question(t, self.form, checkin.id, ask, name)
        await put_in(conn, self.clock, [Send(checkin.user_id, message.text, message.keyboard)])
        await conn.execute(
            "UPDATE checkins SET shown_at = COALESCE(shown_at, ?) WHERE id = ?",
            (iso(self.clock), checkin.id),
        )

    async def ask(self, user_id: int, update_id: int | None) -> Checkin | None:
        """/checkin: her open check-in, else a new one for each of her active pairs (the first
        returned, to be shown now); None when she is in no active pair."""
        async with self.db.write(update_id) as conn:
            current = await self.current(user_id, conn)
            if current is None:
                for pair in await self._active_pairs(conn, user_id):
                    await self.open_in(conn, user_id, pair["id"], Reason.ASKED, show=False)
                current = await self.current(user_id, conn)
            if current is not None:
                await conn.execute(
                    "UPDATE checkins SET shown_at = COALESCE(shown_at, ?) WHERE id = ?",
                    (iso(self.clock), current.id),
                )
        return current

    async def start_round(
        self, cohort: str | None, update_id: int | None
    ) -> Started | UnknownCohort:
        """/checkins_now: a check-in for each participant of every active pair (of one cohort's
        members, given its code), their questions committed to the outbox with the round."""
        started = already = 0
        async with self.db.write(update_id) as conn:
            code = None
            if cohort is not None:
                found = await load_cohort(conn, cohort)
                if found is None:
                    return UnknownCohort(cohort)
                code = found.code.lower()
            for pair in await self._active_pairs(conn):
                for user_id in (pair["mentor_id"], pair["mentee_id"]):
                    if code is not None:
                        hers = await cohort_of(conn, user_id)
                        if hers is None or hers.code.lower() != code:
                            continue
                    opened = await self.open_in(conn, user_id, pair["id"], Reason.STAFF)
                    if opened is None:
                        already += 1
                    else:
                        started += 1
        return Started(started, already)

    # --- Answering --------------------------------------------------------------------------

    async def record_asked(self, checkin_id: int, round_: int, asked: view.Asked) -> None:
        """Records which message shows the buttons of the question at `round_`, if current."""
        await self.db.run(  # one statement: a transaction of its own, in one round trip
            "UPDATE checkins SET asked_message = ?, asked_as = ?"
            " WHERE id = ? AND round = ? AND status = ?",
            (asked.message_id, asked.asked_as, checkin_id, round_, OPEN),
        )

    async def handle(self, checkin: Checkin, event: Event, update_id: int | None) -> Transition:
        """Advances her check-in by one event and commits it (with what it triggers) before
        anything is sent."""
        transition = advance(self.form, checkin.state, event)
        if isinstance(event, Begin) or transition.state == checkin.state:
            return transition
        async with self.db.write(update_id) as conn:
            rows = await self.db.rows(
                conn, "SELECT status, round FROM checkins WHERE id = ?", (checkin.id,)
            )
            if not rows or rows[0]["status"] != OPEN or rows[0]["round"] != checkin.state.round:
                return Transition(checkin.state, (Stale(),))
            await self._commit(conn, checkin, transition)
        return transition

    async def _commit(
        self, conn: aiosqlite.Connection, checkin: Checkin, transition: Transition
    ) -> None:
        state = transition.state
        answers = dict(state.answers)
        submitted = state.status == "submitted"
        now = iso(self.clock)
        rating, worked_on, needs_help, help_text = stored_values(answers)
        await conn.execute(
            "UPDATE checkins SET step = ?, round = ?, rating = ?, worked_on = ?,"
            " needs_help = ?, help_text = ?, status = ?, answered_at = ?,"
            " asked_message = CASE WHEN round = ? THEN asked_message END WHERE id = ?",
            (
                state.step,
                state.round,
                rating,
                worked_on,
                needs_help,
                help_text,
                ANSWERED if submitted else OPEN,
                now if submitted else None,
                state.round,
                checkin.id,
            ),
        )
        triggers: list[Trigger] = []
        first_rating = RATING in answers and RATING not in checkin.state.answers
        if first_rating and isinstance(rating, int) and rating <= LOW_RATING_AT_MOST:
            triggers.append(Trigger(Kind.LOW_RATING, checkin.user_id, checkin.pair_id, checkin.id))
        if submitted and answers.get(HELP) == YES:
            triggers.append(Trigger(Kind.HELP, checkin.user_id, checkin.pair_id, checkin.id))
        await self._raise(conn, triggers)
        if submitted:
            await cancel(
                conn, remind_id(checkin.user_id, checkin.pair_id, checkin.id), self.clock.now()
            )
            await self._prompt_next(conn, checkin.user_id)

    async def _raise(self, conn: aiosqlite.Connection, triggers: list[Trigger]) -> None:
        for trigger in triggers:
            for hook in self.escalate:
                await hook(conn, trigger)

    # --- Timers and hooks -------------------------------------------------------------------

    async def _schedule_due(
        self,
        conn: aiosqlite.Connection,
        user_id: int,
        pair_id: int,
        day: date,
        hour: int,
        zone: str | None = None,
    ) -> None:
        zone = zone or await self._zone(conn, user_id)
        await schedule(
            conn,
            due_id(user_id, pair_id, day),
            DUE,
            local_instant(day, hour, zone),
            user_id,
            {"user_id": user_id, "pair_id": pair_id, "day": day.isoformat()},
            self.clock.now(),
        )

    async def _first_day(
        self,
        conn: aiosqlite.Connection,
        user_id: int,
        created_at: str,
        schedule_: Schedule,
        zone: str | None = None,
    ) -> date:
        zone = zone or await self._zone(conn, user_id)
        formed = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
        return next_day(schedule_, formed.astimezone(ZoneInfo(zone)).date())

    async def pair_formed(self, conn: aiosqlite.Connection, pair_id: int) -> None:
        """Pairing's on_formed hook: schedules each member's first cadence check-in."""
        rows = await self.db.rows(conn, "SELECT * FROM pairs WHERE id = ?", (pair_id,))
        if not rows:
            return
        pair = rows[0]
        for user_id in (pair["mentor_id"], pair["mentee_id"]):
            schedule_ = await self._schedule_of(conn, user_id)
            day = await self._first_day(conn, user_id, pair["created_at"], schedule_)
            await self._schedule_due(conn, user_id, pair_id, day, schedule_.hour)

    async def pair_ending(self, conn: aiosqlite.Connection, pair_id: int) -> None:
        """Pairing's on_end hook: the pair's open check-ins close and their timers go."""
        rows = await self.db.rows(
            conn, "SELECT mentor_id, mentee_id FROM pairs WHERE id = ?", (pair_id,)
        )
        if not rows:
            return
        now = self.clock.now()
        for user_id in (rows[0]["mentor_id"], rows[0]["mentee_id"]):
            await conn.execute(
                "UPDATE checkins SET status = ?, closed_at = ? WHERE user_id = ? AND pair_id = ?"
                " AND status = ?",
                (CLOSED, iso(self.clock), user_id, pair_id, OPEN),
            )
            await cancel_matching(conn, timers_of(user_id, pair_id), now)
            await self._prompt_next(conn, user_id)

    async def on_due(self, conn: aiosqlite.Connection, timer: Timer) -> None:
        """A cadence date came: the one still open for this pair is missed, a new one opens,
        and the next date is scheduled; nothing but the next date while her cohort is paused."""
        user_id, pair_id = int(timer.payload["user_id"]), int(timer.payload["pair_id"])
        day = date.fromisoformat(str(timer.payload["day"]))
        if not await self._in_active_pair(conn, user_id, pair_id):
            return
        schedule_ = await self._schedule_of(conn, user_id)
        if not schedule_.paused_on(day):
            await self._miss_open(conn, user_id, pair_id)
            await self.open_in(conn, user_id, pair_id, Reason.CADENCE)
        await self._schedule_due(conn, user_id, pair_id, next_day(schedule_, day), schedule_.hour)

    async def _miss_open(self, conn: aiosqlite.Connection, user_id: int, pair_id: int) -> None:
        rows = await self.db.rows(
            conn,
            "SELECT id FROM checkins WHERE user_id = ? AND pair_id = ? AND status = ?",
            (user_id, pair_id, OPEN),
        )
        for row in rows:
            await conn.execute(
                "UPDATE checkins SET status = ?, closed_at = ? WHERE id = ?",
                (MISSED, iso(self.clock), row["id"]),
            )
            await cancel(conn, remind_id(user_id, pair_id, row["id"]), self.clock.now())
            recent = await self.db.rows(
                conn,
                "SELECT status FROM checkins WHERE user_id = ? AND pair_id = ? AND status != ?"
                " ORDER BY id DESC LIMIT 3",
                (user_id, pair_id, OPEN),
            )
            # Her last two for this pair missed: staff hear once per run of misses (a third
            # miss in a row raises nothing new; an answer in between starts a new run).
            streak = [r["status"] for r in recent]
            if streak[:2] == [MISSED, MISSED] and streak[2:3] != [MISSED]:
                await self._raise(conn, [Trigger(Kind.MISSED, user_id, pair_id, row["id"])])

    async def on_remind(self, conn: aiosqlite.Connection, timer: Timer) -> None:
        """48 hours after a check-in opened, still open: her current question, once more."""
        checkin = await self.get(int(timer.payload["checkin_id"]), conn)
        if checkin is None or checkin.status != OPEN or checkin.reminded_at is not None:
            return
        await conn.execute(
            "UPDATE checkins SET reminded_at = ? WHERE id = ?", (iso(self.clock), checkin.id)
        )
        current = await self.current(checkin.user_id, conn)
        if current is not None and current.id == checkin.id:
            await self._prompt(conn, checkin, reminder=True)

    async def after_meeting(self, conn: aiosqlite.Connection, followed: FollowedUp) -> None:
        """FollowUps' after_answer hook: a meeting held opens a check-in for her about that
        pair; a no-show she reports raises NO_SHOW."""
        if not followed.recorded:
            return
        user_id, pair_id = followed.duo.me.user_id, followed.duo.pair_id
        if followed.answer == Answer.HELD:
            await self.open_in(conn, user_id, pair_id, Reason.MEETING)
        elif followed.answer == Answer.NO_SHOW:
            trigger = Trigger(Kind.NO_SHOW, user_id, pair_id, meeting_id=followed.meeting.id)
            await self._raise(conn, [trigger])

    async def _schedule_upcoming(self, conn: aiosqlite.Connection, user_id: int, pair: Row) -> None:
        """Schedules her next cadence date for a pair: the first one after now, counted from
        the day the pair was formed, on her current schedule."""
        schedule_ = await self._schedule_of(conn, user_id)
        zone = await self._zone(conn, user_id)
        now = self.clock.now()
        day = await self._first_day(conn, user_id, pair["created_at"], schedule_, zone)
        for _ in range(10_000):
            if local_instant(day, schedule_.hour, zone) > now:
                break
            day = next_day(schedule_, day)
        await self._schedule_due(conn, user_id, pair["id"], day, schedule_.hour, zone)

    async def _open_due(self, conn: aiosqlite.Connection, user_id: int, pair_id: int) -> list[Row]:
        return await self.db.rows(
            conn, f"SELECT id FROM timers t WHERE {_is_open_due('?', '?')}", (user_id, pair_id)
        )

    async def reschedule(self, conn: aiosqlite.Connection, user_id: int) -> None:
        """Moves her next cadence dates to her schedule as it now is, in the caller's
        transaction (for cohorts: after a cadence, hour or zone change)."""
        for pair in await self._active_pairs(conn, user_id):
            for timer in await self._open_due(conn, user_id, pair["id"]):
                await cancel(conn, timer["id"], self.clock.now())
            await self._schedule_upcoming(conn, user_id, pair)

    async def cohort_changed(self, conn: aiosqlite.Connection, cohort: Cohort) -> None:
        """Cohorts' on_change hook: its members' next cadence dates follow its cadence, hour
        and pause as they now are, in the transaction of the change."""
        for user_id in await members_of(conn, cohort.code):
            await self.reschedule(conn, user_id)

    async def start_sweep(self) -> None:
        """At start: plans the sweep that gives each member of an active pair with no cadence
        date her next one (pairs formed before check-ins existed). A timer due now: the timers
        loop runs it a step (one short write transaction) at a time once the bot listens,
        instead of holding the writer, before it listens, for every pair."""
        now = self.clock.now()
        started = iso(self.clock)
        async with self.db.write() as conn:
            await schedule(
                conn, sweep_id(started, 0), SWEEP, now, None, {"after": 0, "started": started}, now
            )

    async def on_sweep(self, conn: aiosqlite.Connection, timer: Timer) -> None:
        """One step of the start-up sweep; the next one is due at once while pairs remain."""
        _, after = await self._sweep_step(conn, int(timer.payload["after"]))
        if after is not None:
            started, step = str(timer.payload["started"]), int(timer.payload.get("step", 0)) + 1
            now = self.clock.now()
            payload = {"after": after, "started": started, "step": step}
            await schedule(conn, sweep_id(started, step), SWEEP, now, None, payload, now)

    async def schedule_missing(self) -> int:
        """The whole start-up sweep at once, a step per write transaction: the next cadence
        date of each participant of an active pair that has none scheduled; how many.
        Idempotent."""
        added, after = 0, 0
        while True:
            async with self.db.write() as conn:
                step, going = await self._sweep_step(conn, after)
            added += step
            if going is None:
                return added
            after = going

    async def _sweep_step(self, conn: aiosqlite.Connection, after: int) -> tuple[int, int | None]:
        """Schedules the missing cadence dates among the next active pairs after pair id
        `after` (at most MISSING_BATCH of them); how many, and the pair id to go on after (None
        once every pair was looked at)."""
        window = await self.db.rows(conn, _WINDOW, (after, PAIRS_PER_STEP))
        last, seen = window[0]["last"], window[0]["seen"]
        if not seen:
            return 0, None
        missing = await self.db.rows(conn, _MISSING, (after, last, after, last, MISSING_BATCH))
        for member in missing:
            await self._schedule_upcoming(conn, member["user_id"], member)
        if len(missing) == MISSING_BATCH:  # stopped within these pairs: the last one again
            return len(missing), int(missing[-1]["id"]) - 1
        return len(missing), (int(last) if seen == PAIRS_PER_STEP else None)
