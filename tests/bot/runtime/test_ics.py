"""Calendar files: parsed back with icalendar, they say what calendar apps need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.runtime.ics import CalendarEvent, Party, ics, person_address

START = datetime(2027, 3, 15, 10, 0, tzinfo=ZoneInfo("America/Toronto"))


def _event(**changes: object) -> CalendarEvent:
    values: dict[str, object] = {
        "uid": "meeting-42@passerelle",
        "start": START,
        "end": START + timedelta(hours=1),
        "summary": "Chloé & Awa",
        "stamp": datetime(2027, 3, 1, 9, 30, 12, 345, tzinfo=UTC),
        "description": "Line one, with a comma; and a semicolon\nLine two",
        "url": "https://meet.jit.si/passerelle-abc",
        "organizer": Party("Chloé <3 Tremblay", person_address(1001)),
        "attendees": (Party("Chloé <3 Tremblay", person_address(1001)), Party("Awa", "urn:x:2")),
        "sequence": 2,
        **changes,
    }
    return CalendarEvent(**values)  # type: ignore[arg-type]


def _vevent(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_a_meeting_parses_back_in_utc_with_everything_a_calendar_needs() -> None:
    calendar, event = _vevent(ics(_event()))
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == "meeting-42@passerelle"
    assert event.decoded("DTSTART") == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)  # EDT, UTC-4
    assert event.decoded("DTEND") == datetime(2027, 3, 15, 15, 0, tzinfo=UTC)
    assert b"DTSTART:20270315T140000Z" in ics(_event())
    assert event["SUMMARY"] == "Chloé & Awa"
    assert event["DESCRIPTION"] == "Line one, with a comma; and a semicolon\nLine two"
    assert event["URL"] == "https://meet.jit.si/passerelle-abc"
    assert event["SEQUENCE"] == 2
    assert event["STATUS"] == "CONFIRMED"
    assert event["ORGANIZER"].params["CN"] == "Chloé <3 Tremblay"
    assert str(event["ORGANIZER"]) == "urn:passerelle:person:1001"
    assert [str(a.params["CN"]) for a in event["ATTENDEE"]] == ["Chloé <3 Tremblay", "Awa"]
    assert event.decoded("DTSTAMP") == datetime(2027, 3, 1, 9, 30, 12, tzinfo=UTC)


def test_a_cancellation_keeps_the_uid_and_says_cancel() -> None:
    calendar, event = _vevent(ics(_event(cancelled=True, sequence=3)))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == "meeting-42@passerelle"
    assert event["SEQUENCE"] == 3


def test_an_event_without_attendees_is_published() -> None:
    calendar, event = _vevent(ics(_event(attendees=(), organizer=None, location="Dakar")))
    assert calendar["METHOD"] == "PUBLISH"
    assert event["LOCATION"] == "Dakar"
    assert "ORGANIZER" not in event


def test_naive_or_backwards_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        ics(_event(start=datetime(2027, 3, 15, 10, 0)))
    with pytest.raises(ValueError, match="end after"):
        ics(_event(end=START))
