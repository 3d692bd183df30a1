"""The pairing rules, forming and ending pairs, overrides, capacity and suggestions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.pairing.service import (
    Paired,
    Pairing,
    Problem,
    Refused,
    fingerprint,
    problem_mask,
)
from bot.runtime.clock import FrozenClock
from bot.runtime.db import Database
from tests.applicants import store_applicant
from tests.harness import START


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated database."""
    database = Database(tmp_path / "pairing.db")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def pairing(db: Database) -> Pairing:
    """The service on a frozen clock."""
    return Pairing(db, FrozenClock(START))


async def enrol(
    db: Database,
    user_id: int,
    role: str,
    languages: tuple[str, ...] = ("fr",),
    status: str = "approved",
    sector: str = "technology",
    place: str = "senegal",
    capacity: int = 4,
) -> None:
    """Stores a person with a submitted application (mentor: place is her destination)."""
    await store_applicant(
        db,
        user_id,
        role,
        languages=languages,
        status=status,
        sector=sector,
        place=place,
        capacity=capacity,
    )


MENTEE_ANSWERS = (
    ("role", '"mentee"'),
    ("languages", '["fr"]'),
    ("sector", '"agrifood"'),
    ("country", '"senegal"'),
    ("email", '"not read by the pairing"'),
)


def problems(result: Paired | Refused) -> set[Problem]:
    """The problems of a refusal."""
    assert isinstance(result, Refused)
    return {issue.problem for issue in result.issues}


async def test_a_mentor_and_a_mentee_are_paired_in_either_order(
    db: Database, pairing: Pairing
) -> None:
    await enrol(db, 1, "mentor")
    await enrol(db, 2, "mentee")
    result = await pairing.create(99, 2, 1, update_id=None)
    assert isinstance(result, Paired)
    assert (result.pair.mentor_id, result.pair.mentee_id) == (1, 2)
    assert not result.pair.override
    assert [p.user_id for p in await pairing.partners(1)] == [2]
    audit = await db.fetchall("SELECT actor_id, action, subject_id, details FROM audit_log")
    assert [(r["actor_id"], r["action"], r["subject_id"]) for r in audit] == [
        (99, "pair.create", 2)
    ]


async def test_hard_rules_cannot_be_overridden(db: Database, pairing: Pairing) -> None:
    await enrol(db, 1, "mentor")
    await enrol(db, 2, "mentor")
    await enrol(db, 3, "mentee")
    await enrol(db, 4, "mentee", status="in_progress")
    await enrol(db, 5, "mentee", status="rejected")
    everything = problem_mask(Problem)
    assert problems(await pairing.create(9, 1, 1, None, override=everything)) == {
        Problem.SAME_PERSON
    }
    assert problems(await pairing.create(9, 1, 2, None, override=everything)) == {Problem.SAME_ROLE}
    assert problems(await pairing.create(9, 1, 4, None, override=everything)) == {
        Problem.NOT_PARTICIPANT
    }
    assert problems(await pairing.create(9, 1, 555, None)) == {Problem.NOT_PARTICIPANT}
    assert problems(await pairing.create(9, 1, 5, None, override=everything)) == {Problem.REJECTED}
    assert isinstance(await pairing.create(9, 1, 3, None), Paired)
    assert problems(await pairing.create(9, 3, 1, None, override=everything)) == {
        Problem.ALREADY_PAIRED
    }
    refused = await pairing.create(9, 2, 3, None, override=everything)
    assert problems(refused) == {Problem.MENTEE_PAIRED}
    assert isinstance(refused, Refused) and refused.check is not None
    assert not refused.check.overridable


async def test_soft_rules_are_refused_then_overridden_and_recorded(
    db: Database, pairing: Pairing
) -> None:
    await enrol(db, 1, "mentor", languages=("en",), capacity=0)
    await enrol(db, 2, "mentee", languages=("es",), status="pending")
    refused = await pairing.create(9, 1, 2, None)
    expected = {Problem.NOT_APPROVED, Problem.MENTOR_FULL, Problem.NO_SHARED_LANGUAGE}
    assert problems(refused) == expected
    assert isinstance(refused, Refused) and refused.check is not None
    assert refused.check.overridable
    partial = problem_mask([Problem.NOT_APPROVED, Problem.MENTOR_FULL])
    assert problems(await pairing.create(9, 1, 2, None, override=partial)) == expected
    paired = await pairing.create(9, 1, 2, None, override=problem_mask(expected))
    assert isinstance(paired, Paired)
    assert paired.pair.override
    assert {issue.problem for issue in paired.overridden} == expected
    row = await db.fetchone("SELECT override FROM pairs")
    assert row is not None and row["override"] == 1
    details = await db.fetchone("SELECT details FROM audit_log WHERE action = 'pair.create'")
    assert details is not None
    assert set(json.loads(details["details"])["override"]) == {str(p) for p in expected}


async def test_roles_given_by_a_button_must_still_hold(db: Database, pairing: Pairing) -> None:
    await enrol(db, 1, "mentor")
    await enrol(db, 2, "mentee")
    assert problems(await pairing.create(9, 2, 1, None, roles=(2, 1))) == {Problem.ROLE_CHANGED}
    assert isinstance(await pairing.create(9, 1, 2, None, roles=(1, 2)), Paired)


async def test_capacity_counts_active_pairs_only(db: Database, pairing: Pairing) -> None:
    await enrol(db, 1, "mentor")
    await enrol(db, 2, "mentee")
    await enrol(db, 3, "mentee")
    await pairing.set_capacity(9, 1, 1, None)
    first = await pairing.create(9, 1, 2, None)
    assert isinstance(first, Paired)
    assert problems(await pairing.create(9, 1, 3, None)) == {Problem.MENTOR_FULL}
    ended = await pairing.end(9, [first.pair.id], None)
    assert [(e.mentor.user_id, e.mentee.user_id) for e in ended] == [(1, 2)]
    assert await pairing.end(9, [first.pair.id], None) == []
    assert isinstance(await pairing.create(9, 1, 3, None), Paired)
    with pytest.raises(ValueError):
        await pairing.set_capacity(9, 1, -1, None)
    actions = [r["action"] for r in await db.fetchall("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["pair.capacity", "pair.create", "pair.end", "pair.create"]


async def test_suggestions_cover_only_the_unpaired_and_approved(
    db: Database, pairing: Pairing
) -> None:
    await enrol(db, 1, "mentor", capacity=2)
    await enrol(db, 2, "mentor", languages=("es",))
    await enrol(db, 3, "mentor", status="pending")
    await enrol(db, 10, "mentee")
    await enrol(db, 11, "mentee", languages=("es", "en"), place="bolivia")
    await enrol(db, 12, "mentee")
    await enrol(db, 13, "mentee", status="rejected")
    await enrol(db, 14, "mentee", languages=("en",))
    assert isinstance(await pairing.create(9, 1, 12, None), Paired)
    suggested, people = await pairing.suggestions()
    assert {(s.mentor_id, s.mentee_id) for s in suggested} == {(1, 10), (2, 11)}
    assert set(people) == {1, 2, 10, 11, 14}
    results = await pairing.create_many(9, [(s.mentor_id, s.mentee_id) for s in suggested], None)
    assert all(isinstance(r, Paired) for r in results)
    assert (await pairing.suggestions())[0] == []
    assert fingerprint(suggested) != fingerprint([])


async def test_unpaired_counts_each_persons_active_pairs_only(
    db: Database, pairing: Pairing
) -> None:
    # `unpaired` counts everyone's active pairs in one grouped pass: ended pairs never count.
    await enrol(db, 1, "mentor", capacity=3)
    await enrol(db, 2, "mentor", capacity=1)
    for mentee in (10, 11, 12, 13):
        await enrol(db, mentee, "mentee")
    for mentor, mentee in ((1, 10), (1, 11), (1, 12), (2, 13)):
        assert isinstance(await pairing.create(9, mentor, mentee, None), Paired)
    ids = {p.mentee_id: p.id for p in await pairing.all_active()}
    await pairing.end(9, [ids[12], ids[13]], None)
    mentors, mentees = await pairing.unpaired()
    assert sorted((m.user_id, m.active, m.places_left) for m in mentors) == [(1, 2, 1), (2, 0, 1)]
    assert sorted((m.user_id, m.active) for m in mentees) == [(12, 0), (13, 0)]


async def test_an_update_is_applied_once(db: Database, pairing: Pairing) -> None:
    from bot.runtime.db import DuplicateUpdate

    await enrol(db, 1, "mentor")
    await enrol(db, 2, "mentee")
    assert isinstance(await pairing.create(9, 1, 2, update_id=500), Paired)
    with pytest.raises(DuplicateUpdate):
        await pairing.create(9, 1, 2, update_id=500)


async def test_more_participants_than_sqlite_binds_values_in_one_statement(
    db: Database, pairing: Pairing
) -> None:
    # SQLite's default build refuses more than 32,766 values in one statement (this one may
    # allow more, so the default is set on the connection the service reads with).
    count = 33_000
    await db.reader._execute(  # aiosqlite runs it in the connection's own thread
        db.reader._conn.setlimit, sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766
    )
    now = "2027-01-01T00:00:00Z"
    ids = range(100_000, 100_000 + count)
    async with db.write() as conn:
        await conn.executemany(
            "INSERT INTO people(user_id, first_name, language, timezone, consented_at,"
            " created_at, updated_at) VALUES (?, 'P', 'fr', 'Africa/Dakar', ?, ?, ?)",
            [(uid, now, now, now) for uid in ids],
        )
        await conn.executemany(
            "INSERT INTO applications(user_id, flow, status, role, started_at, submitted_at,"
            " updated_at) VALUES (?, 'application', 'approved', 'mentee', ?, ?, ?)",
            [(uid, now, now, now) for uid in ids],
        )
        await conn.executemany(
            "INSERT INTO answers(user_id, step, value, answered_at) VALUES (?, ?, ?, ?)",
            [(uid, step, value, now) for uid in ids for step, value in MENTEE_ANSWERS],
        )
    await enrol(db, 1, "mentor", languages=("fr",))
    mentors, mentees = await pairing.unpaired()
    assert [m.user_id for m in mentors] == [1]
    assert len(mentees) == count
    assert all(m.languages == {"fr"} and m.country == "senegal" for m in mentees)
    assert all(m.sector == "agrifood" and m.active == 0 for m in mentees)
