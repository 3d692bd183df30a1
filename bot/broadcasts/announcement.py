"""What a recipient of a broadcast receives (no I/O): the announcement in her language, the
event in her own time with Going / Not going and its .ics, and the event's reminders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from babel.dates import format_timedelta

from bot.broadcasts.model import GOING, NOT_GOING, Broadcast, Event, Recipient
from bot.broadcasts.service import RemindTell
from bot.runtime.callbacks import encode
from bot.runtime.i18n import Catalogs, Html, Translator, escape, isolate
from bot.runtime.ics import CalendarEvent, ics
from bot.runtime.outbox import Owed
from bot.runtime.replies import Button, Keyboard, Reply, Send, SendDocument, SendMedia

ANSWER = "bca"


def zone_words(t: Translator, zone: str) -> str:
    """The city that names a zone, escaped."""
    return escape(t.zone_city(zone))


def when_text(t: Translator, event: Event, zone: str) -> str:
    """An event's start and end in a zone, with the zone's city."""
    day = "yyyy-MM-dd"
    same_day = t.datetime(event.end, zone, day) == t.datetime(event.start, zone, day)
    end = t.time(event.end, zone) if same_day else t.datetime(event.end, zone)
    return f"{t.datetime(event.start, zone)}\u2013{end} ({zone_words(t, zone)})"


def _event_block(t: Translator, event: Event, zone: str) -> str:
    lines = [f"📅 <b>{isolate(event.title)}</b>", f"🕑 {when_text(t, event, zone)}"]
    if event.place:
        lines.append(f"📍 {isolate(event.place)}")
    lines.append(t("Will you come?"))
    return "\n".join(lines)


def answer_keyboard(t: Translator, broadcast_id: int, answer: str | None) -> Keyboard:
    """Going / Not going, the chosen one marked."""
    going = ("✅ " if answer == GOING else "") + t.plain("Going")
    not_going = ("✅ " if answer == NOT_GOING else "") + t.plain("Not going")
    return (
        (
            Button(going, encode(ANSWER, broadcast_id, 1)),
            Button(not_going, encode(ANSWER, broadcast_id, 0)),
        ),
    )


def calendar_file(broadcast: Broadcast, event: Event, stamp: dt.datetime) -> bytes:
    """The event's .ics (UTC times; the same UID for every recipient)."""
    link = event.link
    return ics(
        CalendarEvent(
            uid=f"broadcast-{broadcast.id}@passerelle",
            start=event.start,
            end=event.end,
            summary=event.title,
            stamp=stamp,
            url=link,
            location=None if link else event.place,
        )
    )


def recipient_messages(
    t: Translator,
    broadcast: Broadcast,
    language: str,
    chat_id: int,
    zone: str,
    stamp: dt.datetime,
    answer: str | None = None,
) -> list[Reply]:
    """What one recipient receives: the photo or document, the text, the event and its .ics.

    Each in her language (her version of the text, else the first) and the event in her zone.
    Without an event, a photo or document carries the text as its caption.
    """
    text = broadcast.version_for(language).html
    event = broadcast.event
    messages: list[Reply] = []
    if broadcast.media is not None:
        caption = "" if event else text
        messages.append(SendMedia(chat_id, broadcast.media.kind, broadcast.media.file_id, caption))
        if event is None:
            return messages
        text = ""
    if event is None:
        return [Send(chat_id, text)]
    block = _event_block(t, event, zone)
    body = f"{text}\n\n{block}" if text else block
    messages.append(Send(chat_id, body, answer_keyboard(t, broadcast.id, answer)))
    messages.append(SendDocument(chat_id, "event.ics", calendar_file(broadcast, event, stamp)))
    return messages


def reminder(t: Translator, event: Event, zone: str, lead: dt.timedelta) -> str:
    """A reminder of an event to someone going to it."""
    lines = [
        t(
            "⏰ <b>Reminder</b>: {title} starts {when}.",
            title=Html(isolate(event.title)),
            when=format_timedelta(lead, add_direction=True, locale=t.locale),
        ),
        f"🕑 {when_text(t, event, zone)}",
    ]
    if event.place:
        lines.append(f"📍 {isolate(event.place)}")
    return "\n".join(lines)


def reminders_for(books: Catalogs, default_zone: str) -> RemindTell:
    """Renders an event's reminders, each in the recipient's language and zone."""

    def tell(
        broadcast: Broadcast, event: Event, lead: dt.timedelta, going: Sequence[Recipient]
    ) -> list[Owed]:
        return [
            Send(
                person.user_id,
                reminder(books.get(person.language), event, person.timezone or default_zone, lead),
            )
            for person in going
        ]

    return tell


def answered(t: Translator, going: bool) -> str:
    """The toast after Going or Not going."""
    if going:
        return t.plain("Thank you! You are going; a reminder will come before it starts.")
    return t.plain("Thank you for letting us know.")
