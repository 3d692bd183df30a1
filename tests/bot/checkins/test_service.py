"""Check-in rounds on an injected clock: cadence dates at 10:00 local in four zones across the
2027 DST switches, the 48-hour reminder, missed counting and its trigger, pauses, pair start
and end, meetings, several mentees, start-up scheduling and erasure."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from bot.checkins import service
from bot.checkins.cadence import DUE, REMIND, local_instant, next_day, remind_id
from bot.checkins.store import Reason
from bot.checkins.triggers import Kind, Trigger
from bot.cohorts.store import Schedule
from bot.core import Core, build_core
from bot.meetings.results import FollowedUp
from bot.meetings.store import Answer
from bot.privacy.service import Reason as Why
from bot.runtime.clock import FrozenClock
from bot.runtime.settings import Settings
from bot.runtime.timers import schedule
from dialogs.runner_types import SKIP, Begin, Press, Text
from tests.applicants import store_applicant

TORONTO, DAKAR, ST_JOHNS, MANILA = (
    "America/Toronto",
    "Africa/Dakar",
    "America/St_Johns",
    "Asia/Manila",
)
FORMED = datetime(2027, 2, 14, 16, 0, tzinfo=UTC)  # a Sunday; DST starts in Canada on 03-14
CHLOE, AWA, LIAM, MARIA, BEA = 1001, 2001, 1002, 2002, 2003


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, db=tmp_path / "passerelle.db")  # type: ignore[call-arg]
    built = await build_core(settings, FrozenClock(FORMED))
    yield built
    await built.close()


def clock_of(core: Core) -> FrozenClock:
    assert isinstance(core.clock, FrozenClock)
    return core.clock


async def person(core: Core, uid: int, role: str, name: str, language: str, zone: str) -> None:
    await store_applicant(core.db, uid, role, first_name=name, language=language)
    async with core.db.write() as conn:
        await conn.execute("UPDATE people SET timezone = ? WHERE user_id = ?", (zone, uid))


async def pair(core: Core, mentor: int, mentee: int) -> int:
    paired = await core.pairing.create(0, mentor, mentee, None)
    return int(paired.pair.id)  # type: ignore[union-attr]


async def run_until(core: Core, instant: datetime) -> None:
    """Moves the clock and runs every timer due by then."""
    clock_of(core).set(instant)
    while await core.timers.run_due():
        pass


def recording(core: Core) -> list[Trigger]:
    raised: list[Trigger] = []

    async def hook(conn: aiosqlite.Connection, trigger: Trigger) -> None:
        raised.append(trigger)

    core.checkins.escalate.append(hook)
    return raised


async def due_timers(core: Core, uid: int) -> list[datetime]:
    rows = await core.db.fetchall(
        "SELECT due_at FROM timers WHERE kind = ? AND subject = ? AND cancelled_at IS NULL"
        " ORDER BY due_at",
        (DUE, uid),
    )
    return [datetime.fromisoformat(row["due_at"].replace("Z", "+00:00")) for row in rows]


async def checkins(core: Core, uid: int) -> list[dict[str, Any]]:
    rows = await core.db.fetchall("SELECT * FROM checkins WHERE user_id = ? ORDER BY id", (uid,))
    return [dict(row) for row in rows]


async def prompts(core: Core, uid: int) -> list[dict[str, Any]]:
    rows = await core.db.fetchall("SELECT body FROM outbox WHERE chat_id = ? ORDER BY id", (uid,))
    return [json.loads(row["body"]) for row in rows]


async def four_zones(core: Core) -> tuple[int, int]:
    """Chloé (Toronto) with Awa (Dakar), Liam (St. John's) with Maria (Manila)."""
    await person(core, CHLOE, "mentor", "Chloé", "fr", TORONTO)
    await person(core, AWA, "mentee", "Awa", "en", DAKAR)
    await person(core, LIAM, "mentor", "Liam", "en", ST_JOHNS)
    await person(core, MARIA, "mentee", "Maria", "es", MANILA)
    return await pair(core, CHLOE, AWA), await pair(core, LIAM, MARIA)


async def test_cadence_is_every_14_days_at_10_local_in_four_zones_across_dst(core: Core) -> None:
    await four_zones(core)
    zones = {CHLOE: TORONTO, AWA: DAKAR, LIAM: ST_JOHNS, MARIA: MANILA}

    await run_until(core, datetime(2027, 4, 13, tzinfo=UTC))  # past four cadence dates

    for uid, zone in zones.items():
        dues = await due_timers(core, uid)
        local = [due.astimezone(ZoneInfo(zone)) for due in dues]
        assert [(d.hour, d.minute) for d in local] == [(10, 0)] * len(local), (zone, local)
        days = [d.date() for d in local]
        assert all(b - a == timedelta(days=14) for a, b in itertools.pairwise(days))
        opened = await checkins(core, uid)
        assert len(opened) == 4, zone  # 02-28, 03-14, 03-28, 04-11 (03-01... in Manila)
        assert [c["status"] for c in opened] == ["missed", "missed", "missed", "open"]
    toronto = [d.astimezone(UTC).hour for d in await due_timers(core, CHLOE)]
    assert toronto[:3] == [15, 14, 14]  # EST, then EDT from the switch day itself
    st_johns = [d.astimezone(UTC).strftime("%H:%M") for d in await due_timers(core, LIAM)]
    assert st_johns[:3] == ["13:30", "12:30", "12:30"]
    manila = (await due_timers(core, MARIA))[0]
    assert manila == datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # formed 00:00 on 02-15 there
    dakar = (await due_timers(core, AWA))[0]
    assert dakar == datetime(2027, 2, 28, 10, 0, tzinfo=UTC)


async def test_each_cadence_check_in_is_prompted_in_her_language_naming_the_other(
    core: Core,
) -> None:
    await four_zones(core)

    await run_until(core, datetime(2027, 2, 28, 10, 0, tzinfo=UTC))

    (awa_prompt,) = await prompts(core, AWA)
    assert "How is your mentoring with Chloé going?" in awa_prompt["text"]
    assert [label for label, _ in awa_prompt["keyboard"][0]] == ["1", "2", "3", "4", "5"]
    assert await prompts(core, CHLOE) == []  # 10:00 in Toronto is 15:00 UTC
    await run_until(core, datetime(2027, 2, 28, 15, 0, tzinfo=UTC))
    (chloe_prompt,) = await prompts(core, CHLOE)
    assert "Comment se passe votre mentorat avec Awa" in chloe_prompt["text"]


def test_a_local_hour_that_is_skipped_or_repeated_gives_exactly_one_instant() -> None:
    skipped = local_instant(date(2027, 3, 14), 2, TORONTO)  # 02:00 does not exist that day
    repeated = local_instant(date(2027, 11, 7), 1, TORONTO)  # 01:00 happens twice
    assert skipped == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    assert repeated == datetime(2027, 11, 7, 5, 0, tzinfo=UTC)  # the first one (EDT)
    autumn = local_instant(date(2027, 11, 7), 10, TORONTO)
    assert autumn == datetime(2027, 11, 7, 15, 0, tzinfo=UTC)


async def test_one_reminder_after_48_hours_showing_the_current_question(core: Core) -> None:
    await four_zones(core)
    due = datetime(2027, 2, 28, 10, 0, tzinfo=UTC)
    await run_until(core, due)
    record = await core.checkins.current(AWA)
    assert record is not None
    await core.checkins.handle(record, Press(0, "rating", "4"), None)

    await run_until(core, due + timedelta(hours=47))
    assert len(await prompts(core, AWA)) == 1
    await run_until(core, due + timedelta(hours=48, seconds=1))
    await run_until(core, due + timedelta(hours=96))

    _, reminder = await prompts(core, AWA)
    assert "A reminder: your check-in is waiting for your answer." in reminder["text"]
    assert "What did you work on since last time?" in reminder["text"]
    assert [label for label, _ in reminder["keyboard"][0]] == ["Skip"]
    (stored,) = await checkins(core, AWA)
    assert stored["reminded_at"] == "2027-03-02T10:00:01Z"


async def test_an_answered_check_in_gets_no_reminder(core: Core) -> None:
    await four_zones(core)
    due = datetime(2027, 2, 28, 10, 0, tzinfo=UTC)
    await run_until(core, due)
    record = await core.checkins.current(AWA)
    assert record is not None
    for event in (Press(0, "rating", "5"), Press(1, "worked_on", SKIP), Press(2, "help", "no")):
        transition = await core.checkins.handle(record, event, None)
        record = await core.checkins.get(record.id)
        assert record is not None
    assert transition.state.status == "submitted"

    await run_until(core, due + timedelta(hours=72))

    assert len(await prompts(core, AWA)) == 1
    (stored,) = await checkins(core, AWA)
    assert stored["status"] == "answered" and stored["reminded_at"] is None
    assert (stored["rating"], stored["worked_on"], stored["needs_help"]) == (5, None, 0)
    cancelled = await core.db.fetchall(
        "SELECT cancelled_at FROM timers WHERE kind = ? AND subject = ?", (REMIND, AWA)
    )
    assert [row["cancelled_at"] for row in cancelled] == ["2027-02-28T10:00:00Z"]


async def test_missed_twice_in_a_row_raises_missed_once(core: Core) -> None:
    raised = recording(core)
    await four_zones(core)

    await run_until(core, datetime(2027, 3, 14, 10, 0, tzinfo=UTC))  # the second one is due
    assert [c["status"] for c in await checkins(core, AWA)] == ["missed", "open"]
    assert [t for t in raised if t.user_id == AWA] == []
    await run_until(core, datetime(2027, 3, 28, 10, 0, tzinfo=UTC))
    awa = await checkins(core, AWA)
    assert [c["status"] for c in awa] == ["missed", "missed", "open"]
    assert [t for t in raised if t.user_id == AWA] == [
        Trigger(Kind.MISSED, AWA, awa[1]["pair_id"], awa[1]["id"])
    ]
    assert awa[1]["closed_at"] == "2027-03-28T10:00:00Z"
    await run_until(core, datetime(2027, 4, 11, 10, 0, tzinfo=UTC))  # a third: same streak
    assert len([t for t in raised if t.user_id == AWA]) == 1


async def test_an_answer_between_two_misses_breaks_the_streak(core: Core) -> None:
    raised = recording(core)
    await four_zones(core)
    await run_until(core, datetime(2027, 3, 14, 10, 0, tzinfo=UTC))
    record = await core.checkins.current(AWA)
    assert record is not None
    record = await answer_all(core, record.id, "3", "Budget", "no")

    await run_until(core, datetime(2027, 4, 11, 10, 0, tzinfo=UTC))

    statuses = [c["status"] for c in await checkins(core, AWA)]
    assert statuses == ["missed", "answered", "missed", "open"]
    assert [t for t in raised if t.user_id == AWA] == []


async def answer_all(core: Core, checkin_id: int, rating: str, worked: str, help_: str) -> Any:
    record = await core.checkins.get(checkin_id)
    assert record is not None
    await core.checkins.handle(record, Press(record.state.round, "rating", rating), None)
    record = await core.checkins.get(checkin_id)
    assert record is not None
    await core.checkins.handle(record, Text(worked), None)
    record = await core.checkins.get(checkin_id)
    assert record is not None
    await core.checkins.handle(record, Press(record.state.round, "help", help_), None)
    return await core.checkins.get(checkin_id)


async def test_low_rating_and_help_raise_their_triggers_with_the_answer(core: Core) -> None:
    raised = recording(core)
    await four_zones(core)
    record = await core.checkins.ask(AWA, None)
    assert record is not None

    await core.checkins.handle(record, Press(0, "rating", "2"), None)
    assert raised == [Trigger(Kind.LOW_RATING, AWA, record.pair_id, record.id)]
    fresh = await core.checkins.get(record.id)
    assert fresh is not None
    await core.checkins.handle(fresh, Press(1, "worked_on", SKIP), None)
    fresh = await core.checkins.get(record.id)
    assert fresh is not None
    await core.checkins.handle(fresh, Press(2, "help", "yes"), None)
    assert len(raised) == 1  # not before her text is recorded
    fresh = await core.checkins.get(record.id)
    assert fresh is not None
    await core.checkins.handle(fresh, Text("We never find a time."), None)

    assert raised[1:] == [Trigger(Kind.HELP, AWA, record.pair_id, record.id)]
    (stored,) = await checkins(core, AWA)
    assert (stored["rating"], stored["needs_help"], stored["help_text"]) == (
        2,
        1,
        "We never find a time.",
    )
    assert stored["status"] == "answered" and stored["reason"] == "asked"


async def test_a_failing_hook_rolls_back_the_answer(core: Core) -> None:
    await four_zones(core)

    async def broken(conn: aiosqlite.Connection, trigger: Trigger) -> None:
        raise RuntimeError("alerts are down")

    core.checkins.escalate.append(broken)
    record = await core.checkins.ask(AWA, None)
    assert record is not None
    with pytest.raises(RuntimeError):
        await core.checkins.handle(record, Press(0, "rating", "1"), None)

    (stored,) = await checkins(core, AWA)
    assert stored["rating"] is None and stored["step"] == "rating"


async def test_a_paused_cohort_skips_to_the_next_date_after_the_pause(core: Core) -> None:
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO cohorts(code, name, cadence_days, checkin_hour, paused_from,"
            " paused_until, created_by, created_at)"
            " VALUES ('spring', 'Spring', 7, 9, '2027-03-01', '2027-03-10', 0, 'x')"
        )
    await four_zones(core)
    async with core.db.write() as conn:  # Awa applied with the code
        await conn.execute("UPDATE applications SET cohort = 'spring' WHERE user_id = ?", (AWA,))

    schedule = Schedule(7, 9, None)
    assert next_day(schedule, date(2027, 2, 22)) == date(2027, 3, 1)
    for day in (date(2027, 2, 28), date(2027, 3, 7), date(2027, 3, 14), date(2027, 3, 20)):
        await run_until(core, datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9))
        await run_until(core, datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10))

    opened = [c["opened_at"] for c in await checkins(core, AWA)]
    # Formed before she joined the cohort: her first date was the defaults' (02-28, 10:00);
    # from then on every 7 days at 09:00, and 03-07 falls in the pause.
    assert opened == ["2027-02-28T10:00:00Z", "2027-03-14T09:00:00Z"]
    dues = [d.isoformat() for d in await due_timers(core, AWA)]
    assert "2027-03-07T09:00:00+00:00" not in dues
    assert "2027-03-21T09:00:00+00:00" in dues


async def test_when_a_pair_ends_its_open_check_ins_close_and_timers_go(core: Core) -> None:
    first, _ = await four_zones(core)
    await core.checkins.start_round(None, None)

    await core.pairing.end(0, [first], None)

    for uid in (CHLOE, AWA):
        (stored,) = await checkins(core, uid)
        assert stored["status"] == "closed"
        open_timers = await core.db.fetchall(
            "SELECT id FROM timers WHERE subject = ? AND done_at IS NULL"
            " AND cancelled_at IS NULL AND id LIKE 'checkin:%'",
            (uid,),
        )
        assert open_timers == []
    await run_until(core, datetime(2027, 5, 1, tzinfo=UTC))
    assert len(await checkins(core, AWA)) == 1
    assert len(await checkins(core, MARIA)) > 1  # the other pair goes on


async def test_a_staff_round_asks_everyone_once_and_counts_those_already_asked(
    core: Core,
) -> None:
    await four_zones(core)
    await core.checkins.ask(AWA, None)

    started = await core.checkins.start_round(None, None)
    again = await core.checkins.start_round(None, None)

    assert (started.started, started.already_open) == (3, 1)  # type: ignore[union-attr]
    assert (again.started, again.already_open) == (0, 4)  # type: ignore[union-attr]
    for uid in (CHLOE, LIAM, MARIA):
        assert len(await prompts(core, uid)) == 1
    assert await prompts(core, AWA) == []  # she asked herself: shown to her directly
    unknown = await core.checkins.start_round("nope", None)
    assert getattr(unknown, "code", None) == "nope"


async def test_a_mentor_with_two_mentees_answers_one_check_in_at_a_time(core: Core) -> None:
    await four_zones(core)
    await person(core, BEA, "mentee", "Bea", "en", DAKAR)
    await pair(core, CHLOE, BEA)

    await core.checkins.start_round(None, None)

    (first,) = await prompts(core, CHLOE)
    assert "Awa" in first["text"]
    current = await core.checkins.current(CHLOE)
    assert current is not None
    await answer_all(core, current.id, "4", "Pricing", "no")
    _, second = await prompts(core, CHLOE)
    assert "Bea" in second["text"]
    assert [c["status"] for c in await checkins(core, CHLOE)] == ["answered", "open"]


async def test_a_meeting_held_opens_a_check_in_and_a_no_show_raises(core: Core) -> None:
    raised = recording(core)
    pair_id, _ = await four_zones(core)

    def followed(uid: int, answer: Answer, meeting_id: int) -> FollowedUp:
        duo = SimpleNamespace(me=SimpleNamespace(user_id=uid), pair_id=pair_id)
        meeting = SimpleNamespace(id=meeting_id)
        return cast(
            FollowedUp, SimpleNamespace(duo=duo, meeting=meeting, answer=answer, recorded=True)
        )

    async with core.db.write() as conn:
        await core.checkins.after_meeting(conn, followed(AWA, Answer.HELD, 7))
        await core.checkins.after_meeting(conn, followed(AWA, Answer.HELD, 8))
        await core.checkins.after_meeting(conn, followed(CHLOE, Answer.NO_SHOW, 9))

    (stored,) = await checkins(core, AWA)
    assert stored["reason"] == Reason.MEETING
    assert len(await prompts(core, AWA)) == 1
    assert raised == [Trigger(Kind.NO_SHOW, CHLOE, pair_id, meeting_id=9)]


async def test_start_up_schedules_pairs_formed_before_check_ins_once(core: Core) -> None:
    await four_zones(core)
    async with core.db.write() as conn:
        await conn.execute("DELETE FROM timers WHERE kind = ?", (DUE,))
    clock_of(core).set(datetime(2027, 3, 20, tzinfo=UTC))

    assert await core.checkins.schedule_missing() == 4
    assert await core.checkins.schedule_missing() == 0
    (due,) = await due_timers(core, CHLOE)
    assert due == datetime(2027, 3, 28, 14, 0, tzinfo=UTC)  # the next date, 10:00 EDT


async def open_dates(core: Core) -> dict[tuple[int, int], str]:
    """Each (person, pair) with an open cadence date: its timer's id."""
    rows = await core.db.fetchall(
        "SELECT id, subject, payload FROM timers WHERE kind = ? AND done_at IS NULL"
        " AND cancelled_at IS NULL",
        (DUE,),
    )
    found: dict[tuple[int, int], str] = {}
    for row in rows:
        key = (row["subject"], json.loads(row["payload"])["pair_id"])
        assert key not in found, key  # never two open dates for one person and pair
        found[key] = row["id"]
    return found


async def test_start_up_schedules_exactly_the_missing_dates_among_many(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MISSING_BATCH", 3)  # several steps, some stopping mid-pair
    monkeypatch.setattr(service, "PAIRS_PER_STEP", 5)
    mentors, mentees = range(5001, 5013), range(6001, 6025)
    for uid in mentors:
        await person(core, uid, "mentor", f"M{uid}", "en", TORONTO)
    for uid in mentees:
        await person(core, uid, "mentee", f"E{uid}", "fr", DAKAR)
    pairs = {  # mentors with two mentees each: one date per member and pair
        mentee: (mentor, await pair(core, mentor, mentee))
        for mentee, mentor in zip(mentees, [m for m in mentors for _ in (0, 1)], strict=True)
    }
    before = await open_dates(core)
    assert len(before) == 48
    now = FORMED + timedelta(days=40)
    clock_of(core).set(now)
    gone: set[tuple[int, int]] = set()
    async with core.db.write() as conn:
        for n, (mentee, (mentor, pair_id)) in enumerate(pairs.items()):
            lose = [(mentee, pair_id)] if n % 3 == 0 else []
            lose += [(mentor, pair_id)] if n % 4 == 0 else []
            for uid, lost_pair in lose:
                gone.add((uid, lost_pair))
                how = n % 3  # deleted, cancelled, or already done: none of them is open
                if how == 0:
                    await conn.execute("DELETE FROM timers WHERE id = ?", (before[uid, lost_pair],))
                else:
                    column = "cancelled_at" if how == 1 else "done_at"
                    await conn.execute(
                        f"UPDATE timers SET {column} = '2027-03-01T00:00:00Z' WHERE id = ?",
                        (before[uid, lost_pair],),
                    )
        # A reminder open is not a cadence date: she is still missing one.
        mentor, pair_id = pairs[mentees[1]]
        await conn.execute("DELETE FROM timers WHERE id = ?", (before[mentees[1], pair_id],))
        await schedule(
            conn, remind_id(mentees[1], pair_id, 99), REMIND, now, mentees[1],
            {"checkin_id": 99}, now,
        )  # fmt: skip
        gone.add((mentees[1], pair_id))
    ended_mentor, ended = pairs[mentees[0]]  # an ended pair gets nothing
    await core.pairing.end(0, [ended], None)
    gone -= {(mentees[0], ended), (ended_mentor, ended)}

    assert await core.checkins.schedule_missing() == len(gone) == 13
    assert await core.checkins.schedule_missing() == 0

    after = await open_dates(core)
    assert set(after) == set(before) - {(mentees[0], ended), (ended_mentor, ended)}
    for key, timer_id in after.items():
        if key in gone:  # her next date after now, 10:00 her time
            due = await core.db.fetchone("SELECT due_at FROM timers WHERE id = ?", (timer_id,))
            assert due is not None
            at = datetime.fromisoformat(due["due_at"].replace("Z", "+00:00"))
            assert now < at <= now + timedelta(days=14)
            zone = TORONTO if key[0] in mentors else DAKAR
            assert at.astimezone(ZoneInfo(zone)).hour == 10
        else:
            assert timer_id == before[key]  # untouched


async def test_the_start_up_search_reads_the_indexes(core: Core) -> None:
    await four_zones(core)
    plan = await core.db.fetchall(f"EXPLAIN QUERY PLAN {service._MISSING}", (0, 9, 0, 9, 100))
    steps = [str(row[-1]) for row in plan]
    assert sum("timers_open_checkin_due (subject=?" in step for step in steps) == 2, steps
    assert sum("p USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in s for s in steps) == 2, steps
    assert not [step for step in steps if step.startswith("SCAN") and "INDEX" not in step], steps
    window = await core.db.fetchall(f"EXPLAIN QUERY PLAN {service._WINDOW}", (0, 2000))
    assert "SEARCH pairs USING INTEGER PRIMARY KEY (rowid>?)" in str(list(map(tuple, window)))
    rows = await core.db.fetchall(
        "EXPLAIN QUERY PLAN SELECT id FROM timers t WHERE " + service._is_open_due("?", "?"),
        (CHLOE, 1),
    )
    assert "timers_open_checkin_due (subject=? AND <expr>=?)" in str(rows[0][-1])


async def test_at_start_the_sweep_runs_a_step_at_a_time_in_the_timers_loop(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "PAIRS_PER_STEP", 1)
    await four_zones(core)
    async with core.db.write() as conn:
        await conn.execute("DELETE FROM timers WHERE kind = ?", (DUE,))
    clock_of(core).set(datetime(2027, 3, 20, tzinfo=UTC))

    await core.housekeeping()  # before the bot listens: nothing but the sweep planned
    assert await due_timers(core, CHLOE) == []
    while await core.timers.run_due():
        pass

    for uid in (CHLOE, AWA, LIAM, MARIA):
        assert len(await due_timers(core, uid)) == 1, uid
    (due,) = await due_timers(core, CHLOE)
    assert due == datetime(2027, 3, 28, 14, 0, tzinfo=UTC)  # the next date, 10:00 EDT
    steps = await core.db.fetchall("SELECT id FROM timers WHERE kind = 'checkin.sweep'")
    assert len(steps) == 3  # pair 1, pair 2, then nothing left
    clock_of(core).advance(timedelta(minutes=5))
    await core.housekeeping()  # the next start: a new sweep, which finds nothing to add
    while await core.timers.run_due():
        pass
    steps = await core.db.fetchall("SELECT id FROM timers WHERE kind = 'checkin.sweep'")
    assert len(steps) == 6
    assert [len(await due_timers(core, uid)) for uid in (CHLOE, AWA, LIAM, MARIA)] == [1] * 4


async def test_erasing_her_data_cancels_her_check_in_timers(core: Core) -> None:
    await four_zones(core)
    await core.checkins.start_round(None, None)
    async with core.db.write() as conn:
        await core.privacy.erase_in(conn, AWA, Why.REQUEST, AWA)

    rows = await core.db.fetchall("SELECT id FROM timers WHERE id LIKE ?", (f"checkin:{AWA}:%",))
    assert rows == []
    assert await checkins(core, AWA) == []
    assert [c["status"] for c in await checkins(core, CHLOE)] == ["closed"]
    chloes = await core.db.fetchall(
        "SELECT id FROM timers WHERE id LIKE ? AND done_at IS NULL AND cancelled_at IS NULL",
        (f"checkin:{CHLOE}:%",),
    )
    assert chloes == []


async def test_a_stale_press_or_a_closed_check_in_changes_nothing(core: Core) -> None:
    await four_zones(core)
    record = await core.checkins.ask(AWA, None)
    assert record is not None
    begun = await core.checkins.handle(record, Begin(), None)
    assert begun.outputs and begun.state == record.state

    stale = await core.checkins.handle(record, Press(5, "rating", "4"), None)
    moved = await core.checkins.handle(record, Press(0, "rating", "4"), None)
    again = await core.checkins.handle(record, Press(0, "rating", "1"), None)  # old copy

    assert stale.state == record.state
    assert moved.state.step == "worked_on"
    assert again.state == record.state
    (stored,) = await checkins(core, AWA)
    assert stored["rating"] == 4


async def test_reschedule_moves_her_next_date_to_her_new_schedule(core: Core) -> None:
    await four_zones(core)
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO cohorts(code, name, cadence_days, checkin_hour, created_by, created_at)"
            " VALUES ('fall', 'Fall', 7, 16, 0, 'x')"
        )
        await conn.execute("UPDATE applications SET cohort = 'fall' WHERE user_id = ?", (CHLOE,))
        await core.checkins.reschedule(conn, CHLOE)

    (due,) = await due_timers(core, CHLOE)
    assert due == datetime(2027, 2, 21, 21, 0, tzinfo=UTC)  # 16:00 in Toronto, 7 days on
    assert len(await due_timers(core, AWA)) == 1


async def test_a_cohort_change_moves_its_members_next_dates(core: Core) -> None:
    await four_zones(core)
    await core.cohorts.create(0, "fall27", "Fall")
    async with core.db.write() as conn:
        await conn.execute("UPDATE applications SET cohort = 'fall27' WHERE user_id = ?", (CHLOE,))
    before = await due_timers(core, AWA)

    await core.cohorts.set_cadence(0, "fall27", 7)
    await core.cohorts.set_hour(0, "fall27", 16)

    (due,) = await due_timers(core, CHLOE)
    assert due == datetime(2027, 2, 21, 21, 0, tzinfo=UTC)  # 16:00 in Toronto, 7 days on
    assert await due_timers(core, AWA) == before  # not in the cohort: untouched


async def test_a_staff_round_for_one_cohort_asks_only_its_members(core: Core) -> None:
    async with core.db.write() as conn:
        await conn.execute(
            "INSERT INTO cohorts(code, name, created_by, created_at)"
            " VALUES ('Spring27', 'Spring', 0, 'x')"
        )
    await four_zones(core)
    async with core.db.write() as conn:
        await conn.execute(
            "UPDATE applications SET cohort = 'spring27' WHERE user_id IN (?, ?)", (AWA, MARIA)
        )

    started = await core.checkins.start_round("SPRING27", None)

    assert (started.started, started.already_open) == (2, 0)  # type: ignore[union-attr]
    assert [len(await checkins(core, uid)) for uid in (CHLOE, AWA, LIAM, MARIA)] == [0, 1, 0, 1]
    (awa,) = await checkins(core, AWA)
    assert (awa["reason"], awa["cohort"]) == ("staff", "Spring27")
