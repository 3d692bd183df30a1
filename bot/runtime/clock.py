"""The clock port: real time in production, a movable clock in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """Returns the current UTC instant."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to, and tells whoever sleeps by it when it does."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._watchers: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """Returns the frozen instant."""
        return self._now

    def watch(self, moved: Callable[[], None]) -> None:
        """Calls `moved` after each move (a loop sleeping until a due time looks again)."""
        self._watchers.append(moved)

    def advance(self, delta: timedelta) -> None:
        """Moves the clock forward."""
        self.set(self._now + delta)

    def set(self, instant: datetime) -> None:
        """Sets the clock to an instant."""
        self._now = instant
        for moved in self._watchers:
            moved()
