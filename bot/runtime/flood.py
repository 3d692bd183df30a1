"""The per-person inbound limit: a flood from one person is noticed once, then ignored a while.

Someone (or a script on her account) sending messages or presses faster than anyone reads
them would keep her worker busy and fill the database; the rule is counted per person, so
it never slows anyone else. Beyond `count` updates handled in `window` seconds, her queued
updates are set aside unhandled, she is told once, and what she sends during `quiet`
seconds is set aside too. The limits are far above what a person does by hand, even
toggling every cell of a weekly grid.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    """What to do with a person's next update."""

    HANDLE = "handle"
    FLOODED = "flooded"  # she just went over the limit: set aside, and tell her once
    IGNORE = "ignore"  # still within the quiet time: set aside, say nothing


@dataclass
class _Person:
    times: deque[float] = field(default_factory=deque)
    quiet_until: float = 0.0


class FloodGate:
    """Counts each person's updates in a sliding window (monotonic time, injectable)."""

    def __init__(
        self,
        count: int = 30,
        window: float = 10.0,
        quiet: float = 30.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.count = count
        self.window = window
        self.quiet = quiet
        self.now = now
        self._people: dict[int, _Person] = {}

    def check(self, person: int) -> Verdict:
        """Counts one update of the person and says what to do with it."""
        now = self.now()
        state = self._people.setdefault(person, _Person())
        if now < state.quiet_until:
            return Verdict.IGNORE
        while state.times and state.times[0] <= now - self.window:
            state.times.popleft()
        state.times.append(now)
        if len(state.times) <= self.count:
            return Verdict.HANDLE
        state.times.clear()
        state.quiet_until = now + self.quiet
        return Verdict.FLOODED

    def forget_idle(self) -> None:
        """Drops the counts of people with nothing recent (keeps memory flat)."""
        now = self.now()
        recent = now - self.window
        idle = [
            person
            for person, state in self._people.items()
            if now >= state.quiet_until and (not state.times or state.times[-1] <= recent)
        ]
        for person in idle:
            del self._people[person]

    def __len__(self) -> int:
        return len(self._people)
