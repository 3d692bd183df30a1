"""The shape of a form data file (pydantic), checked when the file is loaded."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["not_eligible", "review"]
StepKind = Literal["choice", "multi", "number", "text"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    """One button of a choice or multiple-choice step."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    label: str
    sets: dict[str, str] = {}
    outcome: Outcome | None = None
    reason: str | None = None
    erase: bool = False


class Condition(_Strict):
    """Asks a step only when an earlier answer has one of these values."""

    step: str
    in_: list[str] = Field(alias="in")


class NumberRule(_Strict):
    """A threshold on a number answer that changes the outcome."""

    below: int
    outcome: Outcome
    reason: str


class Step(_Strict):
    """One question of the form."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,16}$")
    kind: StepKind
    name: str
    prompt: str
    asked_of: list[str] = []
    when: Condition | None = None
    options: list[Option] = []
    prompt_by_role: dict[str, str] = {}
    validator: str | None = None
    args: dict[str, int] = {}
    hint: str | None = None
    rules: list[NumberRule] = []
    min_selected: int = 1
    skip: str | None = None  # a typed step's button label to answer nothing (value SKIPPED)


class FormRule(_Strict):
    """A named check over several answers, evaluated on confirmation."""

    check: str
    outcome: Outcome
    reason: str


class FormSpec(_Strict):
    """A whole questionnaire."""

    id: str
    role_key: str = "role"
    steps: list[Step]
    rules: list[FormRule] = []
    summary_prompt: str = ""
    texts: dict[str, str] = {}
    # False: no summary to confirm; answering the last step submits the form.
    confirm: bool = True
