"""Check-ins through the chat: the cadence check-in after moving the clock, a full staff
round, /checkin, the 48-hour reminder, a low rating with a request for help, resume after a
restart, typed answers routed to the open check-in, and a kill -9 right after a round."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.checkins.triggers import Kind, Trigger
from bot.checkins.view import NOT_PARTICIPANT
from bot.emulator import Emulator
from tests.conftest import Launch
from tests.e2e.meetings_helpers import (
    DAKAR,
    MONTREAL,
    clock_of,
    enrol,
    pair_up,
    paired_in,
    plain,
    settled,
)
from tests.e2e.test_delivery import bot_process, kill_9, rows
from tests.e2e.test_delivery import settled as outbox_settled
from tests.e2e.test_meetings import TUESDAY, book_tuesday, montreal_dakar
from tests.harness import START, Person, Running, new_person, start_process

ASKED = "How is your mentoring with Chloé going?"
WORKED = "What did you work on since last time?"
HELP = "Do you need help from the program team?"
THANKS = "Thank you! Your answers were sent to the program team."


async def chloe_and_awa(bot: Running) -> tuple[Person, Person, int]:
    """Chloé (French, Montreal, mentor) paired with Awa (English, Dakar, mentee)."""
    chloe, awa = bot.person("Chloé", "fr"), bot.person("Awa", "en")
    await enrol(bot.core.db, chloe, "mentor", "fr", MONTREAL)
    await enrol(bot.core.db, awa, "mentee", "en", DAKAR)
    return chloe, awa, await pair_up(bot.core, chloe, awa)


async def stored(bot: Running, uid: int) -> list[dict[str, object]]:
    found = await bot.core.db.fetchall(
        "SELECT * FROM checkins WHERE user_id = ? ORDER BY id", (uid,)
    )
    return [dict(row) for row in found]


def recording(bot: Running) -> list[Trigger]:
    raised: list[Trigger] = []

    async def hook(conn: aiosqlite.Connection, trigger: Trigger) -> None:
        raised.append(trigger)

    bot.core.checkins.escalate.append(hook)
    return raised


async def test_a_participant_answers_her_cadence_check_in(launch: Launch) -> None:
    bot = await launch()
    chloe, awa, pair_id = await chloe_and_awa(bot)  # paired on 2027-01-11

    clock_of(bot.core).set(datetime(2027, 1, 25, 9, 59, tzinfo=UTC))
    await asyncio.sleep(0.3)
    assert awa.texts() == []
    clock_of(bot.core).set(datetime(2027, 1, 25, 10, 0, 1, tzinfo=UTC))  # 10:00 in Dakar
    question = await bot.emu.wait_for(awa.uid, contains=ASKED)
    assert question.buttons == [["1", "2", "3", "4", "5"]]
    assert chloe.texts() == []  # 10:00 in Montreal is five hours later

    await awa.press("4", expect=WORKED)
    await awa.send("we worked on pricing", expect=HELP)
    thanks = await awa.press("No", expect=THANKS)

    assert "contact you" not in thanks.text
    closed = next(m for m in bot.emu.bot_messages(awa.uid) if m.message_id == question.message_id)
    assert plain(closed.text).endswith("✓ 4") and closed.buttons == []
    (row,) = await stored(bot, awa.uid)
    assert (row["status"], row["reason"], row["pair_id"]) == ("answered", "cadence", pair_id)
    assert (row["rating"], row["worked_on"], row["needs_help"], row["help_text"]) == (
        4,
        "we worked on pricing",
        0,
        None,
    )
    clock_of(bot.core).set(datetime(2027, 1, 25, 15, 0, 1, tzinfo=UTC))
    french = await bot.emu.wait_for(chloe.uid, contains="Comment se passe votre mentorat avec Awa")
    assert french.buttons == [["1", "2", "3", "4", "5"]]


async def test_a_full_staff_round(emu: Emulator, launch: Launch) -> None:
    nadia = new_person(emu, "Nadia")
    bot = await launch(admins=(nadia.uid,))
    chloe, awa, _ = await chloe_and_awa(bot)
    raised = recording(bot)

    reply = await nadia.send("/checkins_now", expect="Check-in round started")
    assert plain(reply.text) == "Check-in round started: 2 check-ins were sent."
    await bot.emu.wait_for(awa.uid, contains=ASKED)
    await bot.emu.wait_for(chloe.uid, contains="Comment se passe votre mentorat avec Awa")
    again = await nadia.send("/checkins_now", expect="Check-in round started")
    assert "0 check-ins were sent" in again.text
    assert "2 people already had one open and were not asked again." in again.text
    unknown = await nadia.send("/checkins_now nope", expect="cohort")
    assert plain(unknown.text) == "There is no cohort “nope”: no cohort has been created yet."

    await awa.press("5", expect=WORKED)
    await awa.press("Skip", expect=HELP)
    await awa.press("No", expect=THANKS)
    await chloe.press("3", expect="Sur quoi avez-vous travaillé")
    await chloe.send("Le plan de financement", expect="Avez-vous besoin")
    await chloe.press("Non", expect="Merci")
    await settled(bot.core)

    rows_ = [r for uid in (awa.uid, chloe.uid) for r in await stored(bot, uid)]
    assert [(r["reason"], r["status"], r["rating"]) for r in rows_] == [
        ("staff", "answered", 5),
        ("staff", "answered", 3),
    ]
    assert raised == []
    assert sum(ASKED in text for text in awa.texts()) == 1


async def test_checkin_starts_or_resumes_and_typed_text_answers_it(launch: Launch) -> None:
    bot = await launch()
    _, awa, _ = await chloe_and_awa(bot)
    zoe = bot.person("Zoé", "fr")

    refused = await zoe.send("/checkin")
    assert refused.text == bot.core.t("fr")(NOT_PARTICIPANT)
    first = await awa.send("/checkin", expect=ASKED)
    second = await awa.send("/checkin", expect=ASKED)  # the same one, where she was
    await asyncio.sleep(0.3)
    old = next(m for m in bot.emu.bot_messages(awa.uid) if m.message_id == first.message_id)
    assert old.buttons == [] and second.buttons == [["1", "2", "3", "4", "5"]]

    hint = await awa.send("great")
    assert plain(hint.text) == "Please answer with one of the buttons below."
    assert hint.buttons == [["1", "2", "3", "4", "5"]]
    await awa.send("5", expect=WORKED)  # a button's label typed counts as its press
    short = await awa.send("x", expect="Please write between 2 and 1000 characters")
    assert short.buttons == [["Skip"]]
    await awa.send("Skip", expect=HELP)
    await awa.send("no", expect=THANKS)

    (row,) = await stored(bot, awa.uid)
    assert (row["reason"], row["rating"], row["worked_on"], row["needs_help"]) == (
        "asked",
        5,
        None,
        0,
    )
    after = await awa.send("hello")  # no check-in open: the usual answer
    assert "Send /help" in after.text


async def test_a_low_rating_with_a_request_for_help_raises_both_triggers(launch: Launch) -> None:
    bot = await launch()
    _, awa, pair_id = await chloe_and_awa(bot)
    raised = recording(bot)

    await awa.send("/checkin", expect=ASKED)
    await awa.press("2", expect=WORKED)
    await awa.send("Not much, sadly", expect=HELP)
    await awa.press("Yes", expect="What do you need help with?")
    assert [t.kind for t in raised] == [Kind.LOW_RATING]
    done = await awa.send("We never find a common time.", expect=THANKS)

    assert "Someone from the program team will contact you." in done.text
    (row,) = await stored(bot, awa.uid)
    checkin_id = int(str(row["id"]))
    assert raised == [
        Trigger(Kind.LOW_RATING, awa.uid, pair_id, checkin_id),
        Trigger(Kind.HELP, awa.uid, pair_id, checkin_id),
    ]
    assert (row["rating"], row["worked_on"], row["needs_help"], row["help_text"]) == (
        2,
        "Not much, sadly",
        1,
        "We never find a common time.",
    )


async def test_the_48_hour_reminder_shows_the_current_question(
    emu: Emulator, launch: Launch
) -> None:
    nadia = new_person(emu, "Nadia")
    bot = await launch(admins=(nadia.uid,))
    _, awa, _ = await chloe_and_awa(bot)
    await nadia.send("/checkins_now", expect="Check-in round started")
    await bot.emu.wait_for(awa.uid, contains=ASKED)

    clock_of(bot.core).set(START + timedelta(hours=47, minutes=59))
    await asyncio.sleep(0.3)
    assert sum("A reminder" in text for text in awa.texts()) == 0
    clock_of(bot.core).set(START + timedelta(hours=48, seconds=1))
    reminder = await bot.emu.wait_for(awa.uid, contains="A reminder")
    assert ASKED in reminder.text and reminder.buttons == [["1", "2", "3", "4", "5"]]
    mark = bot.emu.mark()
    await awa.press("4", expect=WORKED)
    closed = await bot.emu.wait_for(
        awa.uid, predicate=lambda m: m.message_id == reminder.message_id, since=mark
    )
    assert plain(closed.text).endswith("✓ 4") and closed.buttons == []
    seen = len(awa.texts())
    clock_of(bot.core).set(START + timedelta(hours=100))
    await asyncio.sleep(0.3)
    assert len(awa.texts()) == seen  # one reminder only


async def test_a_check_in_resumes_after_a_restart_and_another_command(launch: Launch) -> None:
    bot = await launch()
    _, awa, _ = await chloe_and_awa(bot)
    await awa.send("/checkin", expect=ASKED)
    await awa.press("3", expect=WORKED)
    await bot.shutdown()

    again = await launch(start=START + timedelta(hours=1))
    await awa.send("/availability", expect="🗓")  # another command in between
    await awa.send("we worked on pricing", expect=HELP)  # goes to the open check-in
    shown = await awa.send("/checkin", expect=HELP)
    assert shown.buttons == [["Yes", "No"]]
    await awa.press("No", expect=THANKS)
    (row,) = await stored(again, awa.uid)
    assert (row["rating"], row["worked_on"], row["status"]) == (
        3,
        "we worked on pricing",
        "answered",
    )


@pytest.mark.slow
async def test_kill_9_right_after_checkins_now_prompts_each_participant_once(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    chloe, awa = new_person(emu, "Chloé", "fr"), new_person(emu, "Awa", "en")
    await paired_in(db, chloe, awa)
    env = {"PASSERELLE_ADMINS": str(nadia.uid)}
    async with bot_process(emu, db, **env) as holder:
        held = emu.hold(chat_id=nadia.uid)  # her answer is in flight when the bot dies
        stuck = [emu.fault(chat_id=person.uid, hang=True) for person in (chloe, awa)]
        await emu.send_text(nadia.uid, "/checkins_now")
        await held.wait(1)
        await kill_9(holder)
        assert len(rows(db, "SELECT id FROM checkins WHERE status = 'open'")) == 2, "committed"
        assert chloe.texts() == awa.texts() == []
        for fault in stuck:
            fault.clear()
        held.release()
        holder[0] = await start_process(emu, db, **env)
        await outbox_settled(db, timeout=20)
        await asyncio.sleep(0.5)  # time enough for a second copy to show up
        assert sum("Comment se passe votre mentorat avec Awa" in t for t in chloe.texts()) == 1
        assert sum(ASKED in t for t in awa.texts()) == 1
        assert len(rows(db, "SELECT id FROM checkins")) == 2
        await emu.wait_for(nadia.uid, contains="already started", since=0, timeout=5)


async def test_a_meeting_held_brings_a_check_in_and_a_no_show_raises_a_trigger(
    emu: Emulator, launch: Launch
) -> None:
    bot = await launch()
    raised = recording(bot)
    chloe, awa = await montreal_dakar(bot)
    await book_tuesday(bot, chloe, awa)
    clock_of(bot.core).set(TUESDAY + timedelta(hours=1))
    await emu.wait_for(chloe.uid, contains="a-t-elle eu lieu")
    await emu.wait_for(awa.uid, contains="take place?")

    await chloe.tap("Oui")
    await emu.wait_for(chloe.uid, contains="Comment se passe votre mentorat avec Awa")
    await awa.tap("did not come")
    await emu.wait_for(awa.uid, contains="Noted: Chloé did not come")

    (row,) = await stored(bot, chloe.uid)
    assert (row["reason"], row["status"]) == ("meeting", "open")
    assert await stored(bot, awa.uid) == []
    meeting = await bot.core.db.fetchone("SELECT id, pair_id FROM meetings")
    assert meeting is not None
    assert raised == [Trigger(Kind.NO_SHOW, awa.uid, meeting["pair_id"], meeting_id=meeting["id"])]
