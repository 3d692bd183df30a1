"""Values exchanged with the form runner: state, events and outputs (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Value = str | int | tuple[str, ...]
Status = Literal["in_progress", "not_eligible", "submitted", "declined"]
Outcome = Literal["eligible", "needs_review"]

SUMMARY = "summary"
EDIT_MENU = "edit"
DONE = "done"
CONFIRM = "confirm"
EDIT = "edit"
BACK = "back"
SKIP = "skip"  # the press value of a typed step's skip button
SKIPPED = ""  # the answer a skipped typed step records


@dataclass(frozen=True)
class FormState:
    """Where a person is in a form and what she answered."""

    step: str | None
    round: int = 0
    answers: Mapping[str, Value] = field(default_factory=dict)
    draft: tuple[str, ...] = ()
    status: Status = "in_progress"


@dataclass(frozen=True)
class Begin:
    """Shows the current step again (start, resume, language change)."""


@dataclass(frozen=True)
class Text:
    """A typed answer."""

    text: str


@dataclass(frozen=True)
class Press:
    """A button press, as decoded from untrusted callback data."""

    round: int
    step: str
    value: str


Event = Begin | Text | Press


@dataclass(frozen=True)
class Ask:
    """Ask a step (with its current selection and an optional hint msgid)."""

    step: str
    round: int
    selected: tuple[str, ...] = ()
    hint: str | None = None


@dataclass(frozen=True)
class Reselect:
    """Update the buttons of a multiple-choice question in place."""

    step: str
    round: int
    selected: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    """Show all answers with Confirm and Edit."""

    round: int


@dataclass(frozen=True)
class EditMenu:
    """List the answered steps that can be asked again."""

    round: int
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Remind:
    """Point to the buttons of what is shown, with those buttons again (after typed text that
    is none of them), without repeating the whole question."""

    shown: Ask | Summary | EditMenu


@dataclass(frozen=True)
class Stale:
    """The button belongs to an older message: nothing changes."""


@dataclass(frozen=True)
class Ineligible:
    """The application ends: a criterion was not met."""

    step: str
    reason: str


@dataclass(frozen=True)
class Declined:
    """Consent refused: everything stored is to be erased."""


@dataclass(frozen=True)
class Submitted:
    """The application was confirmed."""

    outcome: Outcome
    reasons: tuple[str, ...]


Output = Ask | Reselect | Summary | EditMenu | Remind | Stale | Ineligible | Declined | Submitted


@dataclass(frozen=True)
class Transition:
    """The new state and what to show."""

    state: FormState
    outputs: tuple[Output, ...]
