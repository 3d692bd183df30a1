"""Pairing through the chat: /pair, suggestions, overrides, stale buttons, /unpair, /status."""

from __future__ import annotations

import html
import json
import re

from bot.emulator import Emulator, EmuMessage
from bot.pairing.service import Participant, fingerprint
from bot.pairing.view import ended_notice, introduction
from bot.runtime.i18n import isolate_plain
from tests.applicants import store_applicant
from tests.conftest import Launch
from tests.e2e.paths import MENTOR, walk
from tests.harness import Person, Running, new_person


def plain(text: str) -> str:
    """What a person reads of an HTML message."""
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


async def enrol(
    bot: Running,
    person: Person,
    role: str,
    languages: tuple[str, ...] = ("fr",),
    status: str = "approved",
    place: str = "senegal",
    sector: str = "technology",
) -> None:
    """Stores an applicant directly (fast); the person is the emulator user."""
    user = bot.emu.user(person.uid)
    user.started = True  # she applied, so she has talked to the bot
    await store_applicant(
        bot.core.db,
        person.uid,
        role,
        first_name=user.first_name,
        username=user.username,
        language=bot.core.catalogs.resolve(user.language_code, "en"),
        languages=languages,
        status=status,
        sector=sector,
        place=place,
    )


async def approve(bot: Running, person: Person) -> None:
    """Approves an application (the review screen is tested elsewhere)."""
    async with bot.core.db.write() as conn:
        await conn.execute(
            "UPDATE applications SET status = 'approved' WHERE user_id = ?", (person.uid,)
        )


async def participant(bot: Running, person: Person) -> Participant:
    """The pairing's view of a person."""
    found = await bot.core.pairing.participant(person.uid)
    assert found is not None
    return found


async def active_pairs(bot: Running) -> set[tuple[int, int]]:
    """Every active (mentor, mentee)."""
    return {(p.mentor_id, p.mentee_id) for p in await bot.core.pairing.all_active()}


async def expect_intro(bot: Running, me: Person, other: Person) -> str:
    """Waits for my introduction to the other and checks it is the one in my language."""
    mine, theirs = await participant(bot, me), await participant(bot, other)
    t = bot.core.t(mine.person.language)
    expected = plain(introduction(t, bot.core.form, mine, theirs, bot.core.clock.now()))
    message = await bot.emu.wait_for(me.uid, predicate=lambda m: m.text == expected)
    assert theirs.person.first_name in message.text
    return message.text


async def expect_ended(bot: Running, me: Person, other: Person, since: int) -> None:
    """Waits for the notice, in my language, that my pairing with the other ended."""
    mine, theirs = await participant(bot, me), await participant(bot, other)
    expected = plain(ended_notice(bot.core.t(mine.person.language), theirs))
    await bot.emu.wait_for(me.uid, predicate=lambda m: m.text == expected, since=since)


async def test_a_mentor_applies_in_the_chat_and_is_paired_in_her_language(
    emu: Emulator, launch: Launch
) -> None:
    boss = new_person(emu, "Boss", "en", username="boss")
    bot = await launch(admins=(boss.uid,))
    awa = bot.person("Awa", "fr", username="awa_pp")
    lucia = bot.person("Lucía", "es", username="lucia")
    t = bot.core.t(bot.core.catalogs.resolve("fr", "en"))
    await awa.send("/start")
    motivation = ("send", "Je veux partager ce que j'ai appris avec d'autres femmes.")
    await walk(awa, t, (*MENTOR[:-1], motivation, ("press", "Confirm")))
    await enrol(bot, lucia, "mentee", languages=("es", "fr"), place="senegal")

    refused = await boss.send("/pair @lucia @awa_pp", expect="not approved")
    assert "Pair anyway" in str(refused.buttons)
    await approve(bot, awa)
    done = await boss.send("/pair @lucia @awa_pp", expect="Paired")
    assert "Awa" in done.text and "Lucía" in done.text
    awa_intro = await expect_intro(bot, awa, lucia)
    lucia_intro = await expect_intro(bot, lucia, awa)
    assert "Lucía" in awa_intro and "Awa" in lucia_intro
    assert "Dakar" in awa_intro and "Toronto" in lucia_intro
    assert "Lugar: Quebec, Canadá" in lucia_intro  # a province is not a country
    assert "País" not in lucia_intro
    if set(bot.core.catalogs.languages) >= {"fr", "es"}:
        assert (await participant(bot, awa)).person.language == "fr"
        assert (await participant(bot, lucia)).person.language == "es"
        assert awa_intro != lucia_intro
    assert await active_pairs(bot) == {(awa.uid, lucia.uid)}

    status = await awa.send("/status")
    assert "Lucía" in status.text and "3" in status.text
    assert "Awa" in (await lucia.send("/status")).text


async def test_pairing_by_id_and_unpairing_tells_both(emu: Emulator, launch: Launch) -> None:
    boss = new_person(emu, "Boss", "en")
    bot = await launch(admins=(boss.uid,))
    mona = bot.person("Mona", "fr", username="mona_pp")
    ines = bot.person("Inès", "fr", username="ines_pp")
    rosa = bot.person("Rosa", "es", username="rosa_pp")
    await enrol(bot, mona, "mentor", languages=("fr", "es"))
    await enrol(bot, ines, "mentee")
    await enrol(bot, rosa, "mentee", languages=("es",), place="bolivia")

    await boss.send(f"/pair {ines.uid} {mona.uid}", expect="Paired")
    await expect_intro(bot, ines, mona)
    await expect_intro(bot, mona, ines)
    await boss.send(f"/pair {mona.uid} @rosa_pp", expect="Paired")
    await expect_intro(bot, rosa, mona)
    await expect_intro(bot, mona, rosa)
    status = await mona.send("/status")
    assert "Inès" in status.text and "Rosa" in status.text and "2" in status.text

    choose = await boss.send("/unpair @mona_pp", expect="several")
    assert any("Rosa" in label for row in choose.buttons for label in row)
    mark = bot.emu.mark()
    await boss.press("Rosa", expect="Ended")
    await expect_ended(bot, rosa, mona, mark)
    await expect_ended(bot, mona, rosa, mark)
    assert await active_pairs(bot) == {(mona.uid, ines.uid)}

    mark = bot.emu.mark()
    await boss.send("/unpair @ines_pp", expect="Ended")
    await expect_ended(bot, ines, mona, mark)
    await expect_ended(bot, mona, ines, mark)
    assert await active_pairs(bot) == set()
    assert "no active pairing" in (await boss.send("/unpair @ines_pp")).text
    assert "not paired together" in (await boss.send("/unpair @mona_pp @ines_pp")).text
    actions = await bot.core.db.fetchall("SELECT action FROM audit_log ORDER BY id")
    assert [row["action"] for row in actions] == ["pair.create"] * 2 + ["pair.end"] * 2


async def test_each_broken_rule_is_refused_and_an_override_is_recorded(
    emu: Emulator, launch: Launch
) -> None:
    boss = new_person(emu, "Boss", "en")
    bot = await launch(admins=(boss.uid,))
    ana = bot.person("Ana", "en", username="ana_pp")
    bea = bot.person("Bea", "en", username="bea_pp")
    eve = bot.person("Eve", "en", username="eve_pp")
    fay = bot.person("Fay", "en", username="fay_pp")
    pia = bot.person("Pia", "en", username="pia_pp")
    await enrol(bot, ana, "mentor")
    await enrol(bot, bea, "mentor", languages=("en",))
    await enrol(bot, eve, "mentee")
    await enrol(bot, fay, "mentee")
    await enrol(bot, pia, "mentee", status="pending")

    assert "do not know" in (await boss.send("/pair @nobody @eve_pp")).text
    assert "/pair capacity" in (await boss.send("/pair @ana_pp")).text
    assert "same role" in (await boss.send("/pair @ana_pp @bea_pp")).text
    assert "not approved" in (await boss.send("/pair @ana_pp @pia_pp")).text
    no_language = await boss.send("/pair @bea_pp @eve_pp")
    assert "no working language" in no_language.text
    assert "Pair anyway" in str(no_language.buttons)
    assert "1 place left" in (await boss.send("/pair capacity @ana_pp 1")).text
    await boss.send("/pair @ana_pp @eve_pp", expect="Paired")
    full = await boss.send("/pair @ana_pp @fay_pp")
    assert "no place left" in full.text
    assert "already paired" in (await boss.send("/pair @bea_pp @eve_pp")).text
    assert "Pair anyway" not in str(boss.last().buttons)

    mark = bot.emu.mark()
    await boss.tap("Pair anyway", message_id=full.message_id)
    await bot.emu.wait_for(boss.uid, contains="Override", since=mark)
    await expect_intro(bot, fay, ana)
    row = await bot.core.db.fetchone(
        "SELECT override FROM pairs WHERE mentor_id = ? AND mentee_id = ?", (ana.uid, fay.uid)
    )
    assert row is not None and row["override"] == 1
    audit = await bot.core.db.fetchall(
        "SELECT details FROM audit_log WHERE action = 'pair.create' ORDER BY id"
    )
    assert json.loads(audit[-1]["details"])["override"] == ["mentor_full"]

    mark = bot.emu.mark()
    again = await boss.tap("Pair anyway", message_id=no_language.message_id)
    assert again.text and "changed" in again.text
    await bot.emu.wait_for(boss.uid, contains="already paired", since=mark)
    assert await active_pairs(bot) == {(ana.uid, eve.uid), (ana.uid, fay.uid)}


async def test_suggestions_pair_all_and_stale_buttons(emu: Emulator, launch: Launch) -> None:
    boss = new_person(emu, "Boss", "en")
    bot = await launch(admins=(boss.uid,))
    people = {
        name: bot.person(name, "en", username=f"{name.lower()}_pp")
        for name in ("Ada", "Bo", "Cy", "Dee", "Eli", "Fox", "Gus")
    }
    await enrol(bot, people["Ada"], "mentor", languages=("fr",), place="senegal")
    await enrol(bot, people["Bo"], "mentor", languages=("es",), place="bolivia")
    await enrol(bot, people["Cy"], "mentee", languages=("fr",), place="senegal")
    await enrol(bot, people["Dee"], "mentee", languages=("es",), place="bolivia")
    await enrol(bot, people["Eli"], "mentee", languages=("fr", "es"), place="benin")
    await enrol(bot, people["Fox"], "mentee", languages=("en",), place="rwanda")
    await enrol(bot, people["Gus"], "mentee", languages=("fr",), status="pending")

    suggested, _ = await bot.core.pairing.suggestions()
    expected = {(s.mentor_id, s.mentee_id) for s in suggested}
    assert len(expected) == 3
    listing = await boss.send("/pair", expect="suggested")
    assert "Pair all" in str(listing.buttons)
    assert "Fox" not in listing.text and "Gus" not in listing.text
    assert "waking hours in common" in listing.text

    eli, ada, bo = people["Eli"], people["Ada"], people["Bo"]
    suggested_mentor = next(s.mentor_id for s in suggested if s.mentee_id == eli.uid)
    other = ada if suggested_mentor == bo.uid else bo
    await boss.send(f"/pair {other.uid} @eli_pp", expect="Paired")
    stale = await boss.tap("Eli", message_id=listing.message_id)
    assert stale.show_alert and "no longer possible" in (stale.text or "")
    forged = await bot.emu.press_data(boss.uid, listing.message_id, "pr:ok:x:1")
    assert forged.answered and "no longer active" in (forged.text or "")
    changed = await boss.tap("Pair all", message_id=listing.message_id)
    assert changed.show_alert and "changed" in (changed.text or "")
    fresh = await boss.emu.wait_for(
        boss.uid, contains="suggested", predicate=lambda m: m.message_id > listing.message_id
    )

    suggested, _ = await bot.core.pairing.suggestions()
    expected = {(s.mentor_id, s.mentee_id) for s in suggested}
    assert boss.last().message_id == fresh.message_id
    await boss.press("Pair all", expect="formed")
    assert await active_pairs(bot) == expected | {(other.uid, eli.uid)}
    for mentor_id, mentee_id in expected:
        mentor = next(p for p in people.values() if p.uid == mentor_id)
        mentee = next(p for p in people.values() if p.uid == mentee_id)
        await expect_intro(bot, mentor, mentee)
        await expect_intro(bot, mentee, mentor)
    await boss.send("/pair", expect="No pair to suggest")


def labels(message: EmuMessage) -> list[str]:
    """The labels of a message's buttons, row after row."""
    return [label for row in message.buttons for label in row]


async def test_many_suggestions_come_a_page_at_a_time_in_place(
    emu: Emulator, launch: Launch
) -> None:
    boss = new_person(emu, "Boss", "en")
    bot = await launch(admins=(boss.uid,))
    mentors, mentees = [], []
    for index in range(25):
        mentors.append(bot.person(f"Mentor{index}", "en"))
        mentees.append(bot.person(f"Mentee{index}", "en"))
        await enrol(bot, mentors[-1], "mentor")
        await enrol(bot, mentees[-1], "mentee")
    mark = bot.emu.mark()
    listing = await boss.send("/pair", expect="25 suggested pairs")
    assert "Showing 1 to 10." in listing.text
    assert labels(listing)[-2:] == ["More ▸", "Pair all (25)"]
    shown = [label for label in labels(listing) if "Pair Mentor" in label]
    assert len(shown) == 10
    page = listing
    while "More ▸" in labels(page):
        page = await boss.toggle("More ▸")
        assert page.message_id == listing.message_id
        assert len(page.text) <= 4096 and sum(map(len, page.buttons)) <= 100
        shown += [label for label in labels(page) if "Pair Mentor" in label]
    assert "Showing 21 to 25." in page.text and labels(page)[-1] == "Pair all (25)"
    assert len(shown) == len(set(shown)) == 25
    assert [m.message_id for m in bot.emu.bot_messages(boss.uid) if m.version > mark] == [
        listing.message_id
    ], "one message, edited in place"

    # Someone paired meanwhile: More starts the fresh list again, saying so; a forged or
    # stale page does nothing.
    fresh = await boss.send("/pair", expect="25 suggested pairs")
    suggested, _ = await bot.core.pairing.suggestions()
    first = suggested[0]
    digest = fingerprint(suggested)
    beyond = await bot.emu.press_data(boss.uid, fresh.message_id, f"pr:more:{digest}:25")
    assert beyond.answered and "no longer active" in (beyond.text or "")
    await boss.send(f"/pair {first.mentor_id} {first.mentee_id}", expect="Paired")
    mark = bot.emu.mark()
    changed = await boss.tap("More ▸", message_id=fresh.message_id)
    assert changed.show_alert and "changed" in (changed.text or "")
    again = await bot.emu.wait_for(
        boss.uid, predicate=lambda m: m.message_id == fresh.message_id, since=mark
    )
    assert "24 suggested pairs" in again.text and "Showing 1 to 10." in again.text
    stale = await boss.tap("Pair all (25)", message_id=listing.message_id)
    assert stale.show_alert and "changed" in (stale.text or "")
    assert len(await active_pairs(bot)) == 1


async def test_only_staff_can_pair(running: Running) -> None:
    zoe = running.person("Zoe", "en")
    assert "program staff" in (await zoe.send("/pair")).text
    assert "program staff" in (await zoe.send("/unpair @zoe")).text
    menu = await zoe.send("/language")
    for data in ("pr:all:0123456789ab", "pr:more:0123456789ab:10"):
        forged = await running.emu.press_data(zoe.uid, menu.message_id, data)
        assert forged.show_alert and "program staff" in (forged.text or "")


async def test_pairing_arguments_are_parsed_strictly(emu: Emulator, launch: Launch) -> None:
    boss = new_person(emu, "Boss", "fr")
    bot = await launch(admins=(boss.uid,))
    ana = bot.person("Ana", "fr", username="ana_pp")
    await enrol(bot, ana, "mentor")
    fr = bot.core.t("fr")
    usage = fr.plain("/pair capacity @mentor 2 — set how many mentees a mentor may have")
    for command, shown in (
        ("/pair ² 1001", "²"),
        ("/pair --1001 1002", "--1001"),
        ("/pair 99999999999999999999999 1001", "99999999999999999999999"),
        (f"/pair \u0661\u0660\u0660\u0661 {ana.uid}", "\u0661\u0660\u0660\u0661"),
        ("/pair @ana_pp @b", "@b"),
        ("/unpair ²", "²"),
        ("/pair capacity ² 2", "²"),
    ):
        reply = await boss.send(command, expect=None)
        assert reply.text.startswith(f"«\u00a0{isolate_plain(shown)}\u00a0»"), (command, reply.text)
        assert usage in reply.text, command
    capacity = await boss.send("/pair capacity @ana_pp \u0663", expect=None)
    assert usage in capacity.text
    assert (await participant(bot, ana)).person.capacity == 4  # unchanged
    assert await active_pairs(bot) == set()
    assert not any("went wrong" in text for text in boss.texts())
