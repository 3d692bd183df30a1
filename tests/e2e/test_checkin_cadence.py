"""The check-in cadence through the chat, moving the injected clock: two check-ins missed in a
row close one after the other and alert staff; a cohort paused by staff in the chat skips the
dates that fall in its pause."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.emulator import Emulator
from tests.conftest import Launch
from tests.e2e.meetings_helpers import clock_of, plain, settled
from tests.e2e.test_alerts import ALERT_EN, alerts_to
from tests.e2e.test_checkins import ASKED, chloe_and_awa, stored
from tests.e2e.test_cohorts import ask, created
from tests.harness import Person, Running, new_person

REMINDER = "A reminder: your check-in is waiting for your answer."


async def at(bot: Running, instant: datetime) -> None:
    """Moves the clock and lets the timers due by then run and their messages leave."""
    clock_of(bot.core).set(instant)
    await asyncio.sleep(0.3)
    await settled(bot.core)


def asked(person: Person) -> int:
    return sum(ASKED in text for text in person.texts())


async def test_two_missed_check_ins_in_a_row_close_and_alert_staff(
    emu: Emulator, launch: Launch
) -> None:
    nadia = new_person(emu, "Nadia")
    bot = await launch(admins=(nadia.uid,))
    await nadia.send("/start", expect="program staff")
    _chloe, awa, pair_id = await chloe_and_awa(bot)  # paired on 2027-01-11; Awa is in Dakar

    await at(bot, datetime(2027, 1, 25, 10, 0, 1, tzinfo=UTC))
    assert asked(awa) == 1
    await at(bot, datetime(2027, 1, 27, 10, 0, 1, tzinfo=UTC))
    assert sum(REMINDER in text for text in awa.texts()) == 1
    await at(bot, datetime(2027, 2, 8, 10, 0, 1, tzinfo=UTC))
    first, second = await stored(bot, awa.uid)
    assert (first["status"], second["status"]) == ("missed", "open")
    assert asked(awa) == 3  # the first question, its reminder, the second question
    assert alerts_to(emu, nadia, ALERT_EN) == []  # one missed is not a streak

    await at(bot, datetime(2027, 2, 22, 10, 0, 1, tzinfo=UTC))
    statuses = [row["status"] for row in await stored(bot, awa.uid)]
    assert statuses == ["missed", "missed", "open"]
    alert = await emu.wait_for(nadia.uid, contains=ALERT_EN)
    assert "Awa missed 2 check-ins in a row." in plain(alert.text)
    (row,) = await bot.core.db.fetchall("SELECT kind, user_id, pair_id FROM checkin_alerts")
    assert tuple(row) == ("missed", awa.uid, pair_id)


async def test_a_cohort_paused_in_the_chat_skips_its_dates(emu: Emulator, launch: Launch) -> None:
    nadia = new_person(emu, "Nadia")
    bot = await launch(admins=(nadia.uid,))
    _chloe, awa, _ = await chloe_and_awa(bot)  # Awa's first date: 2027-01-25, 10:00 in Dakar
    async with bot.core.db.write() as conn:  # she applied through the cohort's link
        await conn.execute(
            "UPDATE applications SET cohort = 'dakar27' WHERE user_id = ?", (awa.uid,)
        )
    await created(nadia, "/cohort new dakar27 Dakar")
    await ask(nadia, "Pause", "first and last day")
    await nadia.send("2027-01-20 to 2027-02-01", expect="paused from")

    await at(bot, datetime(2027, 1, 25, 10, 0, 1, tzinfo=UTC))
    assert asked(awa) == 0  # in the pause
    await at(bot, datetime(2027, 2, 8, 9, 59, tzinfo=UTC))
    assert asked(awa) == 0
    await at(bot, datetime(2027, 2, 8, 10, 0, 1, tzinfo=UTC))  # the next date after it
    assert asked(awa) == 1
    assert [row["status"] for row in await stored(bot, awa.uid)] == ["open"]
