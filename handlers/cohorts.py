"""/cohort: staff list cohorts with their links, create one, and change its settings.

Buttons are re-checked as staff on every press; typed answers (a name, a code, a setting's
new value) are awaited as pending inputs, dropped if the sender is no longer staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.cohorts.service import (
    Listed,
    Outcome,
    clean_name,
    parse_day,
    parse_period,
    suggest_code,
    valid_code,
)
from bot.cohorts.store import Cohort
from bot.cohorts.view import (
    CADENCE,
    CANCEL,
    END,
    HOUR,
    LIST,
    NAMESPACE,
    NEW,
    PAUSE,
    RESUME,
    SETTINGS,
    SHOW,
    USE_CODE,
    bad_date,
    cancel_keyboard,
    card,
    changed,
    code_prompt,
    created,
    link,
    listing,
    name_prompt,
    refused,
    refused_toast,
    setting_prompt,
    unknown_cohort,
    until_prompt,
    usage,
)
from bot.pairing.view import staff_name
from bot.runtime.arguments import parse_number, parse_reference
from bot.runtime.callbacks import BadCallback
from bot.runtime.db import DuplicateUpdate
from bot.runtime.inputs import PendingInput, too_late
from bot.runtime.people import local_zone
from bot.runtime.replies import Edit, EditButtons, Keyboard, Response, Send, Toast, stale
from handlers.base import Context, Deps, Turn, respond, staff_input, staff_only, turn

# Typed answers are looked at before the broadcast prompts (-3), the review's reason (-1) and
# the questionnaire (1); commands and other buttons end them first (review.end_input, -2).
INPUT_GROUP = -4
NAME = "cohort.name"
CODE = "cohort.code"
SETTING = "cohort.setting"
INPUTS = (NAME, CODE, SETTING)


async def named_cohort(
    deps: Deps, now: Turn, update: Update, words: Sequence[str]
) -> tuple[bool, Cohort | None]:
    """The cohort a staff command names after it (`/stats CODE`): (True, None) when it names
    none, (False, None) once she was told that no cohort has that code, and which ones exist."""
    if not words:
        return True, None
    code = " ".join(words)
    cohort = await deps.core.cohorts.get(code) if valid_code(code) else None
    if cohort is None:
        text = unknown_cohort(now.t, code, await deps.core.cohorts.known())
        await respond(deps, update, Response.text(now.chat_id, text))
        return False, None
    return True, cohort


def _own(keyboard: Keyboard) -> list[str]:
    """The callback data of a prompt's buttons: pressing them keeps the prompt's input."""
    return [button.data for row in keyboard for button in row]


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds /cohort, its buttons and its typed answers (staff only)."""
    core = deps.core

    def today(now: Turn) -> date:
        zone = ZoneInfo(local_zone(now.person, core.settings.timezone))
        return core.clock.now().astimezone(zone).date()

    def url(update: Update, code: str) -> str:
        return link(update.get_bot().username, code)

    async def in_charge(cohort: Cohort) -> str | None:
        if cohort.staff_id is None:
            return None
        person = await core.people.get(cohort.staff_id)
        return staff_name(person) if person is not None else str(cohort.staff_id)

    async def full_listing(now: Turn, update: Update) -> tuple[str, Keyboard]:
        found = await core.cohorts.listing()
        urls = {item.cohort.code: url(update, item.cohort.code) for item in found}
        names = {}
        for item in found:
            name = await in_charge(item.cohort)
            if name is not None:
                names[item.cohort.code] = name
        return listing(now.t, found, urls, names, today(now))

    async def one(now: Turn, update: Update, code: str) -> tuple[str, Keyboard] | None:
        listed = next((i for i in await core.cohorts.listing() if i.cohort.code == code), None)
        if listed is None:
            return None
        return await card_of(now, update, listed)

    async def card_of(now: Turn, update: Update, listed: Listed) -> tuple[str, Keyboard]:
        cohort = listed.cohort
        return card(now.t, listed, url(update, cohort.code), await in_charge(cohort), today(now))

    async def show(update: Update, context: Context) -> None:
        """Lists the cohorts with their links, shows one (/cohort CODE), or creates one
        (/cohort new CODE NAME)."""
        now = await turn(deps, update)
        args = context.args or []
        response = Response()
        if not args:
            response.send(now.chat_id, *await full_listing(now, update))
        elif args[0].lower() == "new" and len(args) >= 3:
            response, _ = await create(now, update, args[1], " ".join(args[2:]))
        else:
            cohort = await core.cohorts.get(args[0]) if len(args) == 1 else None
            found = await one(now, update, cohort.code) if cohort is not None else None
            if found is not None:  # /cohort CODE: that cohort and its buttons
                response.send(now.chat_id, *found)
            else:
                response.send(now.chat_id, usage(now.t))
        await respond(deps, update, response)

    async def create(now: Turn, update: Update, code: str, name: str) -> tuple[Response, bool]:
        """Creates a cohort (True) or says what is wrong with its code or name (False)."""
        try:
            outcome = await core.cohorts.create(now.person.user_id, code, name, now.update_id)
        except DuplicateUpdate:  # created before a crash: show it
            outcome = Outcome.OK
        response = Response()
        if outcome != Outcome.OK:
            response.send(now.chat_id, refused(now.t, outcome))
            return response, False
        cohort = await core.cohorts.get(code)
        assert cohort is not None
        response.send(now.chat_id, created(now.t, cohort.name, cohort.code, url(update, code)))
        shown = await one(now, update, cohort.code)
        if shown is not None:
            response.send(now.chat_id, *shown)
        return response, True

    async def expect(now: Turn, kind: str, payload: dict[str, object], keyboard: Keyboard) -> None:
        await core.inputs.expect(now.person.user_id, kind, payload, _own(keyboard))

    async def press(update: Update, context: Context) -> None:
        """Every staff button of /cohort."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        message = query.message
        shown = message.message_id if isinstance(message, Message) else None
        try:
            response = await pressed(now, update, (query.data or "").split(":"), shown)
        except BadCallback:
            response = Response(toast=stale(now.t))
        except DuplicateUpdate:  # handled again after a crash: its effect is already there
            response = Response(toast=Toast())
        await respond(deps, update, response)

    async def pressed(now: Turn, update: Update, fields: list[str], shown: int | None) -> Response:
        if fields[0] != NAMESPACE or len(fields) not in (2, 3):
            raise BadCallback(":".join(fields))
        action = fields[1]
        if len(fields) == 2:
            if action == LIST:
                return _in_place(now, shown, *await full_listing(now, update))
            if action == NEW:
                text, keyboard = name_prompt(now.t)
                await expect(now, NAME, {"shown": shown}, keyboard)
                return _in_place(now, shown, text, keyboard)
            if action == USE_CODE:
                return await use_code(now, update, shown)
            if action == CANCEL:
                return await cancel(now, update, shown)
            raise BadCallback(":".join(fields))
        cohort = await core.cohorts.get(fields[2])
        if cohort is None:
            return Response(toast=Toast(refused_toast(now.t, Outcome.UNKNOWN), alert=True))
        if action == SHOW:
            found = await one(now, update, cohort.code)
            if found is None:
                return Response(toast=stale(now.t))
            return _in_place(now, shown, *found)
        if action in SETTINGS:
            text = setting_prompt(now.t, action, cohort, today(now) + _WEEK)
            keyboard = cancel_keyboard(now.t)
            payload: dict[str, object] = {"code": cohort.code, "setting": action, "shown": shown}
            await expect(now, SETTING, payload, keyboard)
            return _in_place(now, shown, text, keyboard)
        if action == RESUME:
            outcome = await core.cohorts.resume(now.person.user_id, cohort.code, now.update_id)
            if outcome != Outcome.OK:
                return Response(toast=Toast(refused_toast(now.t, outcome), alert=True))
            return await after_change(now, update, RESUME, cohort.code, shown)
        raise BadCallback(":".join(fields))

    async def cancel(now: Turn, update: Update, shown: int | None) -> Response:
        """Drops the question: a setting's prompt becomes the cohort again."""
        pending = await core.inputs.get(now.person.user_id)
        await core.cancel_inputs(now.person.user_id)
        code = pending.payload.get("code") if pending and pending.kind in INPUTS else None
        found = await one(now, update, str(code)) if code else None
        if found is not None:
            return _in_place(now, shown, *found)
        return _in_place(now, shown, now.t("Nothing was changed."), ())

    async def use_code(now: Turn, update: Update, shown: int | None) -> Response:
        """Takes the suggested code of the cohort being created."""
        pending = await core.inputs.get(now.person.user_id)
        if pending is None or pending.kind != CODE or pending.expired:
            return Response(toast=stale(now.t))
        await core.cancel_inputs(now.person.user_id)
        code, name = str(pending.payload["suggested"]), str(pending.payload["name"])
        response, _ = await create(now, update, code, name)
        response.toast = Toast()
        if shown is not None:  # the question is answered: its buttons go
            response.tidy.append(EditButtons(now.chat_id, shown))
        return response

    async def after_change(
        now: Turn, update: Update, setting: str, code: str, shown: int | None = None
    ) -> Response:
        """Confirms a change in words, then shows the cohort as it now is."""
        cohort = await core.cohorts.get(code)
        if cohort is None:
            return Response.text(now.chat_id, refused(now.t, Outcome.UNKNOWN))
        response = Response(toast=Toast())
        response.send(now.chat_id, changed(now.t, setting, cohort, await in_charge(cohort)))
        found = await one(now, update, code)
        if found is not None:
            response.send(now.chat_id, *found)
        if shown is not None:  # the cohort as it was: its buttons go
            response.tidy.append(EditButtons(now.chat_id, shown))
        return response

    async def typed(update: Update, context: Context) -> None:
        """Takes what staff typed when /cohort asked for it."""
        asked = await staff_input(deps, update, INPUTS)
        message = update.effective_message
        if asked is None or message is None:
            return
        now, pending = asked
        if pending.expired:
            await core.cancel_inputs(now.person.user_id)
            late = too_late(now.t, "/cohort")
            response = Response.text(now.chat_id, late)
        else:
            text = (message.text or "").strip()
            try:
                response = await answer(now, update, pending, text)
            except DuplicateUpdate:  # taken before a crash
                await core.cancel_inputs(now.person.user_id)
                response = Response()
                response.send(now.chat_id, *await full_listing(now, update))
        await respond(deps, update, response)
        raise ApplicationHandlerStop

    async def answer(now: Turn, update: Update, pending: PendingInput, text: str) -> Response:
        if not text:
            return Response.text(now.chat_id, now.t("Please type your answer as text."))
        if pending.kind == NAME:
            name = clean_name(text)
            if name is None:
                return Response.text(now.chat_id, refused(now.t, Outcome.BAD_NAME))
            suggested = suggest_code(name, today(now).year, await core.cohorts.codes())
            reply, keyboard = code_prompt(now.t, name, suggested)
            await expect(now, CODE, {"name": name, "suggested": suggested}, keyboard)
            response = Response([Send(now.chat_id, reply, keyboard)])
            asked = pending.payload.get("shown")
            if isinstance(asked, int):  # the name's question is answered: its Cancel goes
                response.tidy.append(EditButtons(now.chat_id, asked))
            return response
        if pending.kind == CODE:
            response, made = await create(now, update, text, str(pending.payload["name"]))
            if made:
                await core.cancel_inputs(now.person.user_id)
            return response
        return await set_value(now, update, pending, text)

    async def pause_period(
        now: Turn, pending: PendingInput, text: str
    ) -> tuple[date, date] | Response:
        """The pause's first and last day, typed together or one after the other (the first
        one alone asks for the last)."""
        language, example = now.t.language, today(now) + _WEEK
        period = parse_period(text, language)
        if period is not None:
            return period
        first = pending.payload.get("first")
        day = parse_day(text, language, date.fromisoformat(first).year if first else None)
        if day is None:
            return Response.text(now.chat_id, bad_date(now.t, example, True))
        if first:
            return date.fromisoformat(str(first)), day
        keyboard = cancel_keyboard(now.t)
        await expect(now, SETTING, {**pending.payload, "first": day.isoformat()}, keyboard)
        return Response([Send(now.chat_id, until_prompt(now.t, day), keyboard)])

    async def set_value(now: Turn, update: Update, pending: PendingInput, text: str) -> Response:
        """Applies a typed setting; a mistake gets a polite line and the question stays."""
        code, setting = str(pending.payload["code"]), str(pending.payload["setting"])
        actor, cohorts, example = now.person.user_id, core.cohorts, today(now) + _WEEK
        if setting in (CADENCE, HOUR):
            number = parse_number(text, 1000)
            if number is None:
                bad = Outcome.BAD_DAYS if setting == CADENCE else Outcome.BAD_HOUR
                return Response.text(now.chat_id, refused(now.t, bad))
            if setting == CADENCE:
                outcome = await cohorts.set_cadence(actor, code, number, now.update_id)
            else:
                outcome = await cohorts.set_hour(actor, code, number, now.update_id)
        elif setting == PAUSE:
            period = await pause_period(now, pending, text)
            if isinstance(period, Response):
                return period
            outcome = await cohorts.pause(actor, code, *period, now.update_id)
        elif setting == END:
            ends_on = parse_day(text, now.t.language)
            if ends_on is None:
                return Response.text(now.chat_id, bad_date(now.t, example, False))
            outcome = await cohorts.set_end(actor, code, ends_on, now.update_id)
        else:
            reference = parse_reference(text)
            person = await core.people.find(reference) if reference is not None else None
            # An id is enough for a staff member the bot has not met yet (a configured admin).
            staff_id = person.user_id if person is not None else reference and reference.user_id
            if not staff_id:
                return Response.text(now.chat_id, refused(now.t, Outcome.NOT_STAFF))
            outcome = await cohorts.set_staff(actor, code, staff_id, now.update_id)
        if outcome not in (Outcome.OK, Outcome.UNKNOWN):
            return Response.text(now.chat_id, refused(now.t, outcome))
        await core.cancel_inputs(actor)
        prompt = pending.payload.get("shown")  # the question is answered: its Cancel goes
        return await after_change(
            now, update, setting, code, prompt if isinstance(prompt, int) else None
        )

    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("cohort", staff_only(deps, show), private))
    app.add_handler(CallbackQueryHandler(staff_only(deps, press), pattern=f"^{NAMESPACE}:"))
    text = private & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(text, typed), group=INPUT_GROUP)


_WEEK = timedelta(days=7)  # the example dates in prompts: a week from today


def _in_place(now: Turn, shown: int | None, text: str, keyboard: Keyboard) -> Response:
    """Shows a step in place of the message whose button was pressed (or as a new one)."""
    if shown is None:
        return Response([Send(now.chat_id, text, keyboard)], Toast())
    return Response([Edit(now.chat_id, shown, text, keyboard)], Toast())
