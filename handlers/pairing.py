"""Staff pairing: /pair (explicit, suggestions, capacity), /unpair and their buttons."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import partial

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.cohorts.service import valid_code
from bot.cohorts.store import Cohort
from bot.cohorts.view import unknown_cohort
from bot.core import Core
from bot.pairing.matching import Suggestion
from bot.pairing.service import (
    MAX_CAPACITY,
    MENTOR,
    Ended,
    Paired,
    Participant,
    Refused,
    fingerprint,
)
from bot.pairing.view import (
    END,
    MORE,
    NAMESPACE,
    OVERRIDE,
    PAIR,
    PAIR_ALL,
    choose_end,
    ended_notice,
    ended_text,
    introduction,
    pair_all_text,
    paired_text,
    refusal,
    searching,
    staff_name,
    suggestion_page,
    unknown_reference,
    usage,
)
from bot.runtime.arguments import not_a_reference, parse_number, parse_reference
from bot.runtime.callbacks import BadCallback, to_int
from bot.runtime.db import DuplicateUpdate
from bot.runtime.i18n import Html
from bot.runtime.people import Person
from bot.runtime.replies import Edit, Keyboard, Response, Send, Toast, stale
from handlers.base import Context, Deps, Turn, respond, staff_only, turn


async def _replayed(core: Core, now: Turn, a_id: int, b_id: int) -> Paired | Refused:
    """What a pairing update did, for when it is handled again after a crash."""
    formed = await core.pairing.formed_by(now.update_id)
    if formed:
        return formed[0]
    checked = await core.pairing.check(a_id, b_id)
    return checked if isinstance(checked, Refused) else Refused(checked.issues, checked)


async def _create(
    core: Core,
    now: Turn,
    a_id: int,
    b_id: int,
    override: int | None = None,
    roles: tuple[int, int] | None = None,
) -> Paired | Refused:
    """Pairs two people, the introductions committed with the pair."""
    try:
        return await core.pairing.create(
            now.person.user_id,
            a_id,
            b_id,
            now.update_id,
            override=override,
            roles=roles,
            tell=partial(_introductions, core),
        )
    except DuplicateUpdate:
        return await _replayed(core, now, a_id, b_id)


async def _end(core: Core, now: Turn, pair_ids: Sequence[int]) -> list[Ended]:
    """Ends pairs, both people's notices committed with the end."""
    try:
        return await core.pairing.end(
            now.person.user_id, pair_ids, now.update_id, partial(_ended_notices, core)
        )
    except DuplicateUpdate:
        return await core.pairing.ended_by(now.update_id)


async def _introductions(core: Core, paired: Paired) -> list[Send]:
    """Introduces each of a new pair to the other, each in her own language."""
    now = core.clock.now()
    sends = []
    for me, other in ((paired.mentor, paired.mentee), (paired.mentee, paired.mentor)):
        t = core.t(me.person.language)
        sends.append(Send(me.user_id, introduction(t, core.form, me, other, now)))
    return sends


async def _ended_notices(core: Core, ended: Ended) -> list[Send]:
    """Tells both people of an ended pair, each in her own language."""
    return [
        Send(me.user_id, ended_notice(core.t(me.person.language), other))
        for me, other in ((ended.mentor, ended.mentee), (ended.mentee, ended.mentor))
    ]


async def _people(core: Core, ids: Sequence[int]) -> dict[int, Person]:
    found = {}
    for user_id in ids:
        person = await core.people.get(user_id)
        if person is not None:
            found[user_id] = person
    return found


async def _resolve(core: Core, now: Turn, references: Sequence[str]) -> list[Person] | str:
    """Finds people by id or @username, or returns the text naming the one not found."""
    parsed = []
    for text in references:
        reference = parse_reference(text)
        if reference is None:
            return f"{not_a_reference(now.t, text)}\n\n{usage(now.t)}"
        parsed.append(reference)
    people = []
    for reference in parsed:
        person = await core.people.find(reference)
        if person is None:
            return unknown_reference(now.t, str(reference))
        people.append(person)
    return people


async def _outcome(core: Core, now: Turn, result: Paired | Refused, response: Response) -> None:
    """Adds the staff answer (and the introductions) for one pairing attempt."""
    if isinstance(result, Paired):
        response.send(now.chat_id, paired_text(now.t, result))
        return
    ids = [issue.user_id for issue in result.issues]
    if result.check is not None:
        ids += [result.check.mentor.user_id, result.check.mentee.user_id]
    response.send(now.chat_id, *refusal(now.t, result, await _people(core, ids)))


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds /pair, /unpair and the pairing buttons (staff only)."""
    core = deps.core

    async def suggest(now: Turn, cohort: Cohort | None = None) -> tuple[str, Keyboard]:
        """The first page of fresh suggestions (everyone's, or one cohort's)."""
        code = cohort.code if cohort is not None else None
        suggestions, people = await core.pairing.suggestions(code)
        named = (cohort.code, cohort.name) if cohort is not None else None
        return suggestion_page(
            now.t, core.form, suggestions, people, fingerprint(suggestions), 0, named
        )

    async def suggest_in_place(now: Turn, update: Update, cohort: Cohort | None = None) -> None:
        """Says at once that suggestions are coming, then turns that message into their first
        page (reading everyone still to pair and solving takes a while at scale)."""
        named = (cohort.code, cohort.name) if cohort is not None else None
        sent = await respond(deps, update, Response.text(now.chat_id, searching(now.t, named)))
        text, keyboard = await suggest(now, cohort)
        response = Response()
        if sent and sent[0] is not None:
            response.replies.append(Edit(now.chat_id, sent[0].message_id, text, keyboard))
        else:
            response.send(now.chat_id, text, keyboard)
        await respond(deps, update, response)

    async def set_capacity(now: Turn, args: Sequence[str], response: Response) -> None:
        capacity = parse_number(args[1], MAX_CAPACITY) if len(args) == 2 else None
        if capacity is None:
            response.send(now.chat_id, usage(now.t))
            return
        found = await _resolve(core, now, args[:1])
        if isinstance(found, str):
            response.send(now.chat_id, found)
            return
        participant = await core.pairing.participant(found[0].user_id)
        if participant is None or participant.role != MENTOR:
            response.send(
                now.chat_id,
                now.t("{name} is not a mentor.", name=Html(staff_name(found[0]))),
            )
            return
        # Handled again after a crash, the capacity is already set: say where it stands.
        with contextlib.suppress(DuplicateUpdate):
            await core.pairing.set_capacity(
                now.person.user_id, participant.user_id, capacity, now.update_id
            )
        updated = await core.pairing.participant(participant.user_id)
        assert updated is not None
        response.send(
            now.chat_id,
            now.t.plural(
                "Capacity of {name}: {capacity}. {count} place left.",
                "Capacity of {name}: {capacity}. {count} places left.",
                updated.places_left,
                name=Html(staff_name(updated)),
                capacity=now.t.number(updated.person.capacity),
            ),
        )

    async def pair(update: Update, context: Context) -> None:
        """Pairs two people, suggests pairs, or sets a mentor's capacity."""
        now = await turn(deps, update)
        args = context.args or []
        response = Response()
        if not args:
            await suggest_in_place(now, update)
            return
        elif args[0].lower() == "capacity":
            await set_capacity(now, args[1:], response)
        elif len(args) == 1:  # a cohort's code: suggestions among its people
            cohort = await core.cohorts.get(args[0]) if valid_code(args[0]) else None
            if cohort is None and parse_reference(args[0]) is not None:  # one person alone
                response.send(now.chat_id, usage(now.t))
            elif cohort is None:
                text = unknown_cohort(now.t, args[0], await core.cohorts.known())
                response.send(now.chat_id, f"{text}\n\n{usage(now.t)}")
            else:
                await suggest_in_place(now, update, cohort)
                return
        elif len(args) != 2:
            response.send(now.chat_id, usage(now.t))
        else:
            found = await _resolve(core, now, args)
            if isinstance(found, str):
                response.send(now.chat_id, found)
            else:
                result = await _create(core, now, found[0].user_id, found[1].user_id)
                await _outcome(core, now, result, response)
        await respond(deps, update, response)

    async def unpair(update: Update, context: Context) -> None:
        """Ends the pairing(s) of a person, or of a mentor with one mentee; both are told."""
        now = await turn(deps, update)
        args = context.args or []
        response = Response()
        if len(args) not in (1, 2):
            response.send(now.chat_id, usage(now.t))
            await respond(deps, update, response)
            return
        found = await _resolve(core, now, args)
        if isinstance(found, str):
            response.send(now.chat_id, found)
            await respond(deps, update, response)
            return
        ids = {person.user_id for person in found}
        pairs = await core.pairing.pairs_of(found[0].user_id)
        if len(found) == 2:
            pairs = [p for p in pairs if {p.mentor_id, p.mentee_id} == ids]
        if not pairs:
            if len(found) == 2:
                text = now.t("They are not paired together.")
            else:
                text = now.t("{name} has no active pairing.", name=Html(staff_name(found[0])))
            response.send(now.chat_id, text)
        elif len(pairs) > 1:
            mentor = await core.pairing.participant(found[0].user_id)
            mentees = []
            for item in pairs:
                mentee = await core.pairing.participant(item.mentee_id)
                if mentee is not None:
                    mentees.append((item.id, mentee))
            assert mentor is not None
            response.send(now.chat_id, *choose_end(now.t, mentor, mentees))
        else:
            ended = await _end(core, now, [pairs[0].id])
            response.send(now.chat_id, ended_text(now.t, ended))
        await respond(deps, update, response)

    async def press(update: Update, context: Context) -> None:
        """Applies a pairing button after checking again that it still makes sense."""
        query = update.callback_query
        assert query is not None
        now = await turn(deps, update)
        parts = (query.data or "").split(":")
        response = Response(toast=Toast())
        try:
            if parts[0] != NAMESPACE or len(parts) < 3:
                raise BadCallback(query.data or "")
            action, fields = parts[1], parts[2:]
            if action == PAIR and len(fields) == 2:
                await press_pair(now, to_int(fields[0]), to_int(fields[1]), response)
            elif action == OVERRIDE and len(fields) == 3:
                mentor, mentee, mask = (to_int(field) for field in fields)
                await press_override(now, mentor, mentee, mask, response)
            elif action == PAIR_ALL and len(fields) in (1, 2):
                await press_all(now, fields[0], fields[1] if len(fields) == 2 else None, response)
            elif action == MORE and len(fields) in (2, 3) and isinstance(query.message, Message):
                code = fields[2] if len(fields) == 3 else None
                page = (query.message.message_id, fields[0], to_int(fields[1]))
                await press_more(now, page, code, response)
            elif action == END and len(fields) == 1:
                await press_end(now, to_int(fields[0]), response)
            else:
                raise BadCallback(query.data or "")
        except BadCallback:
            response = Response(toast=stale(now.t))
        await respond(deps, update, response)

    async def press_pair(now: Turn, mentor: int, mentee: int, response: Response) -> None:
        result = await _create(core, now, mentor, mentee, roles=(mentor, mentee))
        if isinstance(result, Refused):
            response.toast = Toast(
                now.t.plain(
                    "This suggestion is no longer possible: someone was paired or changed "
                    "meanwhile. Send /pair for fresh suggestions."
                ),
                alert=True,
            )
            return
        await _outcome(core, now, result, response)

    async def press_override(
        now: Turn, mentor: int, mentee: int, mask: int, response: Response
    ) -> None:
        result = await _create(core, now, mentor, mentee, override=mask, roles=(mentor, mentee))
        if isinstance(result, Refused):
            response.toast = Toast(now.t.plain("The situation changed: nothing was done."))
        await _outcome(core, now, result, response)

    async def fresh(
        now: Turn, code: str | None, digest: str, response: Response
    ) -> tuple[Cohort | None, list[Suggestion], dict[int, Participant], bool]:
        """The suggestions read again (of the cohort with this code), and whether they changed
        since the list pressed was shown (`digest`): if so, a toast says so."""
        cohort = await core.cohorts.get(code) if code is not None else None
        if code is not None and cohort is None:
            raise BadCallback(code)
        suggestions, people = await core.pairing.suggestions(code)
        changed = not suggestions or fingerprint(suggestions) != digest
        if changed:
            response.toast = Toast(
                now.t.plain("The suggestions changed meanwhile: here they are again."), alert=True
            )
        return cohort, suggestions, people, changed

    async def press_all(now: Turn, digest: str, code: str | None, response: Response) -> None:
        formed = await core.pairing.formed_by(now.update_id)
        if formed:  # handled again after a crash: what it did, not a second round
            response.send(now.chat_id, pair_all_text(now.t, formed, []))
            return
        cohort, suggestions, _, changed = await fresh(now, code, digest, response)
        if changed:
            response.send(now.chat_id, *await suggest(now, cohort))
            return
        try:
            results = await core.pairing.create_many(
                now.person.user_id,
                [(s.mentor_id, s.mentee_id) for s in suggestions],
                now.update_id,
                partial(_introductions, core),
            )
        except DuplicateUpdate:
            results = []
        done = [r for r in results if isinstance(r, Paired)]
        refused = [r for r in results if isinstance(r, Refused)]
        response.send(now.chat_id, pair_all_text(now.t, done, refused))

    async def press_more(
        now: Turn, page: tuple[int, str, int], code: str | None, response: Response
    ) -> None:
        """Shows the next page in place, from a fresh list: the first page again when the
        suggestions changed since the list was shown."""
        message_id, digest, start = page
        cohort, suggestions, people, changed = await fresh(now, code, digest, response)
        if changed:
            start = 0
        elif start >= len(suggestions):
            raise BadCallback(str(start))
        named = (cohort.code, cohort.name) if cohort is not None else None
        text, keyboard = suggestion_page(
            now.t, core.form, suggestions, people, fingerprint(suggestions), start, named
        )
        response.replies.append(Edit(now.chat_id, message_id, text, keyboard))

    async def press_end(now: Turn, pair_id: int, response: Response) -> None:
        ended = await _end(core, now, [pair_id])
        if not ended:
            response.toast = Toast(now.t.plain("That pairing has already ended."))
            return
        response.send(now.chat_id, ended_text(now.t, ended))

    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("pair", staff_only(deps, pair), private))
    app.add_handler(CommandHandler("unpair", staff_only(deps, unpair), private))
    app.add_handler(CallbackQueryHandler(staff_only(deps, press), pattern=f"^{NAMESPACE}:"))
