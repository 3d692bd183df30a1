"""Check-ins in the chat: /checkin, the staff's /checkins_now, the check-in's buttons, and
typed answers while a check-in is open (they go to it, not to the questionnaire)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.checkins import view
from bot.checkins.store import OPEN, Checkin, UnknownCohort
from bot.cohorts.view import unknown_cohort
from bot.runtime.callbacks import BadCallback
from bot.runtime.db import DuplicateUpdate
from bot.runtime.replies import Reply, Response, Send, Toast, stale
from dialogs.runner_types import Begin, Event, Transition
from handlers.base import Context, Deps, Turn, respond, staff_only, turn
from handlers.cohorts import named_cohort

TEXT_GROUP = 0  # before the questionnaire's typed answers (group 1), after staff inputs


async def show(
    deps: Deps,
    update: Update,
    now: Turn,
    checkin: Checkin,
    transition: Transition,
    pressed: int | None = None,
    before: Sequence[Reply] = (),
) -> None:
    """Sends what the check-in shows after an event, closes the answered question in place,
    and records the message that now shows the current question's buttons."""
    core = deps.core
    name = await core.checkins.other_name(checkin.pair_id, checkin.user_id)
    shown = view.render(
        now.t,
        core.checkin_form,
        now.chat_id,
        checkin.id,
        name,
        checkin.state,
        transition,
        checkin.asked,
        pressed,
    )
    replies = [*before, *shown.replies]
    messages = await respond(deps, update, Response(replies, shown.toast, shown.tidy))
    if shown.asking is None:
        return
    message = messages[len(before) + shown.asking]
    if message is None:
        return
    asked = view.Asked(message.message_id, shown.asked_as)
    if asked != checkin.asked:
        await core.checkins.record_asked(checkin.id, transition.state.round, asked)


async def _advance(
    deps: Deps,
    update: Update,
    now: Turn,
    checkin: Checkin,
    event: Event,
    pressed: int | None = None,
) -> None:
    core = deps.core
    try:
        transition = await core.checkins.handle(checkin, event, now.update_id)
    except DuplicateUpdate:  # applied before a crash: show where she is, change nothing
        fresh = await core.checkins.get(checkin.id)
        if fresh is None or fresh.status != OPEN:
            await respond(deps, update, Response(toast=Toast()))
            return
        checkin, transition = fresh, await core.checkins.handle(fresh, Begin(), None)
    await show(deps, update, now, checkin, transition, pressed)


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds /checkin, /checkins_now, the check-in buttons and typed check-in answers."""
    core = deps.core

    async def checkin(update: Update, context: Context) -> None:
        """Shows her open check-in where she was, or starts one about her pair now."""
        now = await turn(deps, update)
        user_id = now.person.user_id
        try:
            record = await core.checkins.ask(user_id, now.update_id)
        except DuplicateUpdate:
            record = await core.checkins.current(user_id)
        if record is None:
            await respond(deps, update, Response.text(now.chat_id, view.not_participant(now.t)))
            return
        transition = await core.checkins.handle(record, Begin(), None)
        await show(deps, update, now, record, transition)

    async def checkins_now(update: Update, context: Context) -> None:
        """Starts a check-in round now for every active pair (or one cohort's members)."""
        now = await turn(deps, update)
        found, cohort = await named_cohort(deps, now, update, context.args or [])
        if not found:
            return
        code = cohort.code if cohort is not None else None
        try:
            result = await core.checkins.start_round(code, now.update_id)
        except DuplicateUpdate:
            text = now.t("This check-in round was already started.")
            await respond(deps, update, Response.text(now.chat_id, text))
            return
        if isinstance(result, UnknownCohort):  # removed since it was read
            text = unknown_cohort(now.t, result.code, await core.cohorts.known())
        else:
            text = view.round_started(now.t, result.started, result.already_open)
        await respond(deps, update, Response([Send(now.chat_id, text)]))

    async def press(update: Update, context: Context) -> None:
        """Applies a check-in button, after checking the check-in is hers and still open."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        record: Checkin | None = None
        try:
            checkin_id, event = view.parse(query.data)
            record = await core.checkins.get(checkin_id)
        except BadCallback:
            record = None
        if record is None or record.user_id != now.person.user_id or record.status != OPEN:
            await respond(deps, update, Response(toast=stale(now.t)))
            return
        message_id = query.message.message_id if query.message else None
        await _advance(deps, update, now, record, event, message_id)

    async def typed(update: Update, context: Context) -> None:
        """A message while a check-in is open answers it (a button's label counts as its
        press); otherwise it goes on to the other handlers."""
        user = update.effective_user
        if user is None:
            return
        record = await core.checkins.current(user.id)
        if record is None:
            return
        now = await turn(deps, update)
        message = update.effective_message
        text = message.text if message is not None and message.text is not None else ""
        event = view.typed(now.t, core.checkin_form, record.id, record.state, text)
        await _advance(deps, update, now, record, event)
        raise ApplicationHandlerStop

    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("checkin", checkin, private))
    app.add_handler(CommandHandler("checkins_now", staff_only(deps, checkins_now), private))
    app.add_handler(CallbackQueryHandler(press, pattern=f"^{view.NAMESPACE}:"))
    app.add_handler(MessageHandler(private & ~filters.COMMAND, typed), group=TEXT_GROUP)
