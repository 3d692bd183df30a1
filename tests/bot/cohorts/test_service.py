"""Cohorts against a real database: validation, uniqueness, settings, pause, the hooks, and
retention counted from a cohort's end with a moved clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.cohorts.service import Outcome, parse_day, parse_period, suggest_code, valid_code
from bot.cohorts.store import Cohort, cohort_of, schedule_of
from bot.core import Core, build_core
from bot.runtime.clock import FrozenClock
from bot.runtime.settings import Settings
from tests.applicants import store_applicant
from tests.harness import START

ADMIN, STAFF_MEMBER, OUTSIDER = 1, 2, 3


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        db=tmp_path / "t.db",
        admins=(ADMIN,),
        retention_participants=timedelta(days=30),
    )
    built = await build_core(settings, FrozenClock(START))
    yield built
    await built.close()


def clock(core: Core) -> FrozenClock:
    assert isinstance(core.clock, FrozenClock)
    return core.clock


async def actions(core: Core) -> list[tuple[str, dict[str, object]]]:
    rows = await core.db.fetchall(
        "SELECT action, details FROM audit_log WHERE action LIKE 'cohort.%' ORDER BY id"
    )
    return [(row["action"], json.loads(row["details"])) for row in rows]


def test_codes_are_deep_link_payloads() -> None:
    for good in ("a", "dakar27", "Dakar_27-b", "x" * 32):
        assert valid_code(good), good
    for bad in ("", "x" * 33, "dakar 27", "dakar!", "été", "a:b", "staff-" + "x" * 30):
        assert not valid_code(bad), bad


def test_a_code_is_suggested_from_the_name_and_year() -> None:
    assert suggest_code("Dakar spring", 2027, set()) == "dakar-spring-2027"
    assert suggest_code("Québec été 2027", 2027, set()) == "quebec-ete-2027"
    assert suggest_code("Dakar spring", 2027, {"DAKAR-SPRING-2027"}) == "dakar-spring-2027-2"
    assert suggest_code("!!!", 2027, set()) == "cohort-2027"
    assert suggest_code("Staff team", 2027, set()) == "cohort-staff-team-2027"
    long = suggest_code("a very long cohort name that goes on and on", 2027, set())
    assert valid_code(long)


def test_dates_are_read_in_iso_or_the_staff_members_language() -> None:
    assert parse_day("2027-07-01", "en") == date(2027, 7, 1)
    assert parse_day("2027-7-1", "en") == date(2027, 7, 1)
    assert parse_day("7/1/2027", "en") == date(2027, 7, 1)
    assert parse_day("01/07/2027", "fr") == date(2027, 7, 1)
    assert parse_day("1/7/2027", "es") == date(2027, 7, 1)
    assert parse_day("1 July 2027", "en") == date(2027, 7, 1)
    assert parse_day("July 1st, 2027", "en") == date(2027, 7, 1)
    assert parse_day("1er juillet 2027", "fr") == date(2027, 7, 1)
    assert parse_day("15 aout 2027", "fr") == date(2027, 8, 15)
    assert parse_day("1 de julio de 2027", "es") == date(2027, 7, 1)
    for bad in ("2027-02-30", "31/02/2027", "tomorrow", "", "2027", "juillet 2027", "1 juillet"):
        assert parse_day(bad, "fr") is None, bad
    period = (date(2027, 7, 1), date(2027, 8, 15))
    for text, language in (
        ("2027-07-01 to 2027-08-15", "en"),
        ("2027-07-01 2027-08-15", "en"),
        ("2027-07-01 - 2027-08-15", "en"),
        ("2027-07-01 \u2013 2027-08-15", "en"),
        ("01/07/2027 au 15/08/2027", "fr"),
        ("1/7/2027 al 15/8/2027", "es"),
        ("du 1er juillet au 15 août 2027", "fr"),
        ("July 1 to August 15, 2027", "en"),
        ("del 1 de julio al 15 de agosto de 2027", "es"),
    ):
        assert parse_period(text, language) == period, text
    for bad in ("2027-07-01", "July", "2027-07-01 then 2027-08-15", "1 2 3", "July 1 to August"):
        assert parse_period(bad, "en") is None, bad
    new_year = parse_period("15 December to 5 January 2028", "en")
    assert new_year == (date(2027, 12, 15), date(2028, 1, 5))


async def test_create_checks_the_code_and_the_name(core: Core) -> None:
    cohorts = core.cohorts
    assert await cohorts.create(ADMIN, "dakar 27", "Dakar") == Outcome.BAD_CODE
    assert await cohorts.create(ADMIN, "Staff-27", "Staff") == Outcome.RESERVED
    assert await cohorts.create(ADMIN, "dakar27", "   ") == Outcome.BAD_NAME
    assert await cohorts.create(ADMIN, "dakar27", "x" * 65) == Outcome.BAD_NAME
    assert await cohorts.create(ADMIN, "Dakar27", "  Dakar   spring ") == Outcome.OK
    assert await cohorts.create(STAFF_MEMBER, "DAKAR27", "Other") == Outcome.TAKEN
    cohort = await cohorts.get("dakar27")
    assert cohort is not None
    assert (cohort.code, cohort.name, cohort.cadence_days, cohort.checkin_hour) == (
        "Dakar27",
        "Dakar spring",
        14,
        10,
    )
    assert cohort.created_by == ADMIN and cohort.staff_id is None
    assert await actions(core) == [("cohort.create", {"code": "Dakar27"})]


async def test_cadence_and_hour_have_bounds(core: Core) -> None:
    cohorts = core.cohorts
    await cohorts.create(ADMIN, "dakar27", "Dakar")
    assert await cohorts.set_cadence(ADMIN, "dakar27", 0) == Outcome.BAD_DAYS
    assert await cohorts.set_cadence(ADMIN, "dakar27", 91) == Outcome.BAD_DAYS
    assert await cohorts.set_hour(ADMIN, "dakar27", 7) == Outcome.BAD_HOUR
    assert await cohorts.set_hour(ADMIN, "dakar27", 21) == Outcome.BAD_HOUR
    assert await cohorts.set_cadence(ADMIN, "nowhere", 7) == Outcome.UNKNOWN
    assert await cohorts.set_cadence(ADMIN, "DAKAR27", 90) == Outcome.OK
    assert await cohorts.set_hour(ADMIN, "dakar27", 8) == Outcome.OK
    cohort = await cohorts.get("dakar27")
    assert cohort is not None and (cohort.cadence_days, cohort.checkin_hour) == (90, 8)
    assert [action for action, _ in await actions(core)] == [
        "cohort.create",
        "cohort.cadence",
        "cohort.hour",
    ]


async def test_a_pause_covers_its_days_and_resume_ends_it(core: Core) -> None:
    cohorts = core.cohorts
    await cohorts.create(ADMIN, "dakar27", "Dakar")
    first, last = date(2027, 2, 1), date(2027, 2, 14)
    assert await cohorts.pause(ADMIN, "dakar27", last, first) == Outcome.BAD_PERIOD
    past = START.date() - timedelta(days=1)
    assert await cohorts.pause(ADMIN, "dakar27", past - timedelta(days=5), past) == Outcome.PAST
    assert await cohorts.resume(ADMIN, "dakar27") == Outcome.NOT_PAUSED
    assert await cohorts.pause(ADMIN, "dakar27", first, last) == Outcome.OK
    cohort = await cohorts.get("dakar27")
    assert cohort is not None
    assert not cohort.paused_on(date(2027, 1, 31))
    assert cohort.paused_on(first) and cohort.paused_on(last)
    assert not cohort.paused_on(date(2027, 2, 15))
    # A pause that started today can still be set (it ends after today).
    assert await cohorts.pause(ADMIN, "dakar27", past, START.date()) == Outcome.OK
    assert await cohorts.resume(ADMIN, "dakar27") == Outcome.OK
    cohort = await cohorts.get("dakar27")
    assert cohort is not None and not cohort.paused_on(START.date())
    assert (cohort.paused_from, cohort.paused_until) == (None, None)


async def test_only_staff_can_be_in_charge(core: Core) -> None:
    await core.staff.set_role(ADMIN, STAFF_MEMBER, "staff")
    cohorts = core.cohorts
    await cohorts.create(ADMIN, "dakar27", "Dakar")
    assert await cohorts.set_staff(ADMIN, "dakar27", OUTSIDER) == Outcome.NOT_STAFF
    assert await cohorts.set_staff(ADMIN, "dakar27", STAFF_MEMBER) == Outcome.OK
    assert await cohorts.set_end(ADMIN, "dakar27", date(2027, 6, 30)) == Outcome.OK
    cohort = await cohorts.get("dakar27")
    assert cohort is not None
    assert (cohort.staff_id, cohort.ends_on) == (STAFF_MEMBER, date(2027, 6, 30))


async def test_hooks_see_each_change_inside_its_transaction(core: Core) -> None:
    seen: list[Cohort] = []

    async def hook(conn: aiosqlite.Connection, cohort: Cohort) -> None:
        seen.append(cohort)
        assert conn.in_transaction
        await conn.execute("INSERT INTO audit_log(at, actor_id, action) VALUES ('x', 0, 'hook')")

    core.cohorts.on_change.append(hook)
    await core.cohorts.create(ADMIN, "dakar27", "Dakar")
    await core.cohorts.set_cadence(ADMIN, "dakar27", 7)
    await core.cohorts.set_cadence(ADMIN, "dakar27", 0)  # refused: no hook
    await core.cohorts.pause(ADMIN, "dakar27", date(2027, 2, 1), date(2027, 2, 3))
    assert [(c.cadence_days, c.paused_from) for c in seen] == [
        (14, None),
        (7, None),
        (7, date(2027, 2, 1)),
    ]
    hooked = await core.db.fetchall("SELECT 1 FROM audit_log WHERE action = 'hook'")
    assert len(hooked) == 3


async def test_members_follow_their_cohorts_schedule(core: Core) -> None:
    await store_applicant(core.db, 10, "mentee")
    await store_applicant(core.db, 11, "mentee")
    await core.cohorts.create(ADMIN, "Dakar27", "Dakar")
    await core.cohorts.set_cadence(ADMIN, "dakar27", 7)
    async with core.db.write() as conn:
        await conn.execute("UPDATE applications SET cohort = 'dakar27' WHERE user_id = 10")
    assert await core.cohorts.members("DAKAR27") == {10}
    listed = await core.cohorts.listing()
    assert [(item.cohort.code, item.members, item.approved) for item in listed] == [
        ("Dakar27", 1, 1)
    ]
    async with core.db.write() as conn:
        schedule = await schedule_of(conn, 10, 14, 10)
        assert (schedule.days, schedule.hour) == (7, 10)
        assert await cohort_of(conn, 11) is None


async def pair(core: Core, mentor: int, mentee: int, ended_at: str | None) -> None:
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO pairs(mentor_id, mentee_id, created_at, created_by, ended_at)"
            " VALUES (?, ?, '2027-01-01T00:00:00Z', 1, ?)",
            (mentor, mentee, ended_at),
        )


async def test_retention_counts_from_the_cohorts_end(core: Core) -> None:
    """Participants of a cohort that ends 2027-03-31 are kept until 30 days after it, however
    long ago their pairing ended; without a cohort end date, 30 days after the pairing."""
    for uid, role in ((20, "mentor"), (21, "mentee"), (30, "mentor"), (31, "mentee")):
        await store_applicant(core.db, uid, role)
    await store_applicant(core.db, 40, "mentor")
    await store_applicant(core.db, 41, "mentee")
    await core.cohorts.create(ADMIN, "dakar27", "Dakar")
    await core.cohorts.set_end(ADMIN, "dakar27", date(2027, 3, 31))
    await core.cohorts.create(ADMIN, "open27", "Open")  # no end date
    async with core.db.write() as conn:
        await conn.execute(
            "UPDATE applications SET cohort = 'DAKAR27' WHERE user_id IN (20, 21, 40, 41)"
        )
        await conn.execute("UPDATE applications SET cohort = 'open27' WHERE user_id = 30")
    await pair(core, 20, 21, "2027-01-12T00:00:00Z")
    await pair(core, 30, 31, "2027-01-12T00:00:00Z")
    await pair(core, 40, 41, None)  # still active after the cohort ended: kept
    await core.privacy.start_retention()

    async def run_at(moment: str) -> set[int]:
        clock(core).set(datetime.fromisoformat(moment))
        await core.timers.run_due()
        rows = await core.db.fetchall("SELECT user_id FROM people WHERE user_id >= 20")
        return {row["user_id"] for row in rows}

    assert await run_at("2027-02-10T12:00:00Z") == {20, 21, 30, 31, 40, 41}
    clock(core).set(datetime.fromisoformat("2027-02-12T12:00:00Z"))
    assert (await core.privacy.due()).participants == 2
    assert await run_at("2027-02-12T12:00:00Z") == {20, 21, 40, 41}  # 30 days after pairing
    assert await run_at("2027-04-30T12:00:00Z") == {20, 21, 40, 41}  # cohort not 30 days over
    assert (await core.privacy.due()).participants == 0
    assert await run_at("2027-05-01T12:00:00Z") == {40, 41}
