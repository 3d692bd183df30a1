"""The check-in form's step ids and option that code reads (dialogs/flows/checkin.toml); the
loader refuses a check-in flow that lacks one of these steps."""

from __future__ import annotations

from enum import StrEnum


class CheckinStep(StrEnum):
    """A step of the check-in flow, each stored in its own column of `checkins`."""

    RATING = "rating"
    WORKED_ON = "worked_on"
    HELP = "help"
    HELP_TEXT = "help_text"


YES = "yes"  # the `help` option that asks for a text and raises Kind.HELP
