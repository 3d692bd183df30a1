"""Privacy through the chat: /privacy, /mydata, /delete, /erase, consent again, retention."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.core import Core
from bot.emulator import Emulator, EmuMessage
from bot.privacy.data import NO_PERSONAL_DATA
from bot.privacy.notice import VERSION
from bot.privacy.service import RETENTION
from bot.runtime.clock import FrozenClock
from tests.conftest import Launch
from tests.e2e.paths import MENTOR, walk
from tests.e2e.test_delivery import bot_process, kill_9, received, rows, seed, settled
from tests.e2e.test_pairing import enrol
from tests.harness import Person, Running, new_person, start_process

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "bot/privacy/mydata.schema.json").read_text("utf-8")
)
EMAIL = "awa@example.org"
MOTIVATION = "I want to share what I learned with other women."


async def tables(core: Core) -> list[str]:
    rows = await core.db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return sorted(row["name"] for row in rows)


async def traces(core: Core, user_id: int, words: tuple[str, ...]) -> list[tuple[str, str, Any]]:
    """Every cell of every table that holds her id or one of her words (once all is handled)."""
    for _ in range(150):  # the update that erased is marked handled just after its reply, and
        # what the application owed staff goes out within about a second (bulk yields to replies)
        if (
            await core.db.fetchone(
                "SELECT 1 FROM inbox WHERE done_at IS NULL"
                " UNION ALL SELECT 1 FROM outbox WHERE status = 'pending'"
            )
            is None
        ):
            break
        await asyncio.sleep(0.02)
    found = []
    for table in await tables(core):
        for row in await core.db.fetchall(f"SELECT * FROM {table}"):
            for column in row.keys():  # noqa: SIM118 (sqlite3.Row iterates values)
                value = row[column]
                if value == user_id or (
                    isinstance(value, str)
                    and (str(user_id) in value or any(word in value for word in words))
                ):
                    found.append((table, column, value))
    return found


async def pressed(person: Person, label: str, expect: str) -> EmuMessage:
    """Presses a button whose answer replaces its own message; returns that message."""
    mark = person.emu.mark()
    await person.tap(label)
    return await person.emu.wait_for(person.uid, contains=expect, since=mark)


async def apply_as_mentor(bot: Running, name: str = "Awa") -> Person:
    """Someone who applies through the whole questionnaire, in English."""
    person = bot.person(name, "en", username=f"{name.lower()}_pp")
    await person.send("/start")
    await walk(person, bot.core.t("en"), (*MENTOR, ("press", "Confirm")))
    return person


async def test_every_table_is_declared_personal_or_not(running: Running) -> None:
    declared = running.core.privacy.tables | NO_PERSONAL_DATA
    assert set(await tables(running.core)) <= declared


async def test_privacy_notice_names_the_officer_and_staff_see_what_is_due(
    emu: Emulator, launch: Launch
) -> None:
    nadia = emu.add_user("Nadia", language_code="fr")
    bot = await launch(admins=(nadia,), privacy_contact="Amina Diallo <vie.privee@example.org>")
    awa = bot.person("Awa", "es")
    notice = await awa.send("/privacy", expect="Amina Diallo")
    assert "2 años" in notice.text and "1 año" in notice.text
    assert "/mydata" in notice.text and "What we keep" not in notice.text
    assert "Para el equipo" not in notice.text
    staff_view = await Person(emu, nadia).send("/privacy", expect="Amina")
    assert "Pour l'équipe du programme" in staff_view.text and VERSION in staff_view.text


async def test_mydata_sends_everything_about_her_and_nothing_of_others(running: Running) -> None:
    awa = await apply_as_mentor(running)
    other = await apply_as_mentor(running, "Zelda")
    reply = await awa.send("/mydata", expect=None)
    assert reply.document is not None and reply.document.filename.endswith(".json")
    document = json.loads(reply.document.data)
    jsonschema.validate(document, SCHEMA)
    assert document["profile"]["first_name"] == "Awa"
    assert document["application"]["answers"]["email"]["value"] == EMAIL
    assert document["application"]["answers"]["motivation"]["value"] == MOTIVATION
    assert document["application"]["status"] == "pending"
    assert [c["version"] for c in document["consents"]] == [VERSION]
    assert "Zelda" not in reply.document.data.decode() and str(other.uid) not in json.dumps(
        document
    )
    audit = await running.core.db.fetchall(
        "SELECT actor_id, action FROM audit_log WHERE action = 'privacy.mydata'"
    )
    assert [(r["actor_id"], r["action"]) for r in audit] == [(awa.uid, "privacy.mydata")]


async def test_delete_erases_her_from_every_table_tells_her_pair_and_keeps_counts(
    emu: Emulator, launch: Launch
) -> None:
    nadia = emu.add_user("Nadia")
    bot = await launch(admins=(nadia,))
    awa = await apply_as_mentor(bot)
    async with bot.core.db.write() as conn:
        await conn.execute(
            "UPDATE applications SET status = 'approved' WHERE user_id = ?", (awa.uid,)
        )
    lucia = bot.person("Lucía", "es", username="lucia")
    await enrol(bot, lucia, "mentee", languages=("fr", "es"))
    await Person(emu, nadia).send(f"/pair {awa.uid} {lucia.uid}", expect="Paired")
    await emu.wait_for(lucia.uid, contains="Awa")
    before = await bot.core.stats.figures()

    question = await awa.send("/delete", expect="cannot be undone")
    assert [b for row in question.buttons for b in row] == ["Delete", "Keep"]
    await awa.tap("Keep")
    assert await bot.core.privacy.exists(awa.uid)
    await awa.send("/delete", expect="cannot be undone")
    erased = await pressed(awa, "Delete", "has been erased")
    assert "/start" in erased.text
    await emu.wait_for(lucia.uid, contains="ya no participa")

    assert await traces(bot.core, awa.uid, ("Awa", "awa_pp", EMAIL, MOTIVATION)) == []
    after = await bot.core.stats.figures()
    assert after.applications == before.applications
    assert after.by_role == before.by_role and after.by_country == before.by_country
    assert after.by_status["approved"] == before.by_status["approved"]
    assert after.active_pairs == before.active_pairs - 1
    assert (await lucia.send("/status")).text.count("Awa") == 0

    again = await awa.send("/start", expect="Welcome")  # she can start afresh
    assert again.buttons


async def test_an_old_delete_button_erases_nothing(emu: Emulator, running: Running) -> None:
    awa = await apply_as_mentor(running)
    await awa.send("/delete", expect="cannot be undone")
    assert isinstance(running.core.clock, FrozenClock)
    running.core.clock.advance(timedelta(minutes=11))
    result = await awa.tap("Delete")
    assert result.show_alert and "expired" in (result.text or "")
    assert await running.core.privacy.exists(awa.uid)


async def test_refusing_consent_in_the_questionnaire_erases_the_same_way(running: Running) -> None:
    zoe = running.person("Zoé", "fr", username="zoe_z")
    await zoe.send("/start")
    await zoe.press(running.core.t("fr").plain("I do not agree"))
    assert await traces(running.core, zoe.uid, ("Zoé", "zoe_z")) == []
    counted = await running.core.db.fetchall("SELECT kind, key, count FROM anonymous_counts")
    assert [(r["kind"], r["key"], r["count"]) for r in counted] == [
        ("application.status", "in_progress", 1)
    ]


async def test_changed_privacy_texts_ask_her_again(running: Running) -> None:
    awa = await apply_as_mentor(running)
    async with running.core.db.write() as conn:  # she consented to the texts of an older version
        await conn.execute(
            "UPDATE people SET consent_version = 'old' WHERE user_id = ?", (awa.uid,)
        )
    running.core.privacy._current.clear()
    asked = await awa.send("/status", expect="updated how Passerelle")
    assert [b for row in asked.buttons for b in row] == ["I agree", "I do not agree"]
    assert (await awa.send("/help", expect="/privacy")).text  # help still answers
    again = await awa.send("/status", expect="updated how Passerelle")
    thanks = await pressed(awa, "I agree", "recorded")
    assert thanks.message_id == again.message_id  # the question is answered in place
    status = await awa.send("/status", expect=None)
    assert "updated how" not in status.text
    history = await running.core.db.fetchall(
        "SELECT version, given FROM consents WHERE user_id = ? ORDER BY id", (awa.uid,)
    )
    assert [(r["version"], r["given"]) for r in history] == [(VERSION, 1), (VERSION, 1)]


async def test_not_agreeing_to_changed_texts_erases(running: Running) -> None:
    awa = await apply_as_mentor(running)
    async with running.core.db.write() as conn:
        await conn.execute(
            "UPDATE people SET consent_version = 'old' WHERE user_id = ?", (awa.uid,)
        )
    running.core.privacy._current.clear()
    await awa.send("/status", expect="updated how Passerelle")
    await pressed(awa, "I do not agree", "has been erased")
    assert await traces(running.core, awa.uid, ("Awa", EMAIL)) == []


async def test_an_admin_erases_someone_on_request(emu: Emulator, launch: Launch) -> None:
    nadia, sam = emu.add_user("Nadia"), emu.add_user("Sam")
    bot = await launch(admins=(nadia,))
    admin = Person(emu, nadia)
    await admin.send(f"/staff add {sam}", expect="is now staff")
    awa = await apply_as_mentor(bot)
    await emu.wait_for(nadia, contains="New application from Awa")  # the admins were told
    staff = Person(emu, sam)
    assert "Only admins" in (await staff.send(f"/erase {awa.uid}", expect=None)).text
    assert "not a Telegram user id" in (await admin.send("/erase ²", expect=None)).text
    assert "staff member" in (await admin.send(f"/erase {sam}", expect=None)).text
    question = await admin.send("/erase @awa_pp", expect="cannot be undone")
    assert f"id {awa.uid}" in question.text
    done = await pressed(admin, "Erase", "anonymous counts")
    assert done.message_id == question.message_id
    assert await traces(bot.core, awa.uid, ("Awa", "awa_pp", EMAIL)) == []
    audit = await bot.core.db.fetchall(
        "SELECT actor_id, subject_id, details FROM audit_log WHERE action = 'privacy.erased'"
    )
    assert [(r["actor_id"], r["subject_id"]) for r in audit] == [(nadia, None)]
    assert json.loads(audit[0]["details"]) == {"reason": "staff"}


async def test_forged_erase_buttons_do_nothing(emu: Emulator, launch: Launch) -> None:
    nadia = emu.add_user("Nadia")
    bot = await launch(admins=(nadia,))
    awa = await apply_as_mentor(bot)
    eve = bot.person("Eve")
    hello = await eve.send("/help", expect=None)
    now_minute = int(bot.core.clock.now().timestamp() // 60)
    for data in (f"privacy:erase:{awa.uid}:{now_minute}", "privacy:erase:x:y", "privacy:zzz"):
        result = await emu.press_data(eve.uid, hello.message_id, data)
        assert result.answered, data
    assert await bot.core.privacy.exists(awa.uid)


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_retention_erases_old_applications_on_the_timers(
    emu: Emulator, launch: Launch, language: str
) -> None:
    nadia = emu.add_user("Nadia", language_code=language)
    bot = await launch(admins=(nadia,), retention_applicants=timedelta(days=30))
    awa = await apply_as_mentor(bot)
    fresh = bot.person("Fresh")
    assert isinstance(bot.core.clock, FrozenClock)
    async with bot.core.db.write() as conn:  # the daily run waits until /privacy has counted
        await conn.execute(
            "UPDATE timers SET due_at = '2099-01-01T00:00:00Z' WHERE kind = ?"
            " AND done_at IS NULL AND cancelled_at IS NULL",
            (RETENTION,),
        )
    bot.core.clock.advance(timedelta(days=29))
    await fresh.send("/start", expect="Welcome")  # someone who started later
    bot.core.clock.advance(timedelta(days=2))
    t = bot.core.t(language)
    due = t.plural(
        "Due for erasure now: {count} application that never led to a pairing.",
        "Due for erasure now: {count} applications that never led to a pairing.",
        1,
    )
    assert due in (await Person(emu, nadia).send("/privacy", expect=None)).text
    async with bot.core.db.write() as conn:
        await conn.execute(
            "UPDATE timers SET due_at = ? WHERE kind = ? AND done_at IS NULL"
            " AND cancelled_at IS NULL",
            (bot.core.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"), RETENTION),
        )
    bot.core.timers.wake()
    for _ in range(100):
        if not await bot.core.privacy.exists(awa.uid):
            break
        await asyncio.sleep(0.05)
    assert not await bot.core.privacy.exists(awa.uid)
    assert await bot.core.privacy.exists(fresh.uid)
    assert await traces(bot.core, awa.uid, ("Awa", EMAIL)) == []


@pytest.mark.slow
async def test_kill_9_after_delete_tells_her_pair_exactly_once(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    chloe, awa = new_person(emu, "Chloé"), new_person(emu, "Awa", "fr")
    await seed(db, (chloe, "mentor", "approved"), (awa, "mentee", "approved"))
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO pairs(mentor_id, mentee_id, created_at, created_by)"
            " VALUES (?, ?, '2027-01-01T00:00:00Z', 0)",
            (chloe.uid, awa.uid),
        )
    async with bot_process(emu, db) as holder:
        await awa.send("/delete", expect="irréversible")
        held = emu.hold(chat_id=awa.uid)  # her answer is in flight when the bot dies
        stuck = emu.fault(chat_id=chloe.uid, hang=True)  # and so is her pair's notice
        await awa.tap("Effacer")
        await held.wait(1)
        await kill_9(holder)
        assert rows(db, "SELECT COUNT(*) FROM people WHERE user_id = ?", (awa.uid,)) == [(0,)]
        assert received(chloe) == []
        stuck.clear()
        held.release()
        holder[0] = await start_process(emu, db)
        await emu.wait_for(chloe.uid, contains="no longer taking part", timeout=10)
        await settled(db)
        await asyncio.sleep(0.5)  # time enough for a second copy to show up
    assert len(received(chloe)) == 1, received(chloe)
