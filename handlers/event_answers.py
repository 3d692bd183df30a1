"""Going / Not going: a recipient answers the event an announcement carried."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.broadcasts.announcement import ANSWER, answer_keyboard, answered, recipient_messages
from bot.broadcasts.model import Broadcast
from bot.broadcasts.service import OK, OVER
from bot.runtime.callbacks import BadCallback, decode, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.people import local_zone
from bot.runtime.replies import Edit, Reply, Response, Send, Toast, fit, stale
from handlers.base import Context, Deps, Turn, respond, turn


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds the Going / Not going buttons."""
    core = deps.core

    async def answer(update: Update, context: Context) -> None:
        """Going / Not going, pressed by a recipient of an event."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        try:
            fields = decode(query.data, ANSWER, 2)
            broadcast_id, going = to_int(fields[0]), fields[1] == "1"
            if fields[1] not in ("0", "1"):
                raise BadCallback(fields[1])
        except BadCallback:
            await respond(deps, update, Response(toast=stale(now.t)))
            return
        try:
            outcome = await core.broadcasts.answer(
                now.person.user_id, broadcast_id, going, now.update_id
            )
        except DuplicateUpdate:
            outcome = OK
        broadcast = await core.broadcasts.find(broadcast_id)
        if broadcast is None or broadcast.event is None:
            response = Response(toast=stale(now.t))
        elif outcome == OVER:
            response = Response(toast=Toast(now.t.plain("This event is over.")))
        elif outcome != OK:
            preview_only = Toast(now.t.plain("This is a preview: recipients answer here."))
            staff = await core.staff.is_staff(now.person.user_id)
            response = Response(toast=preview_only if staff else stale(now.t))
        else:
            response = Response(toast=Toast(answered(now.t, going)))
            shown = query.message.message_id if isinstance(query.message, Message) else None
            if shown is not None:
                response.replies += await answered_message(now, broadcast, shown)
        await respond(deps, update, response)

    async def answered_message(now: Turn, broadcast: Broadcast, shown: int) -> list[Reply]:
        """Her event message again, with her answer marked on its buttons."""
        answer_now = await core.broadcasts.answer_of(now.person.user_id, broadcast.id)
        stamp = broadcast.started_at or core.clock.now()
        messages = recipient_messages(
            now.t,
            broadcast,
            now.person.language,
            now.chat_id,
            local_zone(now.person, core.settings.timezone),
            stamp,
            answer_now,
        )
        for message in messages:
            if isinstance(message, Send) and message.keyboard:
                last = fit(message)[-1]
                assert isinstance(last, Send)
                keyboard = answer_keyboard(now.t, broadcast.id, answer_now)
                return [Edit(now.chat_id, shown, last.text, keyboard)]
        return []

    app.add_handler(CallbackQueryHandler(answer, pattern=f"^{ANSWER}:"))
