"""How /meet reads (no I/O): slots in each person's own local time, with the other's beside it.

Every time is shown in the reader's zone and language (babel), and the other person's local
time of the same instant follows it, with her weekday when it is another day for her.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from babel.dates import format_datetime, format_skeleton

from bot.meetings.slots import NearMiss, local, offset, zone
from bot.meetings.store import Answer, Duo, Member
from bot.runtime.callbacks import encode
from bot.runtime.i18n import Html, Translator, isolate, isolate_plain
from bot.runtime.replies import Button, Keyboard

NAMESPACE = "mt"
PAIR, PICK, MORE, ACCEPT, DECLINE, MOVE, DROP, ANSWER = (
    "pair",
    "pick",
    "more",
    "yes",
    "no",
    "move",
    "drop",
    "ans",
)
ANSWER_CODES = {Answer.HELD: "y", Answer.RESCHEDULED: "r", Answer.NO_SHOW: "n"}


# --- times ------------------------------------------------------------------------------------


def when(t: Translator, instant: datetime, zone_name: str) -> str:
    """A day and time in a zone, in full: "Thursday, March 18, 2027, 10:00"."""
    return t.datetime(instant, zone_name)


def their_time(t: Translator, instant: datetime, me: Member, other: Member) -> Html:
    """The other's local time of an instant (with her weekday if it differs), and her city."""
    if local(instant, me.zone).date() == local(instant, other.zone).date():
        time = t.time(instant, other.zone)
    else:
        time = format_datetime(instant, "EEEE HH:mm", tzinfo=zone(other.zone), locale=t.locale)
    return Html(
        t(
            "{time} for {name} ({city})",
            time=time,
            name=isolate(other.name),
            city=t.zone_city(other.zone),
        )
    )


def slot_line(t: Translator, start: datetime, duo: Duo) -> Html:
    """A slot in my time with the other's beside it."""
    return Html(
        t(
            "{when} — {theirs}",
            when=when(t, start, duo.me.zone),
            theirs=their_time(t, start, duo.me, duo.other),
        )
    )


def slot_label(t: Translator, start: datetime, zone_name: str) -> str:
    """A slot button: short day and 24-hour time in my zone, "Thu, Mar 18, 10:00"."""
    day = format_skeleton("MMMEd", start, tzinfo=zone(zone_name), locale=t.locale)
    return f"{day}, {t.time(start, zone_name)}"


def duration(t: Translator, span: timedelta) -> str:
    """A length of time in words: "1 hour", "24 hours", "4 hours and 30 minutes"."""
    seconds = round(span.total_seconds())
    if seconds < 60:
        return t.plural("{count} second", "{count} seconds", seconds)
    hours, minutes = divmod(round(seconds / 60), 60)
    parts = []
    if hours:
        parts.append(t.plural("{count} hour", "{count} hours", hours))
    if minutes:
        parts.append(t.plural("{count} minute", "{count} minutes", minutes))
    return t.join(parts)


def difference(t: Translator, me: Member, other: Member, instant: datetime) -> str:
    """How far ahead or behind the other's clock is: "Dakar is 5 hours ahead of you"."""
    gap = offset(other.zone, instant) - offset(me.zone, instant)
    city = t.zone_city(other.zone)
    if gap > timedelta(0):
        return t("{city} is {span} ahead of you.", city=city, span=duration(t, gap))
    if gap < timedelta(0):
        return t("{city} is {span} behind you.", city=city, span=duration(t, -gap))
    return t("{city} has the same time as you.", city=city)


# --- choosing a pair, offers, no slot -----------------------------------------------------------


def not_paired(t: Translator) -> str:
    """For someone with no active pair."""
    return t(
        "You are not paired yet. Once program staff pair you with someone, /meet finds times"
        " that suit you both."
    )


def choose_pair(t: Translator, pairs: Sequence[tuple[int, Member]]) -> tuple[str, Keyboard]:
    """A mentor with several mentees picks the pair first."""
    keyboard = tuple(
        (Button(isolate_plain(member.name), encode(NAMESPACE, PAIR, pair_id)),)
        for pair_id, member in pairs
    )
    return t("Which pair is this meeting for?"), keyboard


def missing_mine(t: Translator) -> str:
    """She has not said when she is free."""
    return t("First tell me when you are usually free: send /availability.")


def missing_theirs(t: Translator, duo: Duo) -> str:
    """The other has not said when she is free (she is asked)."""
    return t(
        "{name} has not given her availability yet. I have asked her to; send /meet again once"
        " she has.",
        name=isolate(duo.other.name),
    )


def ask_availability(t: Translator, duo: Duo) -> str:
    """Owed to the other: someone would like to meet, and needs her availability."""
    return t(
        "📅 {name} would like to plan a meeting with you. Tell me when you are usually free"
        " with /availability, then send /meet.",
        name=isolate(duo.other.name),
    )


def offer(
    t: Translator, duo: Duo, offer_id: int, slots: Sequence[datetime], moving: bool
) -> tuple[str, Keyboard]:
    """Times that suit both, with a button each (my local time), and Other times."""
    lines = [
        t("📅 <b>Meeting with {name}</b>", name=isolate(duo.other.name)),
        t(
            "Times that suit you both, one hour each, in your local time ({city}):",
            city=t.zone_city(duo.me.zone),
        ),
        "",
        *(f"• {slot_line(t, start, duo)}" for start in slots),
        "",
        t("Pick a new time; {name} will be told.", name=isolate(duo.other.name))
        if moving
        else t("Pick one and I will ask {name}.", name=isolate(duo.other.name)),
    ]
    buttons = [
        (Button(slot_label(t, start, duo.me.zone), encode(NAMESPACE, PICK, offer_id, index)),)
        for index, start in enumerate(slots)
    ]
    buttons.append((Button(t.plain("Other times"), encode(NAMESPACE, MORE, offer_id)),))
    return "\n".join(lines), tuple(buttons)


def _near(t: Translator, duo: Duo, miss: NearMiss) -> str:
    me, other, name = duo.me, duo.other, isolate(duo.other.name)
    mine, theirs = miss.mine, miss.theirs
    if miss.overlap > timedelta(0):
        start, end = max(mine[0], theirs[0]), min(mine[1], theirs[1])
        return t(
            "At the closest, you share only {span}: {start} to {end} your time ({theirs}).",
            span=duration(t, miss.overlap),
            start=when(t, start, me.zone),
            end=t.time(end, me.zone),
            theirs=their_time(t, start, me, other),
        )
    if mine[1] <= theirs[0]:
        text = t(
            "At the closest, you are free until {until} and {name} from {since} (your time).",
            name=name,
            until=when(t, mine[1], me.zone),
            since=when(t, theirs[0], me.zone),
        )
        gap = theirs[0] - mine[1]
    else:
        text = t(
            "At the closest, {name} is free until {until} and you from {since} (your time).",
            name=name,
            until=when(t, theirs[1], me.zone),
            since=when(t, mine[0], me.zone),
        )
        gap = mine[0] - theirs[1]
    if gap > timedelta(0):
        text += "\n" + t("Your windows are {span} apart.", span=duration(t, gap))
    return text


def no_slot(t: Translator, duo: Duo, miss: NearMiss | None, now: datetime, told: bool) -> str:
    """No common slot: how far apart the two windows are, and the nearest near-miss."""
    lines = [
        t("😕 No time suits you both in the next 14 days.")
        if not told
        else t(
            "😕 {name} tried to plan a meeting with you, but no time suits you both in the next"
            " 14 days.",
            name=isolate(duo.other.name),
        ),
        difference(t, duo.me, duo.other, now),
    ]
    if miss is not None:
        lines.append(_near(t, duo, miss))
    lines.append(
        t(
            "Add times with /availability, or ask {name} to add some.",
            name=isolate(duo.other.name),
        )
    )
    return "\n".join(lines)
