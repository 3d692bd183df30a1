"""Telegram's sending limits, in one place: overall, per chat, and the pauses a 429 asks for.

Telegram lets a bot send about 30 messages a second overall and about one a second to one
chat (short bursts allowed), and answers 429 with `retry_after` beyond that. Every send, an
interactive reply or a background outbox message, takes its slot here first.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import timedelta

Sleep = Callable[[float], Awaitable[None]]

# A 429 on a second chat this soon after one on another chat means the bot-wide limit was hit.
GLOBAL_429_WINDOW = 2.0
# A send still unanswered this long after it went counts as seen by Telegram then (a hanging
# request must not hold every other send back).
MAX_TRANSIT = 1.0


def seconds_of(delay: timedelta | float) -> float:
    """A `retry_after` in seconds (PTB gives a timedelta or a number, by its settings)."""
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


class Slot:
    """One send's place in the overall window: when it went, and when Telegram answered it."""

    __slots__ = ("answered", "taken")

    def __init__(self, taken: float) -> None:
        self.taken = taken
        self.answered: float | None = None

    def seen_by(self) -> float:
        """The latest instant Telegram can have received it: its answer (or MAX_TRANSIT on)."""
        latest = self.taken + MAX_TRANSIT
        return latest if self.answered is None else min(self.answered, latest)


class _Arrivals:
    """The overall window, on Telegram's side: at most `limit` sends in any `window` seconds.

    Telegram counts a send when it arrives, somewhere between the moment it went and its
    answer. Counting each from its answer (not from when it went) keeps the limit however
    long requests take on the way: a process or network stall that bunches requests up
    delays their answers too, and so the sends after them.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.slots: deque[Slot] = deque()

    def free_at(self, now: float) -> float:
        """When the next send may go (now if a slot is free)."""
        while self.slots and self.slots[0].seen_by() <= now - self.window:
            self.slots.popleft()
        if len(self.slots) < self.limit:
            return now
        older = itertools.islice(self.slots, 0, len(self.slots) - self.limit + 1)
        return max(slot.seen_by() for slot in older) + self.window


class _Window:
    """Send times inside a sliding window."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.sent: deque[float] = deque()

    def free_at(self, now: float) -> float:
        """When the next send may go (now if a slot is free)."""
        while self.sent and self.sent[0] <= now - self.window:
            self.sent.popleft()
        if len(self.sent) < self.limit:
            return now
        return self.sent[len(self.sent) - self.limit] + self.window


class RateLimiter:
    """At most `limit` sends in any `window` seconds overall; bulk sends `per_chat` a chat.

    Telegram's "about one message a second per chat" is about what a bot pushes: a reply to a
    person's own message or press is paced by her, and holding it back would only make her
    wait. So the per-chat window (which counts every send) holds back bulk sends only; a 429
    on a chat pauses everything sent to it.

    Interactive replies go first: a bulk send waits while any interactive send waits. Bulk
    sends (the outbox, broadcasts) are also paced evenly, one every `window / limit` seconds,
    never in a burst: a long queue of them keeps the window full without ever taking a whole
    second's slots at once, so a person's next question waits about one interval (34 ms) for
    a slot, and a broadcast runs at the limit (about 29 a second, less the time Telegram takes
    to answer) when nobody else is chatting. Tidy edits (closing an answered question) yield
    to replies the same way but, answering her own action, are paced neither per chat nor on
    the bulk beat; so are the later messages of one long answer (`tidy` too: what the
    sender passes past its first few messages), which would otherwise take the whole window
    from everyone else's replies. A
    429 pauses sends to its chat for `retry_after`; 429s on two chats close together, or
    `pause_all`, pause every send.

    Each send counts in the overall window from Telegram's answer to it (see `_Arrivals`),
    so the window holds on Telegram's side too; the defaults keep 5 ms on top. Per chat, bulk
    gets a burst of 4 then one a second.
    """

    def __init__(
        self,
        limit: int = 30,
        window: float = 1.005,
        per_chat: int = 4,
        chat_window: float = 4.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._overall = _Arrivals(limit, window)
        self._per_chat = per_chat
        self._chat_window = chat_window
        self._interval = window / limit
        self._bulk_next = 0.0
        self._chats: dict[int, _Window] = {}
        self._chat_paused: dict[int, float] = {}
        self._paused_until = 0.0
        self._last_429: tuple[float, int] | None = None
        self._clock = clock
        self._sleep = sleep
        self._interactive_waiting = 0
        self._lock = asyncio.Lock()

    def _chat(self, chat_id: int) -> _Window:
        window = self._chats.get(chat_id)
        if window is None:
            window = self._chats[chat_id] = _Window(self._per_chat, self._chat_window)
        return window

    def _ready_at(self, chat_id: int | None, bulk: bool, now: float) -> float:
        at = max(self._paused_until, self._overall.free_at(now))
        if chat_id is not None:
            at = max(at, self._chat_paused.get(chat_id, 0.0))
            if bulk:  # replies are paced by the person herself; what we push is paced here
                at = max(at, self._chat(chat_id).free_at(now))
        return max(at, self._bulk_next) if bulk else at

    async def wait(
        self,
        chat_id: int | None = None,
        bulk: bool = False,
        tidy: bool = False,
        deadline: float | None = None,
    ) -> Slot | None:
        """Waits for a free slot for this chat (interactive before bulk and tidy) and takes it;
        None, with nothing taken, when none comes by `deadline` (on this limiter's clock).

        Tell `answered(slot)` when Telegram answers the send.
        """
        yields = bulk or tidy
        if not yields:
            self._interactive_waiting += 1
        try:
            while True:
                async with self._lock:
                    now = self._clock()
                    at = self._ready_at(chat_id, bulk, now)
                    if at <= now and not (yields and self._interactive_waiting):
                        slot = Slot(now)
                        self._overall.slots.append(slot)
                        if bulk:  # on a fixed beat: a late wake-up does not slow the beat
                            base = max(self._bulk_next, now - self._interval)
                            self._bulk_next = base + self._interval
                        if chat_id is not None:
                            self._chat(chat_id).sent.append(now)
                        self._forget_idle(now)
                        return slot
                    if deadline is not None and max(at, now + 0.01) > deadline:
                        return None
                # Sleep outside the lock: other chats whose slot is free go meanwhile.
                await self._sleep(max(at - now, 0.01))
        finally:
            if not yields:
                self._interactive_waiting -= 1

    def too_many_requests(self, chat_id: int | None, retry_after: float) -> None:
        """Records a 429: pauses that chat, or every send when the limit hit was bot-wide."""
        now = self._clock()
        until = now + retry_after
        previous = self._last_429
        self._last_429 = (now, chat_id or 0)
        bot_wide = (
            previous is not None
            and previous[1] != chat_id
            and now - previous[0] <= GLOBAL_429_WINDOW
        )
        if chat_id is None or bot_wide:
            self._paused_until = max(self._paused_until, until)
        if chat_id is not None:
            self._chat_paused[chat_id] = max(self._chat_paused.get(chat_id, 0.0), until)

    def now(self) -> float:
        """This limiter's clock (for deadlines)."""
        return self._clock()

    def answered(self, slot: Slot) -> None:
        """Records that Telegram answered a send (it was received by then)."""
        slot.answered = self._clock()

    def pause_all(self, retry_after: float) -> None:
        """Pauses every send for `retry_after` seconds (Telegram's bot-wide flood control)."""
        self._paused_until = max(self._paused_until, self._clock() + retry_after)

    def paused(self, chat_id: int | None = None) -> float:
        """Seconds until this chat (or, with None, any chat) may be sent to again (0: now)."""
        now = self._clock()
        chat = self._chat_paused.get(chat_id, 0.0) if chat_id is not None else 0.0
        return max(self._paused_until, chat, now) - now

    def _forget_idle(self, now: float) -> None:
        if len(self._chats) < 4096:
            return
        for chat_id in [c for c, w in self._chats.items() if w.free_at(now) == now]:
            if not self._chats[chat_id].sent:  # free_at dropped every send out of the window
                del self._chats[chat_id]
        for chat_id in [c for c, until in self._chat_paused.items() if until <= now]:
            del self._chat_paused[chat_id]
