"""The application questionnaire: /start, typed answers and the questionnaire's buttons."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.common.help_view import help_text
from bot.common.status_view import status_text
from bot.onboarding.service import IN_PROGRESS
from bot.onboarding.service import Application as Record
from bot.onboarding.view import NAMESPACE, render, typed
from bot.review.view import completed_notice
from bot.runtime.callbacks import BadCallback, decode, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.replies import Reply, Response, Send, Toast, stale
from dialogs.runner_types import Begin, Event, Press
from handlers.base import Context, Deps, Turn, respond, turn
from handlers.staff import accept_invite

_COHORT = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


async def _advance(
    deps: Deps, now: Turn, record: Record, event: Event, message_id: int | None
) -> Response:
    """Advances the questionnaire by one event (committed first) and renders the replies."""
    core = deps.core
    try:
        transition = await core.onboarding.handle(
            now.who, record, event, now.update_id, partial(_notify_admins, deps)
        )
    except DuplicateUpdate:
        fresh = await core.onboarding.get(now.person.user_id)
        if fresh is None or fresh.status != IN_PROGRESS:
            return Response(toast=Toast())
        transition = await core.onboarding.handle(now.who, fresh, Begin(), None)
    replies, toast = render(
        now.t, core.form, now.chat_id, transition.outputs, transition.state.answers, message_id
    )
    return Response(replies=replies, toast=toast)


async def _notify_admins(deps: Deps, record: Record) -> list[Send]:
    """Tells every admin, in her own language, that an application was completed."""
    core = deps.core
    person = await core.people.get(record.user_id)
    if person is None:
        return []
    notices = []
    for admin in await core.staff.admins():
        t = core.t(await core.people.language_of(admin))
        notices.append(Send(admin, completed_notice(t, core.form, person, record)))
    return notices


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds the questionnaire's handlers."""
    core = deps.core

    async def start(update: Update, context: Context) -> None:
        """Starts, resumes or reports on the person's application."""
        now = await turn(deps, update)
        args = context.args or []
        if args and args[0].startswith("staff-"):
            await accept_invite(deps, update, now, args[0].removeprefix("staff-"))
            return
        cohort = args[0] if args and _COHORT.match(args[0]) else None
        record = await core.onboarding.get(now.person.user_id)
        response = Response()
        if record is None and await core.staff.is_staff(now.person.user_id):
            greeting = now.t("Hello {name}! You are program staff.", name=now.who.first_name)
            response.send(now.chat_id, f"{greeting}\n\n{help_text(now.t, staff=True)}")
            await respond(deps, update, response)
            return
        if record is not None and record.status not in (IN_PROGRESS, "not_eligible"):
            response.send(now.chat_id, await status_text(core, now.t, now.person))
            await respond(deps, update, response)
            return
        try:
            record, new = await core.onboarding.begin(now.person, cohort, now.update_id)
        except DuplicateUpdate:
            record = await core.onboarding.get(now.person.user_id)
            new = False
            if record is None:
                return
        if new:
            greeting = now.t("Hello {name}! 👋", name=now.who.first_name or "")
        else:
            greeting = now.t("Welcome back! Let's pick up where you left off.")
        resumed = await _advance(deps, now, record, Begin(), None)
        response.replies.extend(_prefixed(now.chat_id, greeting, resumed.replies))
        await respond(deps, update, response)

    async def answer_text(update: Update, context: Context) -> None:
        """Takes a typed answer for the current step (a button's label counts as its press)."""
        now = await turn(deps, update)
        record = await core.onboarding.get(now.person.user_id)
        message = update.effective_message
        text = message.text if message and message.text is not None else ""
        response = Response()
        if record is None:
            response.send(
                now.chat_id,
                now.t("Send /start to apply to the program, or /help to see what I can do."),
            )
        elif record.status != IN_PROGRESS:
            status = await status_text(core, now.t, now.person)
            more = now.t("Send /help to see what I can do.")
            response.send(now.chat_id, f"{status}\n\n{more}")
        elif not record.active:
            response.send(
                now.chat_id, now.t("Your application is paused. Send /start to continue it.")
            )
        else:
            event = typed(now.t, core.form, record.state, text)
            response = await _advance(deps, now, record, event, None)
        await respond(deps, update, response)

    async def press(update: Update, context: Context) -> None:
        """Applies a questionnaire button, after checking it belongs to the current step."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        record = await core.onboarding.get(now.person.user_id)
        try:
            round_, step, value = decode(query.data, NAMESPACE, 3)
            event = Press(to_int(round_), step, value)
        except BadCallback:
            record = None
        if record is None:
            await respond(deps, update, Response(toast=stale(now.t)))
            return
        message_id = query.message.message_id if query.message else None
        await respond(deps, update, await _advance(deps, now, record, event, message_id))

    app.add_handler(CommandHandler("start", start, filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(press, pattern=f"^{NAMESPACE}:"))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, answer_text), group=1
    )


def _prefixed(chat_id: int, text: str, replies: list[Reply]) -> list[Reply]:
    """Puts a greeting at the top of the first message, so it arrives as one message."""
    first = replies[0] if replies else None
    if isinstance(first, Send):
        return [replace(first, text=f"{text}\n\n{first.text}"), *replies[1:]]
    return [Send(chat_id, text), *replies]
