"""The application questionnaire: /start, typed answers and the questionnaire's buttons."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.cohorts.service import valid_code
from bot.cohorts.store import Cohort
from bot.cohorts.view import already_applied, joining, unknown_link
from bot.common.help_view import help_text
from bot.common.status_view import status_text
from bot.onboarding.render import Her, render
from bot.onboarding.service import IN_PROGRESS, Asked, AskedAs
from bot.onboarding.service import Application as Record
from bot.onboarding.view import NAMESPACE, typed
from bot.review.view import completed_notice
from bot.runtime.callbacks import BadCallback, decode, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.i18n import Translator
from bot.runtime.replies import Edit, Reply, Response, Send, Toast, stale
from dialogs.runner_types import Begin, Event, Press, Transition
from handlers.base import Context, Deps, Turn, respond, turn
from handlers.staff import accept_invite


def _in(record: Record, cohort: Cohort) -> bool:
    """Whether her application is in this cohort."""
    return (record.cohort or "").lower() == cohort.code.lower()


async def _advance(
    deps: Deps,
    update: Update,
    now: Turn,
    record: Record,
    event: Event,
    pressed: int | None = None,
    greet: AskedAs = AskedAs.QUESTION,
    before: Sequence[Reply] = (),
) -> None:
    """Advances the questionnaire by one event (committed first) and shows the result
    (after `before`)."""
    core = deps.core
    try:
        transition = await core.onboarding.handle(
            now.who, record, event, now.update_id, partial(_notify_admins, deps)
        )
    except DuplicateUpdate:  # applied before a crash: show where she is, change nothing
        fresh = await core.onboarding.get(now.person.user_id)
        if fresh is None or fresh.status != IN_PROGRESS:
            await respond(deps, update, Response(toast=Toast()))
            return
        record, transition = fresh, await core.onboarding.handle(now.who, fresh, Begin(), None)
    her = Her(now.chat_id, now.t, now.who.first_name)
    await show(deps, update, her, record, transition, pressed, before, greet)


async def show(
    deps: Deps,
    update: Update,
    her: Her,
    record: Record,
    transition: Transition,
    pressed: int | None = None,
    before: Sequence[Reply] = (),
    greet: AskedAs = AskedAs.QUESTION,
) -> None:
    """Sends what a step of the questionnaire shows (after `before`), and records the message
    that now shows the step's buttons, to close it once she answers."""
    shown = render(her, deps.core.form, record.state, transition, record.asked, pressed, greet)
    replies = [*before, *shown.replies]
    messages = await respond(deps, update, Response(replies, shown.toast, shown.tidy))
    if shown.asking is None:
        return
    index = len(before) + shown.asking
    reply, message = replies[index], messages[index]
    message_id = reply.message_id if isinstance(reply, Edit) else message and message.message_id
    asked = Asked(message_id, shown.asked_as) if message_id else None
    if asked is not None and asked != record.asked:
        await deps.core.onboarding.record_asked(record.user_id, transition.state.round, asked)


async def resume(deps: Deps, update: Update, now: Turn, t: Translator, first: list[Reply]) -> None:
    """Sends `first`, then, if her questionnaire is running, its current step again (in `t`'s
    language), taking the buttons off the message that showed it."""
    record = await deps.core.onboarding.get(now.person.user_id)
    if record is None or record.status != IN_PROGRESS or not record.active:
        await respond(deps, update, Response(first))
        return
    transition = await deps.core.onboarding.handle(now.who, record, Begin(), None)
    her = Her(now.chat_id, t, now.who.first_name)
    await show(deps, update, her, record, transition, before=first)


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
        cohort = await core.cohorts.get(args[0]) if args and valid_code(args[0]) else None
        record = await core.onboarding.get(now.person.user_id)
        response = Response()
        if record is None and await core.staff.is_staff(now.person.user_id):
            greeting = now.t("Hello {name}! You are program staff.", name=now.who.first_name)
            response.send(now.chat_id, f"{greeting}\n\n{help_text(now.t, staff=True)}")
            await respond(deps, update, response)
            return
        if record is not None and record.status not in (IN_PROGRESS, "not_eligible"):
            if cohort is not None and not _in(record, cohort):
                response.send(now.chat_id, already_applied(now.t, cohort.name))
            response.send(now.chat_id, await status_text(core, now.t, now.person))
            await respond(deps, update, response)
            return
        code = cohort.code if cohort is not None else None
        try:
            record, new = await core.onboarding.begin(now.person, code, now.update_id)
        except DuplicateUpdate:
            record = await core.onboarding.get(now.person.user_id)
            new = False
            if record is None:
                return
        greet = AskedAs.HELLO if new else AskedAs.WELCOME
        before = []
        if cohort is not None:
            note = joining(now.t, cohort.name) if _in(record, cohort) else None
            before.append(Send(now.chat_id, note or already_applied(now.t, cohort.name)))
        elif args:
            before.append(Send(now.chat_id, unknown_link(now.t)))
        await _advance(deps, update, now, record, Begin(), greet=greet, before=before)

    async def answer_text(update: Update, context: Context) -> None:
        """Takes a typed answer for the current step (a button's label counts as its press)."""
        now = await turn(deps, update)
        record = await core.onboarding.get(now.person.user_id)
        message = update.effective_message
        text = message.text if message and message.text is not None else ""
        if record is not None and record.status == IN_PROGRESS and record.active:
            event = typed(now.t, core.form, record.state, text)
            await _advance(deps, update, now, record, event)
            return
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
        else:
            response.send(
                now.chat_id, now.t("Your application is paused. Send /start to continue it.")
            )
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
        await _advance(deps, update, now, record, event, message_id)

    app.add_handler(CommandHandler("start", start, filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(press, pattern=f"^{NAMESPACE}:"))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, answer_text), group=1
    )
