"""Flood control: sliding windows over the bot's sending calls, overall and per chat."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

from bot.emulator.errors import ApiError
from bot.emulator.state import Clock


def too_many_requests(retry_after: int) -> ApiError:
    """Returns Telegram's 429 answer."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class SlidingWindow:
    """At most `limit` calls in any sliding window of `window`."""

    def __init__(self, limit: int, window: timedelta) -> None:
        if limit < 1:
            raise ValueError("a rate limit must allow at least 1 call")
        if window <= timedelta(0):
            raise ValueError("a rate limit window must be positive")
        self.limit = limit
        self.window = window
        self._calls: deque[datetime] = deque()

    def retry_after(self, now: datetime) -> int | None:
        """Returns the whole seconds to wait before one more call, or None if it may go now."""
        while self._calls and self._calls[0] <= now - self.window:
            self._calls.popleft()
        if len(self._calls) < self.limit:
            return None
        wait = (self._calls[0] + self.window - now).total_seconds()
        return max(1, math.ceil(wait))

    def record(self, now: datetime) -> None:
        """Counts one call."""
        self._calls.append(now)


class RateLimit:
    """Allows at most `per_second` calls in any sliding one-second window of the clock."""

    def __init__(self, per_second: int, clock: Clock) -> None:
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self.per_second = per_second
        self._clock = clock
        self._window = SlidingWindow(per_second, timedelta(seconds=1))

    def retry_after(self) -> int | None:
        """Returns the seconds to wait before one more call, or None."""
        return self._window.retry_after(self._clock.now())

    def record(self) -> None:
        """Counts one call."""
        self._window.record(self._clock.now())

    def check(self) -> None:
        """Counts one call, or raises 429 `Too Many Requests: retry after N`."""
        wait = self.retry_after()
        if wait is not None:
            raise too_many_requests(wait)
        self.record()

    def reset(self) -> None:
        """Forgets past calls."""
        self._window = SlidingWindow(self.per_second, timedelta(seconds=1))


class ChatRateLimit:
    """Allows at most `limit` calls to one chat in any sliding window of `seconds`."""

    def __init__(self, limit: int, seconds: float, clock: Clock) -> None:
        SlidingWindow(limit, timedelta(seconds=seconds))  # validates the arguments
        self.limit = limit
        self.seconds = seconds
        self._clock = clock
        self._chats: dict[int, SlidingWindow] = {}

    def _window(self, chat_id: int) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            window = self._chats[chat_id] = SlidingWindow(
                self.limit, timedelta(seconds=self.seconds)
            )
        return window

    def retry_after(self, chat_id: int) -> int | None:
        """Returns the seconds to wait before one more call to this chat, or None."""
        return self._window(chat_id).retry_after(self._clock.now())

    def record(self, chat_id: int) -> None:
        """Counts one call to this chat."""
        self._window(chat_id).record(self._clock.now())

    def reset(self) -> None:
        """Forgets past calls."""
        self._chats.clear()
