"""What every handler shares: parsing the sender, the per-update turn, delivering a response."""

from __future__ import annotations

from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.core import Core
from bot.runtime.i18n import Translator
from bot.runtime.inputs import PendingInput
from bot.runtime.people import Person, Who
from bot.runtime.replies import Response, Toast
from handlers.broadcaster import Broadcaster
from handlers.courier import Courier
from handlers.sender import Sender, Sent

Context = ContextTypes.DEFAULT_TYPE
Callback = Callable[[Update, Context], Coroutine[Any, Any, Any]]


@dataclass(frozen=True)
class Deps:
    """What handlers need: the core, the sender, the background courier and broadcast runner."""

    core: Core
    sender: Sender
    courier: Courier
    broadcaster: Broadcaster


@dataclass(frozen=True)
class Turn:
    """One update from one person, parsed."""

    update_id: int
    who: Who
    person: Person
    t: Translator
    chat_id: int


def who_of(update: Update) -> Who:
    """The sender of an update."""
    user = update.effective_user
    assert user is not None
    return Who(user.id, user.first_name, user.last_name, user.username, user.language_code)


async def turn(deps: Deps, update: Update, keep_names: bool = False) -> Turn:
    """Parses an update and loads (or creates) the person who sent it."""
    who = who_of(update)
    staff = partial(deps.core.staff.is_staff, who.user_id)  # staff keep their names
    person = await deps.core.people.touch(who, keep_names=keep_names or staff)
    return Turn(update.update_id, who, person, deps.core.t(person.language), who.user_id)


async def respond(deps: Deps, update: Update, response: Response) -> list[Sent | None]:
    """Answers the button press (always), sends the replies, then the tidying edits; returns
    what Telegram made of each reply (None where one could not be delivered)."""
    query = update.callback_query
    if query is not None:
        await deps.sender.answer(query.id, response.toast)
    deps.courier.wake()  # what the update committed for other people goes out meanwhile
    delivered = await deps.sender.deliver(response.replies)
    await deps.sender.tidy(response.tidy)
    return delivered


def staff_only(deps: Deps, callback: Callback) -> Callback:
    """Wraps a staff command or button: anyone else gets one polite line and nothing happens."""

    async def guarded(update: Update, context: Context) -> Any:
        user = update.effective_user
        if user is not None and await deps.core.staff.is_staff(user.id):
            return await callback(update, context)
        now = await turn(deps, update)
        text = now.t.plain("Sorry, this is for program staff only.")
        if update.callback_query is not None:
            await deps.sender.answer(update.callback_query.id, Toast(text, alert=True))
        else:
            await respond(
                deps,
                update,
                Response.text(now.chat_id, now.t("Sorry, this is for program staff only.")),
            )
        return None

    guarded.__doc__ = callback.__doc__
    return guarded


async def staff_input(
    deps: Deps, update: Update, kinds: Collection[str]
) -> tuple[Turn, PendingInput] | None:
    """The staff input of one of these kinds that this message answers, with its turn.

    None when the sender was asked for none of them, or is no longer staff (what she was asked
    for is then dropped: a former staff member's text must not act).
    """
    user = update.effective_user
    if user is None or update.effective_message is None:
        return None
    pending = await deps.core.inputs.get(user.id)
    if pending is None or pending.kind not in kinds:
        return None
    if not await deps.core.staff.is_staff(user.id):
        await deps.core.cancel_inputs(user.id)
        return None
    return await turn(deps, update), pending
