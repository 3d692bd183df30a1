"""Telegram's limits: overall and per chat, 429 pauses, interactive replies before bulk."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from handlers.limits import MAX_TRANSIT, RateLimiter, Slot


class FakeTime:
    """A monotonic clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


class Limiter(RateLimiter):
    """The limiter with sends Telegram answers at once (unless told otherwise)."""

    async def wait(
        self,
        chat_id: int | None = None,
        bulk: bool = False,
        tidy: bool = False,
        deadline: float | None = None,
    ) -> Slot | None:
        slot = await super().wait(chat_id, bulk, tidy, deadline)
        if slot is not None:
            self.answered(slot)
        return slot


def limiter(time: FakeTime, **options: float) -> RateLimiter:
    return Limiter(clock=time.clock, sleep=time.sleep, **options)  # type: ignore[arg-type]


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
    assert sent[3] < 0.2, "four go at once (paced like any bulk send)"
    assert [round(s - b, 6) for s, b in zip(sent[4:], sent, strict=False)] == [4.0] * 4, (
        "the next four wait for the first four to leave the window"
    )
    before = time.now
    await limits.wait(43, bulk=True)
    assert time.now - before < 0.1, "another chat is not held back by the first one's limit"
    before = time.now
    for _ in range(6):
        await limits.wait(42)
    assert time.now == before, "replies to her own messages are not held back"
    await limits.wait(42, bulk=True)
    assert time.now >= sent[-1] + 4.0, "but they count: what is pushed to her waits for them"


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


async def test_interactive_replies_go_before_waiting_bulk() -> None:
    time = FakeTime()
    limits = limiter(time, limit=10, window=1.0)
    order: list[str] = []

    async def send(kind: str, chat: int) -> None:
        await limits.wait(chat, bulk=kind == "bulk")
        order.append(kind)

    for chat in range(10):
        await send("reply", chat)  # the window is full
    waiting = asyncio.create_task(send("bulk", 200))
    await asyncio.sleep(0)
    assert not waiting.done()
    await send("reply", 99)
    assert order[-1] == "reply", "a reply goes before a bulk send that waited longer"
    await waiting
    assert order[-1] == "bulk"


async def test_bulk_is_paced_evenly_at_close_to_the_limit_never_in_bursts() -> None:
    time = FakeTime()
    limits = limiter(time)  # the defaults: 30 in any 1.005 s
    sent = []
    for chat in range(600):
        await limits.wait(chat, bulk=True)
        sent.append(time.now)
    interval = 1.005 / 30
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= interval - 1e-9, "never two bulk sends closer than one interval"
    assert 599 / (sent[-1] - sent[0]) >= 29.0, "sustained close to Telegram's limit"
    for index, instant in enumerate(sent):  # Telegram's 30 in any second
        assert len([other for other in sent[: index + 1] if other > instant - 1.0]) <= 30


async def test_a_send_counts_from_telegrams_answer_not_from_when_it_went() -> None:
    time = FakeTime()
    limits = RateLimiter(limit=3, window=1.0, clock=time.clock, sleep=time.sleep)
    slots = [await limits.wait() for _ in range(3)]
    time.now = 0.2  # the answers come late: Telegram may have counted them as late
    for slot in slots:
        assert slot is not None  # no deadline: a slot always comes
        limits.answered(slot)
    await limits.wait()
    assert time.now == 1.2


async def test_a_send_never_answered_counts_as_seen_max_transit_after_it_went() -> None:
    time = FakeTime()
    limits = RateLimiter(limit=3, window=1.0, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        await limits.wait()  # hanging: no answer
    await limits.wait()
    assert time.now == 1.0 + MAX_TRANSIT, "a hanging request holds the others back that long"


async def test_a_reply_waits_at_most_one_interval_behind_a_saturating_broadcast() -> None:
    time = FakeTime()
    limits = limiter(time)
    for chat in range(100):
        await limits.wait(chat, bulk=True)
    asked = time.now + 0.01  # she answers between two bulk sends
    time.now = asked
    await limits.wait(5000)
    assert time.now - asked <= 1.005 / 30 + 1e-9


async def test_a_pause_for_everyone_holds_every_chat() -> None:
    time = FakeTime()
    limits = limiter(time)
    limits.pause_all(5)
    assert limits.paused() == 5 and limits.paused(7) == 5
    await limits.wait(7)
    assert time.now >= 5.0


async def test_tidy_edits_yield_to_replies_are_not_paced_per_chat_and_give_up_in_time() -> None:
    time = FakeTime()
    limits = limiter(time, limit=10, window=1.0, per_chat=2, chat_window=4.0)
    for _ in range(5):  # her own chat: tidy edits answer her action, no per-chat pacing
        assert await limits.wait(42, tidy=True) is not None
    assert time.now == 0.0
    for _ in range(5):
        await limits.wait(42)  # the window is full now
    assert await limits.wait(43, tidy=True, deadline=0.5) is None, "nothing free by then"
    assert time.now <= 0.5
    order: list[str] = []

    async def take(name: str, **options: Any) -> None:
        assert await limits.wait(**options) is not None
        order.append(name)

    await asyncio.gather(
        take("tidy", chat_id=45, tidy=True, deadline=60.0), take("reply", chat_id=44)
    )
    assert order == ["reply", "tidy"], "a waiting reply goes first"
    assert limits.now() == time.now


async def test_the_rest_of_a_long_answer_yields_to_another_chats_reply() -> None:
    from bot.runtime.replies import Reply, Send
    from handlers.sender import LONG_ANSWER, Sender

    time = FakeTime()

    async def spin(seconds: float) -> None:  # time moves only when the test moves it
        await asyncio.sleep(0)

    calls: list[str] = []

    class Recording(Sender):
        async def _call(self, reply: Reply) -> None:
            assert isinstance(reply, Send)
            calls.append(reply.text)

    async def reachable(user_id: int) -> None:
        raise AssertionError

    limits = Limiter(clock=time.clock, sleep=spin, limit=LONG_ANSWER, window=1.0)
    sender = Recording(None, reachable, limits)  # type: ignore[arg-type]
    long = asyncio.create_task(sender.deliver([Send(1, f"a{i}") for i in range(5)]))
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(calls) == LONG_ANSWER, "the window is full of the answer's first messages"
    reply = asyncio.create_task(sender.deliver([Send(2, "b0")]))
    for _ in range(10):  # both wait for the window
        await asyncio.sleep(0)
    time.now = 1.0
    await asyncio.gather(long, reply)
    assert calls == [*(f"a{i}" for i in range(LONG_ANSWER)), "b0", "a3", "a4"]
