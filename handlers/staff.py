"""/staff: admins list, add, promote and remove staff, and make one-time invite links."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.runtime.arguments import Reference, not_a_reference, parse_reference
from bot.runtime.callbacks import BadCallback, decode, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.replies import Edit, Keyboard, Response, Send, Toast, stale
from bot.staff.service import (
    ADDED,
    ADMIN,
    CHANGED,
    CONFIGURED,
    JOINED,
    LAST_ADMIN,
    REMOVED,
    STAFF,
    UNKNOWN,
    USED,
    InviteResult,
)
from bot.staff.view import (
    DEMOTE,
    INVITE,
    KEEP,
    MYSELF,
    NAMESPACE,
    REMOVE,
    Member,
    admins_only,
    confirm_myself,
    goodbye,
    invite_refused,
    invite_text,
    joined_notice,
    kept,
    role_outcome,
    staff_list,
    unknown_person,
    usage,
    welcome,
)
from handlers import menu
from handlers.base import Context, Deps, Turn, respond, staff_only, turn


async def _member(deps: Deps, user_id: int, role: str | None = None) -> Member:
    core = deps.core
    person = await core.people.get(user_id)
    role = role or await core.staff.role(user_id) or STAFF
    return Member(
        user_id,
        role,
        person.display_name if person and person.first_name else None,
        person.username if person else None,
        user_id in core.staff.configured_admins,
    )


async def _listing(deps: Deps, now: Turn) -> tuple[str, Keyboard]:
    members = [await _member(deps, uid, role) for uid, role in await deps.core.staff.members()]
    return staff_list(now.t, members, now.person.user_id)


def _in_place(response: Response, chat_id: int, message_id: int) -> None:
    """Shows the first answer in place of the message whose button was pressed."""
    first = response.replies[0] if response.replies else None
    if isinstance(first, Send) and first.chat_id == chat_id:
        response.replies[0] = Edit(chat_id, message_id, first.text, first.keyboard)


async def _notice(deps: Deps, user_id: int, role: str | None) -> list[Send]:
    """Tells a person, in her language, about her new staff role (None: no longer staff)."""
    core = deps.core
    if await core.people.get(user_id) is None:
        return []
    t = core.t(await core.people.language_of(user_id))
    return [Send(user_id, welcome(t, role) if role else goodbye(t))]


async def _menu(deps: Deps, update: Update, user_id: int) -> None:
    """Gives a person the command menu that goes with her staff role (or none)."""
    core = deps.core
    language = await core.people.language_of(user_id)
    if await core.staff.role(user_id) is None:
        await menu.drop_staff(update.get_bot(), core, user_id, language)
    else:
        await menu.set_for_person(update.get_bot(), core, user_id, language)


async def accept_invite(deps: Deps, update: Update, now: Turn, code: str) -> None:
    """Makes the person staff if the invite code is valid and unused (each code works once)."""
    core = deps.core

    async def tell(result: InviteResult) -> list[Send]:
        if result.created_by is None or result.created_by == now.person.user_id:
            return []
        t = core.t(await core.people.language_of(result.created_by))
        who = now.who  # her names are stored only once she has joined: take Telegram's
        name = " ".join(part for part in (who.first_name, who.last_name) if part) or None
        member = Member(who.user_id, result.role or STAFF, name, who.username, False)
        return [Send(result.created_by, joined_notice(t, member))]

    try:
        result = await core.staff.accept(now.person.user_id, code, now.update_id, tell)
    except DuplicateUpdate:  # handled again after a crash: she joined, or it was refused
        role = await core.staff.role(now.person.user_id)
        result = InviteResult(JOINED, role) if role else InviteResult(UNKNOWN)
    response = Response()
    if result.outcome != JOINED:
        response.send(now.chat_id, invite_refused(now.t, result.outcome == USED))
        await respond(deps, update, response)
        return
    await core.people.touch(now.who, keep_names=True)
    await _menu(deps, update, now.person.user_id)
    response.replies.extend(await _notice(deps, now.person.user_id, result.role))
    await respond(deps, update, response)


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds /staff and its buttons (admins only)."""
    core = deps.core

    async def is_admin(update: Update) -> bool:
        user = update.effective_user
        return user is not None and await core.staff.role(user.id) == ADMIN

    async def change(
        now: Turn, update: Update, verb: str, reference: Reference, confirmed: bool = False
    ) -> Response:
        response = Response()
        person = await core.people.find(reference)
        if person is None and reference.user_id is None:
            response.send(now.chat_id, unknown_person(now.t, str(reference)))
            return response
        user_id = person.user_id if person else reference.user_id
        assert user_id is not None
        actor = now.person.user_id
        demoting = verb == "add" and await core.staff.role(user_id) == ADMIN
        if (
            user_id == actor
            and (verb == "remove" or demoting)
            and not confirmed
            and user_id not in core.staff.configured_admins
            and not await core.staff.only_admin(user_id)
        ):
            response.send(now.chat_id, *confirm_myself(now.t, remove=verb == "remove"))
            return response
        role = None if verb == "remove" else ADMIN if verb == "admin" else STAFF
        notices = await _notice(deps, user_id, role)

        async def tell(outcome: str) -> list[Send]:
            return notices

        try:
            if role is None:
                outcome = await core.staff.remove(actor, user_id, now.update_id, tell)
                member = await _member(deps, user_id)
            else:
                outcome = await core.staff.set_role(actor, user_id, role, now.update_id, tell)
                shown = role if outcome not in (CONFIGURED, LAST_ADMIN) else ADMIN
                member = await _member(deps, user_id, shown)
        except DuplicateUpdate:  # handled again after a crash: the list as it stands now
            response.send(now.chat_id, *await _listing(deps, now))
            return response
        response.send(now.chat_id, role_outcome(now.t, outcome, member))
        if outcome in (ADDED, CHANGED, REMOVED):
            await _menu(deps, update, user_id)
        return response

    async def invite(now: Turn, update: Update, role: str) -> Response:
        code = await core.staff.invite(now.person.user_id, role, now.update_id)
        link = f"https://t.me/{update.get_bot().username}?start=staff-{code}"
        response = Response()
        response.send(now.chat_id, invite_text(now.t, link))
        return response

    async def manage(update: Update, context: Context) -> None:
        """Lists staff, or adds, promotes or removes one, or makes an invite link."""
        now = await turn(deps, update)
        response = Response()
        args = context.args or []
        if not await is_admin(update):
            response.send(now.chat_id, admins_only(now.t))
        elif not args:
            response.send(now.chat_id, *await _listing(deps, now))
        else:
            verb = args[0].lower()
            try:
                if verb in ("add", "admin", "remove") and len(args) == 2:
                    reference = parse_reference(args[1])
                    if reference is None:
                        text = f"{not_a_reference(now.t, args[1])}\n{usage(now.t)}"
                        response.send(now.chat_id, text)
                    else:
                        response = await change(now, update, verb, reference)
                elif verb == "invite" and [a.lower() for a in args[1:]] in ([], ["admin"]):
                    role = ADMIN if args[1:] else STAFF
                    response = await invite(now, update, role)
                else:
                    response.send(now.chat_id, usage(now.t))
            except DuplicateUpdate:  # an invite made before a crash: the list as it stands
                response = Response()
                response.send(now.chat_id, *await _listing(deps, now))
        await respond(deps, update, response)

    async def press(update: Update, context: Context) -> None:
        """Removes a staff member or makes an invite link, after checking the presser is admin."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        if not await is_admin(update):
            await respond(deps, update, Response(toast=Toast(admins_only(now.t), alert=True)))
            return
        try:
            fields = decode(query.data, NAMESPACE, 2 if (query.data or "").count(":") == 2 else 1)
            message_id = query.message.message_id if isinstance(query.message, Message) else None
            if fields == [INVITE]:
                response = await invite(now, update, STAFF)
            elif fields == [KEEP]:
                response = Response(toast=Toast())
                if message_id is not None:
                    response.replies.append(Edit(now.chat_id, message_id, kept(now.t)))
            elif len(fields) == 2 and fields[0] == MYSELF and fields[1] in (REMOVE, DEMOTE):
                verb = "remove" if fields[1] == REMOVE else "add"
                myself = Reference(user_id=now.person.user_id)
                response = await change(now, update, verb, myself, confirmed=True)
                if message_id is not None:
                    _in_place(response, now.chat_id, message_id)
            elif len(fields) == 2 and fields[0] == REMOVE:
                target = Reference(user_id=to_int(fields[1]))
                response = await change(now, update, "remove", target)
                if message_id is not None:
                    text, keyboard = await _listing(deps, now)
                    response.replies.append(Edit(now.chat_id, message_id, text, keyboard))
            else:
                raise BadCallback(query.data or "")
        except BadCallback:
            response = Response(toast=stale(now.t))
        except DuplicateUpdate:
            response = Response(toast=Toast())
            response.send(now.chat_id, *await _listing(deps, now))
        await respond(deps, update, response)

    app.add_handler(CommandHandler("staff", staff_only(deps, manage), filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(staff_only(deps, press), pattern=f"^{NAMESPACE}:"))
