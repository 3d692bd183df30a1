"""getUpdates: long polling, offsets, limits, allowed_updates and conflicts; flood control."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from bot.emulator import Emulator
from tests.emulator.conftest import FakeClock
from tests.emulator.test_bot_api import call, error


async def _updates(http: httpx.AsyncClient, emu: Emulator, **params: Any) -> list[dict[str, Any]]:
    status, body = await call(http, emu, "getUpdates", **params)
    assert status == 200, body
    result: list[dict[str, Any]] = body["result"]
    return result


async def test_offsets_confirm_updates(emu: Emulator, http: httpx.AsyncClient) -> None:
    uid = emu.add_user("Awa")
    for word in ("one", "two", "three"):
        await emu.send_text(uid, word)
    updates = await _updates(http, emu)
    ids = [u["update_id"] for u in updates]
    assert len(ids) == 3 and ids == sorted(ids) and ids[1] == ids[0] + 1
    assert len(await _updates(http, emu)) == 3
    assert [u["update_id"] for u in await _updates(http, emu, offset=ids[1])] == ids[1:]
    assert len(emu.pending_updates()) == 2
    assert [u["update_id"] for u in await _updates(http, emu, limit=1)] == ids[1:2]
    assert await _updates(http, emu, offset=ids[2] + 1) == []
    assert emu.pending_updates() == []


async def test_negative_offset_keeps_the_last_updates(
    emu: Emulator, http: httpx.AsyncClient
) -> None:
    uid = emu.add_user("Awa")
    for word in ("one", "two", "three"):
        await emu.send_text(uid, word)
    updates = await _updates(http, emu, offset=-1)
    assert [u["message"]["text"] for u in updates] == ["three"]
    assert len(emu.pending_updates()) == 1


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    emu: Emulator, http: httpx.AsyncClient
) -> None:
    uid = emu.add_user("Awa")
    poll = asyncio.create_task(_updates(http, emu, timeout=10))
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.monotonic()
    await emu.send_text(uid, "hello")
    updates = await poll
    assert time.monotonic() - started < 1
    assert updates[0]["message"]["text"] == "hello"


async def test_long_poll_times_out_empty(emu: Emulator, http: httpx.AsyncClient) -> None:
    started = time.monotonic()
    assert await _updates(http, emu, timeout=1) == []
    assert 0.9 < time.monotonic() - started < 3


async def test_second_poll_terminates_the_first(emu: Emulator, http: httpx.AsyncClient) -> None:
    first = asyncio.create_task(call(http, emu, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(call(http, emu, "getUpdates", timeout=1))
    assert await first == error(
        409,
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )
    assert (await second)[0] == 200


async def test_allowed_updates_are_remembered(emu: Emulator, http: httpx.AsyncClient) -> None:
    uid = emu.add_user("Awa")
    await _updates(http, emu, allowed_updates=["callback_query"])
    await emu.send_text(uid, "ignored")
    assert await _updates(http, emu) == []
    await _updates(http, emu, allowed_updates=[])
    await emu.send_text(uid, "seen")
    assert len(await _updates(http, emu)) == 1


async def test_drop_pending_updates(emu: Emulator, http: httpx.AsyncClient) -> None:
    await emu.send_text(emu.add_user("Awa"), "old")
    _, info = await call(http, emu, "getWebhookInfo")
    assert info["result"]["pending_update_count"] == 1
    await call(http, emu, "deleteWebhook", drop_pending_updates=True)
    assert emu.pending_updates() == []


async def test_rate_limit_returns_429_with_retry_after(
    emu: Emulator, awa: int, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    people = [awa]
    for i in range(5):
        people.append(emu.add_user(f"P{i}"))
        await emu.send_text(people[-1], "hi")
    for i in range(30):  # 5 to each of 6 people: within every per-chat limit
        status, _ = await call(http, emu, "sendMessage", chat_id=people[i % 6], text=f"m{i}")
        assert status == 200
    assert (await call(http, emu, "sendChatAction", chat_id=awa, action="typing"))[0] == 200
    newcomer = emu.add_user("Zoe")
    await emu.send_text(newcomer, "hi")
    assert await call(http, emu, "sendMessage", chat_id=newcomer, text="over") == error(
        429, "Too Many Requests: retry after 1", retry_after=1
    )
    clock.advance(1.01)
    assert (await call(http, emu, "sendMessage", chat_id=newcomer, text="again"))[0] == 200


async def test_rate_limits_can_be_disabled(clock: FakeClock) -> None:
    emu = Emulator(rate_limit_per_second=None, per_chat=None, clock=clock)
    await emu.start()
    try:
        uid = emu.add_user("Awa")
        await emu.send_text(uid, "hi")
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            for i in range(40):
                assert (await call(http, emu, "sendMessage", chat_id=uid, text=str(i)))[0] == 200
    finally:
        await emu.stop()


async def test_per_chat_flood_limit_then_recovery(clock: FakeClock) -> None:
    emu = Emulator(clock=clock, per_chat=(5, 3.0))  # 5 sends to one chat in any 3 s
    await emu.start()
    try:
        awa, bea = emu.add_user("Awa"), emu.add_user("Bea")
        await emu.send_text(awa, "hi")
        await emu.send_text(bea, "hi")
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            for i in range(4):
                assert (await call(http, emu, "sendMessage", chat_id=awa, text=str(i)))[0] == 200
            mid = emu.bot_messages(awa)[0].message_id
            edit = await call(http, emu, "editMessageText", chat_id=awa, message_id=mid, text="e")
            assert edit[0] == 200
            assert (await call(http, emu, "sendChatAction", chat_id=awa, action="typing"))[0] == 200
            assert await call(http, emu, "sendMessage", chat_id=awa, text="5") == error(
                429, "Too Many Requests: retry after 3", retry_after=3
            )
            assert (await call(http, emu, "sendMessage", chat_id=bea, text="b"))[0] == 200
            clock.advance(1.5)
            assert (await call(http, emu, "sendMessage", chat_id=awa, text="6"))[0] == 429
            clock.advance(1.5)
            assert (await call(http, emu, "sendMessage", chat_id=awa, text="7"))[0] == 200
        assert [m.text for m in emu.bot_messages(awa)] == ["e", "1", "2", "3", "7"]
    finally:
        await emu.stop()


async def test_wait_for_times_out_with_the_last_messages(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    await call(http, emu, "sendMessage", chat_id=awa, text="Bonjour Awa")
    assert (await emu.wait_for(awa, "bonjour")).text == "Bonjour Awa"
    with pytest.raises(TimeoutError, match="Bonjour Awa"):
        await emu.wait_for(awa, "bonjour", since=emu.mark(), timeout=0.2)
