"""/broadcast: staff write an announcement, see it as recipients will, send it now or later.

Staff steps are buttons
(re-checked as staff on every press) and typed answers awaited as pending inputs: the
announcement, a translation, the time of a schedule, an event's title, time and place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Message, MessageEntity, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.broadcasts.announcement import recipient_messages
from bot.broadcasts.audiences import CHOOSING, SEGMENTS, Audience
from bot.broadcasts.formatting import Entity, to_html
from bot.broadcasts.model import DRAFT, Broadcast, Event, Media, Version
from bot.broadcasts.service import EMPTY, EVENT_FIRST, OK, OVER, PAST
from bot.broadcasts.times import BadTime, parse_local, parse_span
from bot.broadcasts.view import (
    ADD_EVENT,
    BACK,
    CANCEL,
    CHANGE_TEXT,
    DROP_EVENT,
    EDIT,
    HOME,
    LANGUAGE_OF,
    MENU,
    NAMESPACE,
    NOW,
    PICK,
    SCHEDULE,
    SEGMENT,
    SKIP,
    STOP,
    TRANSLATE,
    audience_menu,
    bad_time,
    choice_menu,
    control,
    event_first,
    example_date,
    gone,
    in_the_past,
    listing,
    place_prompt,
    progress,
    scheduled,
    span_prompt,
    text_prompt,
    title_prompt,
    too_long,
    translation_menu,
    translation_prompt,
    when_prompt,
)
from bot.runtime.callbacks import BadCallback, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.i18n import escape
from bot.runtime.inputs import PendingInput, too_late
from bot.runtime.people import local_zone
from bot.runtime.replies import (
    DOCUMENT,
    PHOTO,
    Edit,
    Keyboard,
    Reply,
    Response,
    Send,
    Toast,
    stale,
)
from handlers.base import Context, Deps, Turn, respond, staff_input, staff_only, turn

# Typed answers are looked at before the review's reason (group -1) and the questionnaire
# (group 1); commands and other buttons end them first (review.end_input, group -2).
INPUT_GROUP = -3
TEXT = "broadcast.text"
WHEN = "broadcast.when"
TITLE = "broadcast.title"
SPAN = "broadcast.span"
PLACE = "broadcast.place"
INPUTS = (TEXT, WHEN, TITLE, SPAN, PLACE)
TITLE_LIMIT = 200
PLACE_LIMIT = 300


@dataclass(frozen=True)
class Written:
    """What staff sent as the announcement: HTML, plain text, and a photo or document."""

    html: str
    plain: str
    media: Media | None


def entities_of(entities: tuple[MessageEntity, ...]) -> list[Entity]:
    """Telegram's entities as plain values."""
    return [
        Entity(
            str(e.type),
            e.offset,
            e.length,
            url=e.url,
            language=e.language,
            custom_emoji_id=e.custom_emoji_id,
            user_id=e.user.id if e.user else None,
        )
        for e in entities
    ]


def written(message: Message) -> Written:
    """The announcement in a message: its text or caption with its formatting, and media."""
    media = None
    if message.photo:
        media = Media(PHOTO, message.photo[-1].file_id)
    elif message.document is not None:
        media = Media(DOCUMENT, message.document.file_id)
    if media is not None:
        text, entities = message.caption or "", message.caption_entities
    else:
        text, entities = message.text or "", message.entities
    return Written(to_html(text, entities_of(entities)), text, media)


def _own(keyboard: Keyboard) -> list[str]:
    """The callback data of a prompt's buttons: pressing them keeps the prompt's input."""
    return [button.data for row in keyboard for button in row]


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds /broadcast, its buttons and its typed answers."""
    core = deps.core

    def zone(now: Turn) -> str:
        return local_zone(now.person, core.settings.timezone)

    def example(now: Turn) -> str:
        """A date a week from her today, as she would type it."""
        return example_date(core.clock.now().astimezone(ZoneInfo(zone(now))).date())

    def message_id(update: Update) -> int | None:
        query = update.callback_query
        message = query.message if query is not None else None
        return message.message_id if isinstance(message, Message) else None

    async def expect(now: Turn, kind: str, payload: dict[str, object], keyboard: Keyboard) -> None:
        await core.inputs.expect(now.person.user_id, kind, payload, _own(keyboard))

    async def preview(now: Turn, broadcast: Broadcast, only: str | None = None) -> list[Reply]:
        """The broadcast as recipients receive it (each version, or `only` one), then what
        staff can do next."""
        replies: list[Reply] = []
        for version in broadcast.versions:
            if only is None or version.language == only:
                t = core.t(version.language)
                replies += recipient_messages(
                    t, broadcast, version.language, now.chat_id, zone(now), core.clock.now()
                )
        by_language = await core.audiences.by_language(broadcast.audience)
        text, keyboard = control(now.t, core.form, broadcast, by_language, zone(now))
        replies.append(Send(now.chat_id, text, keyboard))
        return replies

    async def menu_reply(now: Turn) -> tuple[str, Keyboard]:
        return audience_menu(now.t, await core.audiences.segments())

    async def show(update: Update, context: Context) -> None:
        """Lists scheduled, running and recent broadcasts, then asks who the new one is for."""
        now = await turn(deps, update)
        response = Response()
        found = await core.broadcasts.listing()
        if found:
            tallies = [(b, await core.broadcasts.tally(b.id)) for b in found]
            response.send(now.chat_id, *listing(now.t, core.form, tallies, zone(now)))
        response.send(now.chat_id, *await menu_reply(now))
        await respond(deps, update, response)

    async def choose(now: Turn, audience: Audience, shown: int | None) -> Response:
        """Starts a draft for an audience and asks for the announcement."""
        count = await core.audiences.count(audience)
        if count == 0:
            return Response(toast=Toast(now.t.plain("Nobody is in this audience right now.")))
        broadcast_id = await core.broadcasts.create(now.person.user_id, audience, now.update_id)
        text, keyboard = text_prompt(now.t, core.form, audience, count, broadcast_id)
        await expect(now, TEXT, {"id": broadcast_id, "first": True}, keyboard)
        return _in_place(now, shown, text, keyboard)

    async def draft(now: Turn, broadcast_id: int) -> Broadcast | Response:
        """The draft a button is about, or the notice that it is no longer one."""
        broadcast = await core.broadcasts.find(broadcast_id)
        if broadcast is None or broadcast.status != DRAFT:
            return Response(toast=Toast(gone(now.t), alert=True))
        return broadcast

    async def send_now(now: Turn, broadcast_id: int, shown: int | None) -> Response:
        if shown is None:
            return Response(toast=stale(now.t))
        control_message = (now.chat_id, shown)
        outcome = await core.broadcasts.send_now(
            now.person.user_id, broadcast_id, control_message, now.update_id
        )
        if outcome == EMPTY:
            return Response(toast=Toast(now.t.plain("Nobody is in this audience any more."), True))
        if outcome == OVER:
            return Response(toast=Toast(now.t.plain("This event is over."), alert=True))
        if outcome != OK:
            return Response(toast=Toast(gone(now.t), alert=True))
        deps.broadcaster.wake()
        broadcast = await core.broadcasts.get(broadcast_id)
        tally = await core.broadcasts.tally(broadcast_id)
        text, keyboard = progress(now.t, core.form, broadcast, tally, None)
        return Response([Edit(now.chat_id, shown, text, keyboard)], Toast())

    async def prompt(
        now: Turn, broadcast_id: int, shown: int | None, action: str, value: str | None
    ) -> Response:
        """A button of the draft's control message that asks for something."""
        found = await draft(now, broadcast_id)
        if isinstance(found, Response):
            return found
        if action == SCHEDULE:
            text, keyboard = when_prompt(now.t, broadcast_id, zone(now), example(now))
            await expect(now, WHEN, {"id": broadcast_id}, keyboard)
        elif action == ADD_EVENT:
            text, keyboard = title_prompt(now.t, broadcast_id)
            await expect(now, TITLE, {"id": broadcast_id}, keyboard)
        elif action == CHANGE_TEXT:
            count = await core.audiences.count(found.audience)
            text, keyboard = text_prompt(
                now.t, core.form, found.audience, count, broadcast_id, back=True
            )
            await expect(now, TEXT, {"id": broadcast_id, "first": True}, keyboard)
        elif action == TRANSLATE:
            text, keyboard = translation_menu(now.t, found, core.catalogs.languages)
        else:  # LANGUAGE_OF: the version in this language
            if value not in core.catalogs.languages:
                return Response(toast=stale(now.t))
            text, keyboard = translation_prompt(now.t, value, broadcast_id)
            await expect(now, TEXT, {"id": broadcast_id, "language": value}, keyboard)
        return _in_place(now, shown, text, keyboard)

    async def back(now: Turn, broadcast_id: int, shown: int | None) -> Response:
        """Leaves a prompt: the control message again, under the preview already shown."""
        pending = await core.inputs.get(now.person.user_id)
        if pending is not None and pending.kind in INPUTS:
            await core.cancel_inputs(now.person.user_id)
        found = await draft(now, broadcast_id)
        if isinstance(found, Response):
            return found
        if not found.versions:
            return await cancel(now, broadcast_id, shown)
        by_language = await core.audiences.by_language(found.audience)
        text, keyboard = control(now.t, core.form, found, by_language, zone(now))
        return _in_place(now, shown, text, keyboard)

    async def cancel(now: Turn, broadcast_id: int, shown: int | None) -> Response:
        pending = await core.inputs.get(now.person.user_id)
        if pending is not None and pending.kind in INPUTS:
            await core.cancel_inputs(now.person.user_id)
        if await core.broadcasts.cancel(now.person.user_id, broadcast_id, now.update_id) != OK:
            return Response(toast=Toast(gone(now.t), alert=True))
        text = now.t("Broadcast #{id} is cancelled: nothing was sent.", id=broadcast_id)
        return _in_place(now, shown, text, ())

    async def edit(now: Turn, broadcast_id: int, shown: int | None) -> Response:
        """Takes a scheduled broadcast back to a draft and shows it again."""
        if await core.broadcasts.reopen(now.person.user_id, broadcast_id, now.update_id) != OK:
            return Response(toast=Toast(gone(now.t), alert=True))
        text = now.t("Broadcast #{id} is no longer scheduled: change it below.", id=broadcast_id)
        response = _in_place(now, shown, text, ())
        response.replies += await preview(now, await core.broadcasts.get(broadcast_id))
        return response

    async def drop_event(now: Turn, broadcast_id: int, shown: int | None) -> Response:
        if await core.broadcasts.set_event(broadcast_id, None, now.update_id) != OK:
            return Response(toast=Toast(gone(now.t), alert=True))
        response = _in_place(now, shown, now.t("The event is removed."), ())
        response.replies += await preview(now, await core.broadcasts.get(broadcast_id))
        return response

    async def stop(now: Turn, broadcast_id: int) -> Response:
        if await core.broadcasts.stop(now.person.user_id, broadcast_id, now.update_id) != OK:
            return Response(toast=Toast(gone(now.t), alert=True))
        deps.broadcaster.wake()
        return Response(toast=Toast(now.t.plain("Stopping: nothing more will be sent.")))

    async def skip_place(now: Turn, broadcast_id: int, shown: int | None) -> Response:
        pending = await core.inputs.get(now.person.user_id)
        if pending is None or pending.kind != PLACE or pending.payload.get("id") != broadcast_id:
            return Response(toast=stale(now.t))
        await core.cancel_inputs(now.person.user_id)
        return await with_event(now, pending, None, shown)

    async def with_event(
        now: Turn, pending: PendingInput, place: str | None, shown: int | None = None
    ) -> Response:
        """Adds the event whose title and time were typed, and shows the preview again."""
        payload = pending.payload
        event = Event(
            str(payload["title"]),
            datetime.fromisoformat(str(payload["start"])),
            datetime.fromisoformat(str(payload["end"])),
            place,
        )
        broadcast_id = int(payload["id"])
        outcome = await core.broadcasts.set_event(broadcast_id, event, now.update_id)
        if outcome == OVER:
            return Response.text(now.chat_id, in_the_past(now.t))
        if outcome != OK:
            return Response.text(now.chat_id, escape(gone(now.t)))
        response = Response(toast=Toast())
        if shown is not None:
            response.replies.append(Edit(now.chat_id, shown, now.t("📅 Event added.")))
        response.replies += await preview(now, await core.broadcasts.get(broadcast_id))
        return response

    async def press(update: Update, context: Context) -> None:
        """Every staff button of /broadcast."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        shown = message_id(update)
        try:
            response = await pressed(now, (query.data or "").split(":"), shown)
        except BadCallback:
            response = Response(toast=stale(now.t))
        except DuplicateUpdate:  # handled again after a crash: its effect is already there
            response = Response(toast=Toast())
        await respond(deps, update, response)

    async def pressed(now: Turn, fields: list[str], shown: int | None) -> Response:
        action = fields[1] if len(fields) > 1 else ""
        if action == SEGMENT and len(fields) == 3 and fields[2] in SEGMENTS:
            return await choose(now, Audience(fields[2]), shown)
        if action == MENU and len(fields) == 3 and fields[2] in CHOOSING:
            choices = await core.audiences.choices(fields[2])
            return _in_place(now, shown, *choice_menu(now.t, core.form, fields[2], choices))
        if action == PICK and len(fields) == 4 and fields[2] in CHOOSING:
            if fields[3] not in dict(await core.audiences.choices(fields[2])):
                return Response(toast=Toast(now.t.plain("Nobody is in this audience right now.")))
            return await choose(now, Audience(fields[2], fields[3]), shown)
        if action == HOME and len(fields) == 2:
            return _in_place(now, shown, *await menu_reply(now))
        if len(fields) not in (3, 4) or fields[0] != NAMESPACE:
            raise BadCallback(":".join(fields))
        broadcast_id = to_int(fields[2])
        value = fields[3] if len(fields) == 4 else None
        if action == NOW:
            return await send_now(now, broadcast_id, shown)
        if action in (SCHEDULE, ADD_EVENT, CHANGE_TEXT, TRANSLATE) and value is None:
            return await prompt(now, broadcast_id, shown, action, None)
        if action == LANGUAGE_OF and value is not None:
            return await prompt(now, broadcast_id, shown, action, value)
        handlers = {
            BACK: back,
            CANCEL: cancel,
            EDIT: edit,
            DROP_EVENT: drop_event,
            SKIP: skip_place,
        }
        if action in handlers and value is None:
            return await handlers[action](now, broadcast_id, shown)
        if action == STOP and value is None:
            return await stop(now, broadcast_id)
        raise BadCallback(":".join(fields))

    async def typed(update: Update, context: Context) -> None:
        """Takes what staff typed (or sent) when /broadcast asked for it."""
        message = update.effective_message
        asked = await staff_input(deps, update, INPUTS)
        if asked is None or message is None:
            return
        now, pending = asked
        user_id = now.person.user_id
        if pending.expired:
            await core.cancel_inputs(user_id)
            late = too_late(now.t, "/broadcast")
            response = Response.text(now.chat_id, late)
        else:
            try:
                response = await answer_input(now, pending, message)
            except DuplicateUpdate:  # handled again after a crash: it was taken
                await core.cancel_inputs(user_id)
                found = await core.broadcasts.find(int(pending.payload["id"]))
                response = Response(await preview(now, found) if found and found.open else [])
        await respond(deps, update, response)
        raise ApplicationHandlerStop

    async def answer_input(now: Turn, pending: PendingInput, message: Message) -> Response:
        broadcast_id = int(pending.payload["id"])
        text = (message.text or "").strip()
        if pending.kind == TEXT:
            return await take_text(now, pending, message)
        if not text:
            return Response.text(now.chat_id, now.t("Please type your answer as text."))
        if pending.kind == WHEN:
            return await take_when(now, broadcast_id, text)
        if pending.kind == TITLE:
            if len(text) > TITLE_LIMIT:
                return Response.text(now.chat_id, too_long(now.t, TITLE_LIMIT))
            reply, keyboard = span_prompt(now.t, broadcast_id, zone(now), example(now))
            await expect(now, SPAN, {"id": broadcast_id, "title": text}, keyboard)
            return Response([Send(now.chat_id, reply, keyboard)])
        if pending.kind == SPAN:
            return await take_span(now, pending, text)
        if len(text) > PLACE_LIMIT:
            return Response.text(now.chat_id, too_long(now.t, PLACE_LIMIT))
        await core.cancel_inputs(now.person.user_id)
        return await with_event(now, pending, text)

    async def take_text(now: Turn, pending: PendingInput, message: Message) -> Response:
        broadcast_id = int(pending.payload["id"])
        first = bool(pending.payload.get("first"))
        language = str(pending.payload.get("language") or now.person.language)
        sent = written(message)
        if not sent.plain.strip() and (sent.media is None or not first):
            return Response.text(
                now.chat_id, now.t("Please send a text (or, for the first version, a photo).")
            )
        version = Version(language, sent.html, sent.plain)
        media = sent.media if first else None
        outcome = await core.broadcasts.write_version(
            broadcast_id, version, media, first, now.update_id
        )
        await core.cancel_inputs(now.person.user_id)
        if outcome != OK:
            return Response.text(now.chat_id, escape(gone(now.t)))
        broadcast = await core.broadcasts.get(broadcast_id)
        return Response(await preview(now, broadcast, None if first else language))

    async def take_when(now: Turn, broadcast_id: int, text: str) -> Response:
        try:
            at = parse_local(text, zone(now))
        except BadTime as error:
            reply = bad_time(now.t, zone(now), example(now), False, error.missing)
            return Response.text(now.chat_id, reply)
        outcome = await core.broadcasts.schedule(
            now.person.user_id, broadcast_id, at, now.update_id
        )
        if outcome == PAST:
            return Response.text(now.chat_id, in_the_past(now.t))
        if outcome == EVENT_FIRST:
            return Response.text(now.chat_id, event_first(now.t))
        await core.cancel_inputs(now.person.user_id)
        if outcome != OK:
            return Response.text(now.chat_id, escape(gone(now.t)))
        broadcast = await core.broadcasts.get(broadcast_id)
        zones = await core.audiences.by_zone(broadcast.audience, core.settings.timezone)
        reply, keyboard = scheduled(now.t, core.form, broadcast, zones, zone(now))
        return Response([Send(now.chat_id, reply, keyboard)])

    async def take_span(now: Turn, pending: PendingInput, text: str) -> Response:
        broadcast_id = int(pending.payload["id"])
        try:
            start, end = parse_span(text, zone(now))
        except BadTime as error:
            reply = bad_time(now.t, zone(now), example(now), True, error.missing)
            return Response.text(now.chat_id, reply)
        if start <= core.clock.now():
            return Response.text(now.chat_id, in_the_past(now.t))
        reply, keyboard = place_prompt(now.t, broadcast_id)
        payload = {**pending.payload, "start": start.isoformat(), "end": end.isoformat()}
        await expect(now, PLACE, payload, keyboard)
        return Response([Send(now.chat_id, reply, keyboard)])

    private = filters.ChatType.PRIVATE
    content = filters.TEXT | filters.PHOTO | filters.Document.ALL
    app.add_handler(CommandHandler("broadcast", staff_only(deps, show), private))
    app.add_handler(CallbackQueryHandler(staff_only(deps, press), pattern=f"^{NAMESPACE}:"))
    app.add_handler(MessageHandler(private & content & ~filters.COMMAND, typed), group=INPUT_GROUP)


def _in_place(now: Turn, shown: int | None, text: str, keyboard: Keyboard) -> Response:
    """Shows a step in place of the message whose button was pressed (or as a new one)."""
    if shown is None:
        return Response([Send(now.chat_id, text, keyboard)], Toast())
    return Response([Edit(now.chat_id, shown, text, keyboard)], Toast())
