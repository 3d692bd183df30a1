"""Alerts to staff as each reader sees them (no I/O): what happened, who, the pair, her answers,
and the `Contact her` and `Mark handled` buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.checkins.triggers import Kind
from bot.runtime.callbacks import encode
from bot.runtime.i18n import Html, Translator, isolate
from bot.runtime.people import Person
from bot.runtime.replies import Button, Keyboard, link_button

NAMESPACE = "al"
HANDLED = "h"
USER_LINK = "tg://user?id="


@dataclass(frozen=True)
class Answers:
    """Her answers to the check-in that raised the alert."""

    rating: int | None
    worked_on: str | None
    needs_help: bool | None
    help_text: str | None
    answered: bool = True  # False while she is still answering: a missing answer is not skipped


@dataclass(frozen=True)
class AlertFacts:
    """Everything an alert shows, read in the transaction that raises or handles it.

    `person` is whom it is about; `other` the other person of the pair; `zone` her zone;
    `meeting_start` the meeting she reported a no-show for.
    """

    alert_id: int
    kind: Kind
    created_at: datetime
    person: Person
    other: Person
    person_is_mentor: bool
    zone: str
    answers: Answers | None = None
    meeting_start: datetime | None = None

    @property
    def mentor(self) -> Person:
        """The mentor of the pair."""
        return self.person if self.person_is_mentor else self.other

    @property
    def mentee(self) -> Person:
        """The mentee of the pair."""
        return self.other if self.person_is_mentor else self.person


def handled_data(alert_id: int) -> str:
    """Callback data of `Mark handled`."""
    return encode(NAMESPACE, HANDLED, alert_id)


def contact_url(person: Person) -> str:
    """The link that opens her chat: by @username when she has one, else by her id."""
    if person.username:
        return f"https://t.me/{person.username}"
    return f"{USER_LINK}{person.user_id}"


def staff_name(person: Person) -> Html:
    """Full name and @username, escaped and isolated, as staff read it."""
    name = f"<b>{isolate(person.display_name)}</b>"
    if person.username:
        name += f" (@{isolate(person.username)})"
    return Html(name)


def _what(t: Translator, facts: AlertFacts, reader_zone: str) -> str:
    name = staff_name(facts.person)
    if facts.kind == Kind.LOW_RATING:
        rating = facts.answers.rating if facts.answers else None
        return t("{name} rated her check-in {rating}/5.", name=name, rating=rating or "?")
    if facts.kind == Kind.HELP:
        return t("{name} asked the program team for help.", name=name)
    if facts.kind == Kind.MISSED:
        return t.plural(
            "{name} missed {count} check-in in a row.",
            "{name} missed {count} check-ins in a row.",
            2,
            name=name,
        )
    if facts.meeting_start is None:
        return t(
            "{name} reported that {other} did not come to their meeting.",
            name=name,
            other=isolate(facts.other.display_name),
        )
    return t(
        "{name} reported that {other} did not come to their meeting of {when}.",
        name=name,
        other=isolate(facts.other.display_name),
        when=t.datetime(facts.meeting_start, reader_zone),
    )


def _answers(t: Translator, answers: Answers) -> list[str]:
    lines = [t("<b>Her latest check-in</b>")]
    if answers.rating is not None:
        lines.append(t("Rating: {rating}/5", rating=answers.rating))
    if answers.worked_on:
        lines.append(t("Worked on: {text}", text=answers.worked_on))
    elif answers.answered:
        lines.append(t("Worked on: (skipped)"))
    if answers.needs_help:
        lines.append(t("Asked for help: {text}", text=answers.help_text or ""))
    elif answers.needs_help is not None:
        lines.append(t("Asked for help: no"))
    return lines


def alert_text(t: Translator, facts: AlertFacts, reader_zone: str) -> str:
    """The alert as one staff member reads it, dates in her zone, in her language."""
    lines = [t("🚨 <b>A pair may need you</b>"), _what(t, facts, reader_zone), ""]
    lines.append(
        t(
            "Pair: {mentor} (mentor) ↔ {mentee} (mentee)",
            mentor=isolate(facts.mentor.display_name),
            mentee=isolate(facts.mentee.display_name),
        )
    )
    if facts.answers is not None:
        lines += ["", *_answers(t, facts.answers)]
    lines += [
        "",
        t(
            "Her language: {language}. Her local time: {time} ({city}).",
            language=t.language_name(facts.person.language),
            time=t.time(facts.created_at, facts.zone),
            city=t.zone_city(facts.zone),
        ),
    ]
    return "\n".join(lines)


def alert_keyboard(t: Translator, facts: AlertFacts) -> Keyboard:
    """`Contact her` (opens her chat) and `Mark handled`."""
    return (
        (link_button(t.plain("Contact her"), contact_url(facts.person)),),
        (Button(t.plain("Mark handled"), handled_data(facts.alert_id)),),
    )


def handled_text(
    t: Translator, facts: AlertFacts, reader_zone: str, by_you: bool, by: Person | None
) -> str:
    """The alert once handled, without its buttons: by you, or by whom."""
    if by_you:
        line = t("✅ Handled by you.")
    else:
        line = t("✅ Handled by {name}.", name=isolate(_name_of(t, by)))
    return f"{alert_text(t, facts, reader_zone)}\n\n{line}"


def handled_notice(t: Translator, facts: AlertFacts, by: Person | None) -> str:
    """What the other recipients read when someone handled the alert."""
    return t(
        "✅ {name} handled the alert about {person}.",
        name=isolate(_name_of(t, by)),
        person=staff_name(facts.person),
    )


def already_handled(t: Translator, by: Person | None) -> str:
    """The answer to a press on an alert someone handled first (plain, for a toast)."""
    return t.plain("Already handled by {name}.", name=_name_of(t, by))


def _name_of(t: Translator, person: Person | None) -> str:
    if person is None:
        return t.plain("another staff member")
    return person.display_name
