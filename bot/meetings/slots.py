"""Meeting times across time zones, as pure functions of two weekly grids, two zones and now.

Everything is computed on UTC instants: a person's grid is in her own wall-clock time, and
each of her local days is turned into instants with her IANA zone (zoneinfo), so a daylight
saving switch on either side moves the instants, never the wall-clock times she chose. A
slot starts on the hour of one of the two people's local time (with a half-hour zone such as
St. John's, the hours of each side are both candidates), lasts an hour, and fits inside both
grids.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bot.meetings.week import Week

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Side:
    """One person as the slot maths sees her: her IANA zone and her weekly grid."""

    zone: str
    week: Week


@dataclass(frozen=True)
class Rules:
    """What a proposed slot must be: how soon, how far ahead, how long, on which grid."""

    notice: timedelta = HOUR  # a slot starts at least this long after now
    horizon: timedelta = timedelta(days=14)  # and at most this long after now
    length: timedelta = HOUR
    step: timedelta = HOUR  # starts fall on multiples of this in someone's local time
    count: int = 3  # proposals at most

    def __post_init__(self) -> None:
        if self.step < MINUTE or self.step % MINUTE or self.length % MINUTE:
            raise ValueError("step and length are whole minutes, at least one")
        if self.length <= timedelta(0) or self.count < 1:
            raise ValueError("a slot has a length, and at least one is proposed")

    @classmethod
    def demo(cls, leads: Sequence[timedelta]) -> Rules:
        """For the playground: a slot may start on any minute, a minute after the longest lead.

        With reminders at 60 s and 20 s, a meeting offered now can start in about two
        minutes, so a demo sees both reminders a minute or two after booking (accepting
        within a minute of the offer keeps every lead ahead of the booking).
        """
        return cls(notice=max(leads, default=timedelta(0)) + MINUTE, step=MINUTE)


@cache
def zone(name: str) -> ZoneInfo:
    """The zoneinfo zone of an IANA name (cached: it is asked for at every instant)."""
    return ZoneInfo(name)


def local(instant: datetime, name: str) -> datetime:
    """An instant as wall-clock time in a zone."""
    return instant.astimezone(zone(name))


def offset(name: str, instant: datetime) -> timedelta:
    """A zone's UTC offset at an instant."""
    found = local(instant, name).utcoffset()
    assert found is not None
    return found


def _minutes(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def inside(side: Side, start: datetime, length: timedelta) -> bool:
    """Whether [start, start + length) lies in one of her selected windows, in her time."""
    begin, end = local(start, side.zone), local(start + length, side.zone)
    if begin.date() != end.date() or begin.second or begin.microsecond:
        return False  # windows end by 21:00, and slots start on whole minutes
    low, high = _minutes(begin), _minutes(end)
    return any(lo <= low and high <= hi for lo, hi in side.week.windows(begin.weekday()))


def _wall(day: date, minutes: int, name: str, fold: int = 0) -> datetime:
    return datetime.combine(day, time(minutes // 60, minutes % 60), zone(name)).replace(fold=fold)


def _days(name: str, start: datetime, end: datetime) -> Iterable[date]:
    day, last = local(start, name).date(), local(end, name).date()
    while day <= last:
        yield day
        day += DAY


def _grid_starts(side: Side, earliest: datetime, latest: datetime, rules: Rules) -> set[datetime]:
    """Her local starts on the step inside her windows, as UTC instants.

    A wall-clock time that does not exist (skipped by a spring-forward switch) gives no
    start; one that exists twice (fall-back) gives both instants.
    """
    step, length = rules.step // MINUTE, rules.length // MINUTE
    starts: set[datetime] = set()
    for day in _days(side.zone, earliest, latest):
        for low, high in side.week.windows(day.weekday()):
            minutes = -(-low // step) * step
            while minutes + length <= high:
                for fold in (0, 1):
                    wall = _wall(day, minutes, side.zone, fold)
                    instant = wall.astimezone(UTC)
                    if local(instant, side.zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
                        starts.add(instant)
                minutes += step
    return starts


def common_starts(
    a: Side, b: Side, now: datetime, rules: Rules, exclude: Collection[datetime] = ()
) -> list[datetime]:
    """Every start that suits both, from now + notice to now + horizon, oldest first."""
    earliest, latest = now + rules.notice, now + rules.horizon
    candidates = _grid_starts(a, earliest, latest, rules) | _grid_starts(b, earliest, latest, rules)
    return sorted(
        start
        for start in candidates
        if earliest <= start <= latest
        and start not in exclude
        and inside(a, start, rules.length)
        and inside(b, start, rules.length)
    )


def spread(starts: list[datetime], name: str, rules: Rules) -> list[datetime]:
    """Up to `count` starts, the earliest of different local days (in zone `name`) first.

    Only when fewer days than `count` have a start are other starts of the same days added,
    never overlapping one already chosen. Returned oldest first.
    """
    chosen: list[datetime] = []
    days: set[date] = set()
    for start in starts:
        day = local(start, name).date()
        if day not in days and len(chosen) < rules.count:
            chosen.append(start)
            days.add(day)
    for start in starts:
        if len(chosen) >= rules.count:
            break
        if all(abs(start - other) >= rules.length for other in chosen):
            chosen.append(start)
    return sorted(chosen)


def find_slots(
    a: Side, b: Side, now: datetime, rules: Rules | None = None, exclude: Collection[datetime] = ()
) -> list[datetime]:
    """Up to three one-hour starts that suit both, spread over a's local days, oldest first."""
    rules = rules or Rules()
    return spread(common_starts(a, b, now, rules, exclude), a.zone, rules)


Window = tuple[datetime, datetime]


def windows(side: Side, start: datetime, end: datetime) -> list[Window]:
    """Her selected time between two instants, as UTC intervals, oldest first."""
    found: list[Window] = []
    for day in _days(side.zone, start - DAY, end + DAY):
        for low, high in side.week.windows(day.weekday()):
            begin = max(_wall(day, low, side.zone).astimezone(UTC), start)
            finish = min(_wall(day, high, side.zone).astimezone(UTC), end)
            if begin < finish:
                found.append((begin, finish))
    return sorted(found)


@dataclass(frozen=True)
class NearMiss:
    """The two windows, one each, that come closest to a common hour.

    `overlap` is how much they share (less than a slot); negative, how far apart they are.
    """

    mine: Window
    theirs: Window
    overlap: timedelta


def near_miss(a: Side, b: Side, now: datetime, rules: Rules | None = None) -> NearMiss | None:
    """Where two grids with no common slot come closest; None if either grid is empty."""
    rules = rules or Rules()
    start, end = now + rules.notice, now + rules.horizon + rules.length
    best: tuple[tuple[timedelta, datetime], NearMiss] | None = None
    theirs = windows(b, start, end)
    for mine in windows(a, start, end):
        for other in theirs:
            overlap = min(mine[1], other[1]) - max(mine[0], other[0])
            if overlap >= rules.length:
                continue  # long enough, yet no start fits it: not what brings them closer
            key = (rules.length - overlap, max(mine[0], other[0]))
            if best is None or key < best[0]:
                best = (key, NearMiss(mine, other, overlap))
    return best[1] if best is not None else None


@dataclass(frozen=True)
class ClockChange:
    """A zone's clocks changing: the instant, and its UTC offset before and after."""

    at: datetime
    before: timedelta
    after: timedelta


def clock_changes(name: str, start: datetime, end: datetime) -> list[ClockChange]:
    """Every change of a zone's UTC offset between two instants, found to the minute."""
    changes: list[ClockChange] = []
    moment = start.replace(second=0, microsecond=0)
    while moment < end:
        following = min(moment + HOUR, end.replace(second=0, microsecond=0) + MINUTE)
        before, after = offset(name, moment), offset(name, following)
        if before != after:
            low, high = moment, following  # low has the old offset, high the new one
            while high - low > MINUTE:
                middle = low + (high - low) // MINUTE // 2 * MINUTE
                low, high = (middle, high) if offset(name, middle) == before else (low, middle)
            if start <= high <= end:
                changes.append(ClockChange(high, before, after))
        moment = following
    return changes
