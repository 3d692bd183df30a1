"""Dates and times staff type (in their own zone), read as UTC instants; no I/O.

Staff type an ISO date and a 24-hour time, `2027-02-03 14:00` (also `14h00` or `14.00`), and
for an event a span, `2027-02-03 14:00-15:30` or `2027-02-03 22:00 - 2027-02-04 01:00`. A time
the clocks skip when they change (02:30 on a spring-forward night) does not exist and is
refused; one they pass twice is the first of the two.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_TIME = r"(\d{1,2})[:hH.](\d{2})"
_LOCAL = re.compile(rf"^\s*{_DATE}[\sT,]+{_TIME}\s*$")
_SPAN = re.compile(rf"^\s*{_DATE}[\sT,]+{_TIME}\s*[-\u2013\u2014]\s*(?:{_DATE}[\sT,]+)?{_TIME}\s*$")


class BadTime(ValueError):
    """Typed text that is not a date and time, or a local time that does not exist."""

    def __init__(self, missing: bool = False) -> None:
        super().__init__("missing" if missing else "unreadable")  # for logs; views say why
        self.missing = missing


def _instant(parts: tuple[str, ...], zone: str) -> datetime:
    """Year, month, day, hour, minute in a zone, as a UTC instant."""
    year, month, day, hour, minute = (int(part) for part in parts)
    try:
        naive = datetime(year, month, day, hour, minute)
    except ValueError:
        raise BadTime() from None
    local = naive.replace(tzinfo=ZoneInfo(zone))
    instant = local.astimezone(UTC)
    if instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != naive:
        raise BadTime(missing=True)  # skipped when the clocks moved forward
    return instant


def parse_local(text: str, zone: str) -> datetime:
    """A typed date and time in `zone` as a UTC instant; BadTime if it is neither."""
    match = _LOCAL.match(text)
    if match is None:
        raise BadTime()
    return _instant(match.groups(), zone)


def parse_span(text: str, zone: str) -> tuple[datetime, datetime]:
    """A typed start and end in `zone` as UTC instants; an end time alone is the same day,
    or the next one when it is not after the start."""
    match = _SPAN.match(text)
    if match is None:
        raise BadTime()
    groups = match.groups()
    start = _instant(groups[:5], zone)
    if groups[5] is not None:
        return start, _instant(groups[5:10], zone)
    end = _instant((*groups[:3], *groups[8:10]), zone)
    if end <= start:
        end = _instant(_next_day(groups[:3]) + groups[8:10], zone)
    return start, end


def _next_day(date: tuple[str, ...]) -> tuple[str, ...]:
    following = datetime(int(date[0]), int(date[1]), int(date[2])) + timedelta(days=1)
    return str(following.year), str(following.month), str(following.day)
