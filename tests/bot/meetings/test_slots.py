"""Slots across time zones, each result checked against a brute-force zoneinfo computation.

The oracle below knows nothing of the module's windows and intervals: it walks UTC a quarter
of an hour at a time, turns each instant into both people's wall-clock time with zoneinfo,
and asks the grid which part of which weekday that is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.meetings.slots import (
    ClockChange,
    Rules,
    Side,
    clock_changes,
    common_starts,
    find_slots,
    near_miss,
)
from bot.meetings.week import FULL, HOURS, Part, Week, cell

MONTREAL, DAKAR = "America/Toronto", "Africa/Dakar"
VANCOUVER, MANILA = "America/Vancouver", "Asia/Manila"
ST_JOHNS, REGINA, LA_PAZ = "America/St_Johns", "America/Regina", "America/La_Paz"
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)
WEEKDAYS = range(5)
# The Canadian switches (second Sunday of March, first Sunday of November), in UTC.
SWITCHES = (
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2027, 3, 14, 7, tzinfo=UTC),
    datetime(2027, 11, 7, 6, tzinfo=UTC),
)


def week(parts: dict[int, tuple[Part, ...]]) -> Week:
    return Week(sum(1 << cell(day, part) for day, chosen in parts.items() for part in chosen))


def every(days: range | tuple[int, ...], *parts: Part) -> Week:
    return week({day: parts for day in days})


def part_of(hour: int) -> Part | None:
    return next((part for part, (lo, hi) in HOURS.items() if lo <= hour < hi), None)


def free(zone: str, grid: Week, instant: datetime) -> bool:
    """Whether the quarter hour starting at `instant` is in her grid, read in her time."""
    wall = instant.astimezone(ZoneInfo(zone))
    part = part_of(wall.hour)
    return part is not None and grid.has(wall.weekday(), part)


def oracle(a: Side, b: Side, now: datetime, rules: Rules | None = None) -> list[datetime]:
    """Every valid start, by brute force, quarter hour by quarter hour of UTC."""
    rules = rules or Rules()
    found = []
    moment = datetime.fromtimestamp(
        -(-now.timestamp() // QUARTER.total_seconds()) * QUARTER.total_seconds(), UTC
    )
    while moment <= now + rules.horizon:
        on_the_hour = any(moment.astimezone(ZoneInfo(s.zone)).minute == 0 for s in (a, b))
        covered = all(
            free(side.zone, side.week, moment + k * QUARTER) for side in (a, b) for k in range(4)
        )
        if moment >= now + rules.notice and on_the_hour and covered:
            found.append(moment)
        moment += QUARTER
    return found


def local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def check_against_oracle(a: Side, b: Side, now: datetime) -> list[datetime]:
    """find_slots agrees with the oracle: valid, earliest first, one a day while days last."""
    expected = oracle(a, b, now)
    assert common_starts(a, b, now, Rules()) == expected
    slots = find_slots(a, b, now)
    assert slots == sorted(slots)
    assert set(slots) <= set(expected)
    if not expected:
        assert slots == []
        return slots
    assert slots[0] == expected[0], "the earliest common hour is always offered"
    first_of_day: dict[date, datetime] = {}
    for start in expected:
        first_of_day.setdefault(local_day(start, a.zone), start)
    if len(first_of_day) >= 3:
        assert slots == sorted(first_of_day.values())[:3], "three different days, earliest each"
        return slots
    # Fewer days than proposals: each day's first hour, then others that overlap none.
    assert set(first_of_day.values()) <= set(slots)
    assert all(abs(x - y) >= HOUR for x in slots for y in slots if x != y)
    if len(slots) < 3:
        assert all(any(abs(s - c) < HOUR for c in slots) for s in expected), "none left out"
    return slots


def wall(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%a %d %H:%M")


# --- named pairs -----------------------------------------------------------------------------


def test_montreal_dakar_in_winter() -> None:
    chloe = Side(MONTREAL, every(WEEKDAYS, Part.MORNING))
    awa = Side(DAKAR, every(WEEKDAYS, Part.AFTERNOON))
    now = datetime(2027, 1, 11, 14, 0, tzinfo=UTC)  # Monday 09:00 in Montreal
    slots = check_against_oracle(chloe, awa, now)
    assert slots == [
        datetime(2027, 1, 11, 15, tzinfo=UTC),  # today 10:00, one hour from now
        datetime(2027, 1, 12, 13, tzinfo=UTC),  # Tuesday 08:00 in Montreal, 13:00 in Dakar
        datetime(2027, 1, 13, 13, tzinfo=UTC),
    ]
    assert [wall(s, DAKAR) for s in slots] == ["Mon 11 15:00", "Tue 12 13:00", "Wed 13 13:00"]


def test_a_slot_is_at_least_an_hour_ahead_and_within_fourteen_days() -> None:
    chloe = Side(MONTREAL, Week(FULL))
    awa = Side(DAKAR, Week(FULL))
    now = datetime(2027, 1, 11, 14, 0, 1, tzinfo=UTC)  # a second past 09:00 in Montreal
    starts = common_starts(chloe, awa, now, Rules())
    assert starts[0] == datetime(2027, 1, 11, 16, tzinfo=UTC), "15:00 is 59:59 away"
    assert starts[-1] <= now + timedelta(days=14)
    assert starts == oracle(chloe, awa, now)


def test_vancouver_manila_narrow_overlap_is_one_hour_a_day() -> None:
    # Vancouver evenings (17-21) and Manila afternoons (12-17): in winter, 20:00 in
    # Vancouver is 12:00 the next day in Manila, the only common hour.
    maria = Side(VANCOUVER, every(WEEKDAYS, Part.EVENING))
    joy = Side(MANILA, every(WEEKDAYS, Part.AFTERNOON))
    now = datetime(2027, 1, 11, 18, tzinfo=UTC)  # Monday 10:00 in Vancouver
    slots = check_against_oracle(maria, joy, now)
    assert [wall(s, VANCOUVER) for s in slots] == ["Mon 11 20:00", "Tue 12 20:00", "Wed 13 20:00"]
    assert [wall(s, MANILA) for s in slots] == ["Tue 12 12:00", "Wed 13 12:00", "Thu 14 12:00"]
    # Friday evening in Vancouver is Saturday in Manila, which she did not select.
    assert all(local_day(s, VANCOUVER).weekday() != 4 for s in common_starts(
        maria, joy, now, Rules()))  # fmt: skip


def test_vancouver_manila_overlap_closes_when_vancouver_springs_forward() -> None:
    maria = Side(VANCOUVER, every(range(7), Part.EVENING))
    joy = Side(MANILA, every(range(7), Part.AFTERNOON))
    now = datetime(2027, 3, 8, 18, tzinfo=UTC)  # the week before the 2027 switch
    starts = common_starts(maria, joy, now, Rules())
    assert starts == oracle(maria, joy, now)
    switch = datetime(2027, 3, 14, 10, tzinfo=UTC)  # 02:00 PST in Vancouver
    assert starts and all(start < switch for start in starts), "no common hour after it"
    assert {wall(s, VANCOUVER)[-5:] for s in starts} == {"20:00"}
    miss = near_miss(maria, joy, switch)
    assert miss is not None and miss.overlap == timedelta(0), "they touch: 21:00 is 12:00"


def test_st_johns_half_hour_offset_uses_either_persons_hours() -> None:
    # St. John's is UTC-3:30 in winter: her 08:00-12:00 is 11:30-15:30 UTC.
    rose = Side(ST_JOHNS, every(WEEKDAYS, Part.MORNING))
    awa = Side(DAKAR, every(WEEKDAYS, Part.AFTERNOON))
    now = datetime(2027, 1, 11, 10, tzinfo=UTC)
    starts = common_starts(rose, awa, now, Rules())
    assert starts == oracle(rose, awa, now)
    monday = [wall(s, ST_JOHNS) for s in starts if local_day(s, ST_JOHNS).day == 11]
    assert monday == [
        "Mon 11 08:30",  # 12:00 in Dakar
        "Mon 11 09:00",  # 12:30 in Dakar
        "Mon 11 09:30",
        "Mon 11 10:00",
        "Mon 11 10:30",
        "Mon 11 11:00",  # ends at 12:00 for her, 15:30 in Dakar
    ]
    slots = check_against_oracle(rose, awa, now)
    assert [wall(s, ST_JOHNS) for s in slots] == ["Mon 11 08:30", "Tue 12 08:30", "Wed 13 08:30"]


def test_st_johns_after_her_spring_switch_moves_by_an_hour() -> None:
    rose = Side(ST_JOHNS, every(WEEKDAYS, Part.MORNING))
    awa = Side(DAKAR, every(WEEKDAYS, Part.AFTERNOON))
    now = datetime(2027, 3, 12, 10, tzinfo=UTC)  # Friday before the switch
    slots = check_against_oracle(rose, awa, now)
    # After the switch her 08:00 is 10:30 UTC; Dakar's afternoon starts at 12:00 UTC, her 09:30.
    assert [wall(s, ST_JOHNS) for s in slots] == ["Fri 12 08:30", "Mon 15 09:30", "Tue 16 09:30"]
    assert [wall(s, DAKAR) for s in slots] == ["Fri 12 12:00", "Mon 15 12:00", "Tue 16 12:00"]


def test_regina_keeps_its_hours_across_the_canadian_switch() -> None:
    lea = Side(REGINA, every(WEEKDAYS, Part.MORNING))  # UTC-6 all year
    awa = Side(DAKAR, every(WEEKDAYS, Part.AFTERNOON))
    for now in (datetime(2027, 3, 8, 12, tzinfo=UTC), datetime(2027, 3, 15, 12, tzinfo=UTC)):
        slots = check_against_oracle(lea, awa, now)
        assert {wall(s, REGINA)[-5:] for s in slots} == {"08:00"}
        assert {wall(s, DAKAR)[-5:] for s in slots} == {"14:00"}
    year = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert clock_changes(REGINA, *year) == []


def test_la_paz_and_montreal_meet_an_hour_apart_or_none() -> None:
    chloe = Side(MONTREAL, every(WEEKDAYS, Part.MORNING))
    lucia = Side(LA_PAZ, every(WEEKDAYS, Part.MORNING))  # UTC-4, no DST
    winter = check_against_oracle(chloe, lucia, datetime(2027, 1, 11, 12, tzinfo=UTC))
    assert {wall(s, LA_PAZ)[-5:] for s in winter} == {"09:00"}, "08:00 in La Paz is 07:00 for her"
    summer = check_against_oracle(chloe, lucia, datetime(2027, 6, 7, 11, tzinfo=UTC))
    assert {wall(s, LA_PAZ)[-5:] for s in summer} == {"08:00"}, "same clock time in summer"


@pytest.mark.parametrize("switch", SWITCHES, ids=lambda s: s.strftime("%Y-%m"))
def test_the_weeks_around_each_canadian_switch(switch: datetime) -> None:
    chloe = Side(MONTREAL, every(range(7), Part.MORNING))
    awa = Side(DAKAR, every(range(7), Part.AFTERNOON))
    for days_before in (10, 7, 3, 1, 0):
        now = switch - timedelta(days=days_before, hours=1)
        starts = common_starts(chloe, awa, now, Rules())
        assert starts == oracle(chloe, awa, now), days_before
        check_against_oracle(chloe, awa, now)
        # Her mornings never move in her own time; the UTC hours do, by the switch.
        assert {s.astimezone(ZoneInfo(MONTREAL)).hour for s in starts} <= {8, 9, 10, 11}
        before = {s.hour for s in starts if s < switch}
        after = {s.hour for s in starts if s > switch}
        if switch.month == 3:  # EST to EDT: Montreal mornings are 12-16 UTC after
            assert before <= {13, 14, 15, 16} and after <= {12, 13, 14, 15}
            assert 12 in after and (not before or 16 in before)
        else:  # EDT to EST
            assert before <= {12, 13, 14, 15} and after <= {13, 14, 15, 16}
            assert 16 in after and (not before or 12 in before)


def test_a_booking_before_the_switch_for_a_meeting_after_it() -> None:
    chloe = Side(MONTREAL, every(range(7), Part.MORNING))
    awa = Side(DAKAR, every(range(7), Part.AFTERNOON))
    booked = datetime(2027, 3, 10, 15, tzinfo=UTC)  # Wednesday, EST
    after = [s for s in find_slots(chloe, awa, booked, Rules(count=14)) if s > SWITCHES[2]]
    assert after, "the horizon reaches past the switch"
    meeting = after[0]
    assert meeting == datetime(2027, 3, 14, 12, tzinfo=UTC)
    assert wall(meeting, MONTREAL) == "Sun 14 08:00", "her 08:00 is now 12:00 UTC, not 13:00"
    assert wall(meeting, DAKAR) == "Sun 14 12:00"
    changes = clock_changes(MONTREAL, booked, meeting)
    assert changes == [ClockChange(SWITCHES[2], timedelta(hours=-5), timedelta(hours=-4))]
    assert clock_changes(DAKAR, booked, meeting) == []


def test_no_overlap_finds_nothing_and_says_how_far_apart() -> None:
    maria = Side(VANCOUVER, every(range(7), Part.EVENING))  # 01:00-05:00 UTC in winter
    awa = Side(DAKAR, every(range(7), Part.EVENING))  # 17:00-21:00 UTC
    now = datetime(2027, 1, 11, 12, tzinfo=UTC)
    assert check_against_oracle(maria, awa, now) == []
    miss = near_miss(maria, awa, now)
    assert miss is not None
    assert miss.overlap == -timedelta(hours=4), "Dakar's evening ends 4 h before hers begins"
    assert miss.theirs[1] == datetime(2027, 1, 11, 21, tzinfo=UTC)
    assert miss.mine[0] == datetime(2027, 1, 12, 1, tzinfo=UTC)


def test_a_short_overlap_is_the_nearest_miss() -> None:
    rose = Side(ST_JOHNS, week({0: (Part.EVENING,)}))  # Monday 17-21 = 20:30-00:30 UTC
    awa = Side(DAKAR, week({0: (Part.EVENING,)}))  # Monday 17-21 UTC
    now = datetime(2027, 1, 11, 10, tzinfo=UTC)
    assert find_slots(rose, awa, now) == oracle(rose, awa, now) == []
    miss = near_miss(rose, awa, now)
    assert miss is not None and miss.overlap == timedelta(minutes=30)
    assert miss.mine[0] == datetime(2027, 1, 11, 20, 30, tzinfo=UTC)


def test_an_empty_grid_has_no_near_miss() -> None:
    now = datetime(2027, 1, 11, 10, tzinfo=UTC)
    assert near_miss(Side(MONTREAL, Week()), Side(DAKAR, Week(FULL)), now) is None
    assert find_slots(Side(MONTREAL, Week()), Side(DAKAR, Week(FULL)), now) == []


def test_excluded_starts_are_not_proposed_again() -> None:
    chloe = Side(MONTREAL, every(WEEKDAYS, Part.MORNING))
    awa = Side(DAKAR, every(WEEKDAYS, Part.AFTERNOON))
    now = datetime(2027, 1, 11, 14, tzinfo=UTC)
    first = find_slots(chloe, awa, now)
    again = find_slots(chloe, awa, now, exclude=first)
    assert not set(first) & set(again)
    assert again[0] == datetime(2027, 1, 11, 16, tzinfo=UTC), "the next hour of the first day"


def test_a_single_day_gives_hours_that_do_not_overlap() -> None:
    chloe = Side(MONTREAL, week({0: (Part.MORNING,)}))
    awa = Side(DAKAR, week({0: (Part.AFTERNOON,)}))
    now = datetime(2027, 1, 11, 12, tzinfo=UTC)
    rules = Rules(horizon=timedelta(days=6))  # one Monday only
    slots = find_slots(chloe, awa, now, rules)
    assert slots == oracle(chloe, awa, now, rules)[:3]
    assert slots[1] - slots[0] == slots[2] - slots[1] == HOUR


def test_the_playground_demo_lets_a_meeting_start_a_minute_after_its_longest_lead() -> None:
    rules = Rules.demo([timedelta(seconds=60), timedelta(seconds=20)])
    chloe = Side(MONTREAL, Week(FULL))
    awa = Side(DAKAR, Week(FULL))
    now = datetime(2027, 1, 11, 14, 0, 30, tzinfo=UTC)
    slots = find_slots(chloe, awa, now, rules)
    assert slots[0] == datetime(2027, 1, 11, 14, 3, tzinfo=UTC), "on the minute after 2 min"
    assert len(slots) == 3 and len({local_day(s, MONTREAL) for s in slots}) == 3


def test_clock_changes_are_found_to_the_minute() -> None:
    year = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert [c.at for c in clock_changes(MONTREAL, *year)] == list(SWITCHES)
    assert [c.at for c in clock_changes(ST_JOHNS, *year)] == [
        s - timedelta(hours=1, minutes=30) for s in SWITCHES
    ]
    assert clock_changes(DAKAR, *year) == clock_changes(MANILA, *year) == []


def test_a_fall_back_morning_keeps_her_wall_clock_hours() -> None:
    chloe = Side(MONTREAL, week({6: (Part.MORNING,)}))  # Sundays
    awa = Side(DAKAR, Week(FULL))
    now = datetime(2027, 11, 5, 12, tzinfo=UTC)
    starts = common_starts(chloe, awa, now, Rules())
    assert starts == oracle(chloe, awa, now)
    assert [wall(s, MONTREAL) for s in starts[:4]] == [
        "Sun 07 08:00", "Sun 07 09:00", "Sun 07 10:00", "Sun 07 11:00",
    ]  # fmt: skip
    assert starts[0] == datetime(2027, 11, 7, 13, tzinfo=UTC)


# --- property ---------------------------------------------------------------------------------

ZONES = (MONTREAL, DAKAR, VANCOUVER, MANILA, ST_JOHNS, REGINA, LA_PAZ, "Africa/Kigali",
         "America/Guatemala", "America/Halifax", "Asia/Kathmandu")  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    a_zone=st.sampled_from(ZONES),
    b_zone=st.sampled_from(ZONES),
    a_mask=st.integers(0, FULL),
    b_mask=st.integers(0, FULL),
    minutes=st.integers(0, 2 * 365 * 24 * 60),
)
def test_any_two_grids_agree_with_the_oracle(
    a_zone: str, b_zone: str, a_mask: int, b_mask: int, minutes: int
) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes, seconds=17)
    check_against_oracle(Side(a_zone, Week(a_mask)), Side(b_zone, Week(b_mask)), now)
