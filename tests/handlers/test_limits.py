"""Telegram's limits: overall and per chat, 429 pauses, interactive replies before bulk."""

from __future__ import annotations

import asyncio

from handlers.limits import RateLimiter


class FakeTime:
    """A monotonic clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def limiter(time: FakeTime, **options: float) -> RateLimiter:
    return RateLimiter(clock=time.clock, sleep=time.sleep, **options)  # type: ignore[arg-type]


async def test_a_burst_goes_through_then_no_window_holds_more_than_the_limit() -> None:
    time = FakeTime()
    limits = limiter(time, limit=29, window=1.05)
    sent = []
    for _ in range(70):
        await limits.wait()
        sent.append(time.now)
    assert sent[:29] == [0.0] * 29, "a burst up to the limit waits for nothing"
    assert sent[29] == 1.05 and sent[58] == 2.1
    for index, instant in enumerate(sent):
        assert len([other for other in sent[: index + 1] if other > instant - 1.05]) <= 29


async def test_one_chat_gets_a_short_burst_then_about_one_a_second() -> None:
    time = FakeTime()
    limits = limiter(time, per_chat=4, chat_window=4.0)
    sent = []
    for _ in range(8):
        await limits.wait(42, bulk=True)
        sent.append(time.now)
    assert sent[:4] == [0.0] * 4
    assert sent[4:] == [4.0] * 4, "the next four wait for the first four to leave the window"
    await limits.wait(43, bulk=True)
    assert time.now == 4.0, "another chat is not held back by the first one's limit"
    for _ in range(6):
        await limits.wait(42)
    assert time.now == 4.0, "replies to her own messages are not held back"
    await limits.wait(42, bulk=True)
    assert time.now == 8.0, "but they count: what is pushed to her waits for them"


async def test_a_429_pauses_its_chat_only_and_two_chats_pause_everything() -> None:
    time = FakeTime()
    limits = limiter(time)
    limits.too_many_requests(1, 60)
    assert limits.paused(1) == 60 and limits.paused(2) == 0
    await limits.wait(2)
    assert time.now == 0.0, "a 429 on one chat does not stop the others"
    await limits.wait(1)
    assert time.now >= 60.0, "the paused chat waits for retry_after"

    limits.too_many_requests(3, 5)
    limits.too_many_requests(4, 5)  # within the same second: the bot-wide limit was hit
    start = time.now
    await limits.wait(5)
    assert time.now - start >= 5.0


async def test_interactive_replies_go_before_bulk_and_bulk_leaves_room() -> None:
    time = FakeTime()
    limits = limiter(time, limit=10, window=1.0, reserve=3)
    order: list[str] = []

    async def send(kind: str, chat: int) -> None:
        await limits.wait(chat, bulk=kind == "bulk")
        order.append(kind)

    for chat in range(7):  # bulk fills what it may of the window: 10 - 3 reserved
        await send("bulk", 100 + chat)
    assert order == ["bulk"] * 7
    waiting = asyncio.create_task(send("bulk", 200))
    await asyncio.sleep(0)
    assert not waiting.done(), "bulk never takes the reserved slots"
    for chat in range(3):
        await send("reply", chat)
    assert order[7:10] == ["reply"] * 3, "interactive replies use the reserve at once"
    await waiting
    assert order[-1] == "bulk"


async def test_tidy_edits_yield_to_replies_are_not_paced_per_chat_and_give_up_in_time() -> None:
    time = FakeTime()
    limits = limiter(time, limit=10, window=1.0, reserve=3, per_chat=2, chat_window=4.0)
    for _ in range(5):  # her own chat: tidy edits answer her action, no per-chat pacing
        assert await limits.wait(42, tidy=True)
    assert time.now == 0.0
    for _ in range(2):
        await limits.wait(42)
    assert not await limits.wait(43, tidy=True, deadline=0.5), "the reserve is for replies"
    assert time.now <= 0.5
    reply = asyncio.create_task(limits.wait(44))
    tidy = asyncio.create_task(limits.wait(45, tidy=True, deadline=5.0))
    await asyncio.gather(reply, tidy)
    assert tidy.result() is True and time.now == 1.0
    assert limits.now() == time.now
