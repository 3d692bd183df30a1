"""The check-in form through the pure runner: no summary, a skippable typed step, a
conditional last step; and what the loader says of forms without a confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.loader import FLOWS_DIR, FormError, load_form
from dialogs.runner import advance, path, shown, start
from dialogs.runner_types import (
    SKIP,
    SKIPPED,
    Ask,
    Begin,
    Event,
    FormState,
    Press,
    Remind,
    Stale,
    Submitted,
    Text,
    Transition,
)

FORM = load_form(FLOWS_DIR / "checkin.toml")


def press(state: FormState, value: str) -> Transition:
    return advance(FORM, state, Press(state.round, state.step or "", value))


def test_the_checkin_form_asks_rating_worked_on_help_in_order() -> None:
    state = start(FORM)
    assert state.step == "rating"
    assert [o.id for o in FORM.by_id["rating"].options] == ["1", "2", "3", "4", "5"]

    moved = press(state, "4")
    assert moved.outputs == (Ask("worked_on", 1),)
    moved = advance(FORM, moved.state, Text("  we worked on pricing "))
    assert moved.outputs == (Ask("help", 2),)
    done = press(moved.state, "no")

    assert done.state.status == "submitted"
    assert done.state.step is None
    assert done.state.answers == {"rating": "4", "worked_on": "we worked on pricing", "help": "no"}
    assert done.outputs == (Submitted("eligible", ()),)


def test_help_yes_asks_for_a_short_text_then_submits_without_a_summary() -> None:
    state = press(press(start(FORM), "2").state, SKIP).state
    asked = press(state, "yes")
    assert asked.outputs == (Ask("help_text", 3),)

    done = advance(FORM, asked.state, Text("We cannot agree on a time."))

    assert done.state.status == "submitted"
    assert done.state.answers == {
        "rating": "2",
        "worked_on": SKIPPED,
        "help": "yes",
        "help_text": "We cannot agree on a time.",
    }


def test_skip_records_the_skipped_value_and_moves_on() -> None:
    state = press(start(FORM), "5").state
    moved = press(state, SKIP)

    assert moved.state.answers["worked_on"] == SKIPPED
    assert moved.state.step == "help"


def test_skip_is_stale_on_a_step_without_a_skip_button() -> None:
    state = press(press(press(start(FORM), "1").state, SKIP).state, "yes").state
    assert state.step == "help_text"

    assert press(state, SKIP) == Transition(state, (Stale(),))
    assert press(start(FORM), SKIP) == Transition(start(FORM), (Stale(),))


def test_a_too_short_text_re_asks_with_the_hint_and_changes_nothing() -> None:
    state = press(start(FORM), "3").state

    moved = advance(FORM, state, Text("x"))

    assert moved.state == state
    assert moved.outputs == (Ask("worked_on", state.round, (), FORM.by_id["worked_on"].hint),)


def test_text_on_the_rating_points_to_the_buttons() -> None:
    state = start(FORM)

    moved = advance(FORM, state, Text("great"))

    assert moved.state == state
    assert moved.outputs == (Remind(Ask("rating", 0)),)


def test_a_submitted_checkin_ignores_further_events() -> None:
    done = press(press(press(start(FORM), "4").state, SKIP).state, "no").state

    assert advance(FORM, done, Press(done.round, "help", "yes")) == Transition(done, (Stale(),))
    assert advance(FORM, done, Text("hello")) == Transition(done, ())
    assert shown(FORM, done) is None


def test_a_form_without_confirmation_needs_no_summary_prompt(tmp_path: Path) -> None:
    file = tmp_path / "short.toml"
    file.write_text(
        'id = "short"\nconfirm = false\n[[steps]]\nid = "note"\nkind = "text"\nname = "Note"\n'
        'prompt = "A note?"\nvalidator = "length"\nhint = "Some text."\nskip = "Skip"\n'
    )

    form = load_form(file)

    assert list(form.msgids()) == ["Note", "A note?", "Some text.", "Skip"]
    done = advance(form, start(form), Press(0, "note", SKIP))
    assert done.state.status == "submitted"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            'id = "x"\nconfirm = true\n[[steps]]\nid = "a"\nkind = "text"\nname = "A"\n'
            'prompt = "A?"\nvalidator = "length"\nhint = "h"\n',
            "needs a summary_prompt",
        ),
        (
            'id = "x"\nconfirm = false\n[[steps]]\nid = "a"\nkind = "choice"\nname = "A"\n'
            'prompt = "A?"\nskip = "Skip"\n[[steps.options]]\nid = "b"\nlabel = "B"\n',
            "only a typed step can have a skip button",
        ),
    ],
)
def test_broken_short_forms_are_refused(tmp_path: Path, text: str, problem: str) -> None:
    file = tmp_path / "broken.toml"
    file.write_text(text)

    with pytest.raises(FormError, match=problem):
        load_form(file)


_VALUES = ["1", "2", "3", "4", "5", "yes", "no", SKIP, "x"]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_random_events_keep_the_checkin_consistent(data: st.DataObject) -> None:
    state = start(FORM)
    for _ in range(data.draw(st.integers(0, 30))):
        kind = data.draw(st.sampled_from(["current", "current", "other", "text", "begin"]))
        event: Event
        if kind == "begin":
            event = Begin()
        elif kind == "text":
            event = Text(data.draw(st.sampled_from(["4", "x", "we worked on pricing", "Skip"])))
        elif kind == "current":
            event = Press(state.round, state.step or "", data.draw(st.sampled_from(_VALUES)))
        else:
            event = Press(state.round + data.draw(st.integers(-2, 1)), "rating", "1")
        moved = advance(FORM, state, event)
        if Stale() in moved.outputs:
            assert moved == Transition(state, (Stale(),))
        assert moved.state.round >= state.round
        applicable = {s.id for s in path(FORM, moved.state.answers)}
        assert set(moved.state.answers) <= applicable
        if moved.state.status == "submitted":
            assert applicable <= set(moved.state.answers)
            assert moved.state.step is None
        elif moved.state.status == "in_progress":
            assert moved.state.step in applicable
            assert len(moved.outputs) == 1
        state = moved.state
