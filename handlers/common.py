"""Commands for everyone: /help, /language, /status, /cancel, unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.common.help_view import CONTRACT, CONTRACT_STAFF, help_text
from bot.common.status_view import status_text
from bot.runtime.callbacks import BadCallback, decode, encode
from bot.runtime.keyboards import checklist
from bot.runtime.replies import Button, Edit, Reply, Response, Send, stale
from handlers import menu, onboarding
from handlers.base import Context, Deps, respond, turn

LANGUAGE_NAMESPACE = "lang"


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds the commands everyone can use."""
    core = deps.core

    async def show_help(update: Update, context: Context) -> None:
        """Lists what the person can do (and the staff commands for staff)."""
        now = await turn(deps, update)
        staff = await core.staff.is_staff(now.person.user_id)
        await respond(deps, update, Response.text(now.chat_id, help_text(now.t, staff)))

    async def show_status(update: Update, context: Context) -> None:
        """Tells the person where her application stands."""
        now = await turn(deps, update)
        await respond(
            deps, update, Response.text(now.chat_id, await status_text(core, now.t, now.person))
        )

    async def cancel(update: Update, context: Context) -> None:
        """Stops the current flow and keeps every answer given so far."""
        now = await turn(deps, update)
        stopped = await core.onboarding.pause(now.person.user_id)
        stopped = await core.cancel_inputs(now.person.user_id) or stopped
        if stopped:
            text = now.t("Stopped. Your answers are kept: send /start to continue later.")
        else:
            text = now.t("There is nothing to stop right now.")
        await respond(deps, update, Response.text(now.chat_id, text))

    async def choose_language(update: Update, context: Context) -> None:
        """Offers the available languages, each named in itself."""
        now = await turn(deps, update)
        buttons = checklist(
            [
                Button(now.t.language_name(code), encode(LANGUAGE_NAMESPACE, code))
                for code in core.catalogs.languages
            ],
            {encode(LANGUAGE_NAMESPACE, now.person.language)},
        )
        response = Response()
        response.send(now.chat_id, now.t("Choose your language:"), buttons)
        await respond(deps, update, response)

    async def set_language(update: Update, context: Context) -> None:
        """Switches the language and asks the current question again in it."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        try:
            (code,) = decode(query.data, LANGUAGE_NAMESPACE, 1)
        except BadCallback:
            code = ""
        if code not in core.catalogs.languages:
            await respond(deps, update, Response(toast=stale(now.t)))
            return
        await core.people.set_language(now.person.user_id, code)
        t = core.t(code)
        said = t("Language: {language}", language=t.language_name(code))
        if query.message is not None:
            first: list[Reply] = [Edit(now.chat_id, query.message.message_id, said)]
        else:
            first = [Send(now.chat_id, said)]
        await menu.set_for_person(update.get_bot(), core, now.person.user_id, code)
        await onboarding.resume(deps, update, now, t, first)

    async def unknown(update: Update, context: Context) -> None:
        """Answers a command no handler took: one not built yet, or one the bot does not know."""
        message = update.effective_message
        name = (message.text or "").split()[0][1:].split("@")[0].lower() if message else ""
        if name in menu.registered_commands(app):
            return
        now = await turn(deps, update)
        staff_command = name in CONTRACT_STAFF
        if staff_command and not await core.staff.is_staff(now.person.user_id):
            text = now.t("Sorry, this is for program staff only.")
        elif staff_command or name in CONTRACT:
            text = now.t("This part of Passerelle is not available yet.")
        else:
            text = now.t("I do not know that command. Send /help to see what I can do.")
        await respond(deps, update, Response.text(now.chat_id, text))

    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("help", show_help, private))
    app.add_handler(CommandHandler("status", show_status, private))
    app.add_handler(CommandHandler("cancel", cancel, private))
    app.add_handler(CommandHandler("language", choose_language, private))
    app.add_handler(CallbackQueryHandler(set_language, pattern=f"^{LANGUAGE_NAMESPACE}:"))
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown), group=2)
