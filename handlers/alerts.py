"""`Mark handled` on an alert to staff: the first press wins, everyone else is told who."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.checkins.alert_view import HANDLED, NAMESPACE, already_handled, handled_text
from bot.checkins.alerts import AlreadyHandled, Gone, Handled, Outcome
from bot.runtime.callbacks import BadCallback, decode, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.people import local_zone
from bot.runtime.replies import Edit, Response, Toast, stale
from handlers.base import Context, Deps, Turn, respond, staff_only, turn


def _response(deps: Deps, now: Turn, outcome: Outcome, message_id: int | None) -> Response:
    """The pressed alert shown as handled (by her, or by whom), or a stale toast."""
    if isinstance(outcome, Gone):
        return Response(toast=stale(now.t))
    zone = local_zone(now.person, deps.core.settings.timezone)
    mine = isinstance(outcome, Handled)
    by = outcome.by if isinstance(outcome, AlreadyHandled) else None
    response = Response(toast=Toast() if mine else Toast(already_handled(now.t, by), alert=True))
    if message_id is not None:
        text = handled_text(now.t, outcome.facts, zone, mine, by)
        response.replies.append(Edit(now.chat_id, message_id, text))
    return response


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds the `Mark handled` button of alerts (staff only)."""
    core = deps.core

    async def press(update: Update, context: Context) -> None:
        """Marks the alert in the data handled by her, or says who handled it first."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        message_id = query.message.message_id if isinstance(query.message, Message) else None
        try:
            action, field = decode(query.data, NAMESPACE, 2)
            alert_id = to_int(field)
        except BadCallback:
            action, alert_id = "", 0
        outcome: Outcome
        if action != HANDLED:
            outcome = Gone()
        else:
            try:
                outcome = await core.alerts.handle(now.person.user_id, alert_id, now.update_id)
            except DuplicateUpdate:  # handled again after a crash: show where it stands
                outcome = await core.alerts.outcome(now.person.user_id, alert_id)
        await respond(deps, update, _response(deps, now, outcome, message_id))

    app.add_handler(CallbackQueryHandler(staff_only(deps, press), pattern=f"^{NAMESPACE}:"))
