"""Meetings through the chat: availability, proposals in two zones, accept, .ics, reminders,
restarts, reschedule, cancel, decline, no common time, follow-ups in /stats, stale buttons."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import jsonschema

from bot.emulator import Emulator
from bot.meetings.week import Part
from tests.conftest import Launch
from tests.e2e.meetings_helpers import (
    DAKAR,
    MONTREAL,
    clock_of,
    count,
    days_of,
    document_count,
    documents,
    enrol,
    event_of,
    give_availability,
    pair_up,
    plain,
    save_week,
    settled,
)
from tests.e2e.test_privacy import SCHEMA, pressed, traces
from tests.harness import Person, Running

MORNING, AFTERNOON = 0, 1
TUESDAY = datetime(2027, 1, 12, 13, tzinfo=UTC)  # 08:00 in Montreal, 13:00 in Dakar
STALE = "This button is no longer active."


async def montreal_dakar(bot: Running) -> tuple[Person, Person]:
    """Chloé (French, Montreal, weekday mornings) and Awa (English, Dakar, weekday afternoons)."""
    chloe, awa = bot.person("Chloé", "fr"), bot.person("Awa", "en")
    await enrol(bot.core.db, chloe, "mentor", "fr", MONTREAL)
    await enrol(bot.core.db, awa, "mentee", "en", DAKAR)
    await pair_up(bot.core, chloe, awa)
    await save_week(bot.core.db, chloe, days_of(range(5), Part.MORNING))
    await save_week(bot.core.db, awa, days_of(range(5), Part.AFTERNOON))
    return chloe, awa


async def book_tuesday(bot: Running, chloe: Person, awa: Person) -> None:
    """Chloé proposes Tuesday 08:00 (her time), Awa accepts; both get the link and the .ics."""
    had = {person.uid: len(documents(bot.emu, person.uid)) for person in (chloe, awa)}
    await chloe.send("/meet", expect="Awa")
    await chloe.tap("mar. 12 janv., 08:00")
    await bot.emu.wait_for(awa.uid, contains="proposes a meeting")
    await awa.tap("Accept")
    for person in (chloe, awa):
        await document_count(bot.emu, person.uid, had[person.uid] + 1)
    await settled(bot.core)


async def booked(launch: Launch) -> tuple[Running, Person, Person]:
    """A bot on which Chloé and Awa booked Tuesday 13:00 UTC."""
    bot = await launch()
    chloe, awa = await montreal_dakar(bot)
    await book_tuesday(bot, chloe, awa)
    return bot, chloe, awa


async def restart(bot: Running, launch: Launch, at: datetime) -> Running:
    """Stops the bot and starts it again on the same database, its clock at `at`."""
    await bot.shutdown()
    return await launch(start=at)


async def quiet(bot: Running) -> None:
    """Gives a wrong extra message time to show up, then waits for the outbox to settle."""
    await asyncio.sleep(0.5)
    await settled(bot.core)


def reminders(emu: Emulator, *people: Person) -> list[int]:
    return [count(emu, person.uid, "⏰") for person in people]


async def test_availability_grid_is_edited_in_place_and_said_in_words(
    emu: Emulator, launch: Launch
) -> None:
    bot = await launch()
    awa = bot.person("Awa", "en")
    await enrol(bot.core.db, awa, "mentee", "en", DAKAR)
    saved = await give_availability(awa, range(0, 3, 2), AFTERNOON, "Done")
    text = plain(saved.text)
    assert "Mondays and Wednesdays, afternoons" in text
    assert "Dakar" in text and "10 hours a week" in text
    old = saved.message_id
    again = await awa.send("/availability", expect="🗓")
    assert again.message_id != old
    rows = again.buttons
    assert rows[0][0] == "Monday" and rows[0][2] == "✅ Afternoon", "pre-filled with what she saved"
    assert rows[1][2] == "Afternoon" and rows[6][0] == "Sunday" and rows[7] == ["Done"]
    assert (
        "mornings 08:00\u201312:00, afternoons 12:00\u201317:00, evenings 17:00\u201321:00"
        in again.text
    )
    mark = emu.mark()
    await awa.tap("Sunday", again.message_id)  # a day's name selects the whole day
    edited = await emu.wait_for(awa.uid, predicate=lambda m: m.message_id == again.message_id,
                                since=mark)  # fmt: skip
    assert edited.buttons[6] == ["Sunday", "✅ Morning", "✅ Afternoon", "✅ Evening"]
    forged = await emu.press_data(awa.uid, again.message_id, "av:c:1:99")
    assert forged.text == STALE
    live = again.inline_buttons[1]["callback_data"]
    await awa.tap("Done", again.message_id)
    done = await emu.wait_for(awa.uid, contains="Sundays", since=mark)
    assert "Mondays and Wednesdays, afternoons; Sundays, mornings, afternoons, and evenings" in (
        plain(done.text)
    )
    late = await emu.press_data(awa.uid, again.message_id, live)
    assert late.text == STALE, "a saved grid's buttons are stale"


async def test_proposals_in_two_zones_accept_calendar_and_reminder(
    emu: Emulator, launch: Launch
) -> None:
    bot = await launch()
    chloe, awa = await montreal_dakar(bot)
    offer = await chloe.send("/meet", expect="Awa")
    labels = [label for row in offer.buttons for label in row]
    assert labels[:3] == ["lun. 11 janv., 10:00", "mar. 12 janv., 08:00", "mer. 13 janv., 08:00"]
    text = plain(offer.text)
    assert "lundi 11 janvier 2027, 10:00 — 15:00 pour Awa (Dakar)" in text
    assert "mardi 12 janvier 2027, 08:00 — 13:00 pour Awa (Dakar)" in text
    await chloe.tap("08:00")
    await emu.wait_for(chloe.uid, contains="Proposé à Awa")
    proposal = await emu.wait_for(awa.uid, contains="proposes a meeting")
    assert "Tuesday, January 12, 2027, 13:00 — 08:00 for Chloé (Toronto)" in plain(proposal.text)
    await awa.tap("Accept")
    await emu.wait_for(awa.uid, contains="You accepted")
    for person, confirmed in ((chloe, "Réunion confirmée avec Awa"), (awa, "confirmed with Chloé")):
        message = await emu.wait_for(person.uid, contains=confirmed)
        assert "meet.jit.si/passerelle-" in message.text
        await document_count(emu, person.uid, 1)
        method, event = event_of(documents(emu, person.uid)[0])
        assert method == "REQUEST" and int(event["sequence"]) == 0
        assert event["dtstart"].dt == TUESDAY and event["dtend"].dt == TUESDAY + timedelta(hours=1)
        assert str(event["url"]) in message.text
        assert len(event.get("attendee")) == 2 and "Chloé" in str(event["organizer"].params["cn"])
    assert "I will remind you 1 hour before." in plain(
        (await emu.wait_for(awa.uid, contains="confirmed with Chloé")).text
    ), "the 24-hour reminder's time had passed when it was booked"
    clock_of(bot.core).set(TUESDAY - timedelta(hours=1))
    reminder = await emu.wait_for(awa.uid, contains="in 1 hour")
    assert "Tuesday, January 12, 2027, 13:00 — 08:00 for Chloé" in plain(reminder.text)
    assert reminder.buttons == [["I can't make it"]]
    await emu.wait_for(chloe.uid, contains="dans 1 heure")


async def test_i_cant_make_it_moves_the_meeting_with_the_same_event_updated(
    emu: Emulator, launch: Launch
) -> None:
    bot, chloe, awa = await booked(launch)
    clock_of(bot.core).set(TUESDAY - timedelta(hours=1))
    await emu.wait_for(awa.uid, contains="in 1 hour")
    await emu.wait_for(chloe.uid, contains="dans 1 heure")
    (first,) = documents(emu, chloe.uid)
    uid = str(event_of(first)[1]["uid"])
    offer = await awa.press("I can't make it", expect="Pick a new time")
    assert "Tuesday, January 12, 2027, 13:00" not in offer.text, "not the time she cannot make"
    await awa.tap("Wed, Jan 13, 13:00")
    await emu.wait_for(awa.uid, contains="Moved to Wednesday, January 13, 2027, 13:00")
    moved = await emu.wait_for(chloe.uid, contains="Awa a déplacé votre réunion")
    assert "mercredi 13 janvier 2027, 08:00" in plain(moved.text)
    assert "mardi 12 janvier 2027, 08:00" in plain(moved.text), "and what it was"
    for person in (chloe, awa):
        await document_count(emu, person.uid, 2)
        method, event = event_of(documents(emu, person.uid)[-1])
        assert method == "REQUEST" and str(event["uid"]) == uid
        assert int(event["sequence"]) == 1, "calendar apps update the same event"
        assert event["dtstart"].dt == TUESDAY + timedelta(days=1)
    open_timers = await bot.core.db.fetchall(
        "SELECT id FROM timers WHERE done_at IS NULL AND cancelled_at IS NULL"
        " AND id LIKE 'meeting:%'"
    )
    assert {row["id"].split(":")[2] for row in open_timers} == {"1"}, "old reminders are gone"
    # The old time passes; the new time's 24-hour reminder (Tuesday 13:00 UTC) comes, late.
    mark = emu.mark()
    clock_of(bot.core).set(TUESDAY + timedelta(hours=2))
    await emu.wait_for(chloe.uid, contains="⏰", since=mark)
    clock_of(bot.core).set(TUESDAY + timedelta(days=1, hours=-1))
    await emu.wait_for(chloe.uid, contains="dans 1 heure", since=mark)
    await settled(bot.core)
    later = [m.text for m in emu.bot_messages(chloe.uid) if "⏰" in m.text and m.version > mark]
    assert len(later) == 2 and "dans 22 heures" in later[0]
    assert all("mercredi 13 janvier 2027, 08:00" in text for text in later), "the new time only"
    assert count(emu, awa.uid, "⏰") == 3


async def test_a_restart_between_booking_and_reminder_sends_it_once(
    emu: Emulator, launch: Launch
) -> None:
    bot, chloe, awa = await booked(launch)
    again = await restart(bot, launch, TUESDAY - timedelta(hours=2))
    await quiet(again)
    assert reminders(emu, chloe, awa) == [0, 0], "not due yet"
    clock_of(again.core).set(TUESDAY - timedelta(hours=1))
    await emu.wait_for(awa.uid, contains="in 1 hour")
    await emu.wait_for(chloe.uid, contains="dans 1 heure")
    third = await restart(again, launch, TUESDAY - timedelta(minutes=30))
    await quiet(third)
    assert reminders(emu, chloe, awa) == [1, 1]


async def test_a_reminder_due_while_the_bot_was_down_comes_at_start_once(
    emu: Emulator, launch: Launch
) -> None:
    bot, chloe, awa = await booked(launch)
    again = await restart(bot, launch, TUESDAY - timedelta(minutes=20))  # down across 12:00
    late = await emu.wait_for(awa.uid, contains="in 20 minutes")
    assert "I can't make it" in str(late.buttons)
    await emu.wait_for(chloe.uid, contains="dans 20 minutes")
    after = await restart(again, launch, TUESDAY + timedelta(minutes=5))
    await quiet(after)
    assert reminders(emu, chloe, awa) == [1, 1]


async def test_a_reminder_missed_until_the_meeting_began_is_not_sent(
    emu: Emulator, launch: Launch
) -> None:
    bot, chloe, awa = await booked(launch)
    again = await restart(bot, launch, TUESDAY + timedelta(minutes=10))
    await quiet(again)
    assert reminders(emu, chloe, awa) == [0, 0]


async def test_cancel_sends_both_a_cancel_and_tells_the_other(
    emu: Emulator, launch: Launch
) -> None:
    bot, chloe, awa = await booked(launch)
    shown = await chloe.send("/meet", expect="Votre prochaine réunion avec Awa")
    assert shown.buttons == [["Déplacer", "Annuler"]]
    reschedule = shown.inline_buttons[0]["callback_data"]
    await chloe.tap("Annuler")
    await emu.wait_for(chloe.uid, contains="Réunion du mardi 12 janvier 2027, 08:00 annulée")
    told = await emu.wait_for(awa.uid, contains="Chloé cancelled your meeting")
    assert "Tuesday, January 12, 2027, 13:00" in plain(told.text)
    for person in (chloe, awa):
        await document_count(emu, person.uid, 2)
        method, event = event_of(documents(emu, person.uid)[-1])
        assert (method, str(event["status"])) == ("CANCEL", "CANCELLED")
    clock_of(bot.core).set(TUESDAY - timedelta(hours=1))
    await asyncio.sleep(0.3)
    await settled(bot.core)
    assert count(emu, awa.uid, "⏰") == 0, "nothing for a cancelled meeting"
    stale = await emu.press_data(chloe.uid, shown.message_id, reschedule)
    assert stale.text == bot.core.t("fr").plain(STALE)


async def test_declining_offers_the_other_times_then_roles_swap(
    emu: Emulator, launch: Launch
) -> None:
    bot = await launch()
    chloe, awa = await montreal_dakar(bot)
    await chloe.send("/meet", expect="Awa")
    await chloe.tap("mar. 12 janv., 08:00")
    proposal = await emu.wait_for(awa.uid, contains="proposes a meeting")
    others = await awa.press("Decline", expect="Times that suit you both")
    assert [row[0] for row in others.buttons] == [
        "Mon, Jan 11, 15:00",
        "Wed, Jan 13, 13:00",
        "Other times",
    ], "the other proposed times, in her time"
    assert plain(proposal.text).startswith("You declined Tuesday, January 12, 2027, 13:00")
    await emu.wait_for(chloe.uid, contains="Awa n\u2019est pas disponible")
    await awa.tap("Wed, Jan 13, 13:00")
    counter = await emu.wait_for(chloe.uid, contains="Awa vous propose une réunion")
    assert "mercredi 13 janvier 2027, 08:00 — 13:00 pour Awa (Dakar)" in plain(counter.text)
    assert counter.buttons == [["Accepter", "Refuser"]]
    gone = await emu.press_data(awa.uid, proposal.message_id, "mt:yes:1")
    assert gone.text == STALE, "the declined proposal cannot be accepted"


async def test_a_mentor_with_two_mentees_picks_the_pair_first(
    emu: Emulator, launch: Launch
) -> None:
    bot = await launch()
    chloe, _ = await montreal_dakar(bot)
    lucia = bot.person("Lucía", "es")
    await enrol(bot.core.db, lucia, "mentee", "es", "America/La_Paz")
    await pair_up(bot.core, chloe, lucia)
    await save_week(bot.core.db, lucia, days_of(range(5), Part.MORNING))
    choose = await chloe.send("/meet", expect="Pour quel binôme")
    assert choose.buttons == [["Awa"], ["Lucía"]]
    mark = emu.mark()
    await chloe.tap("Lucía")
    offer = await emu.wait_for(chloe.uid, contains="Lucía", since=mark)
    assert "pour Lucía (La Paz)" in plain(offer.text)
    assert "Awa" not in offer.text
    stranger = bot.person("Zoé", "fr")
    forged = await emu.press_data(chloe.uid, choose.message_id, "mt:pair:999")
    assert forged.text == bot.core.t("fr").plain(STALE)
    await stranger.send("/meet", expect="pas encore de binôme")


async def test_no_common_time_tells_both_how_far_apart(emu: Emulator, launch: Launch) -> None:
    bot = await launch()
    chloe, awa = await montreal_dakar(bot)
    await save_week(bot.core.db, awa, days_of(range(5), Part.MORNING))  # 03:00-07:00 for Chloé
    shown = await chloe.send("/meet", expect="Aucun moment")
    text = plain(shown.text)
    assert "Dakar a 5 heures d\u2019avance sur vous." in text
    assert "Au plus près, Awa est disponible jusqu\u2019au" in text
    assert "Vos créneaux sont séparés de 1 heure." in text, "12:00 in Dakar is 07:00, her 08:00"
    told = await emu.wait_for(awa.uid, contains="Chloé tried to plan a meeting")
    assert "Toronto is 5 hours behind you." in plain(told.text)
    assert "you are free until" in plain(told.text)


async def test_follow_up_answers_and_no_shows_reach_stats(emu: Emulator, launch: Launch) -> None:
    nadia = Person(emu, emu.add_user("Nadia", "en"))
    bot = await launch(admins=(nadia.uid,))
    chloe, awa = await montreal_dakar(bot)
    await book_tuesday(bot, chloe, awa)
    clock_of(bot.core).set(TUESDAY + timedelta(hours=1))
    asked = await emu.wait_for(awa.uid, contains="take place?")
    assert asked.buttons == [["Yes"], ["No, we rescheduled"], ["The other person did not come"]]
    await emu.wait_for(chloe.uid, contains="a-t-elle eu lieu")
    await chloe.tap("Oui")
    await emu.wait_for(chloe.uid, contains="la réunion a eu lieu")
    await awa.tap("did not come")
    await emu.wait_for(awa.uid, contains="Noted: Chloé did not come")
    again = await emu.press_data(awa.uid, asked.message_id, "mt:ans:1:y")
    assert again.answered
    stats = await nadia.send("/stats", expect="Meetings")
    text = plain(stats.text)
    assert "1 held, 0 cancelled, and 1 no-show" in text
    assert "Chloé and Awa: 1 held, 0 cancelled, and 1 no-show (Chloé)" in text
    stale = await emu.press_data(chloe.uid, asked.message_id, "mt:ans:1:z")
    assert stale.text == bot.core.t("fr").plain(STALE)


async def test_nobody_acts_on_another_pairs_meeting(emu: Emulator, launch: Launch) -> None:
    bot = await launch()
    chloe, awa = await montreal_dakar(bot)
    await chloe.send("/meet", expect="Awa")
    await chloe.tap("mar. 12 janv., 08:00")
    await emu.wait_for(awa.uid, contains="proposes a meeting")
    zoe = bot.person("Zoé", "en")
    await enrol(bot.core.db, zoe, "mentee", "en", DAKAR)
    menu = await zoe.send("/availability", expect="🗓")
    before = {p.uid: len(emu.bot_messages(p.uid)) for p in (chloe, awa, zoe)}
    for data in ("mt:yes:1", "mt:no:1", "mt:drop:1", "mt:move:1", "mt:pick:1:0", "mt:more:1",
                 "mt:ans:1:n", "mt:pair:1", "mt:yes:x", "mt:yes", "mt:yes:1:2"):  # fmt: skip
        answer = await emu.press_data(zoe.uid, menu.message_id, data)
        assert answer.text == STALE, data
    await asyncio.sleep(0.2)
    assert {p.uid: len(emu.bot_messages(p.uid)) for p in (chloe, awa, zoe)} == before
    assert (await bot.core.db.fetchone("SELECT status FROM meetings WHERE id = 1"))[0] == "proposed"


FRIDAY_BEFORE_SWITCH = datetime(2027, 3, 12, 15, tzinfo=UTC)  # 10:00 EST; clocks change Sunday


def expected_slots(start: datetime) -> list[datetime]:
    """Hour by hour with zoneinfo: Montreal mornings that are Dakar afternoons, first of 3 days."""
    montreal, dakar = ZoneInfo(MONTREAL), ZoneInfo(DAKAR)
    first: dict[object, datetime] = {}
    moment = start + timedelta(hours=1)
    while moment <= start + timedelta(days=14):
        here, there = moment.astimezone(montreal), moment.astimezone(dakar)
        if 8 <= here.hour < 12 and 12 <= there.hour < 17 and here.minute == 0:
            first.setdefault(here.date(), moment)
        moment += timedelta(hours=1)
    return sorted(first.values())[:3]


async def test_across_the_march_2027_switch_slots_calendar_and_reminders_once(
    emu: Emulator, launch: Launch
) -> None:
    bot = await launch(start=FRIDAY_BEFORE_SWITCH)
    chloe, awa = await montreal_dakar(bot)
    everyday = range(7)
    await save_week(bot.core.db, chloe, days_of(everyday, Part.MORNING))
    await save_week(bot.core.db, awa, days_of(everyday, Part.AFTERNOON))
    offer = await chloe.send("/meet", expect="Awa")
    expected = expected_slots(FRIDAY_BEFORE_SWITCH)
    assert [s.astimezone(ZoneInfo(MONTREAL)).hour for s in expected] == [11, 8, 8]
    labels = [row[0] for row in offer.buttons[:3]]
    for start, label in zip(expected, labels, strict=True):
        assert label.endswith(start.astimezone(ZoneInfo(MONTREAL)).strftime("%H:%M")), label
        dakar = start.astimezone(ZoneInfo(DAKAR)).strftime("%H:%M")
        assert f"{dakar} pour Awa (Dakar)" in offer.text
    assert labels[2] == "dim. 14 mars, 08:00"
    await chloe.tap("dim. 14 mars")
    proposal = await emu.wait_for(awa.uid, contains="proposes a meeting")
    assert "Sunday, March 14, 2027, 12:00 — 08:00 for Chloé (Toronto)" in plain(proposal.text)
    await awa.tap("Accept")
    for person in (chloe, awa):
        await document_count(emu, person.uid, 1)
        _, event = event_of(documents(emu, person.uid)[0])
        assert event["dtstart"].dt == datetime(2027, 3, 14, 12, tzinfo=UTC) == expected[2]
    notice = await emu.wait_for(awa.uid, contains="Clocks change before your meeting")
    assert "Toronto changes its clocks on Sunday, March 14, 2027." in plain(notice.text)
    assert "Toronto is 4 hours behind you." in plain(notice.text), "5 hours today"
    await emu.wait_for(chloe.uid, contains="Changement d\u2019heure")
    await settled(bot.core)
    await bot.shutdown()

    # Down across the 24-hour reminder (Saturday 12:00 UTC): it comes at start, once.
    again = await launch(start=datetime(2027, 3, 13, 13, tzinfo=UTC))
    await emu.wait_for(awa.uid, contains="in 23 hours")
    await emu.wait_for(chloe.uid, contains="dans 23 heures")
    clock_of(again.core).set(datetime(2027, 3, 14, 11, tzinfo=UTC))
    hour = await emu.wait_for(awa.uid, contains="in 1 hour")
    assert "Sunday, March 14, 2027, 12:00 — 08:00 for Chloé (Toronto)" in plain(hour.text)
    await emu.wait_for(chloe.uid, contains="dimanche 14 mars 2027, 08:00")
    await settled(again.core)
    await again.shutdown()
    last = await launch(start=datetime(2027, 3, 14, 11, 30, tzinfo=UTC))
    await asyncio.sleep(0.5)
    await settled(last.core)
    assert count(emu, awa.uid, "⏰") == 2 and count(emu, chloe.uid, "⏰") == 2


async def test_erasing_her_cancels_the_booked_meeting_and_keeps_it_anonymous(
    launch: Launch,
) -> None:
    bot, chloe, awa = await booked(launch)
    document = (await awa.send("/mydata", expect=None)).document
    assert document is not None
    mine = json.loads(document.data)
    jsonschema.validate(mine, SCHEMA)
    assert [m["status"] for m in mine["meetings"]["meetings"]] == ["confirmed"]
    assert mine["meetings"]["availability"]["week"]["1"] == ["afternoon"]
    had = len(documents(bot.emu, chloe.uid))
    await awa.send("/delete", expect="cannot be undone")
    await pressed(awa, "Delete", "has been erased")
    await document_count(bot.emu, chloe.uid, had + 1)
    method, event = event_of(documents(bot.emu, chloe.uid)[-1])
    assert method == "CANCEL" and event["STATUS"] == "CANCELLED" and "ATTENDEE" not in event
    await bot.emu.wait_for(chloe.uid, contains="ne participe plus")
    assert await traces(bot.core, awa.uid, ("Awa",)) == []
    row = await bot.core.db.fetchone("SELECT status, mentee_id, mentor_id FROM meetings")
    assert row is not None and tuple(row) == ("cancelled", 0, chloe.uid)
    before = reminders(bot.emu, chloe)
    clock_of(bot.core).set(TUESDAY - timedelta(minutes=59))  # past both reminder times
    await quiet(bot)
    assert reminders(bot.emu, chloe) == before


async def test_unpairing_cancels_the_pairs_booked_meeting(launch: Launch) -> None:
    bot, chloe, awa = await booked(launch)
    had = {person.uid: len(documents(bot.emu, person.uid)) for person in (chloe, awa)}
    ended = await bot.core.pairing.end(0, [await pair_id_of(bot)], None)
    assert len(ended) == 1
    for person in (chloe, awa):
        await document_count(bot.emu, person.uid, had[person.uid] + 1)
        method, event = event_of(documents(bot.emu, person.uid)[-1])
        assert method == "CANCEL" and event["STATUS"] == "CANCELLED"
    before = reminders(bot.emu, chloe, awa)
    clock_of(bot.core).set(TUESDAY - timedelta(minutes=59))
    await quiet(bot)
    assert reminders(bot.emu, chloe, awa) == before


async def pair_id_of(bot: Running) -> int:
    row = await bot.core.db.fetchone("SELECT id FROM pairs WHERE ended_at IS NULL")
    assert row is not None
    return int(row["id"])
