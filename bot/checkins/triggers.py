"""What makes staff hear of a pair early: the triggers a check-in or a meeting raises.

The check-in service (and the meetings' follow-up, for a no-show) calls its `Escalate` hooks
with a Trigger inside the transaction that records what triggered it, so the alert commits
with the answer or not at all; bot.checkins.alerts turns a trigger into alerts to staff.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

import aiosqlite


class Kind(StrEnum):
    """Why staff are alerted (the checkin_alerts.kind values)."""

    LOW_RATING = "low_rating"  # a check-in rated 1 or 2
    HELP = "help"  # `Yes` to "do you need help from the program team"
    MISSED = "missed"  # two check-ins in a row missed by the same person
    NO_SHOW = "no_show"  # she reported that the other person did not come to a meeting


LOW_RATING_AT_MOST = 2


@dataclass(frozen=True)
class Trigger:
    """One reason to alert staff about one person of one pair.

    `user_id` is the person the alert is about: the one who answered the check-in, missed
    it, or reported the no-show (her answers and her report are what staff read).
    """

    kind: Kind
    user_id: int
    pair_id: int
    checkin_id: int | None = None
    meeting_id: int | None = None


Escalate = Callable[[aiosqlite.Connection, Trigger], Awaitable[None]]
