"""/availability and /meet: the weekly grid, and meetings proposed, booked, moved, asked after."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.meetings import grid_view, meeting_view, notice_view, view
from bot.meetings.results import (
    Confirmed,
    Declined,
    Dropped,
    FollowedUp,
    Moved,
    NoSlot,
    Offered,
    Proposed,
    Situation,
    Stale,
    Unavailable,
)
from bot.meetings.store import Answer, Status
from bot.meetings.week import CELLS, DAYS, Part
from bot.runtime.callbacks import BadCallback, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.replies import Edit, Reply, Response, Send, Toast, stale
from handlers.base import Context, Deps, Turn, respond, turn

ANSWERS = {code: answer for answer, code in view.ANSWER_CODES.items()}


def _fields(data: str | None, namespace: str) -> tuple[str, list[str]]:
    """The action and fields of callback data in a namespace, else BadCallback."""
    parts = (data or "").split(":")
    if len(parts) < 3 or parts[0] != namespace:
        raise BadCallback((data or "")[:64])
    return parts[1], parts[2:]


def _numbers(fields: list[str], count: int) -> list[int]:
    if len(fields) != count:
        raise BadCallback(":".join(fields)[:64])
    return [to_int(field) for field in fields]


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds /availability, /meet and their buttons."""
    core = deps.core

    async def availability(update: Update, context: Context) -> None:
        """Shows her weekly grid, pre-filled with what she saved, to edit in place."""
        now = await turn(deps, update)
        grid = await core.availability.open(now.person)
        response = Response()
        response.send(
            now.chat_id, grid_view.grid_text(now.t, grid), grid_view.grid_keyboard(now.t, grid)
        )
        await respond(deps, update, response)

    async def press_grid(update: Update, context: Context) -> None:
        """Toggles a cell or a whole day of the grid in place, or saves it (Done)."""
        query = update.callback_query
        assert query is not None and query.message is not None
        now = await turn(deps, update)
        message_id = query.message.message_id
        response = Response(toast=Toast())
        try:
            action, fields = _fields(query.data, grid_view.NAMESPACE)
            if action == grid_view.SAVE:
                (round_,) = _numbers(fields, 1)
                reply = await save_grid(now, round_, message_id)
            else:
                round_, number = _numbers(fields, 2)
                if action == grid_view.CELL and number < CELLS:
                    day, part = divmod(number, len(Part))
                    reply = await toggle(now, round_, day, Part(part), message_id)
                elif action == grid_view.DAY and number < DAYS:
                    reply = await toggle(now, round_, number, None, message_id)
                else:
                    raise BadCallback(query.data or "")
        except BadCallback:
            reply = None
        if reply is None:
            response = Response(toast=stale(now.t))
        else:
            response.replies.append(reply)
        await respond(deps, update, response)

    async def toggle(
        now: Turn, round_: int, day: int, part: Part | None, message_id: int
    ) -> Reply | None:
        try:
            grid = await core.availability.toggle(now.person, round_, day, part, now.update_id)
        except DuplicateUpdate:  # handled again after a crash: show the grid as it stands
            grid = await core.availability.current(now.person, round_)
        if grid is None:
            return None
        text, keyboard = grid_view.grid_text(now.t, grid), grid_view.grid_keyboard(now.t, grid)
        return Edit(now.chat_id, message_id, text, keyboard)

    async def save_grid(now: Turn, round_: int, message_id: int) -> Reply | None:
        try:
            saved = await core.availability.save(now.person, round_, now.update_id)
        except DuplicateUpdate:  # saved already: confirm it again
            saved = await core.availability.saved(now.person)
        if saved is None:
            return None
        return Edit(now.chat_id, message_id, grid_view.saved_text(now.t, saved.week, saved.zone))

    async def meet(update: Update, context: Context) -> None:
        """Shows the pair's meeting, or times that suit both, or asks which pair first."""
        now = await turn(deps, update)
        pairs = await core.meetings.pairs(now.person.user_id)
        response = Response()
        if not pairs:
            response.send(now.chat_id, view.not_paired(now.t))
        elif len(pairs) > 1:
            response.send(now.chat_id, *view.choose_pair(now.t, pairs))
        else:
            found = await core.meetings.situation(now.person.user_id, pairs[0][0])
            if isinstance(found, Stale):
                response.send(now.chat_id, view.not_paired(now.t))
            else:
                response.send(
                    now.chat_id,
                    *meeting_view.screen(now.t, found, core.settings.meeting_url, core.clock.now()),
                )
        await respond(deps, update, response)

    async def press(update: Update, context: Context) -> None:
        """Applies a meeting button after the service checked it still makes sense."""
        query = update.callback_query
        assert query is not None and query.message is not None
        now = await turn(deps, update)
        message_id = query.message.message_id
        try:
            action, fields = _fields(query.data, view.NAMESPACE)
            if action == view.ANSWER:
                if len(fields) != 2 or fields[1] not in ANSWERS:
                    raise BadCallback(query.data or "")
                response = await answer(now, to_int(fields[0]), ANSWERS[fields[1]], message_id)
            elif action == view.PICK:
                offer_id, index = _numbers(fields, 2)
                response = await pick(now, offer_id, index, message_id)
            else:
                (number,) = _numbers(fields, 1)
                response = await act(now, action, number, message_id)
        except BadCallback:
            response = Response(toast=stale(now.t))
        await respond(deps, update, response)

    async def act(now: Turn, action: str, number: int, message_id: int) -> Response:
        """The one-number actions: a pair, an offer's other times, a meeting's buttons."""
        user_id = now.person.user_id
        if action == view.PAIR:
            return shown(now, await core.meetings.situation(user_id, number), message_id)
        if action == view.MORE:
            return shown(now, await core.meetings.more(user_id, number), message_id)
        if action == view.MOVE:
            return shown(now, await core.meetings.move(user_id, number), None)
        if action in (view.ACCEPT, view.DECLINE, view.DROP):
            return await step(now, action, number, message_id)
        raise BadCallback(action)

    def shown(now: Turn, found: Situation | Stale, message_id: int | None) -> Response:
        """A situation in place of the pressed message (or as a new one)."""
        if isinstance(found, Stale):
            return Response(toast=stale(now.t))
        text, keyboard = meeting_view.screen(
            now.t, found, core.settings.meeting_url, core.clock.now()
        )
        reply: Reply = (
            Send(now.chat_id, text, keyboard)
            if message_id is None
            else Edit(now.chat_id, message_id, text, keyboard)
        )
        return Response([reply], Toast())

    async def replayed(
        now: Turn, action: str, meeting_id: int
    ) -> Confirmed | Declined | Dropped | Stale:
        """A press handled again after a crash: what it did, from the meeting as it stands."""
        seen = await core.meetings.seen_by(now.person.user_id, meeting_id)
        if seen is None:
            return Stale()
        pair, meeting = seen
        if action == view.ACCEPT and meeting.status == Status.CONFIRMED:
            return Confirmed(pair, meeting)
        if action == view.DROP and meeting.status in (Status.CANCELLED, Status.WITHDRAWN):
            return Dropped(pair, meeting)
        if action == view.DECLINE and meeting.status == Status.DECLINED:
            then = await core.meetings.situation(now.person.user_id, pair.pair_id)
            if isinstance(then, Offered | NoSlot):
                return Declined(pair, meeting, then)
        return Stale()

    async def pick(now: Turn, offer_id: int, index: int, message_id: int) -> Response:
        try:
            result = await core.meetings.pick(now.person.user_id, offer_id, index, now.update_id)
        except DuplicateUpdate:
            pair_id = await core.meetings.pair_of_offer(now.person.user_id, offer_id)
            if pair_id is None:
                return Response(toast=stale(now.t))
            found = await core.meetings.situation(now.person.user_id, pair_id)
            return shown(now, found, message_id)
        if isinstance(result, Stale):
            return Response(toast=stale(now.t))
        if isinstance(result, Unavailable):
            response = shown(now, result.now, message_id)
            response.toast = Toast(
                now.t.plain("That time no longer suits you both: here is what there is now."),
                alert=True,
            )
            return response
        if isinstance(result, Moved):
            text = meeting_view.moved(now.t, result.duo, result.meeting)
        else:
            assert isinstance(result, Proposed)
            text = meeting_view.proposed(now.t, result.duo, result.meeting)
        return Response([Edit(now.chat_id, message_id, text)], Toast())

    async def step(now: Turn, action: str, meeting_id: int, message_id: int) -> Response:
        """Accept, Decline or Cancel: the pressed message says what became of the meeting."""
        user_id, update_id = now.person.user_id, now.update_id
        calls = {
            view.ACCEPT: core.meetings.accept,
            view.DECLINE: core.meetings.decline,
            view.DROP: core.meetings.drop,
        }
        try:
            result = await calls[action](user_id, meeting_id, update_id)
        except DuplicateUpdate:
            result = await replayed(now, action, meeting_id)
        if isinstance(result, Stale):
            return Response(toast=stale(now.t))
        response = Response(toast=Toast())
        if isinstance(result, Confirmed):
            text = meeting_view.accepted(now.t, result.duo, result.meeting)
        elif isinstance(result, Declined):
            text = meeting_view.declined(now.t, result.duo, result.meeting)
            response = shown(now, result.then, None)  # what she may pick instead
        elif result.meeting.status == Status.WITHDRAWN:
            text = meeting_view.withdrawn(now.t, result.duo, result.meeting)
        else:
            text = meeting_view.cancelled(now.t, result.duo, result.meeting)
        response.replies.insert(0, Edit(now.chat_id, message_id, text))
        return response

    async def answer(now: Turn, meeting_id: int, given: Answer, message_id: int) -> Response:
        try:
            result = await core.followups.answer(
                now.person.user_id, meeting_id, given, now.update_id
            )
        except DuplicateUpdate:
            result = await core.followups.answer(now.person.user_id, meeting_id, given, None)
        if isinstance(result, Stale):
            return Response(toast=stale(now.t))
        assert isinstance(result, FollowedUp)
        text = notice_view.followup_answered(now.t, result.duo, result.answer)
        return Response([Edit(now.chat_id, message_id, text)], Toast())

    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("availability", availability, private))
    app.add_handler(CommandHandler("meet", meet, private))
    app.add_handler(CallbackQueryHandler(press_grid, pattern=f"^{grid_view.NAMESPACE}:"))
    app.add_handler(CallbackQueryHandler(press, pattern=f"^{view.NAMESPACE}:"))
