"""What comes later (no I/O): reminders, a clock change ahead, the follow-up, staff figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from babel.dates import format_date

from bot.meetings.slots import ClockChange, local
from bot.meetings.store import Answer, Duo, Meeting
from bot.meetings.view import (
    ANSWER,
    ANSWER_CODES,
    MOVE,
    NAMESPACE,
    difference,
    duration,
    slot_line,
    when,
)
from bot.runtime.callbacks import encode
from bot.runtime.i18n import N_, Html, Translator, isolate
from bot.runtime.people import Person
from bot.runtime.replies import Button, Keyboard


def reminder(
    t: Translator, duo: Duo, meeting: Meeting, url: str, remaining: timedelta
) -> tuple[str, Keyboard]:
    """A reminder: how soon, when in both times, the link, and I can't make it."""
    text = "\n".join(
        [
            t(
                "⏰ <b>Meeting with {name} in {span}</b>",
                name=isolate(duo.other.name),
                span=duration(t, remaining),
            ),
            slot_line(t, meeting.start, duo),
            t("Video link: {url}", url=url),
        ]
    )
    return text, ((Button(t.plain("I can't make it"), encode(NAMESPACE, MOVE, meeting.id)),),)


def clocks_notice(
    t: Translator, duo: Duo, meeting: Meeting, changes: Sequence[tuple[str, ClockChange]]
) -> str:
    """The week before: a clock change comes first, here are the new local times of both."""
    lines = [
        t("🕐 <b>Clocks change before your meeting with {name}</b>", name=isolate(duo.other.name))
    ]
    for zone_name, change in changes:
        day = format_date(local(change.at, zone_name).date(), "full", locale=t.locale)
        lines.append(t("{city} changes its clocks on {day}.", city=t.zone_city(zone_name), day=day))
    lines += [
        t("Your meeting: {slot}", slot=slot_line(t, meeting.start, duo)),
        t(
            "At that time: {difference}",
            difference=difference(t, duo.me, duo.other, meeting.start),
        ),
    ]
    return "\n".join(lines)


ANSWER_LABELS = {
    Answer.HELD: N_("Yes"),
    Answer.RESCHEDULED: N_("No, we rescheduled"),
    Answer.NO_SHOW: N_("The other person did not come"),
}


def followup_question(t: Translator, duo: Duo, meeting: Meeting) -> tuple[str, Keyboard]:
    """After the meeting: did it take place? Yes / No, we rescheduled / did not come."""
    text = t(
        "🤝 Did your meeting with {name} on {when} take place?",
        name=isolate(duo.other.name),
        when=when(t, meeting.start, duo.me.zone),
    )
    keyboard = tuple(
        (Button(t.plain(label), encode(NAMESPACE, ANSWER, meeting.id, ANSWER_CODES[answer])),)
        for answer, label in ANSWER_LABELS.items()
    )
    return text, keyboard


def followup_answered(t: Translator, duo: Duo, answer: Answer) -> str:
    """What her answer records, in place of the question."""
    if answer == Answer.HELD:
        return t("🤝 Thank you! Noted: the meeting took place.")
    if answer == Answer.RESCHEDULED:
        return t("🤝 Noted. Send /meet to plan the new time.")
    return t(
        "🤝 Sorry about that. Noted: {name} did not come. The program team can see it.",
        name=isolate(duo.other.name),
    )


@dataclass(frozen=True)
class PairRecord:
    """A pair's meetings for staff: held, cancelled, and each side's no-shows."""

    mentor: Person
    mentee: Person
    held: int
    cancelled: int
    mentor_absent: int  # times the mentee said the mentor did not come
    mentee_absent: int


def _counts(t: Translator, held: int, cancelled: int) -> list[str]:
    return [
        t.plural("{count} held", "{count} held", held),
        t.plural("{count} cancelled", "{count} cancelled", cancelled),
    ]


def meeting_figures(t: Translator, records: Sequence[PairRecord]) -> str:
    """The /stats block: meetings held, cancelled and no-shows, in all and per pair."""
    held = sum(r.held for r in records)
    cancelled = sum(r.cancelled for r in records)
    absent = sum(r.mentor_absent + r.mentee_absent for r in records)
    lines = [
        t("<b>Meetings</b>"),
        t.join(
            [
                *_counts(t, held, cancelled),
                t.plural("{count} no-show", "{count} no-shows", absent),
            ]
        ),
    ]
    for record in records:
        parts = _counts(t, record.held, record.cancelled)
        for person, count in ((record.mentor, record.mentor_absent),
                              (record.mentee, record.mentee_absent)):  # fmt: skip
            if count:
                parts.append(
                    t.plural(
                        "{count} no-show ({name})",
                        "{count} no-shows ({name})",
                        count,
                        name=isolate(person.display_name),
                    )
                )
        pair = Html(
            t(
                "{mentor} and {mentee}",
                mentor=isolate(record.mentor.display_name),
                mentee=isolate(record.mentee.display_name),
            )
        )
        lines.append("• " + t("{pair}: {figures}", pair=pair, figures=Html(t.join(parts))))
    return "\n".join(lines)
