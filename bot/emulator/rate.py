"""Flood control: a sliding one-second window over the bot's sending calls."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

from bot.emulator.errors import ApiError
from bot.emulator.state import Clock

_WINDOW = timedelta(seconds=1)


class RateLimit:
    """Allows at most `per_second` calls in any sliding one-second window of the clock."""

    def __init__(self, per_second: int, clock: Clock) -> None:
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self.per_second = per_second
        self._clock = clock
        self._calls: deque[datetime] = deque()

    def check(self) -> None:
        """Counts one call, or raises 429 `Too Many Requests: retry after N`."""
        now = self._clock.now()
        while self._calls and self._calls[0] <= now - _WINDOW:
            self._calls.popleft()
        if len(self._calls) >= self.per_second:
            wait = (self._calls[0] + _WINDOW - now).total_seconds()
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        self._calls.append(now)

    def reset(self) -> None:
        """Forgets past calls."""
        self._calls.clear()
