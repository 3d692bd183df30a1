"""A kill -9 right after an Accept is committed: after restart, each person got the video link
and the .ics exactly once (a real `passerelle run`, on the machine's clock)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.meetings.week import FULL, Week
from tests.e2e.meetings_helpers import documents, event_of, paired_in
from tests.e2e.test_delivery import bot_process, kill_9, rows
from tests.e2e.test_delivery import settled as outbox_settled
from tests.harness import new_person, start_process

pytestmark = pytest.mark.slow


async def test_kill_9_after_accept_sends_link_and_calendar_once(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    chloe, awa = new_person(emu, "Chloé", "fr"), new_person(emu, "Awa", "en")
    await paired_in(db, chloe, awa, Week(FULL))
    async with bot_process(emu, db) as holder:
        offer = await chloe.send("/meet", expect="Awa", timeout=10)
        await chloe.tap(offer.buttons[0][0])
        await emu.wait_for(awa.uid, contains="proposes a meeting", timeout=10)
        held = emu.hold("editMessageText", awa.uid)  # her own answer is in flight
        stuck = [
            emu.fault(method, person.uid, hang=True)  # and so is everything owed to both
            for person in (chloe, awa)
            for method in ("sendMessage", "sendDocument")
        ]
        await awa.tap("Accept")
        await held.wait(1)
        await kill_9(holder)
        assert rows(db, "SELECT status FROM meetings") == [("confirmed",)], "committed first"
        assert documents(emu, chloe.uid) == documents(emu, awa.uid) == []
        for fault in stuck:
            fault.clear()
        held.release()
        holder[0] = await start_process(emu, db)
        await outbox_settled(db, timeout=20)
        await asyncio.sleep(0.5)  # time enough for a second copy to show up
        (code,) = rows(db, "SELECT code FROM meetings")
        link = f"https://meet.jit.si/passerelle-{code[0]}"
        for person in (chloe, awa):
            confirmations = [m for m in emu.bot_messages(person.uid) if link in m.text]
            assert len(confirmations) == 1, [m.text for m in emu.bot_messages(person.uid)]
            (document,) = documents(emu, person.uid)
            assert str(event_of(document)[1]["url"]) == link
        assert rows(db, "SELECT DISTINCT status FROM outbox") == [("sent",)]
        # The replayed press shows Awa what it did, without sending anything twice.
        await emu.wait_for(awa.uid, contains="You accepted", since=0, timeout=5)
