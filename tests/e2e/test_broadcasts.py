"""/broadcast end to end through the emulator with Telegram's limits: segments and their counts,
formatting, photos, translations, the preview, schedules in the staff member's zone, events
with Going / Not going, their .ics and reminders, and the staff-only rule."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
from icalendar import Calendar

from bot.emulator import Emulator
from bot.runtime.clock import FrozenClock
from bot.runtime.db import Database
from tests.applicants import store_applicant
from tests.conftest import Launch
from tests.e2e.broadcasting import (
    compose,
    limited_emu,  # noqa: F401 (the emu of these tests)
    received,
    seed_people,
    sql,
)
from tests.e2e.test_privacy import SCHEMA, pressed, traces
from tests.emulator.test_settings_files import PNG
from tests.harness import Person, Running, new_person

DASH = "\u2013"  # between an event's start and end


def buttons(person: Person) -> list[str]:
    return [label for row in person.last().buttons for label in row]


async def applicants(db: Path, emu: Emulator, *who: tuple[str, str, str, str]) -> list[int]:
    """Stores (first name, role, status, country) applicants; returns their ids."""
    database = Database(db)
    await database.open()
    uids = []
    try:
        for name, role, status, country in who:
            uid = emu.add_user(name, language_code="fr")
            emu.user(uid).started = True
            await store_applicant(
                database, uid, role, first_name=name, status=status, place=country, language="fr"
            )
            uids.append(uid)
    finally:
        await database.close()
    return uids


async def test_each_segment_shows_its_count_and_reaches_only_its_people(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    chloe, lea, awa, fatou, rosa, ana = await applicants(
        db,
        emu,
        ("Chloé", "mentor", "approved", "senegal"),
        ("Léa", "mentor", "approved", "bolivia"),
        ("Awa", "mentee", "approved", "senegal"),
        ("Fatou", "mentee", "pending", "senegal"),
        ("Rosa", "mentee", "in_progress", "bolivia"),
        ("Ana", "mentee", "rejected", "bolivia"),
    )
    database = Database(db)
    await database.open()
    async with database.write() as conn:
        await conn.execute(
            "UPDATE applications SET cohort = 'dakar27' WHERE user_id IN (?, ?)", (awa, fatou)
        )
    await database.close()
    await launch(admins=(nadia.uid,))
    await nadia.send("/broadcast", expect="Who should receive it")
    assert buttons(nadia) == [
        "Everyone · 6",
        "Applicants · 2",
        "Participants · 3",
        "Mentors · 2",
        "Mentees · 1",
        "By country",
        "By language",
        "By cohort",
    ]
    countries = await nadia.toggle("By country")
    assert countries.buttons == [["Senegal · 3"], ["Bolivia · 2"], ["Canada · 2"], ["« Back"]]
    await nadia.toggle("Back")
    await nadia.toggle("By language")
    assert buttons(nadia)[0] == "Français · 6"
    await nadia.toggle("Back")
    await nadia.toggle("By cohort")
    prompt = await nadia.toggle("dakar27")
    assert "Cohort: dakar27 (2 people)" in prompt.text
    await nadia.send("Cohort meeting on Friday", expect="Preview")
    await nadia.tap("Send now")
    report = await emu.wait_for(nadia.uid, contains="finished", timeout=15)
    assert "Delivered: 2" in report.text
    everyone = [chloe, lea, awa, fatou, rosa, ana]
    assert received(emu, everyone, "Cohort meeting") == {
        uid: int(uid in (awa, fatou)) for uid in everyone
    }

    await compose(nadia, "Mentors", "Departure briefing for mentors")
    await nadia.tap("Send now")
    await emu.wait_for(nadia.uid, contains="Broadcast #2 to Mentors: finished", timeout=15)
    assert received(emu, everyone, "Departure briefing") == {
        uid: int(uid in (chloe, lea)) for uid in everyone
    }
    actions = sql(db, "SELECT actor_id, action FROM audit_log WHERE action LIKE 'broadcast.%'")
    assert actions == [(nadia.uid, "broadcast.send")] * 2


async def test_formatting_translations_and_the_preview_are_what_each_person_reads(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    uids = await seed_people(db, emu, 6, languages=("en", "fr", "es"))
    english, french, spanish = uids[0::3], uids[1::3], uids[2::3]
    await launch(admins=(nadia.uid,))
    await nadia.send("/broadcast", expect="Who should receive it")
    await nadia.toggle("Everyone")
    text = "Round table <Friday> & more: see the program"
    entities = [
        {"type": "bold", "offset": 0, "length": 11},
        {"type": "text_link", "offset": 33, "length": 11, "url": "https://example.org/p"},
    ]
    before = nadia.last().message_id
    await emu.send_text(nadia.uid, text, entities)
    control = await emu.wait_for(nadia.uid, contains="Preview", timeout=5)
    [preview] = [
        m for m in emu.bot_messages(nadia.uid) if before < m.message_id < control.message_id
    ]
    assert (preview.text, preview.entities) == (text, entities)
    assert "English: 2 people, version in English" in control.text
    assert "Français: 2 people, version in English" in control.text

    await nadia.toggle("Add translation")
    assert "English" not in buttons(nadia)[:2], "the first version's language is not offered"
    prompt = await nadia.toggle("Français")
    assert "version in Français" in prompt.text
    french_text = "Table ronde vendredi"
    control = await nadia.send(french_text, expect="Preview")
    assert "Français: 2 people, version in Français" in control.text
    assert "Español: 2 people, version in English" in control.text
    assert nadia.texts()[-2] == french_text, "the French version is previewed"
    await nadia.tap("Send now")
    await emu.wait_for(nadia.uid, contains="finished", timeout=15)
    for uid in english + spanish:
        [message] = emu.bot_messages(uid)
        assert (message.text, message.entities) == (text, entities)
    for uid in french:
        assert [m.text for m in emu.bot_messages(uid)] == [french_text]


async def test_a_photo_goes_to_everyone_with_its_caption(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    uids = await seed_people(db, emu, 4)
    await launch(admins=(nadia.uid,))
    await nadia.send("/broadcast", expect="Who should receive it")
    await nadia.toggle("Everyone")
    italic = [{"type": "italic", "offset": 0, "length": 6}]
    sent = await emu.send_photo(nadia.uid, PNG, "Poster of the round table", italic)
    control = await emu.wait_for(nadia.uid, contains="Preview", timeout=5)
    preview = emu.bot_messages(nadia.uid)[-2]
    assert preview.photo_file_id == sent.photo_file_id and preview.entities == italic
    assert control.message_id > preview.message_id
    await nadia.tap("Send now")
    await emu.wait_for(nadia.uid, contains="finished", timeout=15)
    for uid in uids:
        [message] = emu.bot_messages(uid)
        assert message.photo_file_id == sent.photo_file_id
        assert (message.text, message.entities) == ("Poster of the round table", italic)


async def test_a_schedule_is_typed_in_her_zone_and_confirmed_in_each_recipients(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    uids = await seed_people(db, emu, 4, languages=("en",))
    bot: Running = await launch(admins=(nadia.uid,))  # PASSERELLE_TIMEZONE: America/Toronto
    clock = bot.core.clock
    assert isinstance(clock, FrozenClock)  # Monday 11 January 2027, 09:00 in Toronto
    await compose(nadia, "Everyone", "Scheduled announcement")
    await nadia.toggle("Schedule")
    wrong = await nadia.send("tomorrow at noon", expect="could not read")
    assert "<code>" not in wrong.text
    await nadia.send("2027-01-11 08:00", expect="already passed")
    confirmed = await nadia.send("2027-01-11 12:00", expect="is scheduled")
    assert "Monday, January 11, 2027, 12:00 (Toronto)" in confirmed.text
    assert "Dakar: Monday, January 11, 2027, 17:00 — 1 person" in confirmed.text
    assert "La Paz: Monday, January 11, 2027, 13:00" in confirmed.text
    assert "Manila: Tuesday, January 12, 2027, 01:00" in confirmed.text
    listing = await nadia.send("/broadcast", expect="Broadcasts")
    assert "Scheduled for Monday, January 11, 2027, 12:00" in listing.text
    assert "Edit #1" in str(listing.buttons)

    clock.advance(timedelta(hours=2, minutes=59))
    bot.core.timers.wake()
    await emu.wait_for(nadia.uid, contains="Who should receive it", since=listing.version)
    assert sum(received(emu, uids, "Scheduled").values()) == 0, "not before its time"
    clock.advance(timedelta(minutes=1))
    bot.core.timers.wake()
    await emu.wait_for(nadia.uid, contains="finished", timeout=15)
    assert received(emu, uids, "Scheduled announcement") == {uid: 1 for uid in uids}
    shown = [p["text"] for method, p in emu.requests if method == "sendMessage" and "text" in p]
    assert any("0 of 4 sent" in text for text in shown), "its progress was shown as it started"


async def test_a_scheduled_broadcast_can_be_edited_or_cancelled_before_it_starts(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    uids = await seed_people(db, emu, 3, languages=("en",))
    bot = await launch(admins=(nadia.uid,))
    clock = bot.core.clock
    assert isinstance(clock, FrozenClock)
    await compose(nadia, "Everyone", "First wording")
    await nadia.toggle("Schedule")
    await nadia.send("2027-01-11 12:00", expect="is scheduled")
    await nadia.tap("Edit")
    await emu.wait_for(nadia.uid, contains="Preview", since=0, timeout=5)
    await nadia.toggle("Change text")
    await nadia.send("Second wording", expect="Preview")
    await nadia.toggle("Schedule")
    await nadia.send("2027-01-11 13:00", expect="is scheduled")
    await nadia.tap("Cancel the broadcast")
    clock.advance(timedelta(hours=5))
    bot.core.timers.wake()
    listing = await nadia.send("/broadcast", expect="Who should receive it")
    assert sum(received(emu, uids, "wording").values()) == 0
    assert sql(db, "SELECT status FROM broadcasts") == [("cancelled",)]
    assert listing.buttons[0][0].startswith("Everyone")


async def test_an_event_in_each_persons_time_with_its_ics_answers_and_reminders(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    awa, chloe, rosa = await seed_people(
        db,
        emu,
        3,
        languages=("fr", "en", "es"),
        zones=("Africa/Dakar", "America/Toronto", "America/La_Paz"),
    )
    bot = await launch(admins=(nadia.uid,))
    clock = bot.core.clock
    assert isinstance(clock, FrozenClock)
    await compose(nadia, "Everyone", "Our round table")
    await nadia.toggle("Add event")
    await nadia.send("Round table", expect="When is it")
    await nadia.send("2027-01-14 10:00-11:30", expect="Where is it")
    control = await nadia.send("https://meet.jit.si/round-table", expect="Preview")
    assert (
        f"Event: Round table, Thursday, January 14, 2027, 10:00{DASH}11:30 (Toronto)"
        in control.text
    )
    await nadia.tap("Send now")
    await emu.wait_for(nadia.uid, contains="finished", timeout=15)

    [text, calendar] = emu.bot_messages(awa)
    assert f"jeudi 14 janvier 2027, 15:00{DASH}16:30 (Dakar)" in text.text
    assert "https://meet.jit.si/round-table" in text.text
    assert f"11:00{DASH}12:30 (La Paz)" in emu.bot_messages(rosa)[0].text
    assert calendar.document is not None and calendar.document.filename == "event.ics"
    event = Calendar.from_ical(calendar.document.data).walk("VEVENT")[0]
    assert event["UID"] == "broadcast-1@passerelle"
    assert event["DTSTART"].to_ical() == b"20270114T150000Z"
    assert event["DTEND"].to_ical() == b"20270114T163000Z"
    assert (str(event["SUMMARY"]), str(event["URL"])) == (
        "Round table",
        "https://meet.jit.si/round-table",
    )

    going = await Person(emu, awa).tap("J'y serai", text.message_id)
    assert going.text and "Merci" in going.text
    marked = await emu.wait_for(awa, predicate=lambda m: "✅" in str(m.buttons), since=0)
    assert marked.buttons == [["✅ J'y serai", "Je n'y serai pas"]]
    await Person(emu, chloe).tap("Not going")
    listing = await nadia.send("/broadcast", expect="Broadcasts")
    assert "Round table: 1 going, 1 not going, 1 without an answer yet" in listing.text

    clock.set(clock.now().replace(day=13, hour=15))  # 24 hours before it starts
    bot.core.timers.wake()
    reminder = await emu.wait_for(awa, contains="Rappel", since=marked.version, timeout=10)
    assert "Round table commence dans 1 jour" in reminder.text
    assert f"15:00{DASH}16:30 (Dakar)" in reminder.text
    clock.set(clock.now().replace(day=14, hour=14))  # one hour before
    bot.core.timers.wake()
    await emu.wait_for(awa, contains="dans 1 heure", since=reminder.version, timeout=10)
    assert [m for m in emu.bot_messages(chloe) if "Reminder" in m.text] == []
    assert len(emu.bot_messages(rosa)) == 2, "no answer, no reminder"
    rows = sql(db, "SELECT user_id, rsvp FROM broadcast_recipients ORDER BY user_id")
    assert rows == [(awa, "going"), (chloe, "not_going"), (rosa, None)]
    assert json.loads(str(sql(db, "SELECT payload FROM timers WHERE id LIKE '%:3600'")[0][0])) == {
        "lead": 3600
    }


async def test_only_staff_can_broadcast_and_every_press_is_checked(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, zoe = new_person(emu, "Nadia"), new_person(emu, "Zoé")
    await seed_people(db, emu, 2)
    await launch(admins=(nadia.uid,))
    refused = await zoe.send("/broadcast", expect="program staff")
    answer = await emu.press_data(zoe.uid, refused.message_id, "bc:seg:everyone")
    assert answer.show_alert and "program staff" in (answer.text or "")
    forged = await emu.press_data(zoe.uid, refused.message_id, "bca:1:1")
    assert forged.answered and not forged.show_alert
    await nadia.send("/broadcast", expect="Who should receive it")
    forged = await emu.press_data(nadia.uid, nadia.last().message_id, "bc:now:999")
    assert forged.show_alert, "a broadcast that does not exist is not sent"
    assert sql(db, "SELECT COUNT(*) FROM broadcasts") == [(0,)]


async def test_erasing_a_recipient_keeps_the_reports_counts_and_nothing_of_her(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    awa, _chloe = await seed_people(db, emu, 2, languages=("fr", "en"))
    bot = await launch(admins=(nadia.uid,))
    await compose(nadia, "Everyone", "Our round table")
    await nadia.toggle("Add event")
    await nadia.send("Round table", expect="When is it")
    await nadia.send("2027-01-14 10:00-11:30", expect="Where is it")
    await nadia.send("https://meet.jit.si/round-table", expect="Preview")
    await nadia.tap("Send now")
    await emu.wait_for(nadia.uid, contains="finished", timeout=15)
    announcement = emu.bot_messages(awa)[0]
    await Person(emu, awa).tap("J'y serai", announcement.message_id)

    her = Person(emu, awa)
    document = (await her.send("/mydata", expect=None)).document
    assert document is not None
    mine = json.loads(document.data)
    jsonschema.validate(mine, SCHEMA)
    assert [(b["status"], b["rsvp"]) for b in mine["broadcasts_received"]] == [("sent", "going")]
    await her.send("/delete", expect="irréversible")
    await pressed(her, "Effacer", "effacé")
    assert await traces(bot.core, awa, (emu.user(awa).first_name,)) == []
    listing = await nadia.send("/broadcast", expect="Broadcasts")
    assert "Round table: 1 going, 0 not going, 1 without an answer yet" in listing.text
    assert sql(db, "SELECT COUNT(*) FROM broadcast_recipients")[0][0] == 2
