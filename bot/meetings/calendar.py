"""A meeting as the .ics file each person gets (no I/O): same UID always, SEQUENCE up on changes."""

from __future__ import annotations

from datetime import datetime

from bot.meetings.store import Duo, Meeting, Member
from bot.runtime.i18n import Translator
from bot.runtime.ics import CalendarEvent, Party, ics, person_address
from bot.runtime.replies import SendDocument

FILENAME = "passerelle-meeting.ics"


def uid(meeting: Meeting) -> str:
    """The event's UID: stable for the meeting's whole life, unique across programs."""
    return f"meeting-{meeting.code}@passerelle"


def _party(member: Member) -> Party:
    return Party(member.person.display_name, person_address(member.user_id))


def calendar_file(
    t: Translator, duo: Duo, meeting: Meeting, url: str, now: datetime, cancelled: bool = False
) -> SendDocument:
    """The meeting's .ics for me, in my language: a request, or its cancellation."""
    organizer = duo.me if meeting.proposer_id == duo.me.user_id else duo.other
    event = CalendarEvent(
        uid=uid(meeting),
        start=meeting.start,
        end=meeting.end,
        summary=t.plain("Meeting with {name} (Passerelle)", name=duo.other.name),
        stamp=now,
        description=t.plain("Video link: {url}", url=url),
        url=url,
        organizer=_party(organizer),
        attendees=(_party(duo.me), _party(duo.other)),
        sequence=meeting.sequence,
        cancelled=cancelled,
    )
    caption = (
        t("📎 The cancellation, for your calendar.")
        if cancelled
        else t("📎 Add the meeting to your calendar.")
    )
    return SendDocument(duo.me.user_id, FILENAME, ics(event), caption)
