"""Loads a form data file and checks it completely before the bot answers anyone."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Collection, Iterator, Mapping
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from dialogs.checks import CHECKS
from dialogs.schema import FormSpec, Option, Step
from dialogs.validators import VALIDATORS

FLOWS_DIR = Path(__file__).resolve().parent / "flows"
CALLBACK_LIMIT = 64


class FormError(Exception):
    """A form data file is invalid; the message says where."""


class Form:
    """A validated form with fast lookups."""

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec
        self.steps: tuple[Step, ...] = tuple(spec.steps)
        self.by_id: Mapping[str, Step] = {step.id: step for step in spec.steps}

    @property
    def id(self) -> str:
        """The form's id."""
        return self.spec.id

    def option(self, step_id: str, option_id: str) -> Option | None:
        """Finds an option of a step."""
        step = self.by_id.get(step_id)
        if step is None:
            return None
        return next((option for option in step.options if option.id == option_id), None)

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles that options can set."""
        return frozenset(
            option.sets[self.spec.role_key]
            for step in self.steps
            for option in step.options
            if self.spec.role_key in option.sets
        )

    def msgids(self) -> Iterator[str]:
        """Every translatable text of the form."""
        if self.spec.summary_prompt:
            yield self.spec.summary_prompt
        yield from self.spec.texts.values()
        for step in self.steps:
            yield step.name
            yield step.prompt
            yield from step.prompt_by_role.values()
            if step.hint:
                yield step.hint
            if step.skip:
                yield step.skip
            for option in step.options:
                yield option.label
                if option.reason:
                    yield option.reason
            for rule in step.rules:
                yield rule.reason
        for form_rule in self.spec.rules:
            yield form_rule.reason


def _check(form: Form) -> None:
    seen: set[str] = set()
    for step in form.steps:
        if step.id in seen:
            raise FormError(f"step {step.id!r} is defined twice")
        if step.when is not None and step.when.step not in seen:
            raise FormError(
                f"step {step.id!r}: 'when' names unknown or later step {step.when.step!r}"
            )
        seen.add(step.id)
        unknown_roles = set(step.asked_of) - form.roles
        if unknown_roles:
            raise FormError(f"step {step.id!r}: unknown roles {sorted(unknown_roles)}")
        unknown_prompt_roles = set(step.prompt_by_role) - form.roles
        if unknown_prompt_roles:
            raise FormError(f"step {step.id!r}: unknown roles {sorted(unknown_prompt_roles)}")
        if step.kind in ("choice", "multi"):
            if not step.options:
                raise FormError(f"step {step.id!r}: a {step.kind} step needs options")
            ids = [option.id for option in step.options]
            if len(set(ids)) != len(ids):
                raise FormError(f"step {step.id!r}: option ids repeat")
            for option in step.options:
                if option.outcome and not option.reason:
                    raise FormError(f"step {step.id!r}: option {option.id!r} needs a reason")
                longest = f"q:99999:{step.id}:{option.id}"
                if len(longest.encode()) > CALLBACK_LIMIT:
                    raise FormError(f"step {step.id!r}: option {option.id!r} id is too long")
        else:
            if step.options:
                raise FormError(f"step {step.id!r}: a {step.kind} step has no options")
            if step.validator not in VALIDATORS:
                raise FormError(f"step {step.id!r}: unknown validator {step.validator!r}")
            if not step.hint:
                raise FormError(f"step {step.id!r}: a typed answer needs a hint")
        if step.skip is not None and step.kind in ("choice", "multi"):
            raise FormError(f"step {step.id!r}: only a typed step can have a skip button")
    if form.spec.confirm and not form.spec.summary_prompt:
        raise FormError("a form with a confirmation needs a summary_prompt")
    for rule in form.spec.rules:
        if rule.check not in CHECKS:
            raise FormError(f"unknown rule check {rule.check!r}")


def load_form(
    path: Path,
    translated: Callable[[str], list[str]] | None = None,
    requires: Collection[str] = (),
) -> Form:
    """Reads, validates and returns a form; `translated(msgid)` lists languages missing it.

    `requires` names the step ids code relies on: a form without one of them is refused.
    """
    try:
        with path.open("rb") as handle:
            spec = FormSpec.model_validate(tomllib.load(handle))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as error:
        raise FormError(f"{path.name}: {error}") from None
    form = Form(spec)
    missing_steps = [step for step in requires if step not in form.by_id]
    if missing_steps:
        raise FormError(
            f"{path.name}: the code relies on steps missing from the file: "
            + ", ".join(sorted(missing_steps))
        )
    try:
        _check(form)
    except FormError as error:
        raise FormError(f"{path.name}: {error}") from None
    if translated is not None:
        for msgid in form.msgids():
            missing = translated(msgid)
            if missing:
                raise FormError(
                    f"{path.name}: {msgid[:60]!r} is not translated in {', '.join(missing)}"
                )
    return form
