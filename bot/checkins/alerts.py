"""Alerts to staff when a pair struggles, and `Mark handled`.

`Alerts.raise_alert` is an `Escalate` hook: called inside the transaction that records what
triggered it (a check-in answer, a missed check-in, a reported no-show), it stores one
checkin_alerts row and puts one message per recipient in the outbox, so the alert commits
with its cause or not at all. Recipients are every admin (PASSERELLE_ADMINS and promoted ones)
and the staff member in charge of the person's cohort, if any; each reads it in her language,
dates in her zone.

Not flooding staff: a trigger of the same kind about the same person in the same pair raises
no new alert while an earlier one is unhandled and younger than REPEAT_AFTER (24 hours); once
it is handled, or a day old, the next one alerts again.

`Mark handled` is a conditional update (handled_at IS NULL): of two staff pressing at once,
exactly one wins; the others are told who handled it, through the outbox in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.checkins import alert_view as view
from bot.checkins.alert_view import AlertFacts, Answers
from bot.checkins.triggers import Kind, Trigger
from bot.cohorts.store import cohort_of
from bot.meetings.store import Answer, parse, stamp
from bot.runtime.clock import Clock
from bot.runtime.db import Database, Row
from bot.runtime.i18n import Catalogs, Translator
from bot.runtime.outbox import put_in
from bot.runtime.people import Person, local_zone, person_from_row
from bot.runtime.replies import Send
from bot.runtime.settings import Settings
from bot.staff.service import ADMIN, audit

REPEAT_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Handled:
    """She handled the alert (first); the others were told."""

    facts: AlertFacts


@dataclass(frozen=True)
class AlreadyHandled:
    """Someone handled it first (`by_id`; `by` as stored, if she still is)."""

    facts: AlertFacts
    by_id: int
    by: Person | None


@dataclass(frozen=True)
class Gone:
    """No such alert for her: erased with the person, never sent to her, or forged data."""


Outcome = Handled | AlreadyHandled | Gone


async def _person(conn: aiosqlite.Connection, user_id: int) -> Person | None:
    rows = await Database.rows(conn, "SELECT * FROM people WHERE user_id = ?", (user_id,))
    return person_from_row(rows[0]) if rows else None


class Alerts:
    """Raises alerts about a person of a pair, and records who handled each."""

    def __init__(self, db: Database, clock: Clock, books: Catalogs, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.books = books
        self.settings = settings

    async def raise_alert(self, conn: aiosqlite.Connection, trigger: Trigger) -> None:
        """Stores the alert and puts one message per recipient in the outbox, in the caller's
        transaction; nothing when the same alert is still open and recent (see REPEAT_AFTER)."""
        now = self.clock.now()
        recent = await Database.rows(
            conn,
            "SELECT 1 FROM checkin_alerts WHERE kind = ? AND user_id = ? AND pair_id = ?"
            " AND handled_at IS NULL AND created_at > ? LIMIT 1",
            (trigger.kind, trigger.user_id, trigger.pair_id, stamp(now - REPEAT_AFTER)),
        )
        if recent:
            return
        created = stamp(now)
        draft = {
            "id": 0,
            "user_id": trigger.user_id,
            "pair_id": trigger.pair_id,
            "checkin_id": trigger.checkin_id,
            "kind": trigger.kind,
            "created_at": created,
        }
        facts = await self._facts(conn, draft, trigger.meeting_id)
        if facts is None:  # she or the pair is not stored (erased): nobody to name
            return
        cursor = await conn.execute(
            "INSERT INTO checkin_alerts(user_id, pair_id, checkin_id, kind, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (trigger.user_id, trigger.pair_id, trigger.checkin_id, trigger.kind, created),
        )
        assert cursor.lastrowid is not None
        facts = replace(facts, alert_id=cursor.lastrowid)
        messages = []
        for reader_id in await self._recipients(conn, trigger.user_id):
            t, zone = await self._reader(conn, reader_id)
            messages.append(
                Send(reader_id, view.alert_text(t, facts, zone), view.alert_keyboard(t, facts))
            )
        await put_in(conn, self.clock, messages)

    async def handle(self, actor_id: int, alert_id: int, update_id: int | None) -> Outcome:
        """Marks the alert handled by her if nobody did first; tells the other recipients."""
        async with self.db.write(update_id) as conn:
            found = await self._for(conn, actor_id, alert_id)
            if not isinstance(found, tuple):
                return found
            row, facts = found
            cursor = await conn.execute(
                "UPDATE checkin_alerts SET handled_by = ?, handled_at = ?"
                " WHERE id = ? AND handled_at IS NULL",
                (actor_id, stamp(self.clock.now()), alert_id),
            )
            if cursor.rowcount == 0:  # handled first by someone, or by her (a second press)
                by_id = row["handled_by"]
                if by_id == actor_id:
                    return Handled(facts)
                return AlreadyHandled(facts, by_id, await _person(conn, by_id))
            details = {"alert_id": alert_id, "kind": facts.kind.value, "pair_id": row["pair_id"]}
            await audit(conn, self.clock, actor_id, "alert.handled", facts.person.user_id, details)
            actor = await _person(conn, actor_id)
            notices = []
            for reader_id in await self._recipients(conn, facts.person.user_id):
                if reader_id != actor_id:
                    t, _zone = await self._reader(conn, reader_id)
                    notices.append(Send(reader_id, view.handled_notice(t, facts, actor)))
            await put_in(conn, self.clock, notices)
        return Handled(facts)

    async def outcome(self, actor_id: int, alert_id: int) -> Outcome:
        """Where the alert stands for her now (a press handled again after a restart)."""
        found = await self._for(self.db.reader, actor_id, alert_id)
        if not isinstance(found, tuple):
            return found
        row, facts = found
        if row["handled_by"] == actor_id:
            return Handled(facts)
        by = await _person(self.db.reader, row["handled_by"])
        return AlreadyHandled(facts, row["handled_by"], by)

    async def _for(
        self, conn: aiosqlite.Connection, actor_id: int, alert_id: int
    ) -> tuple[Row, AlertFacts] | Gone:
        """The alert and what it shows, if it exists and is one she is told about."""
        rows = await Database.rows(conn, "SELECT * FROM checkin_alerts WHERE id = ?", (alert_id,))
        if not rows or actor_id not in await self._recipients(conn, rows[0]["user_id"]):
            return Gone()
        facts = await self._facts(conn, rows[0], None)
        return (rows[0], facts) if facts is not None else Gone()

    async def _recipients(self, conn: aiosqlite.Connection, user_id: int) -> list[int]:
        """Every admin, then the staff member in charge of her cohort (if still staff)."""
        staff = {
            row["user_id"]: row["role"]
            for row in await Database.rows(conn, "SELECT user_id, role FROM staff")
        }
        readers = list(self.settings.admins)
        readers += [uid for uid, role in staff.items() if role == ADMIN and uid not in readers]
        cohort = await cohort_of(conn, user_id)
        in_charge = cohort.staff_id if cohort is not None else None
        if in_charge is not None and in_charge in staff and in_charge not in readers:
            readers.append(in_charge)
        return readers

    async def _reader(self, conn: aiosqlite.Connection, user_id: int) -> tuple[Translator, str]:
        """A recipient's translator and zone (the program's defaults if she is not stored)."""
        person = await _person(conn, user_id)
        if person is None:
            return self.books.get(self.settings.default_language), self.settings.timezone
        return self.books.get(person.language), local_zone(person, self.settings.timezone)

    async def _facts(
        self, conn: aiosqlite.Connection, row: Row | Mapping[str, Any], meeting_id: int | None
    ) -> AlertFacts | None:
        """What the alert shows, read now: the person, the pair, her answers, the meeting."""
        person = await _person(conn, row["user_id"])
        pairs = await Database.rows(
            conn, "SELECT mentor_id, mentee_id FROM pairs WHERE id = ?", (row["pair_id"],)
        )
        if person is None or not pairs or person.user_id not in tuple(pairs[0]):
            return None
        is_mentor = pairs[0]["mentor_id"] == person.user_id
        other = await _person(conn, pairs[0]["mentee_id" if is_mentor else "mentor_id"])
        if other is None:
            return None
        return AlertFacts(
            alert_id=row["id"],
            kind=Kind(row["kind"]),
            created_at=parse(row["created_at"]),
            person=person,
            other=other,
            person_is_mentor=is_mentor,
            zone=local_zone(person, self.settings.timezone),
            answers=await self._answers(conn, row["checkin_id"]),
            meeting_start=await self._meeting_start(conn, row, meeting_id)
            if row["kind"] == Kind.NO_SHOW
            else None,
        )

    @staticmethod
    async def _answers(conn: aiosqlite.Connection, checkin_id: int | None) -> Answers | None:
        if checkin_id is None:
            return None
        rows = await Database.rows(
            conn,
            "SELECT rating, worked_on, needs_help, help_text, answered_at FROM checkins"
            " WHERE id = ?",
            (checkin_id,),
        )
        if not rows:
            return None
        row = rows[0]
        needs_help = None if row["needs_help"] is None else bool(row["needs_help"])
        if row["rating"] is None and row["worked_on"] is None and needs_help is None:
            return None  # missed, or nothing answered yet: no answers to show
        answered = row["answered_at"] is not None
        return Answers(row["rating"], row["worked_on"], needs_help, row["help_text"], answered)

    @staticmethod
    async def _meeting_start(
        conn: aiosqlite.Connection, row: Row | Mapping[str, Any], meeting_id: int | None
    ) -> datetime | None:
        """When the meeting she reported was: the trigger's, else her latest no-show report
        in that pair before the alert (the alert row does not keep the meeting)."""
        if meeting_id is not None:
            found = await Database.rows(
                conn, "SELECT start_at FROM meetings WHERE id = ?", (meeting_id,)
            )
        else:
            found = await Database.rows(
                conn,
                "SELECT m.start_at FROM meeting_answers a JOIN meetings m ON m.id = a.meeting_id"
                " WHERE a.user_id = ? AND m.pair_id = ? AND a.answer = ? AND a.answered_at <= ?"
                " ORDER BY a.answered_at DESC LIMIT 1",
                (row["user_id"], row["pair_id"], Answer.NO_SHOW, row["created_at"]),
            )
        return parse(found[0]["start_at"]) if found else None
