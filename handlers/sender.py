"""The one module that turns reply values into Bot API calls, with Telegram's error rules."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.runtime.replies import (
    PHOTO,
    Edit,
    EditButtons,
    Keyboard,
    Reply,
    Send,
    SendDocument,
    SendMedia,
    Toast,
    fit,
)
from handlers.limits import RateLimiter, Slot, seconds_of
from handlers.request import post_raw

log = logging.getLogger(__name__)

# Waits between attempts of an interactive reply on network errors and 5xx: about 30 s in
# all, which outlasts a short Bot API outage; only this person's worker waits meanwhile.
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
MAX_PAUSES = 5  # 429s in a row waited out for one reply before it counts as a failure
# Messages of one answer sent as replies; past them, the rest of a long answer (a long list,
# a text in many parts) yields to other people's replies in the limiter.
LONG_ANSWER = 3
TIDY_PATIENCE = 1.1  # seconds tidying edits may wait for slots, in all: a window, a little more
# Edits that cannot apply because the message is gone or too old: the edits this bot makes
# only tidy up old messages, so these are expected now and then and nothing to report.
GONE = ("message to edit not found", "message can't be edited")
USER_LINK = "tg://user?id="
PRIVACY_RESTRICTED = "button_user_privacy_restricted"


def markup(keyboard: Keyboard) -> dict[str, object] | None:
    """An inline keyboard as the Bot API's JSON, or None for no buttons."""
    if not keyboard:
        return None
    return {
        "inline_keyboard": [
            [
                {"text": b.label, "url": b.url}
                if b.url
                else {"text": b.label, "callback_data": b.data}
                for b in row
            ]
            for row in keyboard
        ]
    }


@dataclass(frozen=True, slots=True)
class Sent:
    """The message a reply made or edited: all the bot needs of Telegram's answer."""

    chat_id: int
    message_id: int


def sent_of(answer: object) -> Sent | None:
    """The ids in Telegram's answer (a Message's JSON); None for a bare True."""
    if not isinstance(answer, dict):
        return None
    return Sent(answer["chat"]["id"], answer["message_id"])


def request_of(reply: Send | Edit | EditButtons | SendMedia) -> tuple[str, dict[str, object]]:
    """The Bot API method and its parameters for a reply (None values are left out)."""
    keyboard = markup(reply.keyboard)
    if isinstance(reply, Send):
        return "send_message", {
            "chat_id": reply.chat_id,
            "text": reply.text,
            "parse_mode": ParseMode.HTML.value,
            "reply_markup": keyboard,
        }
    if isinstance(reply, Edit):
        return "edit_message_text", {
            "chat_id": reply.chat_id,
            "message_id": reply.message_id,
            "text": reply.text,
            "parse_mode": ParseMode.HTML.value,
            "reply_markup": keyboard,
        }
    if isinstance(reply, EditButtons):
        return "edit_message_reply_markup", {
            "chat_id": reply.chat_id,
            "message_id": reply.message_id,
            "reply_markup": keyboard,
        }
    field = "photo" if reply.kind == PHOTO else "document"
    return f"send_{field}", {
        "chat_id": reply.chat_id,
        field: reply.file_id,
        "caption": reply.caption or None,
        "parse_mode": ParseMode.HTML.value,
        "reply_markup": keyboard,
    }


def without_user_links(reply: Reply) -> Reply | None:
    """The message without its buttons that open someone's chat by id (tg://user?id=), which
    Telegram refuses when her privacy settings forbid such links; None if it had none."""
    if not isinstance(reply, Send | SendMedia):
        return None
    keyboard = tuple(
        kept
        for row in reply.keyboard
        if (kept := tuple(b for b in row if not b.url.startswith(USER_LINK)))
    )
    if keyboard == reply.keyboard:
        return None
    return replace(reply, keyboard=keyboard)


class Status(StrEnum):
    """What became of one attempt to send."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # 403: she blocked the bot or deleted her account
    REFUSED = "refused"  # a permanent 400, with its reason
    RETRY = "retry"  # 429, 5xx, network: worth trying again later


@dataclass(frozen=True)
class Attempt:
    """The outcome of one send: the message Telegram returned, or why there is none."""

    status: Status
    message: Sent | None = None
    reason: str = ""
    retry_after: float = 0.0


class Sender:
    """Delivers replies under Telegram's limits and error rules; the only caller of send APIs."""

    def __init__(
        self,
        bot: Bot,
        on_unreachable: Callable[[int], Awaitable[None]],
        limiter: RateLimiter | None = None,
    ) -> None:
        self.bot = bot
        self.on_unreachable = on_unreachable
        self.limiter = limiter or RateLimiter()

    async def deliver(self, replies: Sequence[Reply]) -> list[Sent | None]:
        """Sends replies in order; a reply that cannot be delivered yields None.

        The first LONG_ANSWER messages go as replies; the rest of a long answer yields to
        other people's replies (their next question must not wait behind it)."""
        delivered: list[Sent | None] = []
        sent = 0
        for reply in replies:
            *first, last = fit(reply)  # over Telegram's length limits: in parts, in order
            for part in first:
                await self._deliver(part, later=sent >= LONG_ANSWER)
                sent += 1
            delivered.append(await self._deliver(last, later=sent >= LONG_ANSWER))
            sent += 1
        return delivered

    async def deliver_one(self, reply: Reply) -> Sent | None:
        """Sends one interactive reply: waits out 429s, retries network errors for ~30 s."""
        return (await self.deliver([reply]))[0]

    async def _deliver(self, reply: Reply, later: bool) -> Sent | None:
        """Sends one message (`later`: behind every waiting reply, like a tidying edit, but
        never dropped): waits out 429s, retries network errors for ~30 s."""
        delays = iter(RETRY_DELAYS)
        pauses = 0
        while True:
            result = await self.attempt(reply, tidy=later)
            if result.status != Status.RETRY:
                return result.message
            if result.retry_after and pauses < MAX_PAUSES:
                pauses += 1
                continue  # the limiter holds the next attempt until the pause is over
            delay = next(delays, None)
            if delay is None:
                log.error("giving up on a %s: %s", type(reply).__name__, result.reason)
                return None
            await asyncio.sleep(delay)

    async def tidy(self, replies: Sequence[Reply]) -> None:
        """Sends edits that only tidy older messages: behind every waiting reply, once each, and
        for at most TIDY_PATIENCE in all (what does not fit is dropped: nothing depends on it,
        and her next update should not wait for it)."""
        deadline = self.limiter.now() + TIDY_PATIENCE
        for reply in replies:
            for part in fit(reply):
                result = await self.attempt(part, tidy=True, deadline=deadline)
                if result.status == Status.RETRY:
                    log.info("a tidying %s was dropped: %s", type(part).__name__, result.reason)

    async def attempt(
        self, reply: Reply, bulk: bool = False, tidy: bool = False, deadline: float | None = None
    ) -> Attempt:
        """Sends once, after waiting for a slot; says what happened in Telegram's terms."""
        slot = await self.limiter.wait(reply.chat_id, bulk, tidy, deadline)
        if slot is None:
            return Attempt(Status.RETRY, reason="no slot in time")
        try:
            return Attempt(Status.SENT, await self._answered(reply, slot))
        except RetryAfter as error:
            seconds = seconds_of(error.retry_after)
            log.warning("429 from Telegram for a chat: pausing it %.0f s", seconds)
            self.limiter.too_many_requests(reply.chat_id, seconds)
            return Attempt(Status.RETRY, reason="429", retry_after=seconds)
        except Forbidden:
            log.info("chat %s is unreachable (403)", reply.chat_id)
            await self.on_unreachable(reply.chat_id)
            return Attempt(Status.UNREACHABLE, reason="403")
        except BadRequest as error:
            if "message is not modified" in error.message.lower():
                return Attempt(Status.SENT)
            if "chat not found" in error.message.lower():
                await self.on_unreachable(reply.chat_id)
                return Attempt(Status.UNREACHABLE, reason=error.message)
            plainer = without_user_links(reply)
            if PRIVACY_RESTRICTED in error.message.lower() and plainer is not None:
                log.info("a link to someone's chat was refused (privacy): sent without it")
                return await self.attempt(plainer, bulk, tidy, deadline)
            gone = any(words in error.message.lower() for words in GONE)
            if gone and isinstance(reply, Edit | EditButtons):
                log.info("an edited message was no longer there: %s", error.message)
                return Attempt(Status.REFUSED, reason=error.message)
            log.error("Telegram refused a %s: %s", type(reply).__name__, error.message)
            return Attempt(Status.REFUSED, reason=error.message)
        except (TimedOut, NetworkError) as error:
            return Attempt(Status.RETRY, reason=f"{type(error).__name__}: {error.message}")

    async def _answered(self, reply: Reply, slot: Slot) -> Sent | None:
        """The call, its answer's time told to the limiter (error or not)."""
        try:
            return await self._call(reply)
        finally:
            self.limiter.answered(slot)

    async def _call(self, reply: Reply) -> Sent | None:
        if isinstance(reply, SendDocument):  # files go through PTB's own upload handling
            upload = self.bot.send_photo if reply.photo else self.bot.send_document
            message = await upload(
                reply.chat_id,
                InputFile(reply.content, filename=reply.filename),
                caption=reply.caption or None,
                parse_mode=ParseMode.HTML,
            )
            return Sent(message.chat_id, message.message_id)
        endpoint, parameters = request_of(reply)
        # The answer as Telegram's JSON: PTB would build a whole Message (its keyboard, its
        # sender, its chat) from every answer, only for its ids (benchmarks/README.md, §1).
        answer = await post_raw(self.bot, endpoint, parameters)
        return sent_of(answer)

    async def answer(self, query_id: str, toast: Toast | None) -> None:
        """Answers a button press (every press is answered), ignoring expired queries."""
        toast = toast or Toast()
        try:
            # Raw, as replies go (`_call`): PTB's method makes the same request.
            await post_raw(
                self.bot,
                "answer_callback_query",
                {
                    "callback_query_id": query_id,
                    "text": toast.text[:200] or None,
                    "show_alert": toast.alert,
                },
            )
        except BadRequest as error:
            log.info("could not answer a callback query: %s", error.message)
        except (TimedOut, NetworkError) as error:
            log.info("network error answering a callback query: %s", error)
