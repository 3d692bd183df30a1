"""What each meetings step returns: plain values the handlers render, nothing to do with I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.meetings.slots import NearMiss
from bot.meetings.store import Answer, Duo, Meeting, Offer


@dataclass(frozen=True)
class Stale:
    """The press acts on nothing any more: an old message, a changed meeting, forged data."""


@dataclass(frozen=True)
class Upcoming:
    """The pair has a booked meeting that has not ended."""

    duo: Duo
    meeting: Meeting


@dataclass(frozen=True)
class Pending:
    """A time was proposed and not answered yet (by duo.me or to her)."""

    duo: Duo
    meeting: Meeting


@dataclass(frozen=True)
class Offered:
    """Times that suit both, for duo.me to pick from."""

    duo: Duo
    offer: Offer


@dataclass(frozen=True)
class Missing:
    """One of the two has no availability; `mine` says whether it is duo.me."""

    duo: Duo
    mine: bool


@dataclass(frozen=True)
class NoSlot:
    """No time suits both; `miss` is where they come closest."""

    duo: Duo
    miss: NearMiss | None


Situation = Upcoming | Pending | Offered | Missing | NoSlot


@dataclass(frozen=True)
class Proposed:
    """duo.me picked a time; the other was asked."""

    duo: Duo
    meeting: Meeting


@dataclass(frozen=True)
class Moved:
    """duo.me moved a booked meeting; it was at `before`."""

    duo: Duo
    meeting: Meeting
    before: datetime


@dataclass(frozen=True)
class Confirmed:
    """duo.me accepted; the meeting is booked."""

    duo: Duo
    meeting: Meeting


@dataclass(frozen=True)
class Declined:
    """duo.me declined; `then` is what she may pick instead."""

    duo: Duo
    meeting: Meeting
    then: Offered | NoSlot


@dataclass(frozen=True)
class Dropped:
    """duo.me cancelled a booked meeting, or withdrew her proposal (status says which)."""

    duo: Duo
    meeting: Meeting


@dataclass(frozen=True)
class Unavailable:
    """The picked time no longer suits both (or is too soon); what /meet shows now instead."""

    now: Situation


@dataclass(frozen=True)
class FollowedUp:
    """duo.me answered whether a meeting took place; `absent` is who did not come, if anyone.

    `recorded` is False when she had answered already (her first answer stands).
    """

    duo: Duo
    meeting: Meeting
    answer: Answer
    recorded: bool

    @property
    def absent(self) -> int | None:
        """Whom she reported as not coming."""
        return self.duo.other.user_id if self.answer == Answer.NO_SHOW else None
