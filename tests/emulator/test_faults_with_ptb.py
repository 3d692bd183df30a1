"""Injected faults as the real python-telegram-bot sees them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import telegram
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.emulator import Emulator
from tests.emulator.conftest import FakeClock


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[telegram.Bot]:
    """A PTB Bot pointed at the emulator."""
    async with telegram.Bot(emu.token, base_url=emu.api_url, base_file_url=emu.file_url) as b:
        yield b


async def test_get_updates_429_and_409_as_ptb_parses_them(emu: Emulator, bot: telegram.Bot) -> None:
    emu.fault("getUpdates", status=429, retry_after=7, times=1)
    with pytest.raises(RetryAfter) as caught:
        await bot.get_updates(timeout=0)
    assert caught.value.retry_after == timedelta(seconds=7)
    emu.fault("getUpdates", status=409, times=1)
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await bot.get_updates(timeout=0)
    emu.fault("getUpdates", status=502, times=1)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_updates(timeout=0)
    assert await bot.get_updates(timeout=0) == ()


async def test_send_faults_as_ptb_parses_them(emu: Emulator, awa: int, bot: telegram.Bot) -> None:
    emu.fault("sendMessage", awa, status=500, times=1)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(awa, "x")
    emu.fault("sendMessage", awa, status=403, times=1)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(awa, "x")
    emu.fault("sendMessage", awa, status=400, description="chat not found", times=1)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(awa, "x")
    emu.fault("sendMessage", awa, status=429, retry_after=60, times=1)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(awa, "x")
    assert caught.value.retry_after == timedelta(seconds=60)
    assert emu.bot_messages(awa) == []
    assert [code for _, code, _ in emu.errors] == [500, 403, 400, 429]
    assert (await bot.send_message(awa, "through")).text == "through"


async def test_a_hanging_chat_times_out_in_ptb_and_only_the_retry_arrives(
    emu: Emulator, awa: int, bot: telegram.Bot
) -> None:
    fault = emu.fault("sendMessage", awa, hang=True)
    with pytest.raises(TimedOut):
        await bot.send_message(awa, "hello", read_timeout=0.3)
    await asyncio.sleep(0.1)
    fault.clear()
    assert (await bot.send_message(awa, "hello")).text == "hello"
    await asyncio.sleep(0.1)
    assert [m.text for m in emu.bot_messages(awa)] == ["hello"]


async def test_a_held_reply_is_in_the_chat_before_ptb_hears_back(
    emu: Emulator, awa: int, bot: telegram.Bot
) -> None:
    hold = emu.hold("sendMessage", awa)
    sending = asyncio.create_task(bot.send_message(awa, "Approved"))
    await hold.wait()
    assert [m.text for m in emu.bot_messages(awa)] == ["Approved"]
    assert not sending.done()
    hold.release()
    message = await sending
    assert message.text == "Approved"
    assert message.message_id == emu.bot_messages(awa)[0].message_id


async def test_per_chat_429_reaches_ptb_then_recovers(clock: FakeClock) -> None:
    emu = Emulator(clock=clock, per_chat=(5, 3.0))
    await emu.start()
    try:
        uid = emu.add_user("Awa")
        await emu.send_text(uid, "hi")
        async with telegram.Bot(emu.token, base_url=emu.api_url) as bot:
            for i in range(5):
                await bot.send_message(uid, str(i))
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(uid, "too fast")
            assert caught.value.retry_after == timedelta(seconds=3)
            clock.advance(3)
            assert (await bot.send_message(uid, "later")).text == "later"
    finally:
        await emu.stop()
