"""Calendar files (.ics, RFC 5545) for meetings and events, built with the icalendar package.

One VEVENT per file, times in UTC. A calendar app recognises the same event by its UID:
each change sends the same UID with a higher SEQUENCE (METHOD:REQUEST, or PUBLISH when
there are no attendees), and a cancellation sends METHOD:CANCEL with STATUS:CANCELLED, so
the event is updated or removed where it was added instead of appearing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icalendar import vCalAddress

PRODUCT_ID = "-//Passerelle//Passerelle bot//EN"
MEDIA_TYPE = "text/calendar"


@dataclass(frozen=True)
class Party:
    """Someone named in an event: a display name and a calendar address (a URI)."""

    name: str
    address: str


@dataclass(frozen=True)
class CalendarEvent:
    """What one .ics file says about one meeting or event."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    stamp: datetime
    description: str = ""
    url: str | None = None
    location: str | None = None
    organizer: Party | None = None
    attendees: Sequence[Party] = ()
    sequence: int = 0
    cancelled: bool = False

    @property
    def method(self) -> str:
        """The iTIP method: CANCEL, REQUEST (with attendees) or PUBLISH."""
        if self.cancelled:
            return "CANCEL"
        return "REQUEST" if self.attendees else "PUBLISH"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be aware datetimes")
    return moment.astimezone(UTC).replace(microsecond=0)


def _address(party: Party) -> vCalAddress:
    from icalendar import vCalAddress, vText

    address = vCalAddress(party.address)
    address.params["cn"] = vText(party.name)
    return address


def ics(event: CalendarEvent) -> bytes:
    """The event as the bytes of an .ics file."""
    # Imported here, when a file is made: at module level it added a tenth of a second or
    # more to every start-up, for a package most updates never use.
    from icalendar import Calendar, Event

    if _utc(event.end) <= _utc(event.start):
        raise ValueError("an event must end after it starts")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", event.method)
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", _utc(event.stamp))
    vevent.add("dtstart", _utc(event.start))
    vevent.add("dtend", _utc(event.end))
    vevent.add("summary", event.summary)
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.description:
        vevent.add("description", event.description)
    if event.url:
        vevent.add("url", event.url)
    if event.location:
        vevent.add("location", event.location)
    if event.organizer is not None:
        vevent.add("organizer", _address(event.organizer), encode=False)
    for attendee in event.attendees:
        vevent.add("attendee", _address(attendee), encode=False)
    calendar.add_component(vevent)
    return bytes(calendar.to_ical())


def person_address(user_id: int) -> str:
    """A calendar address for someone known only by her Telegram account (no e-mail shared)."""
    return f"urn:passerelle:person:{user_id}"
