"""Check-ins and alerts together, as staff and a participant use them: a staff round, a low
rating with a request for help, and the alerts reaching every admin in her language with the
answers and one-tap actions; then a kill -9 right after the answer that raised them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.emulator import Emulator, EmuMessage
from tests.conftest import Launch
from tests.e2e.meetings_helpers import paired_in, plain, settled
from tests.e2e.test_alerts import ALERT_EN, ALERT_FR, alerts_to, with_admins
from tests.e2e.test_checkins import ASKED, HELP, THANKS, WORKED, chloe_and_awa
from tests.e2e.test_delivery import bot_process, kill_9, rows
from tests.e2e.test_delivery import settled as outbox_settled
from tests.harness import Person, new_person, start_process


async def alerts_of(emu: Emulator, admin: Person, heading: str, count: int) -> list[EmuMessage]:
    """The alerts this admin has, once there are `count` of them (fails after 5 s)."""
    for _ in range(100):
        found = alerts_to(emu, admin, heading)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{admin.uid} has {alerts_to(emu, admin, heading)}")


async def test_checkins_now_a_low_rating_and_help_alert_every_admin(
    emu: Emulator, launch: Launch
) -> None:
    bot, nadia, ines = await with_admins(emu, launch)
    chloe, awa, pair_id = await chloe_and_awa(bot)

    await nadia.send("/checkins_now", expect="Check-in round started")
    await emu.wait_for(awa.uid, contains=ASKED)
    await awa.press("1", expect=WORKED)
    await awa.press("Skip", expect=HELP)
    await awa.press("Yes", expect="What do you need help with?")
    await awa.send("Chloé has not answered for a month.", expect=THANKS)

    low, help_ = await alerts_of(emu, nadia, ALERT_EN, 2)
    assert "Awa rated her check-in 1/5." in plain(low.text)
    text = plain(help_.text)
    assert "Awa asked the program team for help." in text
    assert "Pair: Chloé (mentor) ↔ Awa (mentee)" in text
    assert "Rating: 1/5" in text
    assert "Asked for help: Chloé has not answered for a month." in text
    for alert in (low, help_):
        assert alert.buttons == [["Contact her"], ["Mark handled"]]
        assert alert.inline_buttons[0]["url"] == f"tg://user?id={awa.uid}"
    french = await alerts_of(emu, ines, ALERT_FR, 2)
    assert "Awa a noté son point d\u2019étape 1/5." in plain(french[0].text)
    assert french[1].buttons == [["La contacter"], ["Marquer comme traitée"]]
    stored = await bot.core.db.fetchall(
        "SELECT kind, user_id, pair_id FROM checkin_alerts ORDER BY id"
    )
    assert [tuple(r) for r in stored] == [
        ("low_rating", awa.uid, pair_id),
        ("help", awa.uid, pair_id),
    ]

    await ines.tap("Marquer comme traitée", french[1].message_id)
    await emu.wait_for(nadia.uid, contains="Inès handled the alert about Awa.")
    await settled(bot.core)
    for person in (chloe, awa):  # the pair never sees an alert
        assert alerts_to(emu, person, ALERT_EN) == alerts_to(emu, person, ALERT_FR) == []
    assert len(alerts_to(emu, nadia, ALERT_EN)) == len(alerts_to(emu, ines, ALERT_FR)) == 2


@pytest.mark.slow
async def test_kill_9_right_after_the_request_for_help_alerts_every_admin_once(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, ines = new_person(emu, "Nadia", "en"), new_person(emu, "Inès", "fr")
    chloe, awa = new_person(emu, "Chloé", "fr"), new_person(emu, "Awa", "en")
    await paired_in(db, chloe, awa)
    env = {"PASSERELLE_ADMINS": f"{nadia.uid},{ines.uid}"}
    async with bot_process(emu, db, **env) as holder:
        await nadia.send("/start", expect="program staff", timeout=10)
        await ines.send("/start", expect="équipe du programme", timeout=10)
        await awa.send("/checkin", expect=ASKED, timeout=10)
        await awa.press("3", expect=WORKED)
        await awa.press("Skip", expect=HELP)
        await awa.press("Yes", expect="What do you need help with?")
        held = emu.hold("sendMessage", chat_id=awa.uid)  # her thanks are in flight at the kill
        stuck = [emu.fault("sendMessage", admin.uid, hang=True) for admin in (nadia, ines)]
        await emu.send_text(awa.uid, "We need the team.")
        await held.wait(1)
        await kill_9(holder)
        assert rows(db, "SELECT kind, user_id FROM checkin_alerts") == [("help", awa.uid)]
        assert alerts_to(emu, nadia, ALERT_EN) == alerts_to(emu, ines, ALERT_FR) == []
        owed = "SELECT COUNT(*) FROM outbox WHERE chat_id IN (?, ?) AND status = 'pending'"
        assert rows(db, owed, (nadia.uid, ines.uid)) == [(2,)], "committed with her answer"
        for fault in stuck:
            fault.clear()
        held.release()
        holder[0] = await start_process(emu, db, **env)
        await outbox_settled(db, timeout=20)
        await asyncio.sleep(0.5)  # time enough for a second copy to show up
        for admin, heading in ((nadia, ALERT_EN), (ines, ALERT_FR)):
            (alert,) = alerts_to(emu, admin, heading)
            assert "Awa" in alert.text
        assert "Asked for help: We need the team." in plain(alerts_to(emu, nadia, ALERT_EN)[0].text)
        assert rows(db, "SELECT COUNT(*) FROM checkin_alerts") == [(1,)]
        assert sum(ASKED in text for text in awa.texts()) == 1
