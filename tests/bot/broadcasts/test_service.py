"""Broadcast services against a real database: segments, drafts, schedules, answers, timers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.broadcasts.audiences import (
    APPLICANTS,
    CANADA,
    COHORT,
    COUNTRY,
    EVERYONE,
    LANGUAGE,
    MENTEES,
    MENTORS,
    PARTICIPANTS,
    Audience,
)
from bot.broadcasts.model import DRAFT, SCHEDULED, SENDING, Event, Media, Version
from bot.broadcasts.service import EMPTY, EVENT_FIRST, GONE, NOT_RECIPIENT, OK, OVER, PAST
from bot.core import Core, build_core
from bot.runtime.clock import FrozenClock
from bot.runtime.settings import Settings
from tests.applicants import store_applicant
from tests.harness import START

ADMIN, STAFF_MEMBER = 1, 2


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, db=tmp_path / "t.db", admins=(ADMIN,))  # type: ignore[call-arg]
    built = await build_core(settings, FrozenClock(START))
    yield built
    await built.close()


def clock(core: Core) -> FrozenClock:
    assert isinstance(core.clock, FrozenClock)
    return core.clock


async def person(core: Core, user_id: int, language: str = "en") -> None:
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO people(user_id, first_name, language, created_at, updated_at)"
            " VALUES (?, ?, ?, 'x', 'x')",
            (user_id, f"P{user_id}", language),
        )


@pytest.fixture
async def program(core: Core) -> Core:
    """A small program: mentors, mentees at every stage, staff, someone unreachable."""
    await store_applicant(core.db, 10, "mentor", language="fr", place="senegal")
    await store_applicant(core.db, 11, "mentor", language="en", place="bolivia")
    await store_applicant(core.db, 12, "mentee", language="fr", place="senegal")
    await store_applicant(core.db, 13, "mentee", language="es", place="bolivia", status="pending")
    await store_applicant(
        core.db, 14, "mentee", language="fr", place="senegal", status="in_progress"
    )
    await store_applicant(core.db, 15, "mentee", language="fr", place="rwanda", status="rejected")
    await store_applicant(core.db, 16, "mentee", language="es", place="bolivia")
    await person(core, 17)  # started the bot, never applied
    await person(core, ADMIN)
    await person(core, STAFF_MEMBER)
    async with core.db.write() as conn:
        await conn.execute("UPDATE people SET unreachable = 1 WHERE user_id = 16")
        await conn.execute("UPDATE applications SET cohort = 'dakar27' WHERE user_id IN (12, 14)")
        await conn.execute(
            "INSERT INTO staff(user_id, role, added_at) VALUES (?, 'staff', 'x')", (STAFF_MEMBER,)
        )
    return core


async def members(core: Core, audience: Audience) -> list[int]:
    bid = await core.broadcasts.create(ADMIN, audience)
    await core.broadcasts.write_version(bid, Version("en", "Hi", "Hi"))
    assert await core.broadcasts.send_now(ADMIN, bid, (ADMIN, 1)) == OK
    rows = await core.db.fetchall(
        "SELECT user_id FROM broadcast_recipients WHERE broadcast_id = ? ORDER BY 1", (bid,)
    )
    return [row[0] for row in rows]


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (Audience(EVERYONE), [10, 11, 12, 13, 14, 15, 17]),
        (Audience(APPLICANTS), [13, 14]),
        (Audience(PARTICIPANTS), [10, 11, 12]),
        (Audience(MENTORS), [10, 11]),
        (Audience(MENTEES), [12]),
        (Audience(COUNTRY, "senegal"), [10, 12, 14]),
        (Audience(COUNTRY, "bolivia"), [11, 13]),
        (Audience(COUNTRY, CANADA), [10, 11]),
        (Audience(LANGUAGE, "fr"), [10, 12, 14, 15]),
        (Audience(COHORT, "dakar27"), [12, 14]),
    ],
)
async def test_each_segment_is_who_it_says_and_its_count_matches(
    program: Core, audience: Audience, expected: list[int]
) -> None:
    assert await program.audiences.count(audience) == len(expected)
    assert await members(program, audience) == expected


async def test_choices_and_counts_by_language_and_zone(program: Core) -> None:
    audiences = program.audiences
    assert await audiences.choices(COUNTRY) == [("senegal", 3), ("bolivia", 2), (CANADA, 2)]
    assert await audiences.choices(COHORT) == [("dakar27", 2)]
    assert await audiences.choices(LANGUAGE) == [("fr", 4), ("en", 2), ("es", 1)]
    everyone = Audience(EVERYONE)
    assert await audiences.by_language(everyone) == {"fr": 4, "en": 2, "es": 1}
    zones = await audiences.by_zone(everyone, "America/Toronto")
    assert zones == {"Africa/Dakar": 4, "America/Toronto": 3}
    assert await audiences.segments() == {
        EVERYONE: 7,
        APPLICANTS: 2,
        PARTICIPANTS: 3,
        MENTORS: 2,
        MENTEES: 1,
    }


async def test_sending_commits_every_recipient_and_the_audit_line_at_once(program: Core) -> None:
    bid = await program.broadcasts.create(STAFF_MEMBER, Audience(MENTORS))
    assert await program.broadcasts.send_now(STAFF_MEMBER, bid, (2, 5)) == GONE, "no text yet"
    await program.broadcasts.write_version(bid, Version("fr", "<b>Bonjour</b>", "Bonjour"))
    assert await program.broadcasts.send_now(STAFF_MEMBER, bid, (2, 5)) == OK
    broadcast = await program.broadcasts.get(bid)
    assert (broadcast.status, broadcast.total, broadcast.control) == (SENDING, 2, (2, 5))
    tally = await program.broadcasts.tally(bid)
    assert tally.by_status == {"pending": 2}
    [entry] = await program.db.fetchall("SELECT actor_id, action, details FROM audit_log")
    assert (entry[0], entry[1]) == (STAFF_MEMBER, "broadcast.send")
    assert json.loads(entry[2]) == {"broadcast": bid, "audience": MENTORS, "recipients": 2}
    assert await program.broadcasts.send_now(STAFF_MEMBER, bid, (2, 5)) == GONE, "only once"


async def test_an_audience_emptied_meanwhile_writes_nothing(core: Core) -> None:
    bid = await core.broadcasts.create(ADMIN, Audience(MENTORS))
    await core.broadcasts.write_version(bid, Version("en", "Hi", "Hi"))
    assert await core.broadcasts.send_now(ADMIN, bid, (1, 1)) == EMPTY
    assert (await core.broadcasts.get(bid)).status == DRAFT
    assert await core.db.fetchall("SELECT * FROM audit_log") == []


async def test_each_person_reads_her_version_else_the_first(core: Core) -> None:
    broadcasts = core.broadcasts
    bid = await broadcasts.create(ADMIN, Audience(EVERYONE))
    photo = Media("photo", "AgAC-photo")
    await broadcasts.write_version(bid, Version("en", "Hello", "Hello"), photo, first=True)
    await broadcasts.write_version(bid, Version("fr", "Bonjour", "Bonjour"))
    await broadcasts.write_version(bid, Version("es", "Hola", "Hola"))
    await broadcasts.write_version(bid, Version("es", "¡Hola!", "¡Hola!"))
    broadcast = await broadcasts.get(bid)
    assert [v.language for v in broadcast.versions] == ["en", "fr", "es"]
    assert broadcast.version_for("es").html == "¡Hola!"
    assert broadcast.version_for("wo").html == "Hello", "the first one for anyone else"
    assert broadcast.media == photo
    await broadcasts.write_version(bid, Version("en", "Hello again", "Hello again"))
    broadcast = await broadcasts.get(bid)
    assert broadcast.versions[0].html == "Hello again" and broadcast.media == photo
    await broadcasts.write_version(bid, Version("fr", "Salut", "Salut"), None, first=True)
    broadcast = await broadcasts.get(bid)
    assert [v.language for v in broadcast.versions] == ["fr", "es"], "a new first version"
    assert broadcast.media is None


async def test_schedule_cancel_and_edit_follow_the_status(program: Core) -> None:
    broadcasts = program.broadcasts
    bid = await broadcasts.create(ADMIN, Audience(EVERYONE))
    await broadcasts.write_version(bid, Version("en", "Hi", "Hi"))
    assert await broadcasts.schedule(ADMIN, bid, START - timedelta(minutes=1)) == PAST
    later = START + timedelta(days=2)
    event = Event("Round table", START + timedelta(days=1), START + timedelta(days=1, hours=1))
    assert await broadcasts.set_event(bid, event) == OK
    assert await broadcasts.schedule(ADMIN, bid, later) == EVENT_FIRST
    assert await broadcasts.set_event(bid, None) == OK
    assert await broadcasts.schedule(ADMIN, bid, later) == OK
    assert (await broadcasts.get(bid)).status == SCHEDULED
    timers = "SELECT id, due_at, cancelled_at FROM timers WHERE kind = 'broadcast.start'"
    assert [tuple(r) for r in await program.db.fetchall(timers)] == [
        (f"broadcast:{bid}:start", "2027-01-13T14:00:00Z", None)
    ]
    assert await broadcasts.write_version(bid, Version("en", "x", "x")) == GONE, "not a draft"
    assert await broadcasts.reopen(ADMIN, bid) == OK
    assert (await broadcasts.get(bid)).status == DRAFT
    [(_, _, cancelled)] = await program.db.fetchall(timers)
    assert cancelled is not None
    assert await broadcasts.schedule(ADMIN, bid, later) == OK
    assert await broadcasts.cancel(ADMIN, bid) == OK
    assert await broadcasts.cancel(ADMIN, bid) == GONE
    actions = [r[0] for r in await program.db.fetchall("SELECT action FROM audit_log ORDER BY id")]
    assert actions == [
        "broadcast.schedule",
        "broadcast.edit",
        "broadcast.schedule",
        "broadcast.cancel",
    ]


async def test_a_scheduled_broadcast_takes_its_audience_when_it_starts(program: Core) -> None:
    broadcasts = program.broadcasts
    bid = await broadcasts.create(ADMIN, Audience(MENTORS))
    await broadcasts.write_version(bid, Version("en", "Hi", "Hi"))
    assert await broadcasts.schedule(ADMIN, bid, START + timedelta(hours=3)) == OK
    await store_applicant(program.db, 20, "mentor")  # approved after it was scheduled
    assert await program.timers.run_due() == 0
    clock(program).advance(timedelta(hours=3))
    assert await program.timers.run_due() == 1
    broadcast = await broadcasts.get(bid)
    assert (broadcast.status, broadcast.total, broadcast.control) == (SENDING, 3, None)
    assert await program.timers.run_due() == 0, "it starts once"


async def test_answers_are_recorded_for_recipients_until_the_event_ends(program: Core) -> None:
    broadcasts = program.broadcasts
    bid = await broadcasts.create(ADMIN, Audience(MENTORS))
    await broadcasts.write_version(bid, Version("en", "Hi", "Hi"))
    start = START + timedelta(days=2)
    await broadcasts.set_event(bid, Event("Briefing", start, start + timedelta(hours=1)))
    assert await broadcasts.send_now(ADMIN, bid, (1, 1)) == OK
    assert await broadcasts.answer(12, bid, True) == NOT_RECIPIENT
    assert await broadcasts.answer(10, bid, True) == OK
    assert await broadcasts.answer(11, bid, True) == OK
    assert await broadcasts.answer(11, bid, False) == OK, "she may change her mind"
    assert await broadcasts.answer_of(11, bid) == "not_going"
    tally = await broadcasts.tally(bid)
    assert (tally.going, tally.not_going) == (1, 1)
    clock(program).advance(timedelta(days=2, hours=1))
    assert await broadcasts.answer(10, bid, False) == OVER


async def test_reminders_go_to_those_going_at_each_lead_time_once(program: Core) -> None:
    broadcasts = program.broadcasts
    bid = await broadcasts.create(ADMIN, Audience(PARTICIPANTS))
    await broadcasts.write_version(bid, Version("en", "Hi", "Hi"))
    start = START + timedelta(days=3)
    await broadcasts.set_event(bid, Event("Briefing", start, start + timedelta(hours=1), "Dakar"))
    await broadcasts.send_now(ADMIN, bid, (1, 1))
    await broadcasts.answer(10, bid, True)
    await broadcasts.answer(12, bid, True)
    await broadcasts.answer(11, bid, False)
    due = "SELECT id, due_at FROM timers WHERE kind = 'broadcast.reminder' ORDER BY due_at"
    assert [tuple(r) for r in await program.db.fetchall(due)] == [
        (f"broadcast:{bid}:reminder:86400", "2027-01-13T14:00:00Z"),
        (f"broadcast:{bid}:reminder:3600", "2027-01-14T13:00:00Z"),
    ]
    clock(program).advance(timedelta(days=2))
    assert await program.timers.run_due() == 1
    rows = await program.db.fetchall("SELECT chat_id, body, expires_at FROM outbox ORDER BY 1")
    assert [row[0] for row in rows] == [10, 12]
    assert "Rappel" in json.loads(rows[0][1])["text"], "in her language (fr)"
    assert "Briefing" in json.loads(rows[1][1])["text"]
    assert {row[2] for row in rows} == {start.isoformat()}
    assert await program.timers.run_due() == 0
