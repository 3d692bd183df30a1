"""A kill -9 right after a reported no-show is committed: after restart, every admin got the
alert exactly once (a real `passerelle run`, on the machine's clock)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.meetings.reminders import FOLLOW_UP
from bot.meetings.store import stamp
from bot.runtime.db import Database
from bot.runtime.timers import schedule
from tests.e2e.meetings_helpers import paired_in
from tests.e2e.test_delivery import bot_process, kill_9, rows
from tests.e2e.test_delivery import settled as outbox_settled
from tests.harness import Person, new_person, start_process

pytestmark = pytest.mark.slow

ALERTS = ("A pair may need you", "Un jumelage a peut-être besoin de vous")


async def seed_meeting(db: Path, chloe: Person, awa: Person) -> None:
    """Chloé and Awa, paired, with a meeting that ended an hour ago and its follow-up due."""
    pair_id = await paired_in(db, chloe, awa)
    database = Database(db)
    await database.open()
    try:
        end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        async with database.write() as conn:
            cursor = await conn.execute(
                "INSERT INTO meetings(pair_id, mentor_id, mentee_id, proposer_id, status,"
                " start_at, end_at, code, created_at, booked_at)"
                " VALUES (?, ?, ?, ?, 'confirmed', ?, ?, 'crashcode', ?, ?)",
                (
                    pair_id,
                    chloe.uid,
                    awa.uid,
                    chloe.uid,
                    stamp(end - timedelta(hours=1)),
                    stamp(end),
                    stamp(end - timedelta(days=2)),
                    stamp(end - timedelta(days=2)),
                ),
            )
            meeting_id = cursor.lastrowid
            await schedule(
                conn, "meeting:crash:followup", FOLLOW_UP, end, meeting_id, {"sequence": 0}
            )
    finally:
        await database.close()


def alerts_of(person: Person) -> list[str]:
    return [m.text for m in person.emu.bot_messages(person.uid) if m.text.startswith(("🚨",))]


async def test_kill_9_after_a_no_show_alerts_every_admin_once(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, ines = new_person(emu, "Nadia", "en"), new_person(emu, "Inès", "fr")
    chloe, awa = new_person(emu, "Chloé", "fr"), new_person(emu, "Awa", "en")
    await seed_meeting(db, chloe, awa)
    env = {"PASSERELLE_ADMINS": f"{nadia.uid},{ines.uid}"}
    async with bot_process(emu, db, **env) as holder:
        await nadia.send("/start", expect="program staff", timeout=10)
        await ines.send("/start", expect="équipe du programme", timeout=10)
        await emu.wait_for(awa.uid, contains="take place?", timeout=10)
        held = emu.hold(chat_id=awa.uid)  # her own answer is in flight
        stuck = [emu.fault("sendMessage", admin.uid, hang=True) for admin in (nadia, ines)]
        await awa.tap("did not come")
        await held.wait(1)
        await kill_9(holder)
        assert rows(db, "SELECT kind, user_id FROM checkin_alerts") == [("no_show", awa.uid)]
        assert alerts_of(nadia) == alerts_of(ines) == []
        owed = "SELECT COUNT(*) FROM outbox WHERE chat_id IN (?, ?) AND status = 'pending'"
        assert rows(db, owed, (nadia.uid, ines.uid)) == [(2,)], "committed with her answer"
        for fault in stuck:
            fault.clear()
        held.release()
        holder[0] = await start_process(emu, db, **env)
        await outbox_settled(db, timeout=20)
        await asyncio.sleep(0.5)  # time enough for a second copy to show up
        for admin, heading in zip((nadia, ines), ALERTS, strict=True):
            (alert,) = alerts_of(admin)
            assert heading in alert and "Awa" in alert
        assert rows(db, "SELECT DISTINCT status FROM outbox") == [("sent",)]
        assert rows(db, "SELECT COUNT(*) FROM checkin_alerts") == [(1,)]
