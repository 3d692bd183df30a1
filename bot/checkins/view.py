"""The check-in in the chat: its questions with their buttons, answered questions closed in
place with her choice, the reminder, the thanks, and the staff round's summary (no I/O).

A question names the other person of the pair by first name ("How is your mentoring with
Awa going?"). Callback data carry the check-in's id, since a mentor with several mentees
may have more than one open (she answers them one at a time).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.checkins.steps import YES, CheckinStep
from bot.runtime.callbacks import decode, encode, to_int
from bot.runtime.i18n import N_, Translator, escape, isolate
from bot.runtime.keyboards import labelled
from bot.runtime.replies import Button, Edit, EditButtons, Keyboard, Reply, Send, Toast, stale
from dialogs.loader import Form
from dialogs.runner import shown
from dialogs.runner_types import (
    SKIP,
    SKIPPED,
    Ask,
    Event,
    FormState,
    Press,
    Remind,
    Stale,
    Submitted,
    Text,
    Transition,
    Value,
)

NAMESPACE = "ci"
QUESTION = "question"
REMINDER = "reminder"

NOT_PARTICIPANT = N_(
    "Check-ins are for participants who are paired with a mentor or a mentee. Once you are "
    "paired, you can send /checkin at any time."
)


def data(checkin_id: int, round_: int, step: str, value: str) -> str:
    """A check-in button's callback data."""
    return encode(NAMESPACE, checkin_id, round_, step, value)


def parse(raw: str | None) -> tuple[int, Press]:
    """The check-in id and the press of a button (raises BadCallback on anything else)."""
    checkin_id, round_, step, value = decode(raw, NAMESPACE, 4)
    return to_int(checkin_id), Press(to_int(round_), step, value)


def keyboard(t: Translator, form: Form, checkin_id: int, ask: Ask) -> Keyboard:
    """A question's buttons, in one row: the options, or a typed step's skip button."""
    step = form.by_id[ask.step]
    if step.options:
        return (
            tuple(
                Button(t.plain(o.label), data(checkin_id, ask.round, step.id, o.id))
                for o in step.options
            ),
        )
    if step.skip:
        return ((Button(t.plain(step.skip), data(checkin_id, ask.round, step.id, SKIP)),),)
    return ()


def prompt(t: Translator, form: Form, step_id: str, name: str) -> str:
    """A question's text, naming the other person of the pair."""
    return t(form.by_id[step_id].prompt, name=name)


def question(t: Translator, form: Form, checkin_id: int, ask: Ask, name: str) -> Send:
    """A question's message (with its hint after a bad answer) and its buttons; chat_id 0,
    the caller sets it."""
    text = prompt(t, form, ask.step, name)
    if ask.hint:
        text = f"<i>{t(ask.hint)}</i>\n\n{text}"
    return Send(0, text, keyboard(t, form, checkin_id, ask))


def answer_text(t: Translator, form: Form, step_id: str, value: Value) -> str:
    """How an answer reads back, HTML-escaped; her own words isolated."""
    step = form.by_id[step_id]
    if value == SKIPPED and step.skip:
        return escape(t.plain(step.skip))
    if isinstance(value, str):
        option = form.option(step_id, value)
        if option is not None:
            return escape(t.plain(option.label))
        return isolate(value)
    return escape(str(value))


def closed(
    t: Translator, form: Form, before: FormState, after: FormState, name: str, asked_as: str
) -> str:
    """An answered question as it stays in the chat: its text, no buttons, her choice under it
    (a one-line reminder becomes the choice alone)."""
    assert before.step is not None
    value = after.answers.get(before.step)
    choice = answer_text(t, form, before.step, value) if value is not None else ""
    mark = f"✓ <b>{choice}</b>" if choice else ""
    if asked_as == REMINDER and mark:
        return mark
    text = prompt(t, form, before.step, name)
    return f"{text}\n\n{mark}" if mark else text


def reminder_line(t: Translator) -> str:
    """The one line that points to the buttons, when she typed something else."""
    return "<i>" + t("Please answer with one of the buttons below.") + "</i>"


def thanks(t: Translator, state: FormState) -> str:
    """What she reads once her check-in is sent."""
    text = t("Thank you! Your answers were sent to the program team.")
    if state.answers.get(CheckinStep.HELP) == YES:
        text += " " + t("Someone from the program team will contact you.")
    return text


def late_reminder(t: Translator, form: Form, checkin_id: int, ask: Ask, name: str) -> Send:
    """The one reminder, 48 hours after a check-in opened: the current question again."""
    message = question(t, form, checkin_id, ask, name)
    lead = t("A reminder: your check-in is waiting for your answer.")
    return Send(0, f"{lead}\n\n{message.text}", message.keyboard)


def typed(t: Translator, form: Form, checkin_id: int, state: FormState, text: str) -> Event:
    """A typed text as the form takes it: the press of the button whose label she typed (in her
    language), else a typed answer."""
    current = shown(form, state)
    if not isinstance(current, Ask):
        return Text(text)
    button = labelled(keyboard(t, form, checkin_id, current), text)
    if button is None:
        return Text(text)
    _, press = parse(button.data)
    return press


def round_started(t: Translator, started: int, already: int) -> str:
    """The staff member's answer to /checkins_now."""
    text = t.plural(
        "Check-in round started: {count} check-in was sent.",
        "Check-in round started: {count} check-ins were sent.",
        started,
    )
    if already:
        text += "\n" + t.plural(
            "{count} person already had one open and was not asked again.",
            "{count} people already had one open and were not asked again.",
            already,
        )
    return text


def not_participant(t: Translator) -> str:
    """/checkin from someone who is not in an active pair."""
    return t(NOT_PARTICIPANT)


@dataclass(frozen=True)
class Asked:
    """The bot's message that shows a check-in question's buttons, and how it presents it."""

    message_id: int
    asked_as: str = QUESTION


@dataclass
class Shown:
    """The replies to one event, and which of them now shows the current question's buttons."""

    replies: list[Reply] = field(default_factory=list)
    toast: Toast | None = None
    tidy: list[Reply] = field(default_factory=list)
    asking: int | None = None
    asked_as: str = QUESTION


def render(
    t: Translator,
    form: Form,
    chat_id: int,
    checkin_id: int,
    name: str,
    before: FormState,
    transition: Transition,
    asked: Asked | None,
    pressed: int | None,
) -> Shown:
    """The runner's outputs as replies; the messages that showed an answered question closed
    in place, and those of a question shown again elsewhere left without buttons."""
    result = Shown()
    for output in transition.outputs:
        if isinstance(output, Ask):
            message = question(t, form, checkin_id, output, name)
            result.asking = len(result.replies)
            result.replies.append(Send(chat_id, message.text, message.keyboard))
        elif isinstance(output, Remind):
            current = output.shown
            keys: Keyboard = ()
            if isinstance(current, Ask):
                keys = keyboard(t, form, checkin_id, current)
            result.asking, result.asked_as = len(result.replies), REMINDER
            result.replies.append(Send(chat_id, reminder_line(t), keys))
        elif isinstance(output, Stale):
            result.toast = stale(t)
        elif isinstance(output, Submitted):
            result.replies.append(Send(chat_id, thanks(t, transition.state)))
    showing = {m for m in (asked.message_id if asked else None, pressed) if m is not None}
    if transition.state.round != before.round:
        for message_id in sorted(showing):
            asked_as = asked.asked_as if asked and asked.message_id == message_id else QUESTION
            text = closed(t, form, before, transition.state, name, asked_as)
            result.tidy.append(Edit(chat_id, message_id, text))
    elif result.asking is not None:
        for message_id in sorted(showing):
            result.tidy.append(EditButtons(chat_id, message_id))
    return result
