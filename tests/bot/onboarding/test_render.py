"""What the chat shows for each step, and which old messages are closed or lose their buttons."""

from __future__ import annotations

from bot.core import load_application_form
from bot.onboarding.render import Her, render
from bot.onboarding.service import Asked, AskedAs
from bot.runtime.i18n import catalogs
from bot.runtime.replies import Edit, EditButtons, Send
from dialogs.runner import advance, start
from dialogs.runner_types import DONE, Begin, FormState, Press, Text

BOOKS = catalogs()
FORM = load_application_form(BOOKS)
HER = Her(7, BOOKS.get("en"), "Ana")


def at_languages() -> FormState:
    state = start(FORM)
    for value in ("agree", "mentee", "senegal", "1to3", "technology"):
        assert state.step is not None
        state = advance(FORM, state, Press(state.round, state.step, value)).state
    assert state.step == "languages"
    return state


def test_an_answer_closes_the_question_and_the_message_pressed() -> None:
    state = start(FORM)
    moved = advance(FORM, state, Press(state.round, "consent", "agree"))
    shown = render(HER, FORM, state, moved, Asked(10, AskedAs.HELLO), pressed=11)
    (new,), closing = shown.replies, shown.tidy
    assert isinstance(new, Send) and new.keyboard and shown.asking == 0
    assert shown.asked_as is AskedAs.QUESTION
    assert [(e.message_id, e.keyboard) for e in closing if isinstance(e, Edit)] == [
        (10, ()),
        (11, ()),
    ]
    hello, plain = (e.text for e in closing if isinstance(e, Edit))
    assert hello.startswith("Hello Ana! 👋\n\nWelcome to Passerelle") and hello.endswith(
        "Do you agree?\n\n✓ <b>I agree</b>"
    )
    assert plain.startswith("Welcome to Passerelle")


def test_a_reminder_answered_shows_the_choice_alone() -> None:
    state = at_languages()
    chosen = advance(FORM, state, Press(state.round, "languages", "fr")).state
    done = advance(FORM, chosen, Press(state.round, "languages", DONE))
    shown = render(HER, FORM, chosen, done, Asked(20, AskedAs.REMINDER))
    assert shown.tidy == [Edit(7, 20, "✓ <b>French</b>")]


def test_a_typed_toggle_edits_the_reminder_in_place_and_keeps_it_short() -> None:
    state = at_languages()
    toggled = advance(FORM, state, Press(state.round, "languages", "es"))
    shown = render(HER, FORM, state, toggled, Asked(20, AskedAs.REMINDER))
    (edit,) = shown.replies
    assert shown.tidy == []
    assert isinstance(edit, Edit) and edit.message_id == 20
    assert edit.text == "<i>Please answer with one of the buttons below.</i>"
    assert [b.label for row in edit.keyboard for b in row if "✅" in b.label] == ["✅ Spanish"]
    assert (shown.asking, shown.asked_as) == (0, AskedAs.REMINDER)


def test_a_step_shown_again_takes_the_buttons_off_the_old_message() -> None:
    state = at_languages()
    for event in (Begin(), Text("hello")):
        shown = render(HER, FORM, state, advance(FORM, state, event), Asked(20))
        (again,) = shown.replies
        assert isinstance(again, Send) and again.keyboard
        assert shown.tidy == [EditButtons(7, 20)]
    welcome = render(HER, FORM, state, advance(FORM, state, Begin()), None, greet=AskedAs.WELCOME)
    assert welcome.asked_as is AskedAs.WELCOME and len(welcome.replies) == 1


def test_a_stale_press_tidies_nothing() -> None:
    state = at_languages()
    stale = advance(FORM, state, Press(state.round - 1, "sector", "other"))
    shown = render(HER, FORM, state, stale, Asked(20), pressed=15)
    assert shown.replies == shown.tidy == [] and shown.toast is not None
    assert shown.asking is None
