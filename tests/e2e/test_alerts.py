"""Alerts to staff through the chat: a reported no-show reaches every admin in her language,
`Mark handled` pressed by two admins at once (one wins, the other is told), triggers raised by
the check-in service, and a link to her chat that Telegram refuses."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.checkins.triggers import Kind, Trigger
from bot.emulator import Emulator, EmuMessage
from tests.conftest import Launch
from tests.e2e.meetings_helpers import clock_of, plain, settled
from tests.e2e.test_meetings import TUESDAY, book_tuesday, montreal_dakar
from tests.harness import Person, Running

ALERT_EN, ALERT_FR = "A pair may need you", "Un jumelage a peut-être besoin de vous"


async def with_admins(emu: Emulator, launch: Launch) -> tuple[Running, Person, Person]:
    """The bot with two admins who said hello: Nadia (English) and Inès (French)."""
    nadia = Person(emu, emu.add_user("Nadia", "en"))
    ines = Person(emu, emu.add_user("Inès", "fr"))
    bot = await launch(admins=(nadia.uid, ines.uid))
    await nadia.send("/start", expect="program staff")
    await ines.send("/start", expect="équipe du programme")
    return bot, nadia, ines


async def no_show_reported(
    emu: Emulator, launch: Launch
) -> tuple[Running, Person, Person, Person, Person]:
    """Chloé and Awa met on Tuesday; Awa answers that Chloé did not come."""
    bot, nadia, ines = await with_admins(emu, launch)
    chloe, awa = await montreal_dakar(bot)
    await book_tuesday(bot, chloe, awa)
    clock_of(bot.core).set(TUESDAY + timedelta(hours=1))
    await emu.wait_for(awa.uid, contains="take place?")
    await awa.tap("did not come")
    await emu.wait_for(awa.uid, contains="Noted: Chloé did not come")
    return bot, nadia, ines, chloe, awa


def alerts_to(emu: Emulator, person: Person, heading: str) -> list[EmuMessage]:
    return [m for m in emu.bot_messages(person.uid) if heading in m.text]


async def test_a_reported_no_show_alerts_every_admin_in_her_language(
    emu: Emulator, launch: Launch
) -> None:
    bot, nadia, ines, chloe, awa = await no_show_reported(emu, launch)
    english = await emu.wait_for(nadia.uid, contains=ALERT_EN)
    french = await emu.wait_for(ines.uid, contains=ALERT_FR)
    text = plain(english.text)
    assert (
        "Awa reported that Chloé did not come to their meeting of Tuesday, January 12, 2027,"
        " 08:00." in text
    )
    assert "Pair: Chloé (mentor) ↔ Awa (mentee)" in text
    assert "Her language: English. Her local time: 14:00 (Dakar)." in text
    assert "Awa signale que Chloé n\u2019est pas venue à leur rencontre du mardi 12 janvier" in (
        plain(french.text)
    )
    assert english.buttons == [["Contact her"], ["Mark handled"]]
    assert french.buttons == [["La contacter"], ["Marquer comme traitée"]]
    for alert in (english, french):
        assert alert.inline_buttons[0]["url"] == f"tg://user?id={awa.uid}"
    (row,) = await bot.core.db.fetchall("SELECT * FROM checkin_alerts")
    assert (row["kind"], row["user_id"], row["handled_by"]) == ("no_show", awa.uid, None)
    await settled(bot.core)
    for person in (chloe, awa):  # the pair never sees it
        assert alerts_to(emu, person, ALERT_EN) == alerts_to(emu, person, ALERT_FR) == []
    assert len(alerts_to(emu, nadia, ALERT_EN)) == len(alerts_to(emu, ines, ALERT_FR)) == 1


async def test_two_admins_press_mark_handled_at_once_and_one_wins(
    emu: Emulator, launch: Launch
) -> None:
    bot, nadia, ines, _chloe, awa = await no_show_reported(emu, launch)
    english = await emu.wait_for(nadia.uid, contains=ALERT_EN)
    french = await emu.wait_for(ines.uid, contains=ALERT_FR)
    mark = emu.mark()
    pressed = await asyncio.gather(
        nadia.tap("Mark handled", english.message_id),
        ines.tap("Marquer comme traitée", french.message_id),
    )
    (row,) = await bot.core.db.fetchall("SELECT * FROM checkin_alerts")
    assert row["handled_by"] in (nadia.uid, ines.uid) and row["handled_at"] is not None
    nadia_won = row["handled_by"] == nadia.uid
    winner, loser = (nadia, ines) if nadia_won else (ines, nadia)
    won, lost = (english, french) if nadia_won else (french, english)
    loser_press = pressed[1] if nadia_won else pressed[0]
    assert loser_press.show_alert
    assert loser_press.text in ("Déjà traitée par Nadia.", "Already handled by Inès.")
    mine = await emu.wait_for(
        winner.uid, predicate=lambda m: m.message_id == won.message_id, since=mark
    )
    assert plain(mine.text).endswith(("✅ Handled by you.", "✅ Traitée par vous."))
    assert mine.buttons == []
    theirs = await emu.wait_for(
        loser.uid, predicate=lambda m: m.message_id == lost.message_id, since=mark
    )
    assert plain(theirs.text).endswith(("✅ Traitée par Nadia.", "✅ Handled by Inès."))
    assert theirs.buttons == []
    told = await emu.wait_for(
        loser.uid,
        contains="Awa",
        since=mark,
        predicate=lambda m: m.message_id not in (won.message_id, lost.message_id),
    )
    assert plain(told.text) in (
        "✅ Nadia a traité l\u2019alerte concernant Awa.",
        "✅ Inès handled the alert about Awa.",
    )
    await settled(bot.core)
    assert not [m for m in emu.bot_messages(winner.uid) if "handled the alert" in m.text]
    assert not [m for m in emu.bot_messages(winner.uid) if "a traité l\u2019alerte" in m.text]
    audits = await bot.core.db.fetchall(
        "SELECT actor_id, subject_id FROM audit_log WHERE action = 'alert.handled'"
    )
    assert [tuple(a) for a in audits] == [(winner.uid, awa.uid)]
    again = await emu.press_data(winner.uid, won.message_id, f"al:h:{row['id']}")
    assert again.answered and not again.show_alert  # pressed again: still hers, nothing new
    (after,) = await bot.core.db.fetchall("SELECT * FROM checkin_alerts")
    assert after["handled_by"] == winner.uid and after["handled_at"] == row["handled_at"]


async def test_a_low_rating_with_a_request_for_help_reaches_every_admin(
    emu: Emulator, launch: Launch
) -> None:
    bot, nadia, ines = await with_admins(emu, launch)
    chloe, awa = await montreal_dakar(bot)
    (pair,) = await bot.core.db.fetchall("SELECT id FROM pairs")
    async with bot.core.db.write() as conn:  # as the check-in service does with her answer
        cursor = await conn.execute(
            "INSERT INTO checkins(user_id, pair_id, reason, status, rating, worked_on,"
            " needs_help, help_text, opened_at, answered_at) VALUES (?, ?, 'cadence',"
            " 'answered', 1, 'My <first> sale', 1, 'We never manage to meet', 'x', 'x')",
            (awa.uid, pair["id"]),
        )
        checkin = cursor.lastrowid
        for kind in (Kind.LOW_RATING, Kind.HELP):
            trigger = Trigger(kind, awa.uid, pair["id"], checkin_id=checkin)
            await bot.core.alerts.raise_alert(conn, trigger)
    for admin, heading in ((nadia, ALERT_EN), (ines, ALERT_FR)):
        for _ in range(100):
            if len(alerts_to(emu, admin, heading)) == 2:
                break
            await asyncio.sleep(0.05)
        low, help_ = alerts_to(emu, admin, heading)
        assert len(low.buttons) == len(help_.buttons) == 2
    low, help_ = (m.text for m in alerts_to(emu, nadia, ALERT_EN))
    assert "Awa rated her check-in 1/5." in low
    assert "Awa asked the program team for help." in help_
    for text in (low, help_):
        assert "Rating: 1/5" in text
        assert "Worked on: My <first> sale" in text
        assert "Asked for help: We never manage to meet" in text
    low_fr, help_fr = (m.text for m in alerts_to(emu, ines, ALERT_FR))
    assert "Awa a noté son point d\u2019étape 1/5." in low_fr
    assert "Demande d\u2019aide\u00a0: We never manage to meet" in help_fr
    assert [m.text for m in emu.bot_messages(chloe.uid) if "1/5" in m.text] == []


async def test_a_refused_link_to_her_chat_still_delivers_the_alert(
    emu: Emulator, launch: Launch
) -> None:
    bot, nadia, ines = await with_admins(emu, launch)
    _chloe, awa = await montreal_dakar(bot)
    (pair,) = await bot.core.db.fetchall("SELECT id FROM pairs")
    emu.fault(
        "sendMessage", nadia.uid, status=400, description="BUTTON_USER_PRIVACY_RESTRICTED", times=1
    )
    async with bot.core.db.write() as conn:
        await bot.core.alerts.raise_alert(conn, Trigger(Kind.MISSED, awa.uid, pair["id"]))
    english = await emu.wait_for(nadia.uid, contains=ALERT_EN, timeout=10)
    assert english.buttons == [["Mark handled"]]
    french = await emu.wait_for(ines.uid, contains=ALERT_FR)
    assert french.buttons == [["La contacter"], ["Marquer comme traitée"]]
    await settled(bot.core)
    statuses = await bot.core.outbox.counts()
    assert statuses == {"sent": statuses.get("sent", 0)}, statuses
    await nadia.tap("Mark handled", english.message_id)
    (row,) = await bot.core.db.fetchall("SELECT handled_by FROM checkin_alerts")
    assert row["handled_by"] == nadia.uid


async def test_the_staff_member_in_charge_of_her_cohort_handles_it_in_spanish(
    emu: Emulator, launch: Launch
) -> None:
    bot, nadia, ines = await with_admins(emu, launch)
    sam = bot.person("Sam", "es")
    _chloe, awa = await montreal_dakar(bot)
    (pair,) = await bot.core.db.fetchall("SELECT id FROM pairs")
    async with bot.core.db.write() as conn:
        await conn.execute(
            "INSERT INTO staff(user_id, role, added_by, added_at) VALUES (?, 'staff', ?, 'x')",
            (sam.uid, nadia.uid),
        )
        await conn.execute(
            "INSERT INTO cohorts(code, name, staff_id, created_by, created_at)"
            " VALUES ('dakar27', 'Dakar 2027', ?, ?, 'x')",
            (sam.uid, nadia.uid),
        )
        await conn.execute(
            "UPDATE applications SET cohort = 'dakar27' WHERE user_id = ?", (awa.uid,)
        )
    await sam.send("/start", expect="equipo del programa")
    async with bot.core.db.write() as conn:
        await bot.core.alerts.raise_alert(conn, Trigger(Kind.MISSED, awa.uid, pair["id"]))
    spanish = await emu.wait_for(sam.uid, contains="Una pareja de mentoría puede necesitarle")
    assert "Awa no respondió a 2 seguimientos seguidos." in plain(spanish.text)
    assert spanish.buttons == [["Contactarla"], ["Marcar como atendida"]]
    await emu.wait_for(nadia.uid, contains=ALERT_EN)
    await emu.wait_for(ines.uid, contains=ALERT_FR)
    mark = emu.mark()
    await sam.tap("Marcar como atendida", spanish.message_id)
    done = await emu.wait_for(
        sam.uid, predicate=lambda m: m.message_id == spanish.message_id, since=mark
    )
    assert plain(done.text).endswith("✅ Atendida por usted.")
    told = await emu.wait_for(nadia.uid, contains="handled the alert", since=mark)
    assert plain(told.text) == "✅ Sam handled the alert about Awa."
    await emu.wait_for(ines.uid, contains="Sam a traité l\u2019alerte concernant Awa", since=mark)
