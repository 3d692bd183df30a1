"""The staff guard, found from the handlers themselves: every staff command and every staff
button answers anyone else with one polite line and changes nothing.

Enumerating the registered handlers (rather than a list kept by hand) means a capability
that adds a staff command or button is covered the day it is registered.
"""

from __future__ import annotations

import re

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.common.help_view import STAFF
from bot.emulator import Emulator
from handlers.app import build_application
from tests.conftest import Launch
from tests.harness import Running

STAFF_ONLY = "Sorry, this is for program staff only."


def _guarded(callback: object) -> bool:
    return "staff_only.<locals>.guarded" in getattr(callback, "__qualname__", "")


def staff_handlers(bot: Running) -> tuple[set[str], set[str]]:
    """The staff-only commands and the callback namespaces of staff-only buttons."""
    app, _deps, _workers = build_application(bot.core)
    commands: set[str] = set()
    namespaces: set[str] = set()
    for group in app.handlers.values():
        for handler in group:
            if not _guarded(handler.callback):
                continue
            if isinstance(handler, CommandHandler):
                commands |= set(handler.commands)
            elif isinstance(handler, CallbackQueryHandler):
                pattern = handler.pattern
                assert isinstance(pattern, re.Pattern), pattern
                namespace = re.fullmatch(r"\^([a-z_]+):", pattern.pattern)
                assert namespace is not None, pattern.pattern
                namespaces.add(namespace.group(1))
    return commands, namespaces


async def test_the_staff_menu_lists_exactly_the_guarded_commands(running: Running) -> None:
    commands, namespaces = staff_handlers(running)
    assert commands == {command for command, _ in STAFF}
    assert {"stats", "report", "export"} <= commands
    assert namespaces  # review, staff and pairing buttons at least
    assert "al" in namespaces  # an alert's Mark handled
    assert "cohort" in commands and "coh" in namespaces  # /cohort and its buttons


async def test_every_staff_command_and_button_refuses_anyone_else(
    emu: Emulator, launch: Launch
) -> None:
    nadia = emu.add_user("Nadia")
    bot = await launch(admins=(nadia,))
    fr = bot.core.t("fr")
    commands, namespaces = staff_handlers(bot)
    audit_before = await bot.core.db.fetchall("SELECT * FROM audit_log")
    # One person per command or namespace: a single one sending all of it would be taken for
    # a flood (bot/runtime/flood.py) and rightly ignored.
    for command in sorted(commands):
        eve = bot.person("Eve", "fr", username=f"eve_{command}")
        for args in ("", f" {nadia}", f" @eve_{command} {nadia}", " capacity 1 2"):
            reply = await eve.send(f"/{command}{args}", expect=None)
            assert reply.text == fr.plain(STAFF_ONLY), (command, args)
    for namespace in sorted(namespaces):
        eve = bot.person("Eve", "fr")
        hello = await eve.send("/start", expect=None)
        for rest in ("", "x", f"a:{nadia}", f"rm:{nadia}", "1:2:3", "all:0"):
            data = f"{namespace}:{rest}"
            result = await emu.press_data(eve.uid, hello.message_id, data)
            assert result.answered and result.show_alert, data
            assert result.text == fr.plain(STAFF_ONLY), data
    assert await bot.core.db.fetchall("SELECT * FROM audit_log") == audit_before
    assert await bot.core.staff.members() == [(nadia, "admin")]
