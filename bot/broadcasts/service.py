"""Broadcasts: drafts, schedules, the commit of every recipient before the first send, answers.

A draft is written step by step (audience, versions, media, event). Sending it, now or when
its timer comes, is one transaction: the status, one pending row per recipient, the event's
reminder timers and the audit line commit together, before anything is sent; the runner
(handlers/broadcaster.py) then delivers the rows. Every staff step is a conditional update
on the broadcast's status, so two staff members (or a press and a timer) never both act.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.broadcasts.audiences import Audience, Audiences
from bot.broadcasts.model import (
    CANCELLED,
    DRAFT,
    FAILED,
    GOING,
    NOT_GOING,
    SCHEDULED,
    SENDING,
    STOPPED,
    Broadcast,
    Event,
    Media,
    Recipient,
    Tally,
    Version,
)
from bot.runtime.clock import Clock
from bot.runtime.db import Database, Row
from bot.runtime.leases import stamp, wall
from bot.runtime.outbox import Owed, put_in
from bot.runtime.people import iso
from bot.runtime.timers import Handler, Timer, cancel, schedule
from bot.staff.service import audit

START = "broadcast.start"
REMINDER = "broadcast.reminder"

OK = "ok"
GONE = "gone"  # no longer in the state the step needs (sent, cancelled, started...)
EMPTY = "empty"  # nobody in the audience
PAST = "past"  # a time already passed
EVENT_FIRST = "event_first"  # the event would start before the announcement goes out
OVER = "over"  # the event is over
NOT_RECIPIENT = "not_recipient"

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# Renders the reminders of an event, at one lead time, to the recipients going to it.
RemindTell = Callable[[Broadcast, Event, timedelta, Sequence[Recipient]], Sequence[Owed]]


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_FORMAT)


def _time(text: str | None) -> datetime | None:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC) if text else None


def start_timer(broadcast_id: int) -> str:
    """The id of the timer that starts a scheduled broadcast."""
    return f"broadcast:{broadcast_id}:start"


def reminder_timer(broadcast_id: int, lead: timedelta) -> str:
    """The id of the timer of one reminder of a broadcast's event."""
    return f"broadcast:{broadcast_id}:reminder:{int(lead.total_seconds())}"


def _broadcast(row: Row, versions: Sequence[Row]) -> Broadcast:
    start, end = _time(row["event_start"]), _time(row["event_end"])
    event = None
    if row["event_title"] is not None and start is not None and end is not None:
        event = Event(row["event_title"], start, end, row["event_place"])
    control = None
    if row["control_chat"] is not None and row["control_message"] is not None:
        control = (int(row["control_chat"]), int(row["control_message"]))
    return Broadcast(
        id=row["id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        audience=Audience(row["audience"], row["audience_value"]),
        status=row["status"],
        versions=tuple(Version(v["language"], v["html"], v["plain"]) for v in versions),
        media=Media(row["media_kind"], row["media_file_id"]) if row["media_kind"] else None,
        event=event,
        scheduled_at=_time(row["scheduled_at"]),
        started_at=_time(row["started_at"]),
        finished_at=_time(row["finished_at"]),
        total=row["total"],
        control=control,
    )


class Broadcasts:
    """Drafts, schedules, starts, stops and reports broadcasts; records answers to events."""

    def __init__(
        self, db: Database, clock: Clock, audiences: Audiences, reminders: Sequence[timedelta]
    ) -> None:
        self.db = db
        self.clock = clock
        self.audiences = audiences
        self.reminders = tuple(reminders)

    async def create(self, actor: int, audience: Audience, update_id: int | None = None) -> int:
        """Starts a draft for an audience; returns its id."""
        async with self.db.write(update_id) as conn:
            cursor = await conn.execute(
                "INSERT INTO broadcasts(created_by, created_at, audience, audience_value, status)"
                " VALUES (?, ?, ?, ?, ?)",
                (actor, iso(self.clock), audience.kind, audience.value, DRAFT),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, broadcast_id: int, conn: aiosqlite.Connection | None = None) -> Broadcast:
        """A broadcast with its versions; LookupError when there is none."""
        reader = conn or self.db.reader
        rows = await self.db.rows(reader, "SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        if not rows:
            raise LookupError(f"no broadcast {broadcast_id}")
        versions = await self.db.rows(
            reader,
            "SELECT language, html, plain FROM broadcast_versions WHERE broadcast_id = ?"
            " ORDER BY position",
            (broadcast_id,),
        )
        return _broadcast(rows[0], versions)

    async def find(
        self, broadcast_id: int, conn: aiosqlite.Connection | None = None
    ) -> Broadcast | None:
        """A broadcast, or None for an id that names none (old or forged buttons)."""
        try:
            return await self.get(broadcast_id, conn)
        except LookupError:
            return None

    async def _draft(self, conn: aiosqlite.Connection, broadcast_id: int) -> bool:
        rows = await self.db.rows(
            conn, "SELECT 1 FROM broadcasts WHERE id = ? AND status = ?", (broadcast_id, DRAFT)
        )
        return bool(rows)

    async def write_version(
        self,
        broadcast_id: int,
        version: Version,
        media: Media | None = None,
        first: bool = False,
        update_id: int | None = None,
    ) -> str:
        """Sets a draft's text in a language: a new first version (with `first`, and its
        media), or the version in that language (the first one's language: its text).

        The first version is what everyone without a version in her own language reads.
        """
        async with self.db.write(update_id) as conn:
            if not await self._draft(conn, broadcast_id):
                return GONE
            rows = await self.db.rows(
                conn,
                "SELECT language, position FROM broadcast_versions WHERE broadcast_id = ?",
                (broadcast_id,),
            )
            positions = {row["language"]: row["position"] for row in rows}
            if first or not positions:  # a new first version, with its photo or document
                await conn.execute(
                    "DELETE FROM broadcast_versions WHERE broadcast_id = ?"
                    " AND (position = 0 OR language = ?)",
                    (broadcast_id, version.language),
                )
                await conn.execute(
                    "UPDATE broadcasts SET media_kind = ?, media_file_id = ? WHERE id = ?",
                    (media.kind if media else None, media.file_id if media else None, broadcast_id),
                )
                position = 0
            else:
                position = positions.get(version.language, max(positions.values()) + 1)
            await conn.execute(
                "INSERT INTO broadcast_versions(broadcast_id, language, position, html, plain)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(broadcast_id, language) DO UPDATE SET"
                " html = excluded.html, plain = excluded.plain",
                (broadcast_id, version.language, position, version.html, version.plain),
            )
        return OK

    async def set_event(
        self, broadcast_id: int, event: Event | None, update_id: int | None = None
    ) -> str:
        """Adds (or, with None, removes) a draft's event."""
        if event is not None and event.end <= self.clock.now():
            return OVER
        async with self.db.write(update_id) as conn:
            if not await self._draft(conn, broadcast_id):
                return GONE
            await conn.execute(
                "UPDATE broadcasts SET event_title = ?, event_start = ?, event_end = ?,"
                " event_place = ? WHERE id = ?",
                (
                    event.title if event else None,
                    _text(event.start) if event else None,
                    _text(event.end) if event else None,
                    event.place if event else None,
                    broadcast_id,
                ),
            )
        return OK

    async def schedule(
        self, actor: int, broadcast_id: int, at: datetime, update_id: int | None = None
    ) -> str:
        """Schedules a draft to go out at `at`, under a durable timer."""
        if at <= self.clock.now():
            return PAST
        async with self.db.write(update_id) as conn:
            broadcast = await self.find(broadcast_id, conn)
            if broadcast is None or broadcast.status != DRAFT or not broadcast.versions:
                return GONE
            if broadcast.event is not None and broadcast.event.start <= at:
                return EVENT_FIRST
            await conn.execute(
                "UPDATE broadcasts SET status = ?, scheduled_at = ? WHERE id = ?",
                (SCHEDULED, _text(at), broadcast_id),
            )
            await schedule(
                conn, start_timer(broadcast_id), START, at, broadcast_id, now=self.clock.now()
            )
            await audit(
                conn,
                self.clock,
                actor,
                "broadcast.schedule",
                None,
                {"broadcast": broadcast_id, "at": _text(at)},
            )
        return OK

    async def send_now(
        self, actor: int, broadcast_id: int, control: tuple[int, int], update_id: int | None = None
    ) -> str:
        """Commits every recipient and starts sending a draft; `control` shows the progress.

        EMPTY, with nothing written, when nobody is in the audience any more.
        """
        try:
            async with self.db.write(update_id) as conn:
                broadcast = await self.find(broadcast_id, conn)
                if broadcast is None or broadcast.status != DRAFT or not broadcast.versions:
                    return GONE
                if broadcast.event is not None and broadcast.event.end <= self.clock.now():
                    return OVER
                total = await self._start(conn, broadcast, control)
                if total == 0:
                    raise _Nobody()
                details = {
                    "broadcast": broadcast_id,
                    "audience": broadcast.audience.kind,
                    "recipients": total,
                }
                await audit(conn, self.clock, actor, "broadcast.send", None, details)
        except _Nobody:
            return EMPTY
        return OK

    async def _start(
        self, conn: aiosqlite.Connection, broadcast: Broadcast, control: tuple[int, int] | None
    ) -> int:
        """Writes the recipient rows, the status and the event's reminders; returns how many."""
        total = await self.audiences.commit(conn, broadcast.id, broadcast.audience)
        now = self.clock.now()
        await conn.execute(
            "UPDATE broadcasts SET status = ?, started_at = ?, total = ?, control_chat = ?,"
            " control_message = ? WHERE id = ?",
            (
                SENDING,
                _text(now),
                total,
                control[0] if control else None,
                control[1] if control else None,
                broadcast.id,
            ),
        )
        if broadcast.event is not None:
            for lead in self.reminders:
                due = broadcast.event.start - lead
                if due > now:
                    await schedule(
                        conn,
                        reminder_timer(broadcast.id, lead),
                        REMINDER,
                        due,
                        broadcast.id,
                        {"lead": int(lead.total_seconds())},
                        now=now,
                    )
        return total

    async def on_start(self, conn: aiosqlite.Connection, timer: Timer) -> None:
        """The timer of a scheduled broadcast: commits its recipients and starts it."""
        assert timer.subject is not None
        broadcast = await self.get(timer.subject, conn)
        if broadcast.status == SCHEDULED:
            total = await self._start(conn, broadcast, None)
            details = {
                "broadcast": broadcast.id,
                "audience": broadcast.audience.kind,
                "recipients": total,
                "scheduled": True,
            }
            await audit(conn, self.clock, broadcast.created_by, "broadcast.send", None, details)

    def on_reminder(self, tell: RemindTell) -> Handler:
        """The timer of one reminder of an event: tells everyone going, before it starts."""

        async def handler(conn: aiosqlite.Connection, timer: Timer) -> None:
            assert timer.subject is not None
            broadcast = await self.get(timer.subject, conn)
            event = broadcast.event
            if event is None or event.start <= self.clock.now():
                return
            rows = await self.db.rows(
                conn,
                "SELECT r.user_id, p.language, p.timezone FROM broadcast_recipients r"
                " JOIN people p ON p.user_id = r.user_id WHERE r.broadcast_id = ?"
                " AND r.rsvp = ? AND p.unreachable = 0 ORDER BY r.id",
                (broadcast.id, GOING),
            )
            going = [Recipient(r["user_id"], r["language"], r["timezone"]) for r in rows]
            lead = timedelta(seconds=int(timer.payload.get("lead", 0)))
            await put_in(conn, self.clock, tell(broadcast, event, lead, going), event.start)

        return handler

    async def cancel(self, actor: int, broadcast_id: int, update_id: int | None = None) -> str:
        """Cancels a draft or a scheduled broadcast (its timer with it)."""
        return await self._move(actor, broadcast_id, (DRAFT, SCHEDULED), CANCELLED, update_id)

    async def reopen(self, actor: int, broadcast_id: int, update_id: int | None = None) -> str:
        """Takes a scheduled broadcast back to a draft, to edit it (its timer cancelled)."""
        return await self._move(actor, broadcast_id, (SCHEDULED,), DRAFT, update_id)

    async def _move(
        self,
        actor: int,
        broadcast_id: int,
        allowed: tuple[str, ...],
        status: str,
        update_id: int | None,
    ) -> str:
        async with self.db.write(update_id) as conn:
            cursor = await conn.execute(
                f"UPDATE broadcasts SET status = ?, scheduled_at = NULL WHERE id = ?"
                f" AND status IN ({', '.join('?' * len(allowed))})",
                (status, broadcast_id, *allowed),
            )
            if cursor.rowcount == 0:
                return GONE
            await cancel(conn, start_timer(broadcast_id), self.clock.now())
            action = "broadcast.cancel" if status == CANCELLED else "broadcast.edit"
            await audit(conn, self.clock, actor, action, None, {"broadcast": broadcast_id})
        return OK

    async def stop(self, actor: int, broadcast_id: int, update_id: int | None = None) -> str:
        """Stops a broadcast that is sending: no row left waiting is sent (the few in flight
        finish); the runner reports once the last of them is settled."""
        async with self.db.write(update_id) as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = ? WHERE id = ? AND status = ?",
                (STOPPED, broadcast_id, SENDING),
            )
            if cursor.rowcount == 0:
                return GONE
            await conn.execute(
                "UPDATE broadcast_recipients SET status = ?, error = NULL"
                " WHERE broadcast_id = ? AND status = 'pending'"
                " AND (lease_until IS NULL OR lease_until <= ?)",
                (STOPPED, broadcast_id, stamp(wall())),
            )
            await audit(
                conn, self.clock, actor, "broadcast.stop", None, {"broadcast": broadcast_id}
            )
        return OK

    async def answer(
        self, user_id: int, broadcast_id: int, going: bool, update_id: int | None = None
    ) -> str:
        """Records a recipient's answer to the event of a broadcast she received."""
        async with self.db.write(update_id) as conn:
            rows = await self.db.rows(
                conn,
                "SELECT b.event_end FROM broadcast_recipients r JOIN broadcasts b"
                " ON b.id = r.broadcast_id WHERE r.broadcast_id = ? AND r.user_id = ?",
                (broadcast_id, user_id),
            )
            end = _time(rows[0]["event_end"]) if rows else None
            if end is None:
                return NOT_RECIPIENT
            if end <= self.clock.now():
                return OVER
            await conn.execute(
                "UPDATE broadcast_recipients SET rsvp = ?, rsvp_at = ?"
                " WHERE broadcast_id = ? AND user_id = ?",
                (GOING if going else NOT_GOING, iso(self.clock), broadcast_id, user_id),
            )
        return OK

    async def answer_of(self, user_id: int, broadcast_id: int) -> str | None:
        """A recipient's answer to a broadcast's event (going, not_going), if she gave one."""
        row = await self.db.fetchone(
            "SELECT rsvp FROM broadcast_recipients WHERE broadcast_id = ? AND user_id = ?",
            (broadcast_id, user_id),
        )
        return str(row["rsvp"]) if row and row["rsvp"] else None

    async def listing(self, recent: int = 5) -> list[Broadcast]:
        """Scheduled and running broadcasts, then the most recent finished ones."""
        rows = await self.db.fetchall(
            "SELECT id FROM broadcasts WHERE status IN (?, ?) OR (status = ? AND"
            " finished_at IS NULL) ORDER BY coalesce(scheduled_at, started_at), id",
            (SCHEDULED, SENDING, STOPPED),
        )
        rows += await self.db.fetchall(
            "SELECT id FROM broadcasts WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT ?",
            (recent,),
        )
        return [await self.get(row["id"]) for row in rows]

    async def tally(self, broadcast_id: int, conn: aiosqlite.Connection | None = None) -> Tally:
        """How a broadcast's rows stand: by status, failures by reason, answers to its event."""
        reader = conn or self.db.reader
        rows = await self.db.rows(
            reader,
            "SELECT status, rsvp, error, COUNT(*) AS n FROM broadcast_recipients"
            " WHERE broadcast_id = ? GROUP BY status, rsvp, error",
            (broadcast_id,),
        )
        by_status: Counter[str] = Counter()
        failures: Counter[str] = Counter()
        answers: Counter[str] = Counter()
        for row in rows:
            by_status[row["status"]] += row["n"]
            if row["status"] == FAILED:
                failures[row["error"] or "?"] += row["n"]
            if row["rsvp"]:
                answers[row["rsvp"]] += row["n"]
        return Tally(by_status, tuple(failures.most_common()), answers[GOING], answers[NOT_GOING])


class _Nobody(Exception):
    """Raised inside a send's transaction to roll it back: the audience is empty now."""
