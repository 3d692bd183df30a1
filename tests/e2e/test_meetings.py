"""Meetings through the chat: availability, proposals in two zones, accept, .ics, reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.emulator import Emulator
from tests.conftest import Launch
from tests.e2e.meetings_helpers import (
    DAKAR,
    MONTREAL,
    clock_of,
    documents,
    enrol,
    event_of,
    give_availability,
    pair_up,
    plain,
)
from tests.harness import Person, Running

MORNING, AFTERNOON = 0, 1
TUESDAY = datetime(2027, 1, 12, 13, tzinfo=UTC)  # 08:00 in Montreal, 13:00 in Dakar


async def montreal_dakar(bot: Running) -> tuple[Person, Person]:
    """Chloé (French, Montreal, weekday mornings) and Awa (English, Dakar, weekday afternoons)."""
    chloe, awa = bot.person("Chloé", "fr"), bot.person("Awa", "en")
    await enrol(bot.core.db, chloe, "mentor", "fr", MONTREAL)
    await enrol(bot.core.db, awa, "mentee", "en", DAKAR)
    await pair_up(bot.core, chloe, awa)
    await give_availability(chloe, range(5), MORNING, "Terminé")
    await give_availability(awa, range(5), AFTERNOON, "Done")
    return chloe, awa


async def test_availability_is_saved_and_said_in_words(emu: Emulator, launch: Launch) -> None:
    bot = await launch()
    awa = bot.person("Awa", "en")
    await enrol(bot.core.db, awa, "mentee", "en", DAKAR)
    saved = await give_availability(awa, range(0, 3, 2), AFTERNOON, "Done")
    text = plain(saved.text)
    assert "Mondays and Wednesdays, afternoons" in text
    assert "Dakar" in text and "10 hours a week" in text
    again = await awa.send("/availability", expect="🗓")
    rows = again.buttons
    assert rows[0][0] == "Monday" and rows[0][2] == "✅ Afternoon", "pre-filled"
    assert rows[1][2] == "Afternoon" and rows[6][0] == "Sunday" and rows[7] == ["Done"]


async def test_proposals_in_two_zones_accept_calendar_and_reminder(
    emu: Emulator, launch: Launch
) -> None:
    bot = await launch()
    chloe, awa = await montreal_dakar(bot)
    offer = await chloe.send("/meet", expect="Awa")
    labels = [label for row in offer.buttons for label in row]
    assert any("10:00" in label for label in labels[:3]), labels  # today, her time
    assert all("08:00" in label for label in labels[1:3]), labels
    assert "13:00 pour Awa (Dakar)" in plain(offer.text)
    await chloe.tap("08:00")
    await emu.wait_for(chloe.uid, contains="Proposé à Awa")
    proposal = await emu.wait_for(awa.uid, contains="proposes a meeting")
    assert "Tuesday, January 12, 2027, 13:00" in plain(proposal.text)
    assert "08:00 for Chloé (Toronto)" in plain(proposal.text)
    await awa.tap("Accept")
    await emu.wait_for(awa.uid, contains="You accepted")
    for person in (chloe, awa):
        await emu.wait_for(person.uid, contains="meet.jit.si/passerelle-")
        for _ in range(100):
            if documents(emu, person.uid):
                break
            await emu.state.changed.wait(0.05)
        (document,) = documents(emu, person.uid)
        method, event = event_of(document)
        assert method == "REQUEST"
        assert event["dtstart"].dt == TUESDAY and event["dtend"].dt == TUESDAY + timedelta(hours=1)
        assert str(event["url"]).startswith("https://meet.jit.si/passerelle-")
    clock_of(bot.core).set(TUESDAY - timedelta(hours=1))
    reminder = await emu.wait_for(awa.uid, contains="in 1 hour", timeout=5)
    assert "I can't make it" in str(reminder.buttons)
    await emu.wait_for(chloe.uid, contains="dans 1 heure", timeout=5)
