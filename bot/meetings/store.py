"""Meetings as stored: the rows, read inside the caller's transaction, and the people of a pair."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.meetings.slots import Side
from bot.meetings.week import Week
from bot.runtime.db import Database, Row
from bot.runtime.people import Person, person_from_row

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def stamp(instant: datetime) -> str:
    """An instant as stored: UTC ISO 8601 to the second, so text order is time order."""
    return instant.astimezone(UTC).strftime(_FORMAT)


def parse(text: str) -> datetime:
    """A stored instant back as an aware UTC datetime."""
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


class Status(StrEnum):
    """Where a meeting stands."""

    PROPOSED = "proposed"  # one of them picked a time; the other has not answered
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the proposer took her proposal back
    CANCELLED = "cancelled"


class Answer(StrEnum):
    """What a person answered to "Did your meeting take place?"."""

    HELD = "held"
    RESCHEDULED = "rescheduled"
    NO_SHOW = "no_show"  # the other person did not come


@dataclass(frozen=True)
class Meeting:
    """One meeting of a pair, proposed or booked."""

    id: int
    pair_id: int
    mentor_id: int
    mentee_id: int
    proposer_id: int
    status: Status
    start: datetime
    end: datetime
    offered: tuple[datetime, ...]
    code: str
    sequence: int
    booked_at: datetime | None

    def has(self, user_id: int) -> bool:
        """Whether she is one of the two."""
        return user_id in (self.mentor_id, self.mentee_id)

    def other(self, user_id: int) -> int:
        """The other person of the two."""
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id


@dataclass(frozen=True)
class Offer:
    """Times shown to one person of a pair to pick from; `moves` is the meeting a pick moves."""

    id: int
    pair_id: int
    user_id: int
    slots: tuple[datetime, ...]
    moves: int | None


@dataclass(frozen=True)
class Member:
    """One person of a pair as meetings see her: who she is, her zone, her saved week."""

    person: Person
    zone: str
    week: Week
    saved: bool

    @property
    def user_id(self) -> int:
        """Her Telegram user id."""
        return self.person.user_id

    @property
    def name(self) -> str:
        """Her first name, as the other person of the pair reads it."""
        return self.person.first_name or self.person.display_name

    @property
    def side(self) -> Side:
        """Her zone and grid, for the slot maths."""
        return Side(self.zone, self.week)

    @property
    def available(self) -> bool:
        """Whether she saved a grid with at least one cell."""
        return self.saved and not self.week.empty


@dataclass(frozen=True)
class Duo:
    """An active pair as one of its two people sees it."""

    pair_id: int
    me: Member
    other: Member

    def turned(self) -> Duo:
        """The same pair as the other person sees it."""
        return Duo(self.pair_id, self.other, self.me)


def video_url(template: str, meeting: Meeting) -> str:
    """The meeting's video link: the configured template with its own code."""
    return template.replace("{code}", meeting.code)


def meeting_from_row(row: Row) -> Meeting:
    """A meeting from a row of the meetings table."""
    return Meeting(
        id=row["id"],
        pair_id=row["pair_id"],
        mentor_id=row["mentor_id"],
        mentee_id=row["mentee_id"],
        proposer_id=row["proposer_id"],
        status=Status(row["status"]),
        start=parse(row["start_at"]),
        end=parse(row["end_at"]),
        offered=tuple(parse(text) for text in json.loads(row["offered"])),
        code=row["code"],
        sequence=row["sequence"],
        booked_at=parse(row["booked_at"]) if row["booked_at"] else None,
    )


def offer_from_row(row: Row) -> Offer:
    """An offer from a row of the meeting_offers table."""
    return Offer(
        id=row["id"],
        pair_id=row["pair_id"],
        user_id=row["user_id"],
        slots=tuple(parse(text) for text in json.loads(row["slots"])),
        moves=row["moves"],
    )


def slots_json(slots: Sequence[datetime]) -> str:
    """Starts as stored in a JSON column."""
    return json.dumps([stamp(start) for start in slots])


async def one(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> Row | None:
    """The first row of a query on a connection, if any."""
    rows = await Database.rows(conn, sql, params)
    return rows[0] if rows else None


async def load_meeting(conn: aiosqlite.Connection, meeting_id: int) -> Meeting | None:
    """A meeting by id."""
    row = await one(conn, "SELECT * FROM meetings WHERE id = ?", (meeting_id,))
    return meeting_from_row(row) if row is not None else None


async def current_meeting(
    conn: aiosqlite.Connection, pair_id: int, now: datetime
) -> Meeting | None:
    """The pair's meeting that is not over: booked and not ended, or proposed and not begun."""
    row = await one(
        conn,
        "SELECT * FROM meetings WHERE pair_id = ? AND ((status = 'confirmed' AND end_at > ?)"
        " OR (status = 'proposed' AND start_at > ?)) ORDER BY start_at LIMIT 1",
        (pair_id, stamp(now), stamp(now)),
    )
    return meeting_from_row(row) if row is not None else None


async def load_offer(conn: aiosqlite.Connection, offer_id: int, user_id: int) -> Offer | None:
    """An offer made to her that was not used yet."""
    row = await one(
        conn,
        "SELECT * FROM meeting_offers WHERE id = ? AND user_id = ? AND used_at IS NULL",
        (offer_id, user_id),
    )
    return offer_from_row(row) if row is not None else None


async def active_pair(conn: aiosqlite.Connection, pair_id: int, user_id: int) -> Row | None:
    """The pair, if it is active and she is in it."""
    return await one(
        conn,
        "SELECT * FROM pairs WHERE id = ? AND ended_at IS NULL"
        " AND (mentor_id = ? OR mentee_id = ?)",
        (pair_id, user_id, user_id),
    )


async def members(
    conn: aiosqlite.Connection, user_ids: Sequence[int], default_zone: str
) -> dict[int, Member]:
    """People with their zone (hers, else the program's) and their saved week."""
    marks = ",".join("?" * len(user_ids))
    rows = await Database.rows(
        conn,
        "SELECT p.*, a.cells AS cells, a.saved_at AS saved_at FROM people p"
        f" LEFT JOIN availability a ON a.user_id = p.user_id WHERE p.user_id IN ({marks})",
        user_ids,
    )
    return {
        row["user_id"]: Member(
            person_from_row(row),
            row["timezone"] or default_zone,
            Week(row["cells"] or 0),
            row["saved_at"] is not None,
        )
        for row in rows
    }


async def duo(
    conn: aiosqlite.Connection, pair_id: int, user_id: int, default_zone: str
) -> Duo | None:
    """The active pair as she sees it, or None if it ended or she is not in it."""
    pair = await active_pair(conn, pair_id, user_id)
    if pair is None:
        return None
    other = pair["mentee_id"] if pair["mentor_id"] == user_id else pair["mentor_id"]
    found = await members(conn, (user_id, other), default_zone)
    if user_id not in found or other not in found:
        return None
    return Duo(pair_id, found[user_id], found[other])
