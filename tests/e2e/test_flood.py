"""A person who floods the bot is told once and ignored a while; nobody else notices."""

from __future__ import annotations

import asyncio
import time

from bot.runtime.flood import FloodGate
from tests.harness import Running

NOTICE = "faster than I can read them"
LIMIT = FloodGate().count


async def test_a_flood_is_answered_once_and_never_slows_anyone_else(running: Running) -> None:
    mallory, nadia = running.person("Mallory"), running.person("Nadia", "fr")
    for index in range(120):  # far more than anyone types: queued at Telegram at once
        await running.emu.send_text(mallory.uid, f"spam {index}")
    started = time.monotonic()
    reply = await nadia.send("/help", expect="/start", timeout=5)
    assert reply.text and time.monotonic() - started < 1.0
    await running.emu.wait_for(mallory.uid, contains=NOTICE, timeout=10)
    for _ in range(100):  # until her whole flood is out of the inbox
        if not await running.core.inbox.waiting():
            break
        await asyncio.sleep(0.05)
    assert await running.core.inbox.waiting() == []
    await asyncio.sleep(0.3)  # room for a late reply to show up
    texts = mallory.texts()
    assert sum(NOTICE in text for text in texts) == 1
    assert len(texts) - 1 == LIMIT  # the first LIMIT got their answer, then the notice
    set_aside = await running.core.db.fetchone(
        "SELECT COUNT(*) FROM inbox WHERE person = ? AND last_error = 'flood'", (mallory.uid,)
    )
    assert set_aside is not None and set_aside[0] == 120 - LIMIT

    # During the quiet time what she sends is set aside too, silently.
    before = len(mallory.texts())
    await running.emu.send_text(mallory.uid, "/help")
    for _ in range(40):
        if not await running.core.inbox.waiting():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    assert len(mallory.texts()) == before
