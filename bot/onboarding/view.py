"""Renders questionnaire outputs as replies in the person's language (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.onboarding.service import AskedAs
from bot.runtime.callbacks import decode, encode
from bot.runtime.i18n import Html, Translator, escape, isolate
from bot.runtime.keyboards import checklist, grid, labelled
from bot.runtime.replies import Button, Keyboard
from dialogs.loader import Form
from dialogs.runner import role_of, shown
from dialogs.runner_types import (
    BACK,
    CONFIRM,
    DONE,
    EDIT,
    EDIT_MENU,
    SUMMARY,
    Ask,
    EditMenu,
    Event,
    FormState,
    Press,
    Remind,
    Submitted,
    Summary,
    Text,
    Value,
)
from dialogs.schema import Step

NAMESPACE = "q"


def _data(round_: int, step: str, value: str) -> str:
    return encode(NAMESPACE, round_, step, value)


def prompt(t: Translator, form: Form, step: Step, answers: Mapping[str, Value]) -> str:
    """The question text of a step, by role where the form says so."""
    role = role_of(form, answers)
    msgid = step.prompt_by_role.get(role or "", step.prompt)
    return t(msgid)


def _keyboard(t: Translator, step: Step, round_: int, selected: tuple[str, ...]) -> Keyboard:
    buttons = [Button(t.plain(o.label), _data(round_, step.id, o.id)) for o in step.options]
    if step.kind != "multi":
        return grid(buttons)
    chosen = {_data(round_, step.id, option_id) for option_id in selected}
    done = Button(t.plain("Done"), _data(round_, step.id, DONE))
    return (*checklist(buttons, chosen), (done,))


def answer_text(t: Translator, form: Form, step: Step, value: Value) -> str:
    """How an answer reads back, HTML-escaped; her own words isolated (they cannot reorder
    the line they are shown in)."""
    if isinstance(value, tuple):
        labels = [t.plain(o.label) for o in step.options if o.id in value]
        return escape(t.join(labels))
    if isinstance(value, int):
        return t.number(value)
    option = form.option(step.id, value)
    return escape(t.plain(option.label)) if option is not None else isolate(value)


def summary_lines(t: Translator, form: Form, answers: Mapping[str, Value]) -> list[str]:
    """One line per answered step: name and answer."""
    return [
        t(
            "<b>{name}</b>: {answer}",
            name=Html(t(step.name)),
            answer=Html(answer_text(t, form, step, answers[step.id])),
        )
        for step in form.steps
        if step.id in answers and step.id != "consent"
    ]


def question(
    t: Translator, form: Form, ask: Ask, answers: Mapping[str, Value]
) -> tuple[str, Keyboard]:
    """A step's message: hint, question and buttons."""
    step = form.by_id[ask.step]
    text = prompt(t, form, step, answers)
    if ask.hint:
        text = f"<i>{t(ask.hint)}</i>\n\n{text}"
    return text, _keyboard(t, step, ask.round, ask.selected)


def summary(
    t: Translator, form: Form, round_: int, answers: Mapping[str, Value]
) -> tuple[str, Keyboard]:
    """The summary message with Confirm and Edit."""
    lines = [t(form.spec.summary_prompt), "", *summary_lines(t, form, answers)]
    keyboard = (
        (
            Button(t.plain("Confirm"), _data(round_, SUMMARY, CONFIRM)),
            Button(t.plain("Edit"), _data(round_, SUMMARY, EDIT)),
        ),
    )
    return "\n".join(lines), keyboard


def edit_menu(t: Translator, form: Form, menu: EditMenu) -> tuple[str, Keyboard]:
    """The list of answers that can be changed."""
    steps = grid(
        [
            Button(t.plain(form.by_id[step].name), _data(menu.round, EDIT_MENU, step))
            for step in menu.steps
        ]
    )
    back = Button(t.plain("Back to the summary"), _data(menu.round, EDIT_MENU, BACK))
    return t("Which answer would you like to change?"), (*steps, (back,))


def showing(
    t: Translator, form: Form, output: Ask | Summary | EditMenu, answers: Mapping[str, Value]
) -> tuple[str, Keyboard]:
    """The message of a question, the summary or the Edit menu, with its buttons."""
    if isinstance(output, Ask):
        return question(t, form, output, answers)
    if isinstance(output, Summary):
        return summary(t, form, output.round, answers)
    return edit_menu(t, form, output)


def reminder_line(t: Translator) -> str:
    """The one line that points to the buttons, when she typed something else."""
    line = t("Please answer with one of the buttons below.")
    return f"<i>{line}</i>"


def reminder(
    t: Translator, form: Form, remind: Remind, answers: Mapping[str, Value]
) -> tuple[str, Keyboard]:
    """A short line pointing to the buttons, with the buttons of what is shown."""
    _, keyboard = showing(t, form, remind.shown, answers)
    return reminder_line(t), keyboard


def typed(t: Translator, form: Form, state: FormState, text: str) -> Event:
    """A typed text as the form takes it: the press of the button whose label she typed (in
    her language, see `labelled`), else a typed answer."""
    current = shown(form, state)
    if current is None:
        return Text(text)
    _, keyboard = showing(t, form, current, state.answers)
    button = labelled(keyboard, text)
    if button is None:
        return Text(text)
    round_, step, value = decode(button.data, NAMESPACE, 3)
    return Press(int(round_), step, value)


def outcome_text(t: Translator, submitted: Submitted) -> str:
    """What the candidate is told once she confirms."""
    if submitted.outcome == "eligible":
        body = t(
            "Thank you! Your application is complete and you meet the program's criteria. "
            "Program staff will review it and write to you here."
        )
    else:
        body = t(
            "Thank you! Your application is complete. Program staff will look at it more "
            "closely and write to you here."
        )
    return body + "\n\n" + t("You can check where it stands at any time with /status.")


def greeting(t: Translator, asked_as: AskedAs, name: str) -> str | None:
    """The line above the first question she sees on /start, if any."""
    if asked_as is AskedAs.HELLO:
        return t("Hello {name}! 👋", name=name)
    if asked_as is AskedAs.WELCOME:
        return t("Welcome back! Let's pick up where you left off.")
    return None


def declined_text(t: Translator) -> str:
    """What she is told after refusing consent."""
    return t(
        "Understood. Without your agreement we cannot process an application, "
        "so we have erased everything we had about you. If you change your mind, "
        "send /start."
    )


def ineligible_text(t: Translator, reason: str) -> str:
    """Why the application ended, and how to start again."""
    return t(
        "We are sorry: you are not eligible for the program.\n<b>Reason:</b> {reason}\n\n"
        "If this was a mistake, send /start to apply again.",
        reason=Html(t(reason)),
    )
