"""/privacy, /mydata, /delete, the admins' /erase, and asking again for consent."""

from __future__ import annotations

import contextlib
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    TypeHandler,
    filters,
)

from bot.privacy.service import Reason, document_json
from bot.privacy.view import (
    AGREE,
    DELETE,
    ERASE,
    ERASED_TEXT,
    KEEP,
    NAMESPACE,
    REFUSE,
    SPARE,
    delete_question,
    erase_question,
    fresh,
    privacy_text,
    reconsent,
    retention_text,
)
from bot.runtime.arguments import not_a_reference, parse_reference
from bot.runtime.callbacks import BadCallback, decode, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.people import local_zone
from bot.runtime.replies import Edit, Reply, Response, Send, SendDocument, Toast, stale
from bot.staff.service import ADMIN
from handlers import onboarding
from handlers.base import Context, Deps, Turn, respond, staff_only, turn

# What someone asked to consent again may still do meanwhile: read the notice, get or erase
# her data, and answer the question itself.
OPEN_COMMANDS = frozenset({"privacy", "mydata", "delete", "help"})
# Before every other group: in a group only the first matching handler runs, and the gate
# matches every update (it lets them through unless consent is owed).
GATE_GROUP = -10


def _command(update: Update) -> str | None:
    message = update.effective_message
    text = message.text if message is not None else None
    if not text or not text.startswith("/"):
        return None
    return text.split()[0][1:].split("@")[0].lower()


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds the privacy commands, their buttons, and the consent gate before every handler."""
    core = deps.core

    async def gate(update: Update, context: Context) -> None:
        """Asks again for consent, before anything else, when the privacy texts changed."""
        user = update.effective_user
        if user is None or not await core.privacy.needs_consent(user.id):
            return
        query = update.callback_query
        if query is not None and (query.data or "").startswith(f"{NAMESPACE}:"):
            return
        if _command(update) in OPEN_COMMANDS:
            return
        now = await turn(deps, update)
        response = Response(toast=Toast() if query is not None else None)
        response.send(now.chat_id, *reconsent(now.t, core.settings))
        await respond(deps, update, response)
        raise ApplicationHandlerStop

    async def show_notice(update: Update, context: Context) -> None:
        """Shows what is kept, why, who sees it, for how long, and whom to ask."""
        now = await turn(deps, update)
        text = privacy_text(now.t, core.settings)
        if await core.staff.is_staff(now.person.user_id):
            zone = local_zone(now.person, core.settings.timezone)
            text += "\n\n" + retention_text(now.t, await core.privacy.due(), zone)
        await respond(deps, update, Response.text(now.chat_id, text))

    async def my_data(update: Update, context: Context) -> None:
        """Sends everything stored about her as a JSON document (the request is audited)."""
        now = await turn(deps, update)
        try:
            document = await core.privacy.document(now.person.user_id, now.update_id)
        except DuplicateUpdate:  # handled again after a crash: the same document again
            document = await core.privacy.document(now.person.user_id, None)
        zone = ZoneInfo(local_zone(now.person, core.settings.timezone))
        name = f"my-data-{core.clock.now().astimezone(zone):%Y-%m-%d}.json"
        caption = now.t("Everything Passerelle keeps about you, as of now.")
        document_reply = SendDocument(now.chat_id, name, document_json(document), caption)
        await respond(deps, update, Response(replies=[document_reply]))

    async def delete(update: Update, context: Context) -> None:
        """Asks whether to erase everything kept about her."""
        now = await turn(deps, update)
        response = Response()
        if await core.staff.is_staff(now.person.user_id):
            response.send(
                now.chat_id,
                now.t(
                    "You are program staff: an admin must first remove your staff role"
                    " (/staff), then you can erase your data."
                ),
            )
        else:
            response.send(now.chat_id, *delete_question(now.t, core.clock.now()))
        await respond(deps, update, response)

    async def erase(update: Update, context: Context) -> None:
        """An admin erases a person's data on her request, after confirming."""
        now = await turn(deps, update)
        response = Response()
        args = context.args or []
        reference = parse_reference(args[0]) if len(args) == 1 else None
        if await core.staff.role(now.person.user_id) != ADMIN:
            response.send(now.chat_id, now.t("Only admins can erase someone's data."))
        elif reference is None:
            usage = now.t("/erase @person — erase her data on her request (a user id or @username)")
            shown = not_a_reference(now.t, args[0]) + "\n\n" if len(args) == 1 else ""
            response.send(now.chat_id, shown + usage)
        else:
            person = await core.people.find(reference)
            if person is None:
                response.send(
                    now.chat_id, now.t("Nothing is kept about {who}.", who=str(reference))
                )
            elif await core.staff.is_staff(person.user_id):
                response.send(
                    now.chat_id,
                    now.t("That is a staff member: remove her staff role first (/staff)."),
                )
            else:
                response.send(now.chat_id, *erase_question(now.t, person, core.clock.now()))
        await respond(deps, update, response)

    async def press(update: Update, context: Context) -> None:
        """Applies a privacy button: consent again, Delete / Keep, Erase / Keep."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        data = query.data or ""
        action = data.split(":")[1] if data.count(":") >= 1 else ""
        try:
            if action == AGREE:
                decode(data, NAMESPACE, 1)
                await agree(update, now)
                return
            if action == REFUSE:
                decode(data, NAMESPACE, 1)
                response = await erase_self(now, Reason.CONSENT_REFUSED, None)
            elif action == DELETE:
                _, issued = decode(data, NAMESPACE, 2)
                response = await erase_self(now, Reason.REQUEST, to_int(issued))
            elif action in (KEEP, SPARE):
                decode(data, NAMESPACE, 1)
                response = Response(toast=Toast())
                response.send(now.chat_id, now.t("Nothing was erased."))
            elif action == ERASE:
                _, target, issued = decode(data, NAMESPACE, 3)
                response = await erase_other(now, to_int(target), to_int(issued))
            else:
                raise BadCallback(data)
        except BadCallback:
            response = Response(toast=stale(now.t))
        if query.message is not None and response.replies and response.toast is not None:
            first = response.replies[0]
            if isinstance(first, Send | Edit) and first.chat_id == now.chat_id:
                response.replies[0] = Edit(now.chat_id, query.message.message_id, first.text)
        await respond(deps, update, response)

    async def agree(update: Update, now: Turn) -> None:
        """Records her agreement, then asks her current question again."""
        if await core.privacy.needs_consent(now.person.user_id):
            with contextlib.suppress(DuplicateUpdate):  # handled again after a crash
                await core.privacy.consent(now.person.user_id, now.update_id)
        thanks = now.t("Thank you: your agreement is recorded.")
        query = update.callback_query
        message = query.message if query is not None else None
        first: list[Reply] = [
            Edit(now.chat_id, message.message_id, thanks)
            if message is not None
            else Send(now.chat_id, thanks)
        ]
        await onboarding.resume(deps, update, now, now.t, first)

    async def erase_self(now: Turn, reason: Reason, issued: int | None) -> Response:
        response = Response(toast=Toast())
        if issued is not None and not fresh(issued, core.clock.now()):
            response.toast = Toast(
                now.t.plain("This button has expired: send /delete again."), alert=True
            )
            return response
        if await core.staff.is_staff(now.person.user_id):
            response.toast = stale(now.t)
            return response
        with contextlib.suppress(DuplicateUpdate):  # handled again after a crash: erased
            await core.privacy.erase(now.person.user_id, reason, now.person.user_id, now.update_id)
        response.send(now.chat_id, now.t(ERASED_TEXT))
        return response

    async def erase_other(now: Turn, target: int, issued: int) -> Response:
        response = Response(toast=Toast())
        if await core.staff.role(now.person.user_id) != ADMIN:
            response.toast = Toast(now.t.plain("Only admins can erase someone's data."), True)
            return response
        if not fresh(issued, core.clock.now()):
            response.toast = Toast(
                now.t.plain("This button has expired: send /erase again."), alert=True
            )
            return response
        if await core.staff.is_staff(target) or not await core.privacy.exists(target):
            response.send(now.chat_id, now.t("Nothing to erase: it was already done."))
            return response
        with contextlib.suppress(DuplicateUpdate):  # handled again after a crash: erased
            await core.privacy.erase(target, Reason.STAFF, now.person.user_id, now.update_id)
        response.send(now.chat_id, now.t("Erased. Only anonymous counts remain."))
        return response

    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)
    app.add_handler(CommandHandler("privacy", show_notice, private))
    app.add_handler(CommandHandler("mydata", my_data, private))
    app.add_handler(CommandHandler("delete", delete, private))
    app.add_handler(CommandHandler("erase", staff_only(deps, erase), private))
    app.add_handler(CallbackQueryHandler(press, pattern=f"^{NAMESPACE}:"))
