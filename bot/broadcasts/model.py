"""What a broadcast is made of, as values: versions, media, event, state, and its tally."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot.broadcasts.audiences import Audience
from bot.runtime.i18n import N_

DRAFT = "draft"
SCHEDULED = "scheduled"
SENDING = "sending"
STOPPED = "stopped"
DONE = "done"
CANCELLED = "cancelled"

PENDING = "pending"
SENT = "sent"
UNREACHABLE = "unreachable"
FAILED = "failed"
# A failure's reason is Telegram's description, or this when the bot itself failed.
INTERNAL_ERROR = N_("internal error")
GOING = "going"
NOT_GOING = "not_going"


@dataclass(frozen=True)
class Media:
    """A photo or document staff attached, sent again by its file_id."""

    kind: str
    file_id: str


@dataclass(frozen=True)
class Event:
    """An event an announcement carries: UTC start and end, a place or a video link."""

    title: str
    start: datetime
    end: datetime
    place: str | None = None

    @property
    def link(self) -> str | None:
        """The place when it is a web address (a video link)."""
        place = (self.place or "").strip()
        return place if place.lower().startswith(("https://", "http://")) else None


@dataclass(frozen=True)
class Version:
    """The announcement in one language: HTML as sent, and plain text for excerpts."""

    language: str
    html: str
    plain: str


@dataclass(frozen=True)
class Broadcast:
    """One announcement, from draft to report."""

    id: int
    created_by: int
    created_at: str
    audience: Audience
    status: str
    versions: tuple[Version, ...] = ()
    media: Media | None = None
    event: Event | None = None
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    total: int = 0
    control: tuple[int, int] | None = None

    def version_for(self, language: str) -> Version:
        """The version a person reads: the one in her language, else the first."""
        for version in self.versions:
            if version.language == language:
                return version
        return self.versions[0]

    @property
    def open(self) -> bool:
        """Whether it is still being written or waiting for its time."""
        return self.status in (DRAFT, SCHEDULED)


@dataclass(frozen=True)
class Recipient:
    """Someone a broadcast is for, as her messages are written: her language and zone."""

    user_id: int
    language: str
    timezone: str | None


@dataclass(frozen=True)
class Tally:
    """Where a broadcast's recipient rows stand, and the answers to its event."""

    by_status: Counter[str] = field(default_factory=Counter)
    failures: tuple[tuple[str, int], ...] = ()
    going: int = 0
    not_going: int = 0

    @property
    def total(self) -> int:
        """Every recipient row."""
        return sum(self.by_status.values())

    @property
    def done(self) -> int:
        """Rows settled one way or another (delivered, unreachable, failed, stopped)."""
        return self.total - self.by_status[PENDING]
