"""The questionnaire as a person would go through it, driven through the pure runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.loader import FLOWS_DIR, load_form
from dialogs.runner import advance, editable_steps, path, settings_of, shown, start
from dialogs.runner_types import (
    BACK,
    CONFIRM,
    DONE,
    EDIT,
    EDIT_MENU,
    SUMMARY,
    Ask,
    Begin,
    Declined,
    EditMenu,
    Event,
    FormState,
    Ineligible,
    Press,
    Remind,
    Reselect,
    Stale,
    Submitted,
    Summary,
    Text,
    Transition,
)

FORM = load_form(FLOWS_DIR / "application.toml")

MENTOR: Mapping[str, str | tuple[str, ...]] = {
    "consent": "agree",
    "role": "mentor",
    "residency": "yes",
    "adult": "yes",
    "province": "qc",
    "destination": "bolivia",
    "sector": "technology",
    "experience": "5",
    "languages": ("es", "en"),
    "commitment": "yes",
    "email": "ana@example.org",
    "motivation": "I want to share what I learned.",
}
MENTEE: Mapping[str, str | tuple[str, ...]] = {
    "consent": "agree",
    "role": "mentee",
    "country": "senegal",
    "business_age": "1to3",
    "sector": "agrifood",
    "languages": ("fr",),
    "commitment": "yes",
    "email": "awa@example.sn",
    "motivation": "I want to grow my cashew business.",
}
MENTOR_STEPS = [
    "consent",
    "role",
    "residency",
    "adult",
    "province",
    "destination",
    "sector",
    "experience",
    "languages",
    "commitment",
    "email",
    "motivation",
]
MENTEE_STEPS = [
    "consent",
    "role",
    "country",
    "business_age",
    "sector",
    "languages",
    "commitment",
    "email",
    "motivation",
]


def press(state: FormState, value: str) -> Transition:
    """Presses a button of the message currently shown."""
    return advance(FORM, state, Press(state.round, state.step or "", value))


def answer(state: FormState, value: str | tuple[str, ...]) -> Transition:
    """Answers the current step the way a person would: buttons, toggles then Done, or text."""
    assert state.step is not None
    kind = FORM.by_id[state.step].kind
    if kind == "choice":
        assert isinstance(value, str)
        return press(state, value)
    if kind == "multi":
        assert isinstance(value, tuple)
        for item in value:
            state = press(state, item).state
        return press(state, DONE)
    assert isinstance(value, str)
    return advance(FORM, state, Text(value))


def fill(
    answers: Mapping[str, str | tuple[str, ...]], state: FormState | None = None
) -> tuple[FormState, list[str], Transition | None]:
    """Answers every step asked that `answers` covers; returns the state, steps asked, last step."""
    state = state or start(FORM)
    asked: list[str] = []
    last = None
    while state.status == "in_progress" and state.step is not None and state.step in answers:
        step = state.step
        asked.append(step)
        last = answer(state, answers[step])
        assert last.state.step != step, f"{step} was asked again: {last.outputs}"
        state = last.state
    return state, asked, last


def at(step: str, answers: Mapping[str, str | tuple[str, ...]] = MENTOR) -> FormState:
    """The state of a person who has just been asked `step`."""
    state, _, _ = fill({key: value for key, value in answers.items() if key != step})
    assert state.step == step
    return state


def submit(answers: Mapping[str, str | tuple[str, ...]]) -> Transition:
    """Fills the whole form and confirms it."""
    state, _, _ = fill(answers)
    assert state.step == SUMMARY
    return press(state, CONFIRM)


def edit(state: FormState, step: str) -> FormState:
    """From the summary, opens the Edit menu and picks a step."""
    menu = press(state, EDIT).state
    moved = press(menu, step)
    assert moved.outputs == (Ask(step, moved.state.round, moved.state.draft),)
    return moved.state


# --- Both branches end to end -------------------------------------------------------------


def test_mentor_goes_through_every_mentor_step_and_is_eligible() -> None:
    state, asked, last = fill(MENTOR)

    assert asked == MENTOR_STEPS
    assert state.step == SUMMARY
    assert last is not None and last.outputs == (Summary(state.round),)
    assert dict(state.answers) == {
        **MENTOR,
        "experience": 5,
        "languages": ("en", "es"),  # stored in the form's order, not the tapping order
    }
    done = press(state, CONFIRM)
    assert done.outputs == (Submitted("eligible", ()),)
    assert done.state.status == "submitted"
    assert done.state.step is None
    assert done.state.answers == state.answers


def test_mentee_goes_through_every_mentee_step_and_is_eligible() -> None:
    state, asked, _ = fill(MENTEE)

    assert asked == MENTEE_STEPS
    assert state.step == SUMMARY
    assert set(state.answers) == set(MENTEE)
    assert press(state, CONFIRM).outputs == (Submitted("eligible", ()),)


def test_each_question_is_asked_with_a_fresh_round_matching_the_state() -> None:
    state = start(FORM)
    assert advance(FORM, state, Begin()).outputs == (Ask("consent", 0),)
    rounds = [state.round]
    for step in MENTEE_STEPS:
        moved = answer(state, MENTEE[step])
        (output,) = moved.outputs
        assert isinstance(output, Ask | Summary)
        assert output.round == moved.state.round
        state = moved.state
        rounds.append(state.round)
    assert rounds == sorted(set(rounds))


def test_a_finished_application_ignores_further_events() -> None:
    done = submit(MENTEE).state

    assert advance(FORM, done, Begin()) == Transition(done, ())
    assert advance(FORM, done, Text("hello")) == Transition(done, ())
    assert advance(FORM, done, Press(done.round, SUMMARY, CONFIRM)) == Transition(done, (Stale(),))


# --- Not eligible -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "step", "words"),
    [
        (MENTOR, "residency", "Canadian citizens and permanent residents"),
        (MENTOR, "adult", "18 or older"),
        (MENTOR, "commitment", "5 to 6 months"),
        (MENTEE, "commitment", "5 to 6 months"),
    ],
)
def test_a_not_eligible_answer_ends_at_once_naming_the_criterion(
    answers: Mapping[str, str | tuple[str, ...]], step: str, words: str
) -> None:
    state = at(step, answers)

    ended = press(state, "no")

    assert len(ended.outputs) == 1
    output = ended.outputs[0]
    assert isinstance(output, Ineligible)
    assert output.step == step
    assert words in output.reason
    assert ended.state.status == "not_eligible"
    assert ended.state.step is None
    assert ended.state.answers[step] == "no"
    assert advance(FORM, ended.state, Press(state.round, step, "yes")).outputs == (Stale(),)


def test_changing_an_answer_to_not_eligible_from_the_summary_also_ends() -> None:
    summary, _, _ = fill(MENTOR)

    ended = press(edit(summary, "adult"), "no")

    assert ended.outputs == (Ineligible("adult", "Volunteers must be 18 or older."),)
    assert ended.state.status == "not_eligible"


# --- Needs review -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "review"), [("0", True), ("1", True), ("2", False), ("60", False)]
)
def test_fewer_than_two_years_of_experience_needs_review(years: str, review: bool) -> None:
    outcome = submit({**MENTOR, "experience": years}).outputs

    expected = ("Fewer than 2 years of experience.",) if review else ()
    assert outcome == (Submitted("needs_review" if review else "eligible", expected),)


@pytest.mark.parametrize("answers", [MENTOR, MENTEE])
def test_not_sure_about_the_commitment_needs_review(
    answers: Mapping[str, str | tuple[str, ...]],
) -> None:
    outcome = submit({**answers, "commitment": "unsure"}).outputs

    assert outcome == (Submitted("needs_review", ("Not sure about the commitment.",)),)


LANGUAGE_REASON = FORM.spec.rules[0].reason


@pytest.mark.parametrize(
    ("destination", "languages", "review"),
    [
        ("bolivia", ("fr", "en"), True),
        ("bolivia", ("es",), False),
        ("guatemala", ("en",), True),
        ("guatemala", ("fr", "es"), False),
        ("benin", ("en", "es"), True),
        ("benin", ("fr",), False),
        ("cote_divoire", ("en",), True),
        ("cote_divoire", ("fr", "en"), False),
        ("senegal", ("es",), True),
        ("senegal", ("fr",), False),
        ("rwanda", ("es",), True),
        ("rwanda", ("fr",), False),
        ("rwanda", ("en",), False),
        ("philippines", ("fr", "es"), True),
        ("philippines", ("en",), False),
        ("any", ("fr",), False),
        ("any", ("en",), False),
        ("any", ("es",), False),
    ],
)
def test_a_mentor_without_the_destinations_working_language_needs_review(
    destination: str, languages: tuple[str, ...], review: bool
) -> None:
    outcome = submit({**MENTOR, "destination": destination, "languages": languages}).outputs

    if review:
        assert outcome == (Submitted("needs_review", (LANGUAGE_REASON,)),)
    else:
        assert outcome == (Submitted("eligible", ()),)


@pytest.mark.parametrize("languages", [("fr",), ("en",), ("es",)])
def test_a_mentee_is_never_flagged_for_languages(languages: tuple[str, ...]) -> None:
    assert submit({**MENTEE, "languages": languages}).outputs == (Submitted("eligible", ()),)


def test_review_reasons_accumulate_in_form_order() -> None:
    answers = {**MENTOR, "experience": "1", "commitment": "unsure", "languages": ("fr",)}

    assert submit(answers).outputs == (
        Submitted(
            "needs_review",
            (
                "Fewer than 2 years of experience.",
                "Not sure about the commitment.",
                LANGUAGE_REASON,
            ),
        ),
    )


# --- Sector "Other" -----------------------------------------------------------------------


def test_sector_other_asks_for_a_description_of_2_to_100_characters() -> None:
    state = at("sector")
    asked = press(state, "other")
    assert asked.outputs == (Ask("sector_other", asked.state.round),)
    state = asked.state
    hint = FORM.by_id["sector_other"].hint
    assert hint is not None

    for bad in ("x", "  x  ", "", "y" * 101):
        again = advance(FORM, state, Text(bad))
        assert again == Transition(state, (Ask("sector_other", state.round, (), hint),))

    assert advance(FORM, state, Text("ab")).state.answers["sector_other"] == "ab"
    assert advance(FORM, state, Text("y" * 100)).state.answers["sector_other"] == "y" * 100
    moved = advance(FORM, state, Text("  Fishing <nets>  "))
    assert moved.state.answers["sector_other"] == "Fishing <nets>"
    assert moved.state.step == "experience"


def test_changing_sector_away_from_other_drops_the_description() -> None:
    summary, asked, _ = fill({**MENTOR, "sector": "other", "sector_other": "Fishing"})
    assert "sector_other" in asked
    assert summary.answers["sector_other"] == "Fishing"
    assert "sector_other" in press(press(summary, EDIT).state, BACK).state.answers

    back = press(edit(summary, "sector"), "finance")

    assert back.state.step == SUMMARY
    assert back.outputs == (Summary(back.state.round),)
    assert "sector_other" not in back.state.answers
    assert back.state.answers["sector"] == "finance"
    menu = press(back.state, EDIT).outputs[0]
    assert isinstance(menu, EditMenu)
    assert "sector_other" not in menu.steps


def test_changing_sector_to_other_from_the_summary_asks_the_description_then_returns() -> None:
    summary, _, _ = fill(MENTOR)

    asked = press(edit(summary, "sector"), "other")
    assert asked.state.step == "sector_other"
    back = advance(FORM, asked.state, Text("Fisheries"))

    assert back.outputs == (Summary(back.state.round),)
    assert back.state.answers["sector_other"] == "Fisheries"


# --- Multiple choice ----------------------------------------------------------------------


def test_languages_toggle_untoggle_and_done() -> None:
    state = at("languages")
    before = state

    first = press(state, "fr")
    assert first.outputs == (Reselect("languages", state.round, ("fr",)),)
    assert first.state.round == state.round
    assert "languages" not in first.state.answers
    second = press(first.state, "es")
    assert second.outputs == (Reselect("languages", state.round, ("fr", "es")),)
    third = press(second.state, "fr")
    assert third.outputs == (Reselect("languages", state.round, ("es",)),)

    done = press(third.state, DONE)
    assert done.state.answers["languages"] == ("es",)
    assert done.state.step == "commitment"
    assert press(before, DONE).state == before


def test_done_with_no_language_re_asks_with_the_hint() -> None:
    state = at("languages")
    hint = FORM.by_id["languages"].hint
    assert hint is not None

    assert press(state, DONE) == Transition(state, (Ask("languages", state.round, (), hint),))
    emptied = press(press(state, "en").state, "en").state
    assert emptied.draft == ()
    assert press(emptied, DONE) == Transition(emptied, (Ask("languages", state.round, (), hint),))


def test_editing_languages_starts_from_the_current_choice() -> None:
    summary, _, _ = fill(MENTOR)

    state = edit(summary, "languages")
    assert state.draft == ("en", "es")
    back = press(press(state, "fr").state, DONE)

    assert back.state.step == SUMMARY
    assert back.state.answers["languages"] == ("fr", "en", "es")


def test_begin_on_a_multiple_choice_keeps_the_selection_so_far() -> None:
    state = press(at("languages"), "en").state

    assert advance(FORM, state, Begin()) == Transition(
        state, (Ask("languages", state.round, ("en",)),)
    )


# --- Text where a button is expected ------------------------------------------------------


@pytest.mark.parametrize("step", ["consent", "role", "province", "sector", "commitment"])
def test_text_where_a_button_is_expected_re_asks_and_changes_nothing(step: str) -> None:
    state = at(step)

    assert advance(FORM, state, Text("Yes")) == Transition(state, (Remind(Ask(step, state.round)),))


def test_text_on_a_multiple_choice_re_asks_with_the_selection() -> None:
    state = press(at("languages"), "fr").state

    assert advance(FORM, state, Text("French")) == Transition(
        state, (Remind(Ask("languages", state.round, ("fr",))),)
    )


def test_text_at_the_summary_points_to_its_buttons() -> None:
    summary, _, _ = fill(MENTEE)

    assert advance(FORM, summary, Text("ok")) == Transition(
        summary, (Remind(Summary(summary.round)),)
    )


def test_text_at_the_edit_menu_points_to_its_buttons() -> None:
    summary, _, _ = fill(MENTEE)
    menu = advance(FORM, summary, Press(summary.round, SUMMARY, EDIT)).state

    assert advance(FORM, menu, Text("email")) == Transition(
        menu, (Remind(EditMenu(menu.round, editable_steps(FORM, menu.answers))),)
    )


def test_what_is_shown_is_what_begin_shows_and_nothing_once_ended() -> None:
    state = press(at("languages"), "fr").state
    assert (shown(FORM, state),) == advance(FORM, state, Begin()).outputs
    assert shown(FORM, replace(state, status="submitted")) is None


@pytest.mark.parametrize(
    ("step", "text"),
    [("experience", "five"), ("experience", "61"), ("email", "a@b"), ("motivation", "short")],
)
def test_an_invalid_typed_answer_re_asks_with_the_steps_hint(step: str, text: str) -> None:
    state = at(step)

    assert advance(FORM, state, Text(text)) == Transition(
        state, (Ask(step, state.round, (), FORM.by_id[step].hint),)
    )


def test_typed_answers_are_stripped_and_stored() -> None:
    state = advance(FORM, at("experience"), Text("  7 ")).state
    assert state.answers["experience"] == 7
    state = advance(FORM, at("email"), Text("  ana@example.org\n")).state
    assert state.answers["email"] == "ana@example.org"


# --- Stale presses ------------------------------------------------------------------------


def test_stale_presses_change_nothing() -> None:
    state = at("province")
    forged = [
        Press(state.round - 1, "province", "qc"),  # an older message of the same step
        Press(state.round - 1, "adult", "no"),  # a step already answered
        Press(state.round + 1, "province", "qc"),  # a round not yet shown
        Press(state.round, "adult", "no"),  # the right round but another step
        Press(state.round, "province", "atlantis"),  # a forged option
        Press(state.round, "province", DONE),
        Press(state.round, "nowhere", "qc"),  # an unknown step
        Press(state.round, SUMMARY, CONFIRM),
        Press(state.round, EDIT_MENU, "email"),
    ]
    for event in forged:
        assert advance(FORM, state, event) == Transition(state, (Stale(),)), event


def test_a_button_on_a_typed_step_is_stale() -> None:
    state = at("experience")

    assert press(state, "5") == Transition(state, (Stale(),))


def test_a_forged_option_on_a_multiple_choice_is_stale() -> None:
    state = press(at("languages"), "fr").state

    assert press(state, "de") == Transition(state, (Stale(),))


def test_the_summary_and_edit_menu_reject_unknown_values() -> None:
    summary, _, _ = fill(MENTOR)
    assert press(summary, "approve") == Transition(summary, (Stale(),))
    menu = press(summary, EDIT).state
    for value in ("consent", "country", "business_age", "sector_other", "nowhere", CONFIRM):
        assert press(menu, value) == Transition(menu, (Stale(),)), value
    assert advance(FORM, menu, Press(summary.round, SUMMARY, CONFIRM)) == Transition(
        menu, (Stale(),)
    )


# --- Edit from the summary ----------------------------------------------------------------


def test_edit_lists_the_answered_steps_by_id_without_consent() -> None:
    summary, _, _ = fill(MENTOR)

    menu = press(summary, EDIT)

    assert menu.outputs == (EditMenu(menu.state.round, tuple(MENTOR_STEPS[1:])),)
    assert advance(FORM, menu.state, Begin()).outputs == menu.outputs
    assert all(FORM.by_id[step].name for step in MENTOR_STEPS[1:])


def test_edit_asks_one_step_again_and_comes_back_to_the_summary() -> None:
    summary, _, _ = fill(MENTOR)

    state = edit(summary, "email")
    back = advance(FORM, state, Text("new@example.org"))

    assert back.outputs == (Summary(back.state.round),)
    assert back.state.step == SUMMARY
    assert dict(back.state.answers) == {**summary.answers, "email": "new@example.org"}


def test_an_invalid_edit_re_asks_and_keeps_the_old_answer() -> None:
    summary, _, _ = fill(MENTOR)
    state = edit(summary, "experience")

    again = advance(FORM, state, Text("lots"))

    assert again.state == state
    assert again.state.answers["experience"] == 5


def test_back_from_the_edit_menu_returns_to_the_summary_unchanged() -> None:
    summary, _, _ = fill(MENTEE)

    back = press(press(summary, EDIT).state, BACK)

    assert back.outputs == (Summary(back.state.round),)
    assert back.state.answers == summary.answers
    assert press(back.state, CONFIRM).outputs == (Submitted("eligible", ()),)


def test_editing_experience_below_two_changes_the_outcome() -> None:
    summary, _, _ = fill(MENTOR)

    back = advance(FORM, edit(summary, "experience"), Text("1")).state

    assert press(back, CONFIRM).outputs == (
        Submitted("needs_review", ("Fewer than 2 years of experience.",)),
    )


def test_an_old_summary_button_is_stale_after_editing() -> None:
    summary, _, _ = fill(MENTOR)
    back = advance(FORM, edit(summary, "email"), Text("new@example.org")).state

    assert advance(FORM, back, Press(summary.round, SUMMARY, CONFIRM)) == Transition(
        back, (Stale(),)
    )


def test_changing_role_from_mentor_to_mentee_asks_the_mentee_steps_and_drops_mentor_answers() -> (
    None
):
    summary, _, _ = fill(MENTOR)

    state = press(edit(summary, "role"), "mentee").state
    asked = []
    while state.step != SUMMARY:
        asked.append(state.step)
        state = answer(state, MENTEE[state.step or ""]).state

    assert asked == ["country", "business_age"]
    assert set(state.answers) == set(MENTEE)
    for kept in ("sector", "languages", "commitment", "email", "motivation"):
        assert state.answers[kept] == summary.answers[kept]
    assert settings_of(FORM, state.answers) == {"role": "mentee", "timezone": "Africa/Dakar"}
    menu = press(state, EDIT).outputs[0]
    assert isinstance(menu, EditMenu)
    assert menu.steps == tuple(MENTEE_STEPS[1:])
    assert press(state, CONFIRM).outputs == (Submitted("eligible", ()),)


def test_changing_role_from_mentee_to_mentor_asks_the_mentor_steps() -> None:
    summary, _, _ = fill(MENTEE)

    state = press(edit(summary, "role"), "mentor").state
    asked = []
    while state.step != SUMMARY:
        asked.append(state.step)
        state = answer(state, MENTOR[state.step or ""]).state

    assert asked == ["residency", "adult", "province", "destination", "experience"]
    assert "country" not in state.answers
    assert "business_age" not in state.answers


def test_keeping_the_same_role_returns_straight_to_the_summary() -> None:
    summary, _, _ = fill(MENTOR)

    back = press(edit(summary, "role"), "mentor")

    assert back.outputs == (Summary(back.state.round),)
    assert back.state.answers == summary.answers


# --- Consent and Begin --------------------------------------------------------------------


def test_refusing_consent_declines() -> None:
    declined = press(start(FORM), "disagree")

    assert declined.outputs == (Declined(),)
    assert declined.state.status == "declined"
    assert declined.state.step is None


@pytest.mark.parametrize("step", ["consent", "role", "experience", "email"])
def test_begin_re_shows_the_current_step(step: str) -> None:
    state = at(step)

    assert advance(FORM, state, Begin()) == Transition(state, (Ask(step, state.round),))


def test_begin_at_the_summary_re_shows_the_summary() -> None:
    summary, _, _ = fill(MENTOR)

    assert advance(FORM, summary, Begin()) == Transition(summary, (Summary(summary.round),))


# --- Settings chosen by options -----------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "zone"),
    [
        ("qc", "America/Toronto"),
        ("on", "America/Toronto"),
        ("sk", "America/Regina"),
        ("nl", "America/St_Johns"),
        ("bc", "America/Vancouver"),
        ("ns", "America/Halifax"),
    ],
)
def test_province_sets_the_time_zone(province: str, zone: str) -> None:
    state, _, _ = fill({**MENTOR, "province": province})

    assert settings_of(FORM, state.answers) == {"role": "mentor", "timezone": zone}


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("benin", "Africa/Porto-Novo"),
        ("bolivia", "America/La_Paz"),
        ("cote_divoire", "Africa/Abidjan"),
        ("guatemala", "America/Guatemala"),
        ("philippines", "Asia/Manila"),
        ("rwanda", "Africa/Kigali"),
        ("senegal", "Africa/Dakar"),
    ],
)
def test_country_sets_the_time_zone(country: str, zone: str) -> None:
    state, _, _ = fill({**MENTEE, "country": country})

    assert settings_of(FORM, state.answers) == {"role": "mentee", "timezone": zone}


def test_every_province_sets_a_real_time_zone() -> None:
    from zoneinfo import ZoneInfo

    for step in ("province", "country"):
        for option in FORM.by_id[step].options:
            ZoneInfo(option.sets["timezone"])


def test_settings_ignore_answers_that_no_longer_apply() -> None:
    answers = {"consent": "agree", "role": "mentee", "province": "sk", "country": "rwanda"}

    assert settings_of(FORM, answers) == {"role": "mentee", "timezone": "Africa/Kigali"}


# --- Whatever is pressed or typed, the runner stays consistent ------------------------------

_SPECIALS = [DONE, CONFIRM, EDIT, BACK, "x"]
_STEPS = [*(step.id for step in FORM.steps), SUMMARY, EDIT_MENU, "x"]


def _likely_values(state: FormState) -> list[str]:
    step = FORM.by_id.get(state.step or "")
    options = [option.id for option in step.options] if step else []
    return [*options, *(s.id for s in FORM.steps), *_SPECIALS]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_random_events_keep_the_state_consistent(data: st.DataObject) -> None:
    state = start(FORM)
    for _ in range(data.draw(st.integers(0, 60))):
        kind = data.draw(
            st.sampled_from(["current", "current", "current", "other", "text", "begin"])
        )
        event: Event
        if kind == "begin":
            event = Begin()
        elif kind == "text":
            event = Text(data.draw(st.sampled_from(["7", "a@b.co", "A fine motivation.", "no"])))
        elif kind == "current":
            value = data.draw(st.sampled_from(_likely_values(state)))
            event = Press(state.round, state.step or "", value)
        else:
            offset = data.draw(st.integers(-2, 1))
            event = Press(state.round + offset, data.draw(st.sampled_from(_STEPS)), "x")
        moved = advance(FORM, state, event)
        if Stale() in moved.outputs:
            assert moved == Transition(state, (Stale(),))
        assert moved.state.round >= state.round
        applicable = {s.id for s in path(FORM, moved.state.answers)}
        assert set(moved.state.answers) <= applicable
        if moved.state.status == "in_progress":
            assert moved.state.step in applicable | {SUMMARY, EDIT_MENU}
            assert len(moved.outputs) == 1
        state = moved.state


def test_states_are_plain_values() -> None:
    state = at("email")

    assert replace(state) == state
    assert hash(Press(1, "a", "b")) == hash(Press(1, "a", "b"))
