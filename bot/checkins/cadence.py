"""When check-ins come: the ids of their timers, and each person's cadence dates as instants
(pure: her local hour on a local date, in her IANA zone, DST included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.cohorts.store import Schedule

DUE = "checkin.due"
REMIND = "checkin.remind"
REMIND_AFTER = timedelta(hours=48)
# At start: a cadence date for each member of an active pair that has none, a step at a time
# (pairs formed before check-ins existed).
SWEEP = "checkin.sweep"
MAX_SKIPS = 400  # cadence dates skipped over a pause before giving up (an open-ended pause)


def timers_of(user_id: int, pair_id: int | None = None) -> str:
    """The prefix of the ids of a person's check-in timers (for one pair, given `pair_id`)."""
    return f"checkin:{user_id}:" if pair_id is None else f"checkin:{user_id}:{pair_id}:"


def due_id(user_id: int, pair_id: int, day: date) -> str:
    """The stable id of one cadence date's timer."""
    return f"{timers_of(user_id, pair_id)}{day.isoformat()}"


def remind_id(user_id: int, pair_id: int, checkin_id: int) -> str:
    """The stable id of a check-in's 48-hour reminder."""
    return f"{timers_of(user_id, pair_id)}remind:{checkin_id}"


def sweep_id(started: str, step: int) -> str:
    """The id of one step of the start-up sweep begun at `started` (a stored instant)."""
    return f"{SWEEP}:{started}:{step}"


def local_instant(day: date, hour: int, zone: str) -> datetime:
    """The UTC instant of `hour`:00 on a local date in a zone: exactly one, even on a DST
    switch day (an hour skipped resolves to the instant after the gap, one repeated to its
    first occurrence)."""
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def next_day(schedule_: Schedule, after: date) -> date:
    """The cadence date after `after`, skipping the dates her cohort is paused on."""
    day = after + timedelta(days=schedule_.days)
    for _ in range(MAX_SKIPS):
        if not schedule_.paused_on(day):
            return day
        day += timedelta(days=schedule_.days)
    return day  # paused without end: the date is checked again when it comes
