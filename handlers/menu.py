"""The command menu: setMyCommands per language, and per chat for staff and chosen languages."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler

from bot.common.help_view import commands
from bot.core import Core

log = logging.getLogger(__name__)
STAFF_CHATS_AT_ONCE = 5  # at start, each one's menus set together (one call per language)


def registered_commands(app: Application) -> set[str]:  # type: ignore[type-arg]
    """Every command some handler answers."""
    return {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }


def _bot_commands(core: Core, language: str, staff: bool) -> list[BotCommand]:
    return [BotCommand(name, text) for name, text in commands(core.t(language), staff)]


async def set_all(bot: Bot, core: Core) -> None:
    """Registers the menu in every language, and the staff menu in each staff chat.

    The calls go out together, a few staff chats at a time (each call sets a different scope
    or language, so their order does not matter): one after another they held every start for
    as many round trips."""
    scope = BotCommandScopeDefault()
    staff = [
        (user_id, await core.people.language_of(user_id))
        for user_id, _role in await core.staff.members()
    ]
    chats_at_once = asyncio.Semaphore(STAFF_CHATS_AT_ONCE)

    async def staff_menu(user_id: int, language: str) -> None:
        async with chats_at_once:
            await set_for_person(bot, core, user_id, language)

    await asyncio.gather(
        bot.set_my_commands(_bot_commands(core, core.settings.default_language, False), scope),
        *(
            bot.set_my_commands(_bot_commands(core, language, False), scope, language_code=language)
            for language in core.catalogs.languages
        ),
        *(staff_menu(user_id, language) for user_id, language in staff),
    )


async def set_for_person(bot: Bot, core: Core, user_id: int, language: str) -> None:
    """Sets one person's menu in her chosen language (with staff commands for staff)."""
    staff = await core.staff.is_staff(user_id)
    person = await core.people.get(user_id)
    if not staff and person is None:
        return
    try:
        await bot.set_my_commands(
            _bot_commands(core, language, staff), BotCommandScopeChat(user_id)
        )
        if staff:
            await asyncio.gather(
                *(
                    bot.set_my_commands(
                        _bot_commands(core, code if person is None else language, True),
                        BotCommandScopeChat(user_id),
                        language_code=code,
                    )
                    for code in core.catalogs.languages
                )
            )
    except TelegramError as error:
        log.info("could not set the menu of chat %s: %s", user_id, error)


async def drop_staff(bot: Bot, core: Core, user_id: int, language: str) -> None:
    """Removes the staff commands from the menu of someone who is no longer staff."""
    try:
        for code in core.catalogs.languages:
            await bot.delete_my_commands(BotCommandScopeChat(user_id), language_code=code)
    except TelegramError as error:
        log.info("could not reset the menu of chat %s: %s", user_id, error)
    await set_for_person(bot, core, user_id, language)
