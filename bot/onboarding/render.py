"""The questionnaire in the chat: the runner's outputs as replies, and the messages that
showed a step tidied once she moves on, so that only the current step has buttons (no I/O).

The message that shows the current step's buttons is known (`Asked`, stored with the
application, set once Telegram gives its id). When the step is answered, that message (and
the one she pressed) is edited in place to show her choice without buttons; when the step
is shown again in a new message (a reminder, /start, a new language), the old one loses its
buttons. These edits are cosmetic: one that fails or never happens changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.onboarding.service import Asked, AskedAs
from bot.onboarding.view import (
    answer_text,
    declined_text,
    greeting,
    ineligible_text,
    outcome_text,
    prompt,
    question,
    reminder,
    reminder_line,
    showing,
    summary,
)
from bot.runtime.i18n import Translator, escape
from bot.runtime.replies import Edit, EditButtons, Reply, Send, Toast, stale
from dialogs.loader import Form
from dialogs.runner_types import (
    EDIT_MENU,
    SUMMARY,
    Ask,
    Declined,
    EditMenu,
    FormState,
    Ineligible,
    Remind,
    Reselect,
    Stale,
    Summary,
    Transition,
    Value,
)


@dataclass(frozen=True)
class Her:
    """Who the replies are for: her chat, her language, her first name."""

    chat_id: int
    t: Translator
    name: str


@dataclass
class Shown:
    """The replies to one event, and which of them now shows the current step's buttons."""

    replies: list[Reply] = field(default_factory=list)
    toast: Toast | None = None
    tidy: list[Reply] = field(default_factory=list)  # old messages closed or unbuttoned
    asking: int | None = None  # index in replies of the message with the current buttons
    asked_as: AskedAs = AskedAs.QUESTION

    def ask(self, reply: Send | Edit, asked_as: AskedAs = AskedAs.QUESTION) -> None:
        """Adds the message that shows the current step's buttons."""
        self.asking, self.asked_as = len(self.replies), asked_as
        self.replies.append(reply)


def _presented(her: Her, asked_as: AskedAs, text: str) -> str:
    """A step's text as a message presents it: alone, under a greeting, or as a reminder."""
    if asked_as is AskedAs.REMINDER:
        return reminder_line(her.t)
    lead = greeting(her.t, asked_as, her.name)
    return f"{lead}\n\n{text}" if lead else text


def _choice(t: Translator, form: Form, before: FormState, after: FormState) -> tuple[str, str]:
    """The step's own text, and the choice she made there (HTML, "" when there is none)."""
    if before.step == SUMMARY:
        text, _ = summary(t, form, before.round, before.answers)
        label = t.plain("Confirm") if after.status == "submitted" else t.plain("Edit")
        return text, escape(label)
    if before.step == EDIT_MENU:
        chosen = form.by_id.get(after.step or "")
        label = t.plain(chosen.name) if chosen else t.plain("Back to the summary")
        return t("Which answer would you like to change?"), escape(label)
    assert before.step is not None
    step = form.by_id[before.step]
    value = after.answers.get(step.id)
    choice = answer_text(t, form, step, value) if value is not None else ""
    return prompt(t, form, step, before.answers), choice


def closed(her: Her, form: Form, before: FormState, after: FormState, asked_as: AskedAs) -> str:
    """What a message that showed a step says once she moved on: as it was, without buttons,
    with her choice under it (a one-line reminder becomes the choice alone)."""
    text, choice = _choice(her.t, form, before, after)
    mark = f"✓ <b>{choice}</b>" if choice else ""
    if asked_as is AskedAs.REMINDER and mark:
        return mark
    shown_as = _presented(her, asked_as, text)
    return f"{shown_as}\n\n{mark}" if mark else shown_as


def _reselect(
    her: Her,
    form: Form,
    output: Reselect,
    answers: Mapping[str, Value],
    target: int | None,
    asked: Asked | None,
) -> tuple[Send | Edit, AskedAs]:
    """The multiple-choice question with its new selection, edited in place where it is."""
    ask = Ask(output.step, output.round, output.selected)
    text, keyboard = question(her.t, form, ask, answers)
    if target is None:
        return Send(her.chat_id, text, keyboard), AskedAs.QUESTION
    asked_as = asked.asked_as if asked is not None and asked.message_id == target else None
    asked_as = asked_as or AskedAs.QUESTION
    return Edit(her.chat_id, target, _presented(her, asked_as, text), keyboard), asked_as


def _greet(her: Her, shown: Shown, asked_as: AskedAs) -> None:
    """Puts a greeting at the top of the first message, so it arrives as one message."""
    lead = greeting(her.t, asked_as, her.name)
    if lead is None:
        return
    first = shown.replies[0] if shown.replies else None
    if isinstance(first, Send):
        shown.replies[0] = replace(first, text=f"{lead}\n\n{first.text}")
        if shown.asking == 0:
            shown.asked_as = asked_as
        return
    shown.replies.insert(0, Send(her.chat_id, lead))
    if shown.asking is not None:
        shown.asking += 1


def render(
    her: Her,
    form: Form,
    before: FormState,
    transition: Transition,
    asked: Asked | None = None,
    pressed: int | None = None,
    greet: AskedAs = AskedAs.QUESTION,
) -> Shown:
    """Turns the runner's outputs into replies and tidies the messages that showed the step.

    `asked` is the message known to show the step, `pressed` the one she pressed, `greet`
    asks for a greeting (HELLO, WELCOME) at the top.
    """
    t, chat_id = her.t, her.chat_id
    after, answers = transition.state, transition.state.answers
    shown = Shown()
    for output in transition.outputs:
        if isinstance(output, Ask | Summary | EditMenu):
            text, keyboard = showing(t, form, output, answers)
            if keyboard:
                shown.ask(Send(chat_id, text, keyboard))
            else:
                shown.replies.append(Send(chat_id, text))
        elif isinstance(output, Remind):
            shown.ask(Send(chat_id, *reminder(t, form, output, answers)), AskedAs.REMINDER)
        elif isinstance(output, Reselect):
            target = pressed if pressed is not None else asked.message_id if asked else None
            shown.ask(*_reselect(her, form, output, answers, target, asked))
        elif isinstance(output, Stale):
            shown.toast = stale(t)
        elif isinstance(output, Ineligible):
            shown.replies.append(Send(chat_id, ineligible_text(t, output.reason)))
        elif isinstance(output, Declined):
            shown.replies.append(Send(chat_id, declined_text(t)))
        else:
            shown.replies.append(Send(chat_id, outcome_text(t, output)))
    _greet(her, shown, greet)
    _tidy(her, form, shown, before, after, asked, pressed)
    return shown


def _tidy(
    her: Her,
    form: Form,
    shown: Shown,
    before: FormState,
    after: FormState,
    asked: Asked | None,
    pressed: int | None,
) -> None:
    """Closes the messages of an answered step; takes the buttons off those of a step shown
    again elsewhere."""
    showing_step = {m for m in (asked.message_id if asked else None, pressed) if m is not None}
    if after.round != before.round:
        for message_id in sorted(showing_step):
            is_asked = asked is not None and asked.message_id == message_id
            asked_as = asked.asked_as if asked is not None and is_asked else AskedAs.QUESTION
            text = closed(her, form, before, after, asked_as)
            shown.tidy.append(Edit(her.chat_id, message_id, text))
    elif shown.asking is not None:
        now_showing = shown.replies[shown.asking]
        kept = now_showing.message_id if isinstance(now_showing, Edit) else None
        for message_id in sorted(showing_step - {kept}):
            shown.tidy.append(EditButtons(her.chat_id, message_id))
