"""How a meeting reads at each of its steps (no I/O), to each person in her own time and words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.meetings import view
from bot.meetings.results import Missing, Offered, Pending, Situation, Upcoming
from bot.meetings.store import Duo, Meeting, video_url
from bot.meetings.view import ACCEPT, DECLINE, DROP, MOVE, NAMESPACE, duration, slot_line, when
from bot.runtime.callbacks import encode
from bot.runtime.i18n import Translator, isolate
from bot.runtime.replies import Button, Keyboard


def _name(duo: Duo) -> str:
    return isolate(duo.other.name)


def answer_keyboard(t: Translator, meeting: Meeting) -> Keyboard:
    """Accept / Decline for the person a meeting was proposed to."""
    return (
        (
            Button(t.plain("Accept"), encode(NAMESPACE, ACCEPT, meeting.id)),
            Button(t.plain("Decline"), encode(NAMESPACE, DECLINE, meeting.id)),
        ),
    )


def manage_keyboard(t: Translator, meeting: Meeting) -> Keyboard:
    """Reschedule / Cancel for a booked meeting that has not begun."""
    return (
        (
            Button(t.plain("Reschedule"), encode(NAMESPACE, MOVE, meeting.id)),
            Button(t.plain("Cancel"), encode(NAMESPACE, DROP, meeting.id)),
        ),
    )


def proposal(t: Translator, duo: Duo, meeting: Meeting) -> tuple[str, Keyboard]:
    """To the person asked: the proposed time in hers, with Accept / Decline."""
    text = "\n".join(
        [
            t("📅 <b>{name} proposes a meeting</b>", name=_name(duo)),
            t("{slot}, one hour, by video.", slot=slot_line(t, meeting.start, duo)),
        ]
    )
    return text, answer_keyboard(t, meeting)


def proposed(t: Translator, duo: Duo, meeting: Meeting) -> str:
    """To the proposer, once she picked a time."""
    return t(
        "📨 Proposed to {name}: {slot}. I will tell you as soon as she answers.",
        name=_name(duo),
        slot=slot_line(t, meeting.start, duo),
    )


def waiting(t: Translator, duo: Duo, meeting: Meeting) -> tuple[str, Keyboard]:
    """To the proposer on /meet: still waiting, with Cancel to take the proposal back."""
    text = t(
        "⏳ Waiting for {name} to answer your proposal: {slot}.",
        name=_name(duo),
        slot=slot_line(t, meeting.start, duo),
    )
    return text, ((Button(t.plain("Cancel"), encode(NAMESPACE, DROP, meeting.id)),),)


def accepted(t: Translator, duo: Duo, meeting: Meeting) -> str:
    """To the one who accepted, in place of the proposal."""
    return t(
        "✅ You accepted: {slot}. The video link and the calendar file follow.",
        slot=slot_line(t, meeting.start, duo),
    )


def confirmed(
    t: Translator, duo: Duo, meeting: Meeting, url: str, leads: Sequence[timedelta]
) -> str:
    """To both, once accepted: the time, the video link and when reminders come."""
    lines = [
        t("✅ <b>Meeting confirmed with {name}</b>", name=_name(duo)),
        slot_line(t, meeting.start, duo),
        t("Video link: {url}", url=url),
    ]
    if leads:
        lines.append(
            t(
                "I will remind you {leads} before.",
                leads=t.join(duration(t, lead) for lead in sorted(leads, reverse=True)),
            )
        )
    lines.append(t("Send /meet to reschedule or cancel."))
    return "\n".join(lines)


def declined(t: Translator, duo: Duo, meeting: Meeting) -> str:
    """To the one who declined, in place of the proposal."""
    return t("You declined {slot}.", slot=slot_line(t, meeting.start, duo))


def declined_notice(t: Translator, duo: Duo, meeting: Meeting) -> str:
    """Owed to the proposer: her time was declined, another is being chosen."""
    return t(
        "{name} cannot make {slot}. She is choosing another time; you will hear from me.",
        name=_name(duo),
        slot=slot_line(t, meeting.start, duo),
    )


def upcoming(
    t: Translator, duo: Duo, meeting: Meeting, url: str, now: datetime
) -> tuple[str, Keyboard]:
    """On /meet: the next meeting, with Reschedule and Cancel until it begins."""
    lines = [
        t("📅 <b>Your next meeting with {name}</b>", name=_name(duo)),
        slot_line(t, meeting.start, duo),
        t("Video link: {url}", url=url),
    ]
    if meeting.start <= now:
        lines.append(t("It has begun: join with the link above."))
        return "\n".join(lines), ()
    return "\n".join(lines), manage_keyboard(t, meeting)


def moved(t: Translator, duo: Duo, meeting: Meeting) -> str:
    """To the one who moved it."""
    return t(
        "🔁 Moved to {slot}. {name} is told and gets the updated calendar file.",
        slot=slot_line(t, meeting.start, duo),
        name=_name(duo),
    )


def moved_notice(
    t: Translator, duo: Duo, meeting: Meeting, before: datetime, url: str
) -> tuple[str, Keyboard]:
    """Owed to the other: the new time, the old one, the link; she may move or cancel too."""
    text = "\n".join(
        [
            t("🔁 <b>{name} moved your meeting</b>", name=_name(duo)),
            t("New time: {slot}", slot=slot_line(t, meeting.start, duo)),
            t("It was: {when}", when=when(t, before, duo.me.zone)),
            t("Video link: {url}", url=url),
        ]
    )
    return text, manage_keyboard(t, meeting)


def cancelled(t: Translator, duo: Duo, meeting: Meeting) -> str:
    """To the one who cancelled."""
    return t(
        "❌ Meeting of {when} cancelled. {name} is told.",
        when=when(t, meeting.start, duo.me.zone),
        name=_name(duo),
    )


def cancelled_notice(t: Translator, duo: Duo, meeting: Meeting) -> str:
    """Owed to the other: the meeting is cancelled."""
    return t(
        "❌ <b>{name} cancelled your meeting</b> of {when}. Send /meet to plan another.",
        name=_name(duo),
        when=when(t, meeting.start, duo.me.zone),
    )


def withdrawn(t: Translator, duo: Duo, meeting: Meeting) -> str:
    """To the proposer who took her proposal back."""
    return t(
        "Proposal of {when} withdrawn. {name} is told.",
        when=when(t, meeting.start, duo.me.zone),
        name=_name(duo),
    )


def withdrawn_notice(t: Translator, duo: Duo, meeting: Meeting) -> str:
    """Owed to the person it was proposed to."""
    return t(
        "{name} withdrew her proposal of {when}.",
        name=_name(duo),
        when=when(t, meeting.start, duo.me.zone),
    )


def screen(t: Translator, situation: Situation, url: str, now: datetime) -> tuple[str, Keyboard]:
    """What /meet shows for a pair, in her words and time (`url`: the link template)."""
    if isinstance(situation, Upcoming):
        meeting = situation.meeting
        return upcoming(t, situation.duo, meeting, video_url(url, meeting), now)
    if isinstance(situation, Pending):
        if situation.meeting.proposer_id == situation.duo.me.user_id:
            return waiting(t, situation.duo, situation.meeting)
        return proposal(t, situation.duo, situation.meeting)
    if isinstance(situation, Offered):
        found = situation.offer
        return view.offer(t, situation.duo, found.id, found.slots, found.moves is not None)
    if isinstance(situation, Missing):
        if situation.mine:
            return view.missing_mine(t), ()
        return view.missing_theirs(t, situation.duo), ()
    return view.no_slot(t, situation.duo, situation.miss, now, told=False), ()
