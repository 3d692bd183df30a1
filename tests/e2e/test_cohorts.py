"""/cohort end to end through the emulator: staff create a cohort and get its link, change its
settings by buttons and typed answers, pause and resume it; applicants join through the link;
anyone else gets the polite staff-only line."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

from bot.cohorts.view import unknown_link
from bot.emulator import Emulator, EmuMessage
from bot.runtime.clock import FrozenClock
from tests.conftest import Launch
from tests.e2e.test_pairing import enrol, plain
from tests.harness import Person, Running, new_person

LINK = "https://t.me/passerelle_bot?start="


async def then(person: Person, after: EmuMessage, contains: str | None = None) -> EmuMessage:
    """The bot's next message after `after` (containing `contains`)."""
    return await person.emu.wait_for(
        person.uid, contains=contains, predicate=lambda m: m.message_id > after.message_id
    )


async def created(person: Person, command: str) -> EmuMessage:
    """Creates a cohort and waits for its card (with its buttons)."""
    made = await person.send(command, expect="created")
    return await then(person, made, "Link to share")


async def ask(person: Person, label: str, expect: str) -> None:
    """Presses a setting's button: the cohort's message becomes its question."""
    asked = await person.toggle(label)
    assert expect in asked.text, asked.text
    assert buttons(person) == ["Cancel"]


async def answer(person: Person, text: str, expect: str) -> EmuMessage:
    """Answers a setting's question; waits for the confirmation, then the cohort's card."""
    done = await person.send(text, expect=expect)
    card = await then(person, done)
    assert card.buttons, card.text
    return done


def asked_buttons(person: Person, message_id: int) -> list[str]:
    message = next(m for m in person.emu.bot_messages(person.uid) if m.message_id == message_id)
    return [label for row in message.buttons for label in row]


def buttons(person: Person) -> list[str]:
    return [label for row in person.last().buttons for label in row]


async def cohort_row(bot: Running, code: str) -> dict[str, object]:
    row = await bot.core.db.fetchone("SELECT * FROM cohorts WHERE code = ?", (code,))
    assert row is not None
    return dict(row)


async def audited(bot: Running, action: str) -> list[dict[str, object]]:
    rows = await bot.core.db.fetchall(
        "SELECT actor_id, details FROM audit_log WHERE action = ? ORDER BY id", (action,)
    )
    return [{"actor": r["actor_id"], **json.loads(r["details"])} for r in rows]


async def test_staff_create_a_cohort_in_one_line_and_get_its_link(
    emu: Emulator, launch: Launch
) -> None:
    nadia = new_person(emu, "Nadia")
    bot = await launch(admins=(nadia.uid,))
    empty = await nadia.send("/cohort", expect="no cohort yet")
    assert [label for row in empty.buttons for label in row] == ["New cohort"]
    made = await nadia.send("/cohort new Dakar27 Dakar spring 2027", expect="created")
    assert f"{LINK}Dakar27" in plain(made.text)
    card = await then(nadia, made, "every 14 days at 10:00")
    assert "Dakar spring 2027" in card.text
    row = await cohort_row(bot, "Dakar27")
    assert (row["name"], row["cadence_days"], row["checkin_hour"], row["created_by"]) == (
        "Dakar spring 2027",
        14,
        10,
        nadia.uid,
    )
    assert await audited(bot, "cohort.create") == [{"actor": nadia.uid, "code": "Dakar27"}]
    # Codes are unique whatever their case; a bad one gets a clear answer and nothing changes.
    await nadia.send("/cohort new dakar27 Other name", expect="already has this code")
    await nadia.send("/cohort new dakar! Spring", expect="1 to 32 letters")
    await nadia.send("/cohort new " + "x" * 33 + " Too long", expect="1 to 32 letters")
    await nadia.send("/cohort new", expect="/cohort new CODE NAME")
    await nadia.send("/cohort nowhere", expect="/cohort new CODE NAME")
    one = await nadia.send("/cohort DAKAR27", expect="Link to share")
    assert "Cadence" in [label for row in one.buttons for label in row]
    assert len(await bot.core.db.fetchall("SELECT * FROM cohorts")) == 1
    listed = await nadia.send("/cohort", expect="1 cohort")
    assert f"{LINK}Dakar27" in plain(listed.text)
    assert "0 people applied with this link (0 approved)" in plain(listed.text)
    assert [label for row in listed.buttons for label in row] == [
        "⚙ Dakar spring 2027",
        "New cohort",
    ]


async def test_the_guided_flow_asks_the_name_then_suggests_a_code(
    emu: Emulator, launch: Launch
) -> None:
    nadia = new_person(emu, "Nadia", "fr")
    bot = await launch(admins=(nadia.uid,))
    fr = bot.core.t("fr")
    await nadia.send("/cohort")
    asked = await nadia.toggle(fr.plain("New cohort"))
    assert "la nouvelle cohorte" in asked.text
    await nadia.send("x" * 65, expect="1 à 64 caractères")
    code_prompt = await nadia.send("Québec été", expect="quebec-ete-2027")
    assert "Québec été" in code_prompt.text
    assert fr.plain("Use {code}", code="quebec-ete-2027") in buttons(nadia)
    await nadia.send("mauvais code!", expect="sans espace")
    assert await bot.core.db.fetchall("SELECT * FROM cohorts") == []
    assert not asked_buttons(nadia, asked.message_id)  # the name's question is closed
    made = await nadia.press(fr.plain("Use {code}", code="quebec-ete-2027"))
    assert f"{LINK}quebec-ete-2027" in plain(made.text)
    row = await cohort_row(bot, "quebec-ete-2027")
    assert row["name"] == "Québec été"


async def test_settings_by_buttons_and_typed_answers_pause_and_resume(
    emu: Emulator, launch: Launch
) -> None:
    nadia = new_person(emu, "Nadia")
    sam = new_person(emu, "Sam", username="sam_staff")
    bot = await launch(admins=(nadia.uid,))
    await bot.core.staff.set_role(nadia.uid, sam.uid, "staff")
    await sam.send("/start")  # Sam is known to the bot by his @username
    await created(nadia, "/cohort new dakar27 Dakar")
    await ask(nadia, "Cadence", "Type a number of days")
    await nadia.send("0", expect="from 1 to 90")
    await nadia.send("often", expect="from 1 to 90")
    await answer(nadia, "21", "every 21 days at 10:00")
    await ask(nadia, "Hour", "from 8 to 20")
    await nadia.send("22", expect="from 8 to 20")
    await answer(nadia, "9", "every 21 days at 09:00")
    row = await cohort_row(bot, "dakar27")
    assert (row["cadence_days"], row["checkin_hour"]) == (21, 9)
    # The pause: two dates, in ISO or as the staff member writes dates.
    await ask(nadia, "Pause", "first and last day")
    await nadia.send("sometime in July", expect="Please type two dates")
    await nadia.send("2027-08-15 to 2027-07-01", expect="comes before its first day")
    await nadia.send("2026-08-15 to 2026-09-01", expect="already over")
    paused = await answer(nadia, "7/1/2027 - 8/15/2027", "paused from")
    assert "July 1, 2027" in paused.text and "August 15, 2027" in paused.text
    row = await cohort_row(bot, "dakar27")
    assert (row["paused_from"], row["paused_until"]) == ("2027-07-01", "2027-08-15")
    cohort = await bot.core.cohorts.get("DAKAR27")
    assert cohort is not None
    assert cohort.paused_on(date(2027, 7, 20)) and not cohort.paused_on(date(2027, 8, 16))
    assert "Resume" in buttons(nadia)
    resumed = await nadia.press("Resume", expect="resume on their usual cadence")
    await then(nadia, resumed, "Link to share")
    assert "Resume" not in buttons(nadia)
    row = await cohort_row(bot, "dakar27")
    assert (row["paused_from"], row["paused_until"]) == (None, None)
    # End date and the staff member in charge.
    await ask(nadia, "End date", "last day of Dakar")
    await nadia.send("2027-13-40", expect="Please type a date")
    await answer(nadia, "2027-06-30", "ends on June 30, 2027")
    await ask(nadia, "Staff in charge", "@username")
    await nadia.send("@nobody_here", expect="not program staff")
    await nadia.send("424242", expect="not program staff")
    await nadia.send("sam", expect="not program staff")
    await answer(nadia, "@sam_staff", "is now in charge of Dakar")
    row = await cohort_row(bot, "dakar27")
    assert (row["ends_on"], row["staff_id"]) == ("2027-06-30", sam.uid)
    listed = await nadia.send("/cohort", expect="In charge")
    assert "Sam" in listed.text and "Ends on June 30, 2027" in plain(listed.text)
    actions = [
        r["action"]
        for r in await bot.core.db.fetchall(
            "SELECT action FROM audit_log WHERE action LIKE 'cohort.%' ORDER BY id"
        )
    ]
    assert actions == [
        "cohort.create",
        "cohort.cadence",
        "cohort.hour",
        "cohort.pause",
        "cohort.resume",
        "cohort.end",
        "cohort.staff",
    ]


async def test_cancel_and_a_command_end_the_question(emu: Emulator, launch: Launch) -> None:
    nadia = new_person(emu, "Nadia")
    bot = await launch(admins=(nadia.uid,))
    await created(nadia, "/cohort new dakar27 Dakar")
    await ask(nadia, "Cadence", "Type a number of days")
    back = await nadia.toggle("Cancel")
    assert "Link to share" in back.text and "Cadence" in buttons(nadia)
    await nadia.send("30", expect=None)  # no longer an answer: the questionnaire's reply
    assert (await cohort_row(bot, "dakar27"))["cadence_days"] == 14


async def test_an_answer_typed_after_ten_minutes_is_not_used(emu: Emulator, launch: Launch) -> None:
    nadia = new_person(emu, "Nadia")
    bot = await launch(admins=(nadia.uid,))
    await created(nadia, "/cohort new dakar27 Dakar")
    await ask(nadia, "Cadence", "Type a number of days")
    clock = bot.core.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(minutes=10, seconds=1))
    late = await nadia.send("30", expect="after the question")
    assert late.text == (
        "That came more than 10 minutes after the question, so it was not used."
        " Send /cohort to go on."
    )
    assert (await cohort_row(bot, "dakar27"))["cadence_days"] == 14


async def test_an_applicant_joins_the_cohort_of_her_link(emu: Emulator, launch: Launch) -> None:
    nadia = new_person(emu, "Nadia")
    awa = new_person(emu, "Awa", "fr")
    bot = await launch(admins=(nadia.uid,))
    fr = bot.core.t("fr")
    await nadia.send("/cohort new Dakar27 Dakar printemps", expect="created")
    welcome = await awa.send("/start dakar27", expect="Dakar printemps")
    assert plain(welcome.text) == plain(
        fr("You are joining the cohort {name}.", name="Dakar printemps")
    )
    await awa.emu.wait_for(awa.uid, predicate=lambda m: m.message_id > welcome.message_id)
    row = await bot.core.db.fetchone(
        "SELECT cohort FROM applications WHERE user_id = ?", (awa.uid,)
    )
    assert row is not None and row["cohort"] == "Dakar27"  # the cohort's own spelling
    cohort = await bot.core.cohorts.listing()
    assert cohort[0].members == 1


async def test_an_unknown_link_still_lets_her_apply(emu: Emulator, launch: Launch) -> None:
    rosa = new_person(emu, "Rosa", "es")
    bot = await launch()
    es = bot.core.t("es")
    told = await rosa.send("/start lapaz99", expect=None)
    assert plain(told.text) == plain(unknown_link(es))
    await rosa.emu.wait_for(rosa.uid, predicate=lambda m: m.message_id > told.message_id)
    row = await bot.core.db.fetchone(
        "SELECT cohort FROM applications WHERE user_id = ?", (rosa.uid,)
    )
    assert row is not None and row["cohort"] is None


async def test_a_running_application_joins_once_and_keeps_its_cohort(
    emu: Emulator, launch: Launch
) -> None:
    nadia = new_person(emu, "Nadia")
    awa = new_person(emu, "Awa")
    bot = await launch(admins=(nadia.uid,))
    await created(nadia, "/cohort new dakar27 Dakar")
    await nadia.send("/cohort new lapaz27 La Paz", expect="created")
    first = await awa.send("/start", expect=None)
    await awa.emu.wait_for(awa.uid, predicate=lambda m: m.message_id >= first.message_id)
    await awa.send("/start dakar27", expect="You are joining the cohort Dakar")
    await awa.send("/start lapaz27", expect="already under way")

    async def cohort() -> object:
        row = await bot.core.db.fetchone(
            "SELECT cohort FROM applications WHERE user_id = ?", (awa.uid,)
        )
        assert row is not None
        return row["cohort"]

    assert await cohort() == "dakar27"
    async with bot.core.db.write() as conn:
        await conn.execute(
            "UPDATE applications SET status = 'pending' WHERE user_id = ?", (awa.uid,)
        )
    await awa.send("/start lapaz27", expect="already under way")
    assert await cohort() == "dakar27"


async def test_anyone_else_gets_the_polite_line(emu: Emulator, launch: Launch) -> None:
    nadia = new_person(emu, "Nadia")
    eve = new_person(emu, "Eve", "fr")
    bot = await launch(admins=(nadia.uid,))
    fr = bot.core.t("fr")
    await created(nadia, "/cohort new dakar27 Dakar")
    line = fr.plain("Sorry, this is for program staff only.")
    reply = await eve.send("/cohort new eve1 Eve's cohort", expect=None)
    assert reply.text == line
    hello = await eve.send("/start", expect=None)
    for data in ("coh:d:dakar27", "coh:new", "coh:r:dakar27", "coh:v:dakar27"):
        result = await emu.press_data(eve.uid, hello.message_id, data)
        assert result.answered and result.show_alert and result.text == line
    assert [r["code"] for r in await bot.core.db.fetchall("SELECT code FROM cohorts")] == [
        "dakar27"
    ]
    assert await bot.core.inputs.get(eve.uid) is None


async def test_participants_are_erased_a_retention_period_after_their_cohort_ends(
    emu: Emulator, launch: Launch
) -> None:
    nadia = new_person(emu, "Nadia")
    bot = await launch(admins=(nadia.uid,), retention_participants=timedelta(days=30))
    chloe, awa = bot.person("Chloé", "fr"), bot.person("Awa", "fr")
    await enrol(bot, chloe, "mentor")
    await enrol(bot, awa, "mentee")
    await created(nadia, "/cohort new dakar27 Dakar")
    await ask(nadia, "End date", "last day of Dakar")
    await answer(nadia, "2027-03-31", "ends on March 31, 2027")
    async with bot.core.db.write() as conn:
        await conn.execute(
            "UPDATE applications SET cohort = 'dakar27' WHERE user_id IN (?, ?)",
            (chloe.uid, awa.uid),
        )
        await conn.execute(
            "INSERT INTO pairs(mentor_id, mentee_id, created_at, created_by, ended_at)"
            " VALUES (?, ?, '2027-01-01T00:00:00Z', 1, '2027-01-12T00:00:00Z')",
            (chloe.uid, awa.uid),
        )
    clock = bot.core.clock
    assert isinstance(clock, FrozenClock)
    # Long after their pairing ended, but the cohort is not over by 30 days yet: kept.
    clock.set(datetime(2027, 4, 30, 23, 0, tzinfo=UTC))
    bot.core.timers.wake()
    await nadia.send("/privacy", expect=None)  # a round trip: the timers had their turn
    assert await bot.core.privacy.exists(awa.uid) and await bot.core.privacy.exists(chloe.uid)
    assert (await bot.core.privacy.due()).participants == 0
    clock.set(datetime(2027, 5, 2, 9, 0, tzinfo=UTC))
    assert (await bot.core.privacy.due()).participants == 2
    bot.core.timers.wake()
    for _ in range(100):
        if not await bot.core.privacy.exists(awa.uid):
            break
        await asyncio.sleep(0.05)
    assert not await bot.core.privacy.exists(awa.uid)
    assert not await bot.core.privacy.exists(chloe.uid)
    assert await bot.core.privacy.exists(nadia.uid)


async def test_a_french_staff_member_types_the_pause_in_her_words(
    emu: Emulator, launch: Launch
) -> None:
    claire = new_person(emu, "Claire", "fr")
    bot = await launch(admins=(claire.uid,))
    fr = bot.core.t("fr")
    made = await claire.send("/cohort new dakar27 Dakar", expect="créée")
    await then(claire, made, "Lien à partager")
    asked = await claire.toggle(fr.plain("Pause"))
    assert "premier et le dernier jour" in asked.text
    await claire.send("bientôt", expect="Veuillez saisir deux dates")
    done = await answer(claire, "du 1er juillet au 15 août 2027", "en pause du")
    assert "1 juillet 2027" in done.text and "15 août 2027" in done.text
    card = claire.last()
    assert "⏸" in card.text and fr.plain("Resume") in buttons(claire)
    row = await cohort_row(bot, "dakar27")
    assert (row["paused_from"], row["paused_until"]) == ("2027-07-01", "2027-08-15")
    # The first day alone: she is asked the last one.
    await claire.toggle(fr.plain("Pause"))
    await claire.send("1er septembre 2027", expect="Quel est son dernier jour")
    await claire.send("demain", expect="Veuillez saisir deux dates")
    await answer(claire, "15/09/2027", "en pause du 1 septembre 2027 au 15 septembre 2027")
    row = await cohort_row(bot, "dakar27")
    assert (row["paused_from"], row["paused_until"]) == ("2027-09-01", "2027-09-15")
