"""Background messages are stored first: what was not sent before a stop is sent at start."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core import build_core
from bot.emulator import Emulator
from bot.runtime.replies import Button, Send
from tests.conftest import Launch
from tests.harness import settings_for


async def test_messages_left_in_the_outbox_are_sent_at_start(
    emu: Emulator, tmp_path: Path, launch: Launch
) -> None:
    uid = emu.add_user("Awa")
    emu.user(uid).started = True  # she has talked to the bot before (no update left pending)
    core = await build_core(settings_for(emu, tmp_path / "passerelle.db"))
    await core.outbox.put(
        [Send(uid, "<b>First</b>"), Send(uid, "Second", ((Button("Open", "x:1"),),))]
    )
    await core.close()
    running = await launch()
    second = await emu.wait_for(uid, contains="Second")
    assert [m.text for m in emu.bot_messages(uid)] == ["First", "Second"]
    assert second.buttons == [["Open"]]
    for _ in range(100):  # the courier marks a message done right after Telegram took it
        if (await running.core.outbox.counts()).get("pending", 0) == 0:
            break
        await asyncio.sleep(0.02)
    assert await running.core.outbox.counts() == {"sent": 2}
