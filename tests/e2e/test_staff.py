"""Staff roles through the chat: the guard, /staff add and remove, invite links, audit."""

from __future__ import annotations

import re

from bot.checkins.view import round_started
from bot.common.help_view import STAFF
from bot.emulator import Emulator
from bot.emulator.text import utf16_len
from bot.runtime.i18n import isolate_plain
from bot.runtime.people import Who
from tests.conftest import Launch
from tests.e2e.test_review import admin_of, audit_rows, candidate, status_of
from tests.harness import Person, Running, new_person

STAFF_ONLY = "Sorry, this is for program staff only."


async def staff_rows(bot: Running) -> dict[int, str]:
    rows = await bot.core.db.fetchall("SELECT user_id, role FROM staff")
    return {int(r["user_id"]): str(r["role"]) for r in rows}


def menu_of(bot: Running, person: Person) -> set[str]:
    return {c["command"] for c in bot.emu.effective_commands(person.uid)}


async def consented(bot: Running, name: str, username: str, language: str = "en") -> Person:
    """Someone who started an application and agreed to the data notice."""
    person = bot.person(name, language, username=username)
    t = bot.core.t(language)
    consent = await person.send("/start")
    assert consent.buttons[0][0] == t.plain("I agree")
    await person.press(t.plain("I agree"), expect=t.plain("Which of these describes you?"))
    return person


async def test_every_staff_command_refuses_non_staff(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    awa = await candidate(bot, "Awa", "fr")
    fr = bot.core.t("fr")
    for command, _ in STAFF:
        reply = await awa.send(f"/{command} 1 2", expect=None)
        assert reply.text == fr.plain(STAFF_ONLY), command
    assert await audit_rows(bot) == [] and await staff_rows(bot) == {}
    assert (await status_of(bot, awa.uid))["status"] == "pending"


async def test_forged_staff_buttons_change_nothing(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    awa = await candidate(bot, "Awa", "en")
    await admin.send(f"/staff add {awa.uid}", expect="is now staff")
    welcome = await emu.wait_for(awa.uid, contains="/help")
    eve = bot.person("Eve")
    start = await eve.send("/start", expect="agree")
    for data in (f"rv:a:{awa.uid}", f"rv:r:{awa.uid}", f"stf:rm:{awa.uid}", "stf:inv"):
        result = await emu.press_data(eve.uid, start.message_id, data)
        assert result.answered and result.text == STAFF_ONLY and result.show_alert, data
    assert (await status_of(bot, awa.uid))["status"] == "pending"
    assert await staff_rows(bot) == {awa.uid: "staff"}
    assert [r["action"] for r in await audit_rows(bot)] == ["staff.staff"]
    assert await bot.core.inputs.get(eve.uid) is None
    # staff who are not admins cannot use the staff buttons of /staff either
    result = await emu.press_data(awa.uid, welcome.message_id, f"stf:rm:{admin.uid}")
    assert result.show_alert and "only admins" in (result.text or "")


async def test_add_by_username_promote_and_remove(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    nadia = await consented(bot, "Nadia", "nadia_k", "fr")
    assert "review" not in menu_of(bot, nadia)
    added = await admin.send("/staff add @Nadia_K", expect="is now staff")
    assert "Nadia (@nadia_k)" in added.text
    fr = bot.core.t("fr")
    await nadia.emu.wait_for(nadia.uid, contains="/help")
    assert "review" in menu_of(bot, nadia)
    assert await staff_rows(bot) == {nadia.uid: "staff"}

    empty = await nadia.send("/review", expect=None)
    assert empty.text == fr.plain("There are no applications waiting for review. 🎉")
    refused = await nadia.send("/staff add 12345", expect=None)
    assert refused.text == fr.plain("Sorry, only admins can manage program staff.")
    round_ = await nadia.send("/checkins_now", expect=None)  # staff, not only admins
    assert round_.text == round_started(fr, 0, 0)

    await admin.send("/staff admin @nadia_k", expect="is now admin")
    assert await staff_rows(bot) == {nadia.uid: "admin"}
    listing = await nadia.send("/staff", expect="(@nadia_k)")  # she may manage staff now
    assert "Claire" in listing.text and "Nadia" in listing.text

    gone = await admin.send(f"/staff remove {nadia.uid}", expect="no longer program staff")
    assert "Nadia" in gone.text
    await emu.wait_for(
        nadia.uid, contains=fr.plain("You are no longer program staff on Passerelle.")
    )
    assert await staff_rows(bot) == {}
    assert "review" not in menu_of(bot, nadia)
    again = await nadia.send("/review", expect=None)
    assert again.text == fr.plain(STAFF_ONLY)
    actions = [(r["action"], r["actor_id"], r["subject_id"]) for r in await audit_rows(bot)]
    assert actions == [
        ("staff.staff", admin.uid, nadia.uid),
        ("staff.admin", admin.uid, nadia.uid),
        ("staff.remove", admin.uid, nadia.uid),
    ]


async def test_unknown_username_and_configured_admin(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    unknown = await admin.send("/staff add @nobody", expect="do not know")
    assert "@nobody" in unknown.text
    kept = await admin.send(f"/staff remove {admin.uid}", expect="PASSERELLE_ADMINS")
    assert "Claire" in kept.text
    usage = await admin.send("/staff frobnicate", expect="/staff add")
    assert usage.text
    await admin.send("/staff invite everyone", expect="/staff add")  # no link made
    assert await staff_rows(bot) == {} and await audit_rows(bot) == []


async def test_add_by_id_then_remove_with_the_list_button(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    omar = bot.person("Omar")
    await omar.send("/help", expect="/start")
    await admin.send(f"/staff add {omar.uid}", expect="is now staff")
    welcome = await bot.emu.wait_for(omar.uid, contains="You are now staff")
    assert "/help" in welcome.text
    before = await admin.send("/staff", expect="Program staff")
    assert f"#{omar.uid}" in before.text  # her name is not kept until she talks to the bot as staff
    await omar.send("/help", expect="For program staff")
    listing = await admin.send("/staff", expect="Program staff")
    assert "Omar" in listing.text and "Remove Omar" in str(listing.buttons)
    assert "Remove Claire" not in str(listing.buttons)
    await admin.tap("Remove Omar")
    await bot.emu.wait_for(omar.uid, contains="no longer program staff")
    assert await staff_rows(bot) == {}


async def test_invite_link_is_single_use(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    message = await admin.send("/staff invite", expect="t.me")
    match = re.search(r"https://t\.me/passerelle_bot\?start=(staff-[A-Za-z0-9_-]+)", message.text)
    assert match is not None
    sara = bot.person("Sara", "es", username="sara_m")
    joined = await sara.send(f"/start {match.group(1)}", expect="/help")
    assert joined.text == bot.core.t("es").plain(
        "You are now {role} on Passerelle. Send /help to see the staff commands.",
        role=bot.core.t("es").plain("staff"),
    )
    await bot.emu.wait_for(admin.uid, contains="Sara (@sara_m)")
    assert "review" in menu_of(bot, sara)
    first = await sara.send("/review", expect=None)
    es = bot.core.t("es")
    assert first.text == es.plain("There are no applications waiting for review. 🎉")

    intruder = bot.person("Ivan")
    refused = await intruder.send(f"/start {match.group(1)}", expect="already used")
    assert "new one" in refused.text
    bogus = await intruder.send("/start staff-doesnotexist", expect="not valid")
    assert bogus.text
    assert await staff_rows(bot) == {sara.uid: "staff"}
    person = await bot.core.people.get(sara.uid)
    assert person is not None and person.first_name == "Sara"
    actions = [r["action"] for r in await audit_rows(bot)]
    assert actions == ["staff.invite", "staff.join"]


async def test_the_only_admin_cannot_remove_or_demote_herself(running: Running) -> None:
    bot = running  # nobody is configured in PASSERELLE_ADMINS
    nadia = await consented(bot, "Nadia", "nadia_k", "fr")
    claire = await consented(bot, "Claire", "claire_m")
    await bot.core.staff.set_role(nadia.uid, nadia.uid, "admin")
    fr = bot.core.t("fr")
    refused = await nadia.send("/staff remove @nadia_k", expect="seule")
    assert "/staff admin" in refused.text
    await nadia.send("/staff add @nadia_k", expect="seule")
    assert await staff_rows(bot) == {nadia.uid: "admin"}

    await nadia.send("/staff admin @claire_m", expect="admin")
    ask = await nadia.send("/staff remove @nadia_k", expect="?")
    assert [label for row in ask.buttons for label in row] == [
        fr.plain("Yes, remove me"),
        fr.plain("Cancel"),
    ]
    assert await staff_rows(bot) == {nadia.uid: "admin", claire.uid: "admin"}
    kept = await nadia.toggle(fr.plain("Cancel"))
    assert not kept.buttons and await staff_rows(bot) == {nadia.uid: "admin", claire.uid: "admin"}
    await nadia.send("/staff add @nadia_k", expect="?")
    done = await nadia.toggle(fr.plain("Yes, stop being admin"))
    assert "Nadia" in done.text and not done.buttons
    assert await staff_rows(bot) == {nadia.uid: "staff", claire.uid: "admin"}

    await claire.send("/staff remove @nadia_k", expect="no longer")
    last = await claire.send("/staff remove @claire_m", expect="only admin")
    assert "Claire" in last.text and await staff_rows(bot) == {claire.uid: "admin"}


async def test_add_by_username_takes_whoever_holds_it_now(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    before = await consented(bot, "Nadia", "nadia_k")
    emu.user(before.uid).username = "nadia_old"  # she changed it on Telegram, and said nothing
    holder = await consented(bot, "Nadia", "nadia_k")
    added = await admin.send("/staff add @nadia_k", expect="is now staff")
    assert f"<code>{holder.uid}</code>" in (added.html or "")
    assert str(holder.uid) in added.text
    assert await staff_rows(bot) == {holder.uid: "staff"}


async def test_arguments_are_parsed_strictly(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire", "es")
    bot = await launch(admins=(admin.uid,))
    es = bot.core.t("es")
    for argument in (
        "--5",
        "²",
        "\u0661\u0660\u0660\u0661",
        "99999999999999999999999",
        "0",
        "@abc",
        "nadia",
    ):
        reply = await admin.send(f"/staff add {argument}", expect="»")
        assert reply.text.startswith(f"«{isolate_plain(argument)}»"), reply.text
        assert es.plain("Use /staff add, /staff admin or /staff remove")[:20] in reply.text
    assert await staff_rows(bot) == {} and await audit_rows(bot) == []
    assert not any("went wrong" in text for text in admin.texts())


async def test_a_staff_list_longer_than_telegram_allows_arrives_whole_in_parts(
    emu: Emulator, launch: Launch
) -> None:
    long_name = "Bélanger-Tremblay de la Montagne-Verte"
    team = [
        new_person(emu, f"Marie-Ève-{index:02d} {long_name}", "fr", f"mev_{index:02d}")
        for index in range(60)
    ]
    for member in team:
        emu.user(member.uid).started = True
    bot = await launch(admins=tuple(member.uid for member in team))
    for member in team:  # each has talked to the bot, so her name is known
        user = emu.user(member.uid)
        await bot.core.people.touch(Who(member.uid, user.first_name, None, user.username), True)
    mark = emu.mark()
    await team[0].send("/staff", expect="/staff invite")
    parts = [m for m in emu.bot_messages(team[0].uid) if m.version > mark]
    assert len(parts) >= 2
    assert all(utf16_len(part.text) <= 4096 for part in parts)
    assert [bool(part.buttons) for part in parts] == [False] * (len(parts) - 1) + [True]
    listed = "\n".join(part.text for part in parts)
    assert all(f"(@mev_{index:02d})" in listed for index in range(60))
    assert not emu.errors
