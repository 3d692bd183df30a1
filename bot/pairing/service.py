"""Pairing: who can be paired (rules), forming and ending pairs, and suggestions from matching."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.onboarding.service import APPROVED, PENDING, REJECTED
from bot.pairing.matching import MenteeProfile, MentorProfile, Suggestion, suggest_pairs
from bot.runtime.clock import Clock
from bot.runtime.db import Database, Row
from bot.runtime.outbox import Tell, put_in
from bot.runtime.people import Person, iso, person_from_row
from bot.staff.service import audit
from dialogs.steps import Step

MENTOR = "mentor"
MENTEE = "mentee"
NO_PREFERENCE = "any"
OTHER_SECTOR = "other"
FALLBACK_TIMEZONE = "UTC"
READ_STEPS = (
    Step.LANGUAGES,
    Step.SECTOR,
    Step.SECTOR_OTHER,
    Step.COUNTRY,
    Step.PROVINCE,
    Step.DESTINATION,
)
MAX_CAPACITY = 20

Fetch = Callable[[str, Sequence[Any]], Awaitable[list[Row]]]
PairEnding = Callable[[aiosqlite.Connection, int], Awaitable[None]]


class Problem(StrEnum):
    """A pairing rule that two people break."""

    SAME_PERSON = "same_person"
    NOT_PARTICIPANT = "not_participant"
    SAME_ROLE = "same_role"
    ROLE_CHANGED = "role_changed"
    ALREADY_PAIRED = "already_paired"
    MENTEE_PAIRED = "mentee_paired"
    REJECTED = "rejected"
    NOT_APPROVED = "not_approved"
    MENTOR_FULL = "mentor_full"
    NO_SHARED_LANGUAGE = "no_shared_language"


OVERRIDABLE = frozenset({Problem.NOT_APPROVED, Problem.MENTOR_FULL, Problem.NO_SHARED_LANGUAGE})
_BITS = {problem: 1 << index for index, problem in enumerate(sorted(OVERRIDABLE))}


def problem_mask(problems: Iterable[Problem]) -> int:
    """The overridable problems as a small bit mask (for callback data)."""
    return sum(_BITS.get(problem, 0) for problem in set(problems))


@dataclass(frozen=True)
class Issue:
    """One broken rule and whom it concerns."""

    problem: Problem
    user_id: int

    @property
    def overridable(self) -> bool:
        """Whether staff may pair anyway."""
        return self.problem in OVERRIDABLE


@dataclass(frozen=True)
class Participant:
    """A person with a submitted application, as the pairing sees her."""

    person: Person
    role: str | None
    status: str
    languages: frozenset[str]
    sector: str | None
    sector_other: str | None
    country: str | None
    province: str | None
    destination: str | None
    active: int

    @property
    def user_id(self) -> int:
        """Her Telegram user id."""
        return self.person.user_id

    @property
    def timezone(self) -> str:
        """Her IANA time zone."""
        return self.person.timezone or FALLBACK_TIMEZONE

    @property
    def places_left(self) -> int:
        """How many more mentees a mentor can take."""
        return max(0, self.person.capacity - self.active)

    @property
    def sector_key(self) -> str:
        """The sector as compared for matching ("other" sectors match on their text)."""
        if self.sector == OTHER_SECTOR:
            return f"{OTHER_SECTOR}:{(self.sector_other or '').strip().lower()}"
        return self.sector or ""


@dataclass(frozen=True)
class Pair:
    """An active or ended pair."""

    id: int
    mentor_id: int
    mentee_id: int
    created_at: str
    override: bool
    ended_at: str | None


@dataclass(frozen=True)
class Check:
    """Two people seen as a would-be pair: who is mentor and mentee, and what is wrong."""

    mentor: Participant
    mentee: Participant
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        """No rule is broken."""
        return not self.issues

    @property
    def overridable(self) -> bool:
        """Every broken rule may be overridden by staff."""
        return bool(self.issues) and all(issue.overridable for issue in self.issues)


@dataclass(frozen=True)
class Paired:
    """A pair that was just formed."""

    pair: Pair
    mentor: Participant  # as she was just before the pair was formed
    mentee: Participant
    overridden: tuple[Issue, ...]
    places_left: int  # the mentor's, now that the pair is formed


@dataclass(frozen=True)
class Refused:
    """A pairing that was not made, and why (check is None when someone is not a participant)."""

    issues: tuple[Issue, ...]
    check: Check | None


@dataclass(frozen=True)
class Ended:
    """A pair that was just ended, with both people."""

    pair: Pair
    mentor: Participant
    mentee: Participant


def _decode(text: str) -> Any:
    return json.loads(text)


def _pair(row: Row) -> Pair:
    return Pair(
        id=row["id"],
        mentor_id=row["mentor_id"],
        mentee_id=row["mentee_id"],
        created_at=row["created_at"],
        override=bool(row["override"]),
        ended_at=row["ended_at"],
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# Active pairs counted on the two partial indexes (pairs_mentor, pairs_active_mentee): one
# lookup each, where `mentor_id = ? OR mentee_id = ?` scanned every pair once per person.
_ACTIVE_PAIRS = (
    "((SELECT COUNT(*) FROM pairs x WHERE x.ended_at IS NULL AND x.mentor_id = p.user_id)"
    " + (SELECT COUNT(*) FROM pairs x WHERE x.ended_at IS NULL AND x.mentee_id = p.user_id))"
)
_PARTICIPANTS = (
    "SELECT p.*, a.role AS app_role, a.status AS app_status, {active} AS active_pairs"
    " FROM people p JOIN applications a ON a.user_id = p.user_id{join}"
)
# Everyone's active pairs counted in one grouped pass over the active pairs, for a read that
# looks at thousands of people (`unpaired`): `_BUSY_COUNT` in its filter and columns.
_BUSY = (
    "WITH busy(user_id, active) AS (SELECT user_id, COUNT(*) FROM"
    " (SELECT mentor_id AS user_id FROM pairs WHERE ended_at IS NULL"
    " UNION ALL SELECT mentee_id FROM pairs WHERE ended_at IS NULL) GROUP BY user_id) "
)
_BUSY_COUNT = "COALESCE(b.active, 0)"
_BUSY_JOIN = " LEFT JOIN busy b ON b.user_id = p.user_id"
# The answers pairing reads, for the people read (500 ids at a time: SQLite refuses more than
# 32,766 values in one statement).
_ANSWERS = (
    "SELECT user_id, step, value FROM answers WHERE user_id IN ({marks})"
    f" AND step IN ({', '.join(repr(str(step)) for step in READ_STEPS)})"
)
_CHUNK = 500


async def _participants(
    fetch: Fetch, where: str, params: Sequence[Any], grouped: bool = False
) -> list[Participant]:
    """The people matching `where` with their answers; `grouped`: their active pairs counted
    by `_BUSY` (`_BUSY_COUNT` in `where`), else one lookup each."""
    if grouped:
        sql = _BUSY + _PARTICIPANTS.format(active=_BUSY_COUNT, join=_BUSY_JOIN)
    else:
        sql = _PARTICIPANTS.format(active=_ACTIVE_PAIRS, join="")
    rows = await fetch(f"{sql} WHERE {where}", params)
    if not rows:
        return []
    answers: dict[int, dict[str, Any]] = {row["user_id"]: {} for row in rows}
    decoded: dict[str, Any] = {}  # a few hundred distinct values among thousands of answers
    ids = list(answers)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for user_id, step, text in await fetch(
            _ANSWERS.format(marks=", ".join("?" * len(chunk))), chunk
        ):
            if text not in decoded:
                decoded[text] = _decode(text)
            answers[user_id][step] = decoded[text]
    result = []
    for row in rows:
        given = answers[row["user_id"]]
        languages = given.get(Step.LANGUAGES)
        destination = _text(given.get(Step.DESTINATION))
        result.append(
            Participant(
                person=person_from_row(row),
                role=row["app_role"],
                status=row["app_status"],
                languages=frozenset(languages) if isinstance(languages, list) else frozenset(),
                sector=_text(given.get(Step.SECTOR)),
                sector_other=_text(given.get(Step.SECTOR_OTHER)),
                country=_text(given.get(Step.COUNTRY)),
                province=_text(given.get(Step.PROVINCE)),
                destination=None if destination == NO_PREFERENCE else destination,
                active=row["active_pairs"],
            )
        )
    return result


def _reader(conn: aiosqlite.Connection) -> Fetch:
    async def fetch(sql: str, params: Sequence[Any]) -> list[Row]:
        return await Database.rows(conn, sql, params)

    return fetch


def rules(
    mentor: Participant, mentee: Participant, mentee_partner: int | None
) -> tuple[Issue, ...]:
    """Every rule a mentor-mentee pair breaks, in the order staff should read them."""
    issues: list[Issue] = []
    if mentee_partner is not None:
        problem = (
            Problem.ALREADY_PAIRED if mentee_partner == mentor.user_id else Problem.MENTEE_PAIRED
        )
        issues.append(Issue(problem, mentee.user_id))
    for person in (mentor, mentee):
        if person.status == REJECTED:
            issues.append(Issue(Problem.REJECTED, person.user_id))
        elif person.status != APPROVED:
            issues.append(Issue(Problem.NOT_APPROVED, person.user_id))
    if mentee_partner != mentor.user_id and mentor.places_left <= 0:
        issues.append(Issue(Problem.MENTOR_FULL, mentor.user_id))
    if not mentor.languages & mentee.languages:
        issues.append(Issue(Problem.NO_SHARED_LANGUAGE, mentee.user_id))
    return tuple(issues)


def is_participant(person: Participant | None) -> bool:
    """Whether she has a submitted application with a role."""
    return (
        person is not None
        and person.role in (MENTOR, MENTEE)
        and person.status in (PENDING, APPROVED, REJECTED)
    )


def fingerprint(suggestions: Sequence[Suggestion]) -> str:
    """A short stable digest of a list of suggested pairs (to detect a changed list)."""
    text = ";".join(f"{s.mentor_id}-{s.mentee_id}" for s in suggestions)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Pairing:
    """Forms and ends pairs under the program's rules, and suggests pairs."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # What other capabilities do when a pair ends, in its transaction, before it ends
        # (meetings cancel the pair's upcoming meetings).
        self.on_end: list[PairEnding] = []
        # What other capabilities do when a pair is formed, in its transaction, with its id
        # (check-ins schedule each member's first one).
        self.on_formed: list[PairEnding] = []

    async def participant(self, user_id: int) -> Participant | None:
        """A person with her application, as the pairing sees her (None without one)."""
        found = await _participants(self._read, "p.user_id = ?", (user_id,))
        return found[0] if found else None

    async def _read(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return await self.db.fetchall(sql, params)

    async def pairs_of(self, user_id: int) -> list[Pair]:
        """A person's active pairs, oldest first."""
        rows = await self.db.fetchall(  # each half on its partial index (one OR would scan)
            "SELECT * FROM pairs WHERE ended_at IS NULL AND mentor_id = ?"
            " UNION ALL SELECT * FROM pairs WHERE ended_at IS NULL AND mentee_id = ?"
            " ORDER BY id",
            (user_id, user_id),
        )
        return [_pair(row) for row in rows]

    async def partners(self, user_id: int) -> list[Participant]:
        """The people she is actively paired with, oldest pair first."""
        result = []
        for pair in await self.pairs_of(user_id):
            other = pair.mentee_id if pair.mentor_id == user_id else pair.mentor_id
            found = await self.participant(other)
            if found is not None:
                result.append(found)
        return result

    async def all_active(self) -> list[Pair]:
        """Every active pair."""
        rows = await self.db.fetchall("SELECT * FROM pairs WHERE ended_at IS NULL ORDER BY id")
        return [_pair(row) for row in rows]

    async def check(self, a_id: int, b_id: int) -> Refused | Check:
        """Checks two people (either order) without changing anything."""
        return await self._check(self._read, a_id, b_id, None)

    async def _check(
        self, fetch: Fetch, a_id: int, b_id: int, roles: tuple[int, int] | None
    ) -> Refused | Check:
        if a_id == b_id:
            return Refused((Issue(Problem.SAME_PERSON, a_id),), None)
        found = {
            p.user_id: p for p in await _participants(fetch, "p.user_id IN (?, ?)", (a_id, b_id))
        }
        a, b = found.get(a_id), found.get(b_id)
        missing = tuple(
            Issue(Problem.NOT_PARTICIPANT, user_id)
            for user_id, person in ((a_id, a), (b_id, b))
            if not is_participant(person)
        )
        if missing or a is None or b is None:
            return Refused(missing, None)
        if a.role == b.role:
            return Refused((Issue(Problem.SAME_ROLE, b_id),), None)
        mentor, mentee = (a, b) if a.role == MENTOR else (b, a)
        if roles is not None and roles != (mentor.user_id, mentee.user_id):
            return Refused((Issue(Problem.ROLE_CHANGED, b_id),), None)
        rows = await fetch(
            "SELECT mentor_id FROM pairs WHERE ended_at IS NULL AND mentee_id = ?",
            (mentee.user_id,),
        )
        partner = rows[0]["mentor_id"] if rows else None
        return Check(mentor, mentee, rules(mentor, mentee, partner))

    async def create(
        self,
        actor_id: int,
        a_id: int,
        b_id: int,
        update_id: int | None,
        override: int | None = None,
        roles: tuple[int, int] | None = None,
        tell: Tell[Paired] | None = None,
    ) -> Paired | Refused:
        """Pairs two people if every rule holds, or if staff override exactly the broken ones.

        `override` is the mask of problems staff saw and accepted; `roles` (mentor, mentee)
        requires the two to still have these roles. `tell` renders the introductions, which
        are committed with the pair.
        """
        async with self.db.write(update_id) as conn:
            result = await self._create(conn, actor_id, a_id, b_id, override, roles, update_id)
            if isinstance(result, Paired) and tell is not None:
                await put_in(conn, self.clock, await tell(result))
        return result

    async def _create(
        self,
        conn: aiosqlite.Connection,
        actor_id: int,
        a_id: int,
        b_id: int,
        override: int | None,
        roles: tuple[int, int] | None,
        update_id: int | None,
    ) -> Paired | Refused:
        checked = await self._check(_reader(conn), a_id, b_id, roles)
        if isinstance(checked, Refused):
            return checked
        issues = checked.issues
        accepted = override or 0
        if issues and (
            not checked.overridable
            or override is None
            or problem_mask(i.problem for i in issues) & ~accepted
        ):
            return Refused(issues, checked)
        mentor, mentee = checked.mentor, checked.mentee
        now = iso(self.clock)
        cursor = await conn.execute(
            "INSERT INTO pairs(mentor_id, mentee_id, created_at, created_by, override,"
            " created_update) VALUES (?, ?, ?, ?, ?, ?)",
            (mentor.user_id, mentee.user_id, now, actor_id, 1 if issues else 0, update_id),
        )
        pair_id = cursor.lastrowid
        assert pair_id is not None
        for formed in self.on_formed:
            await formed(conn, pair_id)
        await audit(
            conn,
            self.clock,
            actor_id,
            "pair.create",
            mentee.user_id,
            {
                "pair_id": pair_id,
                "mentor_id": mentor.user_id,
                "mentee_id": mentee.user_id,
                "override": [str(issue.problem) for issue in issues],
            },
        )
        pair = Pair(pair_id, mentor.user_id, mentee.user_id, now, bool(issues), None)
        return Paired(pair, mentor, mentee, issues, max(0, mentor.places_left - 1))

    async def create_many(
        self,
        actor_id: int,
        pairs: Sequence[tuple[int, int]],
        update_id: int | None,
        tell: Tell[Paired] | None = None,
    ) -> list[Paired | Refused]:
        """Pairs each (mentor, mentee) whose rules all hold, in one transaction."""
        results: list[Paired | Refused] = []
        async with self.db.write(update_id) as conn:
            for mentor, mentee in pairs:
                result = await self._create(
                    conn, actor_id, mentor, mentee, None, (mentor, mentee), update_id
                )
                if isinstance(result, Paired) and tell is not None:
                    await put_in(conn, self.clock, await tell(result))
                results.append(result)
        return results

    async def end(
        self,
        actor_id: int,
        pair_ids: Sequence[int],
        update_id: int | None,
        tell: Tell[Ended] | None = None,
    ) -> list[Ended]:
        """Ends the given pairs that are still active; returns those it ended.

        `tell` renders what each ended pair owes both people; it is committed with the end.
        """
        ended: list[Ended] = []
        now = iso(self.clock)
        async with self.db.write(update_id) as conn:
            fetch = _reader(conn)
            for pair_id in pair_ids:
                rows = await fetch(
                    "SELECT * FROM pairs WHERE id = ? AND ended_at IS NULL", (pair_id,)
                )
                if not rows:
                    continue
                pair = _pair(rows[0])
                for ending in self.on_end:  # while the pair is still active
                    await ending(conn, pair_id)
                await conn.execute(
                    "UPDATE pairs SET ended_at = ?, ended_by = ?, ended_update = ? WHERE id = ?",
                    (now, actor_id, update_id, pair_id),
                )
                await audit(
                    conn,
                    self.clock,
                    actor_id,
                    "pair.end",
                    pair.mentee_id,
                    {"pair_id": pair.id, "mentor_id": pair.mentor_id, "mentee_id": pair.mentee_id},
                )
                people = {
                    p.user_id: p
                    for p in await _participants(
                        fetch, "p.user_id IN (?, ?)", (pair.mentor_id, pair.mentee_id)
                    )
                }
                mentor, mentee = people.get(pair.mentor_id), people.get(pair.mentee_id)
                if mentor is not None and mentee is not None:
                    item = Ended(pair, mentor, mentee)
                    ended.append(item)
                    if tell is not None:
                        await put_in(conn, self.clock, await tell(item))
        return ended

    async def formed_by(self, update_id: int) -> list[Paired]:
        """The pairs one update formed (shown again when that update is handled again)."""
        return [
            Paired(pair, mentor, mentee, (), mentor.places_left)
            for pair, mentor, mentee in await self._by_update("created", update_id)
        ]

    async def ended_by(self, update_id: int) -> list[Ended]:
        """The pairs one update ended (shown again when that update is handled again)."""
        return [Ended(*found) for found in await self._by_update("ended", update_id)]

    async def _by_update(
        self, change: str, update_id: int
    ) -> list[tuple[Pair, Participant, Participant]]:
        column = {"created": "created_update", "ended": "ended_update"}[change]
        rows = await self._read(f"SELECT * FROM pairs WHERE {column} = ? ORDER BY id", (update_id,))
        found = []
        for pair in map(_pair, rows):
            mentor = await self.participant(pair.mentor_id)
            mentee = await self.participant(pair.mentee_id)
            if mentor is not None and mentee is not None:
                found.append((pair, mentor, mentee))
        return found

    async def set_capacity(
        self, actor_id: int, user_id: int, capacity: int, update_id: int | None
    ) -> None:
        """Sets how many mentees a mentor may have."""
        if not 0 <= capacity <= MAX_CAPACITY:
            raise ValueError(f"capacity must be 0 to {MAX_CAPACITY}")
        async with self.db.write(update_id) as conn:
            await conn.execute(
                "UPDATE people SET capacity = ?, updated_at = ? WHERE user_id = ?",
                (capacity, iso(self.clock), user_id),
            )
            await audit(
                conn, self.clock, actor_id, "pair.capacity", user_id, {"capacity": capacity}
            )

    async def unpaired(
        self, cohort: str | None = None
    ) -> tuple[list[Participant], list[Participant]]:
        """Approved mentors with free places and approved mentees without a pair (only those
        who applied with the `cohort` code, case aside, when one is given)."""
        # Chosen by SQLite: of thousands approved, only the few hundred still to pair are
        # read with their answers; everyone's active pairs counted in one grouped pass.
        where = (
            f"a.status = ? AND ((a.role = ? AND p.capacity > {_BUSY_COUNT})"
            f" OR (a.role = ? AND {_BUSY_COUNT} = 0))"
        )
        params: tuple[Any, ...] = (APPROVED, MENTOR, MENTEE)
        if cohort is not None:
            where += " AND lower(a.cohort) = lower(?)"
            params += (cohort,)
        everyone = await _participants(self._read, where, params, grouped=True)
        mentors = [p for p in everyone if p.role == MENTOR and p.places_left > 0]
        mentees = [p for p in everyone if p.role == MENTEE and p.active == 0]
        return mentors, mentees

    async def suggestions(
        self, cohort: str | None = None
    ) -> tuple[list[Suggestion], dict[int, Participant]]:
        """An optimal set of pairs among everyone unpaired (of one cohort, when given), with
        the people it names."""
        mentors, mentees = await self.unpaired(cohort)
        # In a worker thread: the assignment (and numpy's and scipy's imports, the first time)
        # would hold up everyone else's replies for as long as it takes.
        suggested = await asyncio.to_thread(
            suggest_pairs,
            [
                MentorProfile(
                    m.user_id,
                    m.languages,
                    m.sector_key,
                    m.destination,
                    m.timezone,
                    m.places_left,
                )
                for m in mentors
            ],
            [
                MenteeProfile(e.user_id, e.languages, e.sector_key, e.country or "", e.timezone)
                for e in mentees
            ],
            self.clock.now().date(),
        )
        return suggested, {p.user_id: p for p in (*mentors, *mentees)}
