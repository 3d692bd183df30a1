"""Check-ins as stored: statuses, reasons, and a `checkins` row as the form runner sees it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.checkins.steps import YES, CheckinStep
from bot.checkins.view import Asked
from bot.runtime.db import Row
from dialogs.runner_types import SKIPPED, FormState, Value

OPEN = "open"
ANSWERED = "answered"
MISSED = "missed"
CLOSED = "closed"

RATING, WORKED_ON = CheckinStep.RATING.value, CheckinStep.WORKED_ON.value
HELP, HELP_TEXT = CheckinStep.HELP.value, CheckinStep.HELP_TEXT.value


class Reason(StrEnum):
    """Why a check-in was opened (checkins.reason)."""

    CADENCE = "cadence"
    MEETING = "meeting"
    ASKED = "asked"
    STAFF = "staff"


@dataclass(frozen=True)
class Checkin:
    """One check-in asked of one person about one pair, as stored."""

    id: int
    user_id: int
    pair_id: int
    reason: str
    status: str
    state: FormState
    asked: Asked | None
    shown: bool
    opened_at: str
    reminded_at: str | None


@dataclass(frozen=True)
class Started:
    """What a staff round did: check-ins opened, and people who had one open already."""

    started: int
    already_open: int


@dataclass(frozen=True)
class UnknownCohort:
    """/checkins_now named a cohort that does not exist."""

    code: str


def answers_of(row: Row) -> dict[str, Value]:
    """Her answers so far, from the typed columns (a skipped step reads as SKIPPED)."""
    answers: dict[str, Value] = {}
    if row["rating"] is not None:
        answers[RATING] = str(row["rating"])
        if row["worked_on"] is not None:
            answers[WORKED_ON] = row["worked_on"]
        elif row["step"] != WORKED_ON:
            answers[WORKED_ON] = SKIPPED
    if row["needs_help"] is not None:
        answers[HELP] = YES if row["needs_help"] else "no"
    if row["help_text"] is not None:
        answers[HELP_TEXT] = row["help_text"]
    return answers


def checkin_from_row(row: Row) -> Checkin:
    """A check-in from its row."""
    status = row["status"]
    state = FormState(
        step=row["step"] if status == OPEN else None,
        round=row["round"],
        answers=answers_of(row),
        status="in_progress" if status == OPEN else "submitted",
    )
    asked = (
        Asked(row["asked_message"], row["asked_as"]) if row["asked_message"] is not None else None
    )
    return Checkin(
        id=row["id"],
        user_id=row["user_id"],
        pair_id=row["pair_id"],
        reason=row["reason"],
        status=status,
        state=state,
        asked=asked,
        shown=row["shown_at"] is not None,
        opened_at=row["opened_at"],
        reminded_at=row["reminded_at"],
    )


def stored_values(
    answers: dict[str, Value],
) -> tuple[int | None, str | None, int | None, Value | None]:
    rating = answers.get(RATING)
    worked_on = answers.get(WORKED_ON)
    helped = answers.get(HELP)
    return (
        int(rating) if isinstance(rating, str) else None,
        worked_on if isinstance(worked_on, str) and worked_on != SKIPPED else None,
        None if helped is None else int(helped == YES),
        answers.get(HELP_TEXT),
    )
