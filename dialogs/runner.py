"""The pure form runner: `advance(form, state, event) -> Transition`, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from dialogs.checks import CHECKS
from dialogs.loader import Form
from dialogs.runner_types import (
    BACK,
    CONFIRM,
    DONE,
    EDIT,
    EDIT_MENU,
    SKIP,
    SKIPPED,
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
    Value,
)
from dialogs.schema import Step
from dialogs.validators import VALIDATORS

NOT_EDITABLE = frozenset({"consent"})


def role_of(form: Form, answers: Mapping[str, Value]) -> str | None:
    """The role set by the answers so far, if any."""
    for step in form.steps:
        value = answers.get(step.id)
        if isinstance(value, str):
            option = form.option(step.id, value)
            if option is not None and form.spec.role_key in option.sets:
                return option.sets[form.spec.role_key]
    return None


def applies(form: Form, step: Step, answers: Mapping[str, Value]) -> bool:
    """Whether a step is asked of this person, given her answers."""
    if step.asked_of and role_of(form, answers) not in step.asked_of:
        return False
    return step.when is None or answers.get(step.when.step) in step.when.in_


def path(form: Form, answers: Mapping[str, Value]) -> tuple[Step, ...]:
    """The steps that apply to this person, in order."""
    return tuple(step for step in form.steps if applies(form, step, answers))


def settings_of(form: Form, answers: Mapping[str, Value]) -> dict[str, str]:
    """What the chosen options set (role, time zone...)."""
    result: dict[str, str] = {}
    for step in path(form, answers):
        value = answers.get(step.id)
        if isinstance(value, str):
            option = form.option(step.id, value)
            if option is not None:
                result.update(option.sets)
    return result


def _prune(form: Form, answers: Mapping[str, Value]) -> dict[str, Value]:
    kept = dict(answers)
    for step in form.steps:
        if step.id in kept and not applies(form, step, kept):
            del kept[step.id]
    return kept


def _next_step(form: Form, answers: Mapping[str, Value]) -> str:
    for step in path(form, answers):
        if step.id not in answers:
            return step.id
    return SUMMARY


def start(form: Form) -> FormState:
    """A new, empty application at its first step."""
    return FormState(step=form.steps[0].id)


def _show(form: Form, state: FormState, hint: str | None = None) -> Ask | Summary | EditMenu:
    if state.step == SUMMARY:
        return Summary(state.round)
    if state.step == EDIT_MENU:
        return EditMenu(state.round, editable_steps(form, state.answers))
    assert state.step is not None
    return Ask(state.step, state.round, state.draft, hint)


def shown(form: Form, state: FormState) -> Ask | Summary | EditMenu | None:
    """What the current step shows (its buttons included), or None once the form ended."""
    if state.status != "in_progress" or state.step is None:
        return None
    return _show(form, state)


def editable_steps(form: Form, answers: Mapping[str, Value]) -> tuple[str, ...]:
    """The answered steps that the Edit menu offers."""
    return tuple(
        step.id
        for step in path(form, answers)
        if step.id in answers and step.id not in NOT_EDITABLE
    )


def _enter(form: Form, state: FormState, step_id: str) -> FormState:
    draft: tuple[str, ...] = ()
    step = form.by_id.get(step_id)
    if step is not None and step.kind == "multi":
        current = state.answers.get(step_id)
        draft = current if isinstance(current, tuple) else ()
    return replace(state, step=step_id, round=state.round + 1, draft=draft)


def _apply(form: Form, state: FormState, step: Step, value: Value) -> Transition:
    answers = _prune(form, {**state.answers, step.id: value})
    option = form.option(step.id, value) if isinstance(value, str) and step.options else None
    reason = None
    if option is not None and option.outcome == "not_eligible":
        reason = option.reason
    for rule in step.rules:
        if isinstance(value, int) and value < rule.below and rule.outcome == "not_eligible":
            reason = rule.reason
    if option is not None and option.erase:
        done = replace(state, step=None, answers=answers, round=state.round + 1, status="declined")
        return Transition(done, (Declined(),))
    if reason is not None:
        ended = replace(
            state,
            step=None,
            answers=answers,
            round=state.round + 1,
            draft=(),
            status="not_eligible",
        )
        return Transition(ended, (Ineligible(step.id, reason),))
    next_step = _next_step(form, answers)
    if next_step == SUMMARY and not form.spec.confirm:
        return _submit(form, replace(state, answers=answers))
    moved = _enter(form, replace(state, answers=answers), next_step)
    return Transition(moved, (_show(form, moved),))


def _submit(form: Form, state: FormState) -> Transition:
    reasons = evaluate(form, state.answers)
    done = replace(state, step=None, round=state.round + 1, draft=(), status="submitted")
    return Transition(done, (Submitted("needs_review" if reasons else "eligible", reasons),))


def evaluate(form: Form, answers: Mapping[str, Value]) -> tuple[str, ...]:
    """The reasons, in form order, why a confirmed application needs review."""
    reasons: list[str] = []
    for step in path(form, answers):
        value = answers.get(step.id)
        if isinstance(value, str):
            option = form.option(step.id, value)
            if option is not None and option.outcome == "review" and option.reason:
                reasons.append(option.reason)
        if isinstance(value, int):
            reasons.extend(
                rule.reason
                for rule in step.rules
                if value < rule.below and rule.outcome == "review"
            )
    reasons.extend(rule.reason for rule in form.spec.rules if CHECKS[rule.check](answers))
    return tuple(reasons)


def _text(form: Form, state: FormState, text: str) -> Transition:
    step = form.by_id.get(state.step or "")
    if step is None or step.kind in ("choice", "multi"):
        return Transition(state, (Remind(_show(form, state)),))
    assert step.validator is not None
    value = VALIDATORS[step.validator](text.strip(), step.args)
    if value is None:
        return Transition(state, (_show(form, state, step.hint),))
    return _apply(form, state, step, value)


def _press(form: Form, state: FormState, press: Press) -> Transition:
    if press.round != state.round or press.step != state.step:
        return Transition(state, (Stale(),))
    if state.step == SUMMARY:
        if press.value == CONFIRM:
            return _submit(form, state)
        if press.value == EDIT:
            menu = replace(state, step=EDIT_MENU, round=state.round + 1)
            return Transition(menu, (_show(form, menu),))
        return Transition(state, (Stale(),))
    if state.step == EDIT_MENU:
        if press.value == BACK:
            back = replace(state, step=SUMMARY, round=state.round + 1)
            return Transition(back, (_show(form, back),))
        if press.value not in editable_steps(form, state.answers):
            return Transition(state, (Stale(),))
        moved = _enter(form, state, press.value)
        return Transition(moved, (_show(form, moved),))
    step = form.by_id[state.step]
    if step.kind == "multi":
        return _multi(form, state, step, press.value)
    if step.skip is not None and press.value == SKIP:
        return _apply(form, state, step, SKIPPED)
    if step.kind != "choice" or form.option(step.id, press.value) is None:
        return Transition(state, (Stale(),))
    return _apply(form, state, step, press.value)


def _multi(form: Form, state: FormState, step: Step, value: str) -> Transition:
    if value == DONE:
        if len(state.draft) < step.min_selected:
            return Transition(state, (_show(form, state, step.hint),))
        order = [option.id for option in step.options]
        chosen = tuple(sorted(state.draft, key=order.index))
        return _apply(form, state, step, chosen)
    if form.option(step.id, value) is None:
        return Transition(state, (Stale(),))
    if value in state.draft:
        draft = tuple(item for item in state.draft if item != value)
    else:
        draft = (*state.draft, value)
    toggled = replace(state, draft=draft)
    return Transition(toggled, (Reselect(step.id, state.round, draft),))


def advance(form: Form, state: FormState, event: Event) -> Transition:
    """Applies one event to a form state and says what to show."""
    if state.status != "in_progress" or state.step is None:
        return Transition(state, (Stale(),) if isinstance(event, Press) else ())
    if isinstance(event, Begin):
        return Transition(state, (_show(form, state),))
    if isinstance(event, Text):
        return _text(form, state, event.text)
    return _press(form, state, event)
