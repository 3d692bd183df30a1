"""/help, the command menu and the introductions name only commands that work."""

from __future__ import annotations

import re

from bot.common.help_view import CONTRACT, CONTRACT_STAFF, EVERYONE, STAFF, help_text
from bot.emulator import Emulator
from handlers import menu
from handlers.app import build_application
from tests.applicants import store_applicant
from tests.conftest import Launch
from tests.harness import Person, Running, new_person

COMMAND = re.compile(r"(?<![\w/@.])/([a-z][a-z0-9_]*)")
NOT_WORKING = ("not available yet", "do not know that command")


def named(text: str) -> set[str]:
    """The commands a text (plain, or HTML) tells people to use."""
    return set(COMMAND.findall(re.sub(r"<[^<>]*>", " ", text)))


def registered(bot: Running) -> set[str]:
    """Every command a handler of the real application answers."""
    app, _deps, _workers = build_application(bot.core)
    return menu.registered_commands(app)


async def test_help_and_the_menu_list_exactly_the_commands_that_have_a_handler(
    emu: Emulator, launch: Launch
) -> None:
    claire = new_person(emu, "Claire", "fr")
    await emu.send_text(claire.uid, "hello")  # she has talked to the bot before
    bot = await launch(admins=(claire.uid,))
    working = registered(bot)
    listed = {command for command, _ in EVERYONE + STAFF}
    assert listed == working, "a command with a handler must be listed, and only those"
    for language in ("en", "fr", "es"):
        t = bot.core.t(language)
        for staff in (False, True):
            assert named(help_text(t, staff)) <= working, (language, staff)
        everyone = {command["command"] for command in emu.commands(language)}
        assert everyone == {command for command, _ in EVERYONE}, language
    assert {command["command"] for command in emu.commands()} == {c for c, _ in EVERYONE}
    staff_menu = {command["command"] for command in emu.effective_commands(claire.uid)}
    assert staff_menu == listed
    assert {c for c, _ in EVERYONE} <= CONTRACT and {c for c, _ in STAFF} <= CONTRACT_STAFF


async def answers_to(person: Person, commands: set[str]) -> dict[str, str]:
    """Sends each command and keeps the first message the bot answers with."""
    replies = {}
    for command in sorted(commands):
        replies[command] = (await person.send(f"/{command}", expect=None)).text
    return replies


async def test_every_command_a_person_is_shown_does_something(
    emu: Emulator, launch: Launch
) -> None:
    claire = new_person(emu, "Claire", "es")
    bot = await launch(admins=(claire.uid,))
    zoe = bot.person("Zoé", "fr")
    help_reply = await zoe.send("/help", expect="/status")
    shown = named(help_reply.text) | {c["command"] for c in emu.effective_commands(zoe.uid)}
    assert "review" not in shown and "checkins_now" not in shown
    assert {"availability", "meet", "checkin", "privacy", "mydata", "delete"} <= shown
    fr = bot.core.t("fr")
    for command, text in (await answers_to(zoe, shown)).items():
        assert not any(fr(words) in text for words in _not_working()), (command, text)
    staff_help = await claire.send("/help", expect="/review")
    staff_shown = named(staff_help.text) | {
        c["command"] for c in emu.effective_commands(claire.uid)
    }
    assert {"review", "pair", "stats", "export", "staff"} <= staff_shown
    assert {"broadcast", "checkins_now", "report"} <= staff_shown
    es = bot.core.t("es")
    for command, text in (await answers_to(claire, staff_shown - {"start"})).items():
        assert not any(es(words) in text for words in _not_working()), (command, text)


def _not_working() -> tuple[str, ...]:
    return (
        "This part of Passerelle is not available yet.",
        "I do not know that command. Send /help to see what I can do.",
    )


async def test_commands_not_built_yet_are_answered_politely(emu: Emulator, launch: Launch) -> None:
    claire = new_person(emu, "Claire", "en")
    bot = await launch(admins=(claire.uid,))
    working = registered(bot)
    ana = bot.person("Ana", "es")
    es = bot.core.t("es")
    for command in sorted(CONTRACT - working):
        reply = await ana.send(f"/{command}", expect=None)
        assert reply.text == es("This part of Passerelle is not available yet."), command
    for command in sorted(CONTRACT_STAFF - working):
        reply = await ana.send(f"/{command}", expect=None)
        assert reply.text == es("Sorry, this is for program staff only."), command
        staff_reply = await claire.send(f"/{command}", expect=None)
        assert "not available yet" in staff_reply.text, command
    unknown = await ana.send("/dance", expect=None)
    assert unknown.text == es("I do not know that command. Send /help to see what I can do.")


async def test_introductions_name_only_commands_that_work(emu: Emulator, launch: Launch) -> None:
    boss = new_person(emu, "Boss", "en")
    bot = await launch(admins=(boss.uid,))
    working = registered(bot)
    people = {
        "fr": bot.person("Awa", "fr", username="awa_h"),
        "es": bot.person("Lucía", "es", username="lucia_h"),
        "en": bot.person("Grace", "en", username="grace_h"),
    }
    for language, role in (("fr", "mentor"), ("es", "mentee")):
        await store_applicant(
            bot.core.db,
            people[language].uid,
            role,
            first_name=emu.user(people[language].uid).first_name,
            username=emu.user(people[language].uid).username,
            language=language,
        )
    await store_applicant(
        bot.core.db, people["en"].uid, "mentee", first_name="Grace", username="grace_h"
    )
    for user in people.values():
        emu.user(user.uid).started = True
    await boss.send("/pair @awa_h @lucia_h", expect="Awa")
    await boss.send("/pair @awa_h @grace_h", expect="Awa")
    for language, person in people.items():
        intro = await emu.wait_for(person.uid, contains="🤝")
        t = bot.core.t(language)
        next_step = t(
            "Next: send /availability to give your weekly availability, "
            "then /meet to plan your first meeting."
        )
        assert next_step in intro.text, language
        assert named(intro.text) == {"availability", "meet"}, (language, intro.text)
        assert named(intro.text) <= working, (language, intro.text)
