"""A real `passerelle run` killed with SIGKILL in the middle of a broadcast, then started again:
everyone gets the announcement, twice only if it was in flight at the instant of the kill."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.emulator import Emulator
from handlers.broadcaster import WORKERS
from tests.e2e.broadcasting import (
    compose,
    limited_emu,  # noqa: F401 (the emu of these tests)
    received,
    seed_people,
    sql,
)
from tests.e2e.test_delivery import bot_process, kill_9
from tests.harness import new_person, start_process

pytestmark = pytest.mark.slow
TEXT = "Announcement that survives a crash"


async def test_kill_9_in_the_middle_resumes_and_nobody_gets_it_twice_but_those_in_flight(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    uids = await seed_people(db, emu, 300)
    env = {"PASSERELLE_ADMINS": str(nadia.uid)}
    async with bot_process(emu, db, **env) as holder:
        await compose(nadia, "Everyone", TEXT)
        started = time.monotonic()
        await nadia.tap("Send now")
        while sum(received(emu, uids, TEXT).values()) < 100:
            assert time.monotonic() - started < 20, "the broadcast did not get going"
            await asyncio.sleep(0.01)
        await kill_9(holder)
        await asyncio.sleep(0.5)  # a request the emulator was still handling lands now
        counts = received(emu, uids, TEXT)
        delivered = {uid for uid in uids if counts[uid]}
        assert len(delivered) < 300, "killed in the middle"
        settled = {int(str(r[0])) for r in sql(db, "SELECT user_id FROM broadcast_recipients"
                                              " WHERE status != 'pending'")}  # fmt: skip
        assert settled <= delivered, "a row is recorded sent only once Telegram has it"
        in_flight = delivered - settled
        assert len(in_flight) <= WORKERS
        holder[0] = await start_process(emu, db, **env)
        report = await emu.wait_for(nadia.uid, contains="finished", timeout=60)
    counts = received(emu, uids, TEXT)
    assert all(counts[uid] >= 1 for uid in uids), "nobody is left out"
    assert {uid for uid in uids if counts[uid] > 1} <= in_flight
    assert max(counts.values()) <= 2
    assert "Delivered: 300" in report.text
    assert [code for _, code, _ in emu.errors].count(429) == 0
    assert sql(db, "SELECT COUNT(*) FROM broadcast_recipients WHERE status = 'sent'") == [(300,)]
