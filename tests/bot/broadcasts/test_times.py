"""Typed dates and times in the staff member's zone, across daylight saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.broadcasts.times import BadTime, parse_local, parse_span


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["2027-02-03 14:00", " 2027-2-3 14h00 ", "2027-02-03T14.00"])
def test_a_date_and_time_in_her_zone(typed: str) -> None:
    assert parse_local(typed, "America/Toronto") == utc(2027, 2, 3, 19, 0)
    assert parse_local(typed, "Africa/Dakar") == utc(2027, 2, 3, 14, 0)


def test_summer_time_is_taken_into_account() -> None:
    assert parse_local("2027-07-01 14:00", "America/Toronto") == utc(2027, 7, 1, 18, 0)
    assert parse_local("2027-07-01 14:00", "America/St_Johns") == utc(2027, 7, 1, 16, 30)


def test_a_time_the_clocks_skip_does_not_exist() -> None:
    with pytest.raises(BadTime) as refused:
        parse_local("2027-03-14 02:30", "America/Toronto")
    assert refused.value.missing


def test_a_time_the_clocks_pass_twice_is_the_first() -> None:
    assert parse_local("2027-11-07 01:30", "America/Toronto") == utc(2027, 11, 7, 5, 30)


@pytest.mark.parametrize(
    "typed", ["tomorrow", "2027-02-30 10:00", "2027-02-03", "14:00", "2027-02-03 25:00", ""]
)
def test_what_is_not_a_date_and_time(typed: str) -> None:
    with pytest.raises(BadTime) as refused:
        parse_local(typed, "America/Toronto")
    assert not refused.value.missing


def test_an_event_span_the_same_day_overnight_or_over_days() -> None:
    zone = "America/Toronto"
    assert parse_span("2027-02-03 14:00-15:30", zone) == (
        utc(2027, 2, 3, 19, 0),
        utc(2027, 2, 3, 20, 30),
    )
    assert parse_span("2027-02-03 22:00 \u2013 01:00", zone) == (
        utc(2027, 2, 4, 3, 0),
        utc(2027, 2, 4, 6, 0),
    )
    assert parse_span("2027-02-03 09:00 - 2027-02-05 17:00", zone) == (
        utc(2027, 2, 3, 14, 0),
        utc(2027, 2, 5, 22, 0),
    )
    with pytest.raises(BadTime):
        parse_span("2027-02-03 14:00", zone)
