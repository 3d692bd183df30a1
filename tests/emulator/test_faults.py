"""Injected faults over raw HTTP: Telegram's error answers, hanging calls, held answers."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.emulator import Emulator
from tests.emulator.conftest import FakeClock
from tests.emulator.test_bot_api import call, error

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


async def started(emu: Emulator, name: str) -> int:
    """A person who has written to the bot."""
    uid = emu.add_user(name)
    await emu.send_text(uid, "hi")
    return uid


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, error(500, "Internal Server Error")),
        ({"status": 502}, error(502, "Bad Gateway")),
        ({"status": 503}, error(503, "Service Unavailable")),
        ({"status": 403}, error(403, "Forbidden: bot was blocked by the user")),
        ({"status": 409}, error(409, CONFLICT)),
        (
            {"status": 400, "description": "chat not found"},
            error(400, "Bad Request: chat not found"),
        ),
        (
            {"status": 400, "description": "Bad Request: message is too long"},
            error(400, "Bad Request: message is too long"),
        ),
        (
            {"status": 429, "retry_after": 60},
            error(429, "Too Many Requests: retry after 60", retry_after=60),
        ),
        ({"status": 429}, error(429, "Too Many Requests: retry after 1", retry_after=1)),
    ],
)
async def test_a_fault_answers_like_telegram_and_has_no_effect(
    emu: Emulator, awa: int, http: httpx.AsyncClient, kwargs: dict[str, int], expected: object
) -> None:
    fault = emu.fault("sendMessage", awa, **kwargs)  # type: ignore[arg-type]
    assert await call(http, emu, "sendMessage", chat_id=awa, text="lost") == expected
    assert emu.bot_messages(awa) == []
    assert fault.hits == 1 and fault.calls[0][0] == "sendMessage"
    assert emu.requests[-1][0] == "sendMessage"
    status, body = expected  # type: ignore[misc]
    assert emu.errors[-1] == ("sendMessage", status, body["description"])


async def test_faults_match_method_case_insensitively_and_by_chat(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    bea = await started(emu, "Bea")
    emu.fault("SENDMESSAGE", awa, status=502)
    assert (await call(http, emu, "sendmessage", chat_id=awa, text="x"))[0] == 502
    assert (await call(http, emu, "sendMessage", chat_id=bea, text="to Bea"))[0] == 200
    assert (await call(http, emu, "sendChatAction", chat_id=awa, action="typing"))[0] == 200
    assert [m.text for m in emu.bot_messages(bea)] == ["to Bea"]

    emu.clear_faults()
    everything = emu.fault(status=500)
    assert (await call(http, emu, "getMe"))[0] == 500
    assert (await call(http, emu, "getUpdates"))[0] == 500
    assert (await call(http, emu, "sendChatAction", chat_id=bea, action="typing"))[0] == 500
    assert everything.hits == 3
    everything.clear()
    assert (await call(http, emu, "getMe"))[0] == 200
    assert everything.hits == 3


async def test_the_first_live_fault_decides(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    emu.fault("sendMessage", awa, status=502, times=1)
    emu.fault("sendMessage", status=403)
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="x"))[0] == 502
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="x"))[0] == 403


async def test_times_clears_the_fault_after_n_calls(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    fault = emu.fault("sendMessage", awa, status=500, times=2)
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="1"))[0] == 500
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="2"))[0] == 500
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="3"))[0] == 200
    assert fault.hits == 2 and fault.cleared
    assert emu.faults.live() == []
    assert [m.text for m in emu.bot_messages(awa)] == ["3"]


async def test_seconds_follow_the_emulator_clock(
    emu: Emulator, awa: int, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    fault = emu.fault(status=502, seconds=15)
    clock.advance(14.9)
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="x"))[0] == 502
    assert (await call(http, emu, "getUpdates"))[0] == 502
    clock.advance(0.1)
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="y"))[0] == 200
    assert fault.hits == 2 and emu.faults.live() == []


async def test_reset_clears_faults(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    emu.fault(status=500)
    emu.reset()
    assert emu.faults.live() == [] and (await call(http, emu, "getMe"))[0] == 200


def test_faults_telegram_never_sends_are_refused(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="not a Bot API method"):
        emu.fault("sendMesage")
    with pytest.raises(ValueError, match="description"):
        emu.fault(status=400)
    with pytest.raises(ValueError, match="429"):
        emu.fault(status=500, retry_after=3)
    with pytest.raises(ValueError, match="429"):
        emu.fault(status=429, description="slow down")
    with pytest.raises(ValueError, match="400-599"):
        emu.fault(status=200)
    with pytest.raises(ValueError, match="times"):
        emu.fault(times=0)
    with pytest.raises(ValueError, match="seconds"):
        emu.fault(seconds=0)
    with pytest.raises(ValueError, match="hanging"):
        emu.fault(hang=True, retry_after=5)
    assert emu.faults.live() == []


async def test_a_hanging_call_is_processed_when_the_fault_is_cleared(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    fault = emu.fault("sendMessage", awa, hang=True)
    pending = asyncio.create_task(call(http, emu, "sendMessage", chat_id=awa, text="late"))
    await asyncio.sleep(0.2)
    assert not pending.done() and fault.hits == 1
    assert emu.bot_messages(awa) == []
    assert emu.requests[-1][0] == "sendMessage"
    fault.clear()
    status, body = await pending
    assert status == 200 and body["result"]["text"] == "late"
    assert [m.text for m in emu.bot_messages(awa)] == ["late"]
    assert emu.requests.count(emu.requests[-1]) == 1


async def test_a_hang_with_times_catches_n_calls_and_seconds_end_it(
    emu: Emulator, awa: int, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    bea = await started(emu, "Bea")
    fault = emu.fault("sendMessage", awa, hang=True, times=1, seconds=60)
    first = asyncio.create_task(call(http, emu, "sendMessage", chat_id=awa, text="first"))
    await asyncio.sleep(0.1)
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="second"))[0] == 200
    assert (await call(http, emu, "sendMessage", chat_id=bea, text="other"))[0] == 200
    assert not first.done() and fault.hits == 1
    clock.advance(60)
    assert (await first)[0] == 200
    assert [m.text for m in emu.bot_messages(awa)] == ["second", "first"]


async def test_a_hanging_call_whose_client_gave_up_is_dropped(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    fault = emu.fault("sendMessage", awa, hang=True)
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=0.2) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            await call(impatient, emu, "sendMessage", chat_id=awa, text="gave up")
    await asyncio.sleep(0.1)
    fault.clear()
    await asyncio.sleep(0.2)
    assert emu.bot_messages(awa) == []
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="retried"))[0] == 200


async def test_a_hanging_get_updates_released_late_does_not_conflict(
    emu: Emulator, http: httpx.AsyncClient
) -> None:
    fault = emu.fault("getUpdates", hang=True)
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=0.2) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            await call(impatient, emu, "getUpdates", timeout=0)
    poll = asyncio.create_task(call(http, emu, "getUpdates", timeout=2))
    await asyncio.sleep(0.1)
    fault.clear()  # the second call was hung too; the first one's client is gone
    uid = emu.add_user("Awa")
    await emu.send_text(uid, "hello")
    status, body = await poll
    assert status == 200 and body["result"][0]["message"]["text"] == "hello"
    assert [e for e in emu.errors if e[1] == 409] == []


async def test_stop_hangs_up_on_hanging_and_held_calls(clock: FakeClock) -> None:
    emu = Emulator(clock=clock)
    await emu.start()
    uid = await started(emu, "Awa")
    emu.fault("sendMessage", uid, hang=True)
    hold = emu.hold("getMe")
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=5) as http:
        hanging = asyncio.create_task(call(http, emu, "sendMessage", chat_id=uid, text="x"))
        held = asyncio.create_task(call(http, emu, "getMe"))
        await hold.wait()
        await asyncio.sleep(0.1)
        await asyncio.wait_for(emu.stop(), 2)
        for task in (hanging, held):
            with pytest.raises(httpx.RemoteProtocolError):
                await task
    assert emu.bot_messages(uid) == []


async def test_a_held_call_takes_effect_but_its_answer_waits(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    bea = await started(emu, "Bea")
    hold = emu.hold("sendMessage", awa)
    pending = asyncio.create_task(call(http, emu, "sendMessage", chat_id=awa, text="in flight"))
    [(method, params)] = await hold.wait(count=1, timeout=2)
    assert method == "sendMessage" and params["text"] == "in flight"
    assert [m.text for m in emu.bot_messages(awa)] == ["in flight"]
    assert not pending.done()
    assert (await call(http, emu, "sendMessage", chat_id=bea, text="free"))[0] == 200
    hold.release()
    status, body = await pending
    assert status == 200 and body["result"]["text"] == "in flight"
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="after"))[0] == 200
    assert len(hold.calls) == 1 and hold.released
    with pytest.raises(TimeoutError, match="1 calls held"):
        await hold.wait(count=2, timeout=0.1)


async def test_a_faulted_call_is_not_held(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    hold = emu.hold("sendMessage")
    emu.fault("sendMessage", awa, status=500, times=1)
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="x"))[0] == 500
    assert hold.calls == []
    emu.clear_faults()
    assert emu.faults.holds == []
