"""/review: staff see pending applications one by one and approve or reject them."""

from __future__ import annotations

import re
from dataclasses import replace

from telegram import Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.onboarding.service import PENDING
from bot.onboarding.service import Application as Record
from bot.review.service import REASON_INPUT, REASON_LIMIT, Decision
from bot.review.view import (
    APPROVE,
    CANCEL,
    NEXT,
    REJECT,
    REVIEW,
    SKIP,
    already_decided,
    approved_text,
    decision_line,
    not_sent,
    nothing_pending,
    reason_prompt,
    rejected_text,
    review_card,
)
from bot.runtime.callbacks import BadCallback, decode, encode, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.i18n import escape
from bot.runtime.inputs import LIFETIME_MINUTES, PendingInput
from bot.runtime.people import local_zone
from bot.runtime.replies import Edit, Reply, Response, Send, Toast, stale
from handlers.base import Context, Deps, Turn, respond, staff_input, staff_only, turn

# Before the rejection reason (group -1) and every other handler (group 0).
INTERRUPT_GROUP = -2
CANCEL_COMMAND = re.compile(r"/cancel(@\w+)?(\s|$)")


def _zone(deps: Deps, now: Turn) -> str:
    """The time zone in which this staff member reads dates."""
    return local_zone(now.person, deps.core.settings.timezone)


async def _name(deps: Deps, user_id: int | None) -> str:
    person = await deps.core.people.get(user_id) if user_id is not None else None
    return person.display_name if person else f"#{user_id}"


async def _card(deps: Deps, now: Turn, record: Record | None) -> Send:
    """The review card of an application, or the 'nothing pending' line."""
    core = deps.core
    person = await core.people.get(record.user_id) if record else None
    if record is None or person is None:
        return Send(now.chat_id, nothing_pending(now.t))
    waiting = await core.review.waiting()
    text, keyboard = review_card(now.t, core.form, person, record, waiting, _zone(deps, now))
    return Send(now.chat_id, text, keyboard)


async def _closed_card(deps: Deps, now: Turn, user_id: int, message_id: int) -> Edit | None:
    """The card of a decided application, re-rendered with the decision and no buttons."""
    core = deps.core
    record = await core.onboarding.get(user_id)
    person = await core.people.get(user_id)
    if record is None or person is None:
        return None
    text, _ = review_card(now.t, core.form, person, record, None, _zone(deps, now))
    by = await _name(deps, (await core.review.current(user_id)).decided_by)
    line = decision_line(now.t, record.status, by, record.decision_note)
    return Edit(now.chat_id, message_id, f"{text}\n\n{line}")


async def _restored_card(deps: Deps, now: Turn, pending: PendingInput) -> list[Reply]:
    """The review card whose reason prompt ended, shown again with its own buttons."""
    user_id, card_id = int(pending.payload["user_id"]), pending.payload.get("card")
    if card_id is None:
        return []
    record = await deps.core.onboarding.get(user_id)
    if record is None or record.status != PENDING:
        closed = await _closed_card(deps, now, user_id, int(card_id))
        return [closed] if closed is not None else []
    card = await _card(deps, now, record)
    return [Edit(now.chat_id, int(card_id), card.text, card.keyboard)]


async def _decide(
    deps: Deps,
    now: Turn,
    user_id: int,
    approve: bool,
    note: str | None,
    card_id: int | None,
) -> Response:
    """Applies a decision once, tells the candidate in her language, then shows the next card.

    The candidate's notice is committed with the decision. When the update is handled again
    after a crash (its decision already committed), the staff member is shown where things
    stand instead.
    """
    core = deps.core
    t = core.t(await core.people.language_of(user_id))

    async def tell(decision: Decision) -> list[Send]:
        told = approved_text(t) if approve else rejected_text(t, decision.note)
        return [Send(user_id, told)]

    try:
        decision = await core.review.decide(
            now.person.user_id, user_id, approve, note, now.update_id, tell
        )
    except DuplicateUpdate:
        decision = await core.review.current(user_id)
        if decision.decided_by == now.person.user_id and decision.status != PENDING:
            decision = replace(decision, applied=True)
    if not decision.applied:
        notice = already_decided(now.t, decision.status, await _name(deps, decision.decided_by))
        response = Response(toast=Toast(notice, alert=True))
        response.send(now.chat_id, escape(notice))  # the notice is plain text, sent as HTML
        return response
    response = Response(toast=Toast())
    if card_id is not None:
        closed = await _closed_card(deps, now, user_id, card_id)
        if closed is not None:
            response.replies.append(closed)
    response.replies.append(await _card(deps, now, await core.review.oldest()))
    return response


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds /review, its buttons and the typed rejection reason."""
    core = deps.core

    async def end_input(update: Update, context: Context) -> None:
        """Ends an awaited free-text input when the person turns to a command or another button.

        Runs before every other handler and lets the update through. /cancel ends inputs itself
        (and says so); the prompt's own buttons (Skip, Cancel) keep it.
        """
        user = update.effective_user
        if user is None:
            return
        query = update.callback_query
        message = update.effective_message
        if query is None and message is not None and CANCEL_COMMAND.match(message.text or ""):
            return
        ended = await core.inputs.interrupt(user.id, query.data if query else None)
        if ended is not None and ended.kind == REASON_INPUT:
            now = await turn(deps, update)
            await deps.sender.deliver(await _restored_card(deps, now, ended))

    async def review(update: Update, context: Context) -> None:
        """Shows the oldest application waiting for review."""
        now = await turn(deps, update)
        response = Response()
        response.replies.append(await _card(deps, now, await core.review.oldest()))
        await respond(deps, update, response)

    async def press(update: Update, context: Context) -> None:
        """Approve, Reject, Next, Skip (the reason) or Cancel, for the application in the data."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        message_id = query.message.message_id if isinstance(query.message, Message) else None
        try:
            action, field = decode(query.data, REVIEW, 2)
            user_id = to_int(field)
        except BadCallback:
            action, user_id = "", 0
        if action == APPROVE:
            response = await _decide(deps, now, user_id, True, None, message_id)
        elif action == REJECT:
            response = await _ask_reason(now, user_id, message_id)
        elif action == SKIP:
            response = await _skip(now, user_id, message_id)
        elif action == CANCEL:
            response = await _cancel(now, user_id, message_id)
        elif action == NEXT:
            response = await _next(now, user_id)
        else:
            response = Response(toast=stale(now.t))
        await respond(deps, update, response)

    async def _ask_reason(now: Turn, user_id: int, card_id: int | None) -> Response:
        decision = await core.review.current(user_id)
        if decision.status != PENDING:
            by = await _name(deps, decision.decided_by)
            return Response(toast=Toast(already_decided(now.t, decision.status, by), alert=True))
        record = await core.onboarding.get(user_id)
        person = await core.people.get(user_id)
        if record is None or person is None:
            return Response(toast=Toast(already_decided(now.t, None, ""), alert=True))
        own = (encode(REVIEW, SKIP, user_id), encode(REVIEW, CANCEL, user_id))
        await core.inputs.expect(
            now.person.user_id, REASON_INPUT, {"user_id": user_id, "card": card_id}, own
        )
        card, _ = review_card(now.t, core.form, person, record, None, _zone(deps, now))
        prompt, keyboard = reason_prompt(now.t, person)
        response = Response(toast=Toast())
        text = f"{card}\n\n{prompt}"
        if card_id is None:
            response.send(now.chat_id, text, keyboard)
        else:
            response.replies.append(Edit(now.chat_id, card_id, text, keyboard))
        return response

    async def _skip(now: Turn, user_id: int, card_id: int | None) -> Response:
        """Rejects without a reason, if the reason prompt is still open."""
        pending = await core.inputs.get(now.person.user_id)
        if (
            pending is not None
            and pending.kind == REASON_INPUT
            and not pending.expired
            and pending.payload.get("user_id") == user_id
        ):
            return await _decide(deps, now, user_id, False, None, card_id)
        if pending is not None and pending.kind == REASON_INPUT:
            await core.cancel_inputs(now.person.user_id)
        response = Response(toast=Toast(not_sent(now.t, LIFETIME_MINUTES), alert=True))
        prompt = PendingInput(REASON_INPUT, {"user_id": user_id, "card": card_id})
        response.replies.extend(await _restored_card(deps, now, prompt))
        return response

    async def _cancel(now: Turn, user_id: int, card_id: int | None) -> Response:
        pending = await core.inputs.get(now.person.user_id)
        if pending is not None and pending.kind == REASON_INPUT:
            await core.cancel_inputs(now.person.user_id)
        response = Response(toast=Toast(now.t.plain("Cancelled.")))
        record = await core.onboarding.get(user_id)
        if card_id is not None and record is not None and record.status == PENDING:
            card = await _card(deps, now, record)
            response.replies.append(Edit(now.chat_id, card_id, card.text, card.keyboard))
        return response

    async def _next(now: Turn, user_id: int) -> Response:
        following = await core.review.after(user_id)
        if following is None and (await core.review.current(user_id)).status == PENDING:
            return Response(
                toast=Toast(now.t.plain("This is the only application waiting for review."))
            )
        response = Response(toast=Toast())
        response.replies.append(await _card(deps, now, following))
        return response

    async def reason(update: Update, context: Context) -> None:
        """Takes the typed reason for a rejection, when the staff member was asked for one."""
        message = update.effective_message
        asked = await staff_input(deps, update, (REASON_INPUT,))
        if asked is None or message is None or message.text is None:
            return
        now, pending = asked
        if pending.expired:
            await core.cancel_inputs(now.person.user_id)
            response = Response(await _restored_card(deps, now, pending))
            response.send(now.chat_id, not_sent(now.t, LIFETIME_MINUTES))
        elif len(message.text) > REASON_LIMIT:
            response = Response()
            response.send(
                now.chat_id,
                now.t(
                    "Please keep the reason under {limit} characters.",
                    limit=now.t.number(REASON_LIMIT),
                ),
            )
        else:
            response = await _decide(
                deps,
                now,
                int(pending.payload["user_id"]),
                False,
                message.text,
                pending.payload.get("card"),
            )
        await respond(deps, update, response)
        raise ApplicationHandlerStop

    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(filters.COMMAND, end_input), group=INTERRUPT_GROUP)
    app.add_handler(CallbackQueryHandler(end_input), group=INTERRUPT_GROUP)
    app.add_handler(CommandHandler("review", staff_only(deps, review), private))
    app.add_handler(CallbackQueryHandler(staff_only(deps, press), pattern=f"^{REVIEW}:"))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, reason), group=-1)
