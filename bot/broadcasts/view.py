"""How broadcasts read to staff (no I/O): choosing the audience, the prompts, the preview's
controls, the schedule, progress, reports and the list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from babel.dates import format_timedelta

from bot.broadcasts.announcement import when_text, zone_words
from bot.broadcasts.audiences import (
    APPLICANTS,
    COHORT,
    COUNTRY,
    EVERYONE,
    LANGUAGE,
    MENTEES,
    MENTORS,
    PARTICIPANTS,
    SEGMENTS,
    Audience,
)
from bot.broadcasts.model import (
    DONE,
    FAILED,
    SCHEDULED,
    SENDING,
    SENT,
    STOPPED,
    UNREACHABLE,
    Broadcast,
    Event,
    Tally,
)
from bot.runtime.callbacks import encode
from bot.runtime.i18n import N_, Html, Translator, escape, isolate
from bot.runtime.replies import Button, Keyboard
from bot.stats.view import country_name
from dialogs.loader import Form

NAMESPACE = "bc"
SEGMENT = "seg"
MENU = "menu"
PICK = "pick"
HOME = "home"
NOW = "now"
SCHEDULE = "sch"
TRANSLATE = "tr"
LANGUAGE_OF = "lang"
ADD_EVENT = "ev"
DROP_EVENT = "noev"
CHANGE_TEXT = "txt"
CANCEL = "x"
EDIT = "ed"
STOP = "stop"
BACK = "back"
SKIP = "skip"

_SEGMENT_NAMES = {
    EVERYONE: N_("Everyone"),
    APPLICANTS: N_("Applicants"),
    PARTICIPANTS: N_("Participants"),
    MENTORS: N_("Mentors"),
    MENTEES: N_("Mentees"),
}
_CHOICE_BUTTONS = {
    COUNTRY: N_("By country"),
    LANGUAGE: N_("By language"),
    COHORT: N_("By cohort"),
}
EXAMPLE_TIME = "14:00"
EXAMPLE_END = "15:30"


def people(t: Translator, count: int) -> str:
    """A number of people ("1 person", "40 people")."""
    return t.plural("{count} person", "{count} people", count)


def _value_name(t: Translator, form: Form, kind: str, value: str) -> str:
    if kind == COUNTRY:
        return country_name(t, form, value)
    if kind == LANGUAGE:
        return escape(t.language_name(value))
    return isolate(value)


def audience_name(t: Translator, form: Form, audience: Audience) -> str:
    """The audience in words, as HTML ("Mentors", "Country: Senegal")."""
    if audience.kind in _SEGMENT_NAMES:
        return t(_SEGMENT_NAMES[audience.kind])
    value = Html(_value_name(t, form, audience.kind, audience.value or ""))
    if audience.kind == COUNTRY:
        return t("Country: {country}", country=value)
    if audience.kind == LANGUAGE:
        return t("Language: {language}", language=value)
    return t("Cohort: {cohort}", cohort=value)


def _label(text: str, count: int, t: Translator) -> str:
    return f"{text} · {t.number(count)}"


def audience_menu(t: Translator, counts: Mapping[str, int]) -> tuple[str, Keyboard]:
    """The first step of /broadcast: who receives the announcement."""
    text = t(
        "📣 <b>New announcement</b>\nWho should receive it? Program staff, and people who "
        "blocked the bot, are never among the recipients."
    )
    buttons = [
        Button(
            _label(t.plain(_SEGMENT_NAMES[kind]), counts.get(kind, 0), t),
            encode(NAMESPACE, SEGMENT, kind),
        )
        for kind in SEGMENTS
    ]
    buttons += [
        Button(t.plain(label), encode(NAMESPACE, MENU, kind))
        for kind, label in _CHOICE_BUTTONS.items()
    ]
    return text, tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def choice_menu(
    t: Translator, form: Form, kind: str, choices: Sequence[tuple[str, int]]
) -> tuple[str, Keyboard]:
    """The countries, languages or cohorts to choose from, each with how many people."""
    if kind == COUNTRY:
        text = t(
            "Which country? Mentees count where their business is; mentors in Canada and "
            "in the country they would like to go to."
        )
    elif kind == LANGUAGE:
        text = t("Which language? Each person counts in the language she uses the bot in.")
    else:
        text = t("Which cohort? A cohort is the code people applied with (a /start link).")
    if not choices:
        text += "\n\n" + t("Nobody to choose from yet.")
    rows: list[tuple[Button, ...]] = []
    for value, count in choices:
        name = _value_name(t, form, kind, value)
        button = Button(_label(name, count, t), encode(NAMESPACE, PICK, kind, value))
        rows.append((button,))
    rows.append((Button(t.plain("« Back"), encode(NAMESPACE, HOME)),))
    return text, tuple(rows)


def text_prompt(
    t: Translator,
    form: Form,
    audience: Audience,
    count: int,
    broadcast_id: int,
    back: bool = False,
) -> tuple[str, Keyboard]:
    """Asks for the announcement itself (once the audience is chosen, or to change it)."""
    text = t(
        "Audience: {audience} ({people}).\n\nNow send the announcement: a text, or a photo or a "
        "document with a caption. Its formatting (bold, italics, links, quotes) is kept. You can "
        "add a version in each language afterwards.",
        audience=Html(audience_name(t, form, audience)),
        people=people(t, count),
    )
    if back:
        return text, ((_back(t, broadcast_id),),)
    return text, ((Button(t.plain("Cancel"), encode(NAMESPACE, CANCEL, broadcast_id)),),)


def _back(t: Translator, broadcast_id: int) -> Button:
    return Button(t.plain("« Back"), encode(NAMESPACE, BACK, broadcast_id))


def translation_menu(
    t: Translator, broadcast: Broadcast, languages: Sequence[str]
) -> tuple[str, Keyboard]:
    """Which language a new version is in (those with one are marked)."""
    first = broadcast.versions[0].language
    text = t(
        "Add a version in which language? Each person receives the version in her language, "
        "else the first one ({language}).",
        language=t.language_name(first),
    )
    have = {version.language for version in broadcast.versions}
    rows = [
        (
            Button(
                ("✅ " if code in have else "") + t.language_name(code),
                encode(NAMESPACE, LANGUAGE_OF, broadcast.id, code),
            ),
        )
        for code in languages
        if code != first
    ]
    return text, (*rows, (_back(t, broadcast.id),))


def translation_prompt(t: Translator, language: str, broadcast_id: int) -> tuple[str, Keyboard]:
    """Asks for the version in one language."""
    text = t(
        "Send the version in {language}: a text (a photo or a document, if the first version has "
        "one, is sent with every version).",
        language=t.language_name(language),
    )
    return text, ((_back(t, broadcast_id),),)


def example_date(today: dt.date) -> str:
    """A date a week from today, as staff type it (2027-02-03)."""
    return (today + dt.timedelta(days=7)).isoformat()


def when_prompt(t: Translator, broadcast_id: int, zone: str, date: str) -> tuple[str, Keyboard]:
    """Asks when a scheduled broadcast goes out."""
    example = f"{date} {EXAMPLE_TIME}"
    text = t(
        "When should it go out? Type the date and time in your time zone ({city}), "
        "for example <code>{example}</code>.",
        city=Html(zone_words(t, zone)),
        example=example,
    )
    return text, ((_back(t, broadcast_id),),)


def title_prompt(t: Translator, broadcast_id: int) -> tuple[str, Keyboard]:
    """Asks for an event's title."""
    text = t(
        "📅 What is the event? Send its title, for example: Round table of the Senegal cohort."
    )
    return text, ((_back(t, broadcast_id),),)


def span_prompt(t: Translator, broadcast_id: int, zone: str, date: str) -> tuple[str, Keyboard]:
    """Asks when an event starts and ends."""
    example = f"{date} {EXAMPLE_TIME}-{EXAMPLE_END}"
    text = t(
        "When is it? Type the date, the start and the end in your time zone ({city}), "
        "for example <code>{example}</code>.",
        city=Html(zone_words(t, zone)),
        example=example,
    )
    return text, ((_back(t, broadcast_id),),)


def place_prompt(t: Translator, broadcast_id: int) -> tuple[str, Keyboard]:
    """Asks where an event is (a place or a video link)."""
    text = t("Where is it? Send the place or a video link, or press Skip.")
    return text, (
        (
            Button(t.plain("Skip"), encode(NAMESPACE, SKIP, broadcast_id)),
            _back(t, broadcast_id),
        ),
    )


def bad_time(t: Translator, zone: str, date: str, span: bool, missing: bool) -> str:
    """Why a typed date and time was not taken."""
    example = f"{date} {EXAMPLE_TIME}" + (f"-{EXAMPLE_END}" if span else "")
    if missing:
        return t(
            "That time does not exist in {city}: the clocks change then. Please choose another.",
            city=Html(zone_words(t, zone)),
        )
    return t(
        "I could not read that date and time. Please type it like <code>{example}</code>.",
        example=example,
    )


def in_the_past(t: Translator) -> str:
    """A time that has already passed."""
    return t("That time has already passed. Please type a time in the future.")


def event_first(t: Translator) -> str:
    """A schedule after the event's start."""
    return t(
        "The event starts before the announcement would go out. Please choose an earlier time, "
        "or remove the event."
    )


def too_long(t: Translator, limit: int) -> str:
    """An event title or place over its limit."""
    return t("Please keep it under {limit} characters.", limit=t.number(limit))


def _version_line(t: Translator, broadcast: Broadcast, language: str, count: int) -> str:
    version = broadcast.version_for(language).language
    return "• " + t(
        "{language}: {people}, version in {version}",
        language=t.language_name(language),
        people=people(t, count),
        version=t.language_name(version),
    )


def control(
    t: Translator, form: Form, broadcast: Broadcast, by_language: Mapping[str, int], zone: str
) -> tuple[str, Keyboard]:
    """Below the preview: who receives which version, and what can be done next."""
    total = sum(by_language.values())
    lines = [
        t("👆 <b>Preview</b>: exactly what recipients receive."),
        t(
            "Audience: {audience} ({people}).",
            audience=Html(audience_name(t, form, broadcast.audience)),
            people=people(t, total),
        ),
        *(_version_line(t, broadcast, code, n) for code, n in by_language.items()),
    ]
    if broadcast.event is not None:
        lines.append(
            t(
                "Event: {title}, {when}.",
                title=Html(isolate(broadcast.event.title)),
                when=Html(when_text(t, broadcast.event, zone)),
            )
        )
    if total == 0:
        lines += ["", t("Nobody is in this audience right now.")]
    i = broadcast.id
    event = (
        Button(t.plain("Remove the event"), encode(NAMESPACE, DROP_EVENT, i))
        if broadcast.event
        else Button(t.plain("📅 Add event"), encode(NAMESPACE, ADD_EVENT, i))
    )
    keyboard = (
        (
            Button(t.plain("🚀 Send now"), encode(NAMESPACE, NOW, i)),
            Button(t.plain("🕑 Schedule"), encode(NAMESPACE, SCHEDULE, i)),
        ),
        (Button(t.plain("🌐 Add translation"), encode(NAMESPACE, TRANSLATE, i)), event),
        (
            Button(t.plain("✏️ Change text"), encode(NAMESPACE, CHANGE_TEXT, i)),
            Button(t.plain("Cancel"), encode(NAMESPACE, CANCEL, i)),
        ),
    )
    return "\n".join(lines), keyboard


def scheduled(
    t: Translator,
    form: Form,
    broadcast: Broadcast,
    zones: Mapping[str, int],
    zone: str,
) -> tuple[str, Keyboard]:
    """The confirmation of a schedule, with the recipients' local times."""
    at = broadcast.scheduled_at
    assert at is not None
    lines = [
        t(
            "🕑 <b>Broadcast #{id} is scheduled</b> for {when} ({city}), to {audience}.",
            id=broadcast.id,
            when=t.datetime(at, zone),
            city=Html(zone_words(t, zone)),
            audience=Html(audience_name(t, form, broadcast.audience)),
        ),
        t("Recipients receive it at their local time:"),
        *(
            f"• {zone_words(t, code)}: {t.datetime(at, code)} — {people(t, n)}"
            for code, n in zones.items()
        ),
    ]
    return "\n".join(lines), _scheduled_keyboard(t, broadcast.id)


def _scheduled_keyboard(t: Translator, broadcast_id: int) -> Keyboard:
    return (
        (
            Button(t.plain("✏️ Edit"), encode(NAMESPACE, EDIT, broadcast_id)),
            Button(t.plain("Cancel the broadcast"), encode(NAMESPACE, CANCEL, broadcast_id)),
        ),
    )


def duration(t: Translator, seconds: float) -> str:
    """A duration in words ("6 minutes")."""
    return format_timedelta(dt.timedelta(seconds=max(seconds, 1)), locale=t.locale)


def progress(
    t: Translator,
    form: Form,
    broadcast: Broadcast,
    tally: Tally,
    rate: float | None,
) -> tuple[str, Keyboard]:
    """The live progress of a broadcast, with Stop."""
    lines = [
        t(
            "📤 <b>Broadcast #{id}</b> to {audience}: sending.",
            id=broadcast.id,
            audience=Html(audience_name(t, form, broadcast.audience)),
        ),
        t(
            "{done} of {total} sent",
            done=t.number(tally.done),
            total=t.number(tally.total),
        ),
    ]
    left = tally.total - tally.done
    if rate:
        lines.append(
            t(
                "{rate} messages a second, about {duration} left",
                rate=t.number(round(rate, 1)),
                duration=duration(t, left / rate),
            )
        )
    stop = Button(t.plain("⏹ Stop"), encode(NAMESPACE, STOP, broadcast.id))
    return "\n".join(lines), ((stop,),)


def _outcome_lines(t: Translator, tally: Tally) -> list[str]:
    lines = [
        t("✅ Delivered: {count}", count=t.number(tally.by_status[SENT])),
        t(
            "🚫 Unreachable (blocked the bot or deleted the account): {count}",
            count=t.number(tally.by_status[UNREACHABLE]),
        ),
        t("⚠️ Failed: {count}", count=t.number(tally.by_status[FAILED])),
    ]
    # Telegram's own reasons are its words; ours (INTERNAL_ERROR) are translated.
    lines += [f"    • {escape(t.plain(reason))}: {t.number(n)}" for reason, n in tally.failures]
    if tally.by_status[STOPPED]:
        lines.append(t("⏹ Not sent (stopped): {count}", count=t.number(tally.by_status[STOPPED])))
    return lines


def _answers_line(t: Translator, event: Event, tally: Tally) -> str:
    return t(
        "📅 {title}: {going} going, {not_going} not going, {silent} without an answer yet",
        title=Html(isolate(event.title)),
        going=t.number(tally.going),
        not_going=t.number(tally.not_going),
        silent=t.number(max(tally.by_status[SENT] - tally.going - tally.not_going, 0)),
    )


def report(t: Translator, form: Form, broadcast: Broadcast, tally: Tally) -> str:
    """The report at the end of a broadcast (finished or stopped)."""
    audience = Html(audience_name(t, form, broadcast.audience))
    if broadcast.status == STOPPED:
        title = t(
            "📣 <b>Broadcast #{id}</b> to {audience}: stopped.", id=broadcast.id, audience=audience
        )
    else:
        title = t(
            "📣 <b>Broadcast #{id}</b> to {audience}: finished.", id=broadcast.id, audience=audience
        )
    lines = [title, *_outcome_lines(t, tally)]
    if broadcast.event is not None:
        lines.append(_answers_line(t, broadcast.event, tally))
    return "\n".join(lines)


def ended(t: Translator, broadcast: Broadcast) -> str:
    """What the progress message says once the report is sent."""
    return t("📣 Broadcast #{id}: sending has ended. The report is below.", id=broadcast.id)


def _excerpt(broadcast: Broadcast) -> str:
    plain = " ".join(broadcast.versions[0].plain.split()) if broadcast.versions else ""
    return isolate(plain[:60] + ("…" if len(plain) > 60 else ""))


def listing(
    t: Translator,
    form: Form,
    broadcasts: Sequence[tuple[Broadcast, Tally]],
    zone: str,
) -> tuple[str, Keyboard]:
    """/broadcast's list: scheduled and running broadcasts, then recent reports."""
    lines = [t("<b>Broadcasts</b>")]
    rows: list[tuple[Button, ...]] = []
    for broadcast, tally in broadcasts:
        audience = Html(audience_name(t, form, broadcast.audience))
        head = f"#{broadcast.id} · {audience} · “{_excerpt(broadcast)}”"
        lines.append("")
        if broadcast.status == SCHEDULED and broadcast.scheduled_at is not None:
            when = t.datetime(broadcast.scheduled_at, zone)
            lines.append(f"🕑 {head}\n" + t("Scheduled for {when}.", when=when))
            rows.append(
                (
                    Button(
                        t.plain("✏️ Edit #{id}", id=broadcast.id),
                        encode(NAMESPACE, EDIT, broadcast.id),
                    ),
                    Button(
                        t.plain("Cancel #{id}", id=broadcast.id),
                        encode(NAMESPACE, CANCEL, broadcast.id),
                    ),
                )
            )
        elif broadcast.status == SENDING or broadcast.finished_at is None:
            sent = t(
                "{done} of {total} sent", done=t.number(tally.done), total=t.number(tally.total)
            )
            lines.append(f"📤 {head}\n{sent}")
            rows.append(
                (
                    Button(
                        t.plain("⏹ Stop #{id}", id=broadcast.id),
                        encode(NAMESPACE, STOP, broadcast.id),
                    ),
                )
            )
        else:
            mark = "⏹" if broadcast.status == STOPPED else "✅" if broadcast.status == DONE else "·"
            when = t.datetime(broadcast.finished_at, zone)
            lines.append(f"{mark} {head}\n{when}")
            lines += _outcome_lines(t, tally)
            if broadcast.event is not None:
                lines.append(_answers_line(t, broadcast.event, tally))
    return "\n".join(lines), tuple(rows)


def gone(t: Translator) -> str:
    """A step on a broadcast that was sent, started or cancelled meanwhile."""
    return t.plain("This broadcast was already sent, started or cancelled.")
