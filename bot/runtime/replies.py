"""Replies as plain values: what to send, edit or answer; one module turns them into API calls."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.runtime.i18n import N_, Translator
from bot.runtime.split import CAPTION_LIMIT, TEXT_LIMIT, exceeds, shorten_html, split_html

STALE_BUTTON = N_("This button is no longer active.")


@dataclass(frozen=True)
class Button:
    """An inline button with its (already encoded) callback data, or a link it opens (`url`,
    then `data` is empty)."""

    label: str
    data: str
    url: str = ""


def link_button(label: str, url: str) -> Button:
    """A button that opens a link (a chat, a page) instead of sending a press to the bot."""
    return Button(label, "", url)


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Send:
    """A new HTML message, optionally with inline buttons."""

    chat_id: int
    text: str
    keyboard: Keyboard = ()


@dataclass(frozen=True)
class Edit:
    """Replaces the text (and buttons) of a message the bot sent."""

    chat_id: int
    message_id: int
    text: str
    keyboard: Keyboard = ()


@dataclass(frozen=True)
class EditButtons:
    """Replaces the buttons of a message the bot sent, keeping its text (none: removes them)."""

    chat_id: int
    message_id: int
    keyboard: Keyboard = ()


@dataclass(frozen=True)
class SendDocument:
    """A file sent as a document (or, with `photo`, an image Telegram shows inline)."""

    chat_id: int
    filename: str
    content: bytes
    caption: str = ""
    photo: bool = False


PHOTO = "photo"
DOCUMENT = "document"


@dataclass(frozen=True)
class SendMedia:
    """A photo or document Telegram already keeps (sent again by its file_id), with a caption."""

    chat_id: int
    kind: str  # PHOTO or DOCUMENT
    file_id: str
    caption: str = ""
    keyboard: Keyboard = ()


Reply = Send | Edit | EditButtons | SendDocument | SendMedia


def fit(reply: Reply) -> list[Reply]:
    """The reply as Telegram accepts it: a long text in several messages (buttons on the last),
    an edit shortened, a long caption sent as messages after its document; nothing is lost."""
    if isinstance(reply, Send) and exceeds(reply.text, TEXT_LIMIT):
        *parts, last = split_html(reply.text, TEXT_LIMIT)
        return [
            *(replace(reply, text=part, keyboard=()) for part in parts),
            replace(reply, text=last),
        ]
    if isinstance(reply, Edit) and exceeds(reply.text, TEXT_LIMIT):
        return [replace(reply, text=shorten_html(reply.text, TEXT_LIMIT))]
    if isinstance(reply, SendDocument) and exceeds(reply.caption, CAPTION_LIMIT):
        texts = split_html(reply.caption, TEXT_LIMIT)
        return [replace(reply, caption=""), *(Send(reply.chat_id, text) for text in texts)]
    if isinstance(reply, SendMedia) and exceeds(reply.caption, CAPTION_LIMIT):
        *texts, last = split_html(reply.caption, TEXT_LIMIT)
        return [
            replace(reply, caption="", keyboard=()),
            *(Send(reply.chat_id, text) for text in texts),
            Send(reply.chat_id, last, reply.keyboard),
        ]
    return [reply]


@dataclass(frozen=True)
class Toast:
    """The answer to a button press: a short notice, or an alert box."""

    text: str = ""
    alert: bool = False


def stale(t: Translator) -> Toast:
    """The notice for a button that no longer does anything (old message, forged data)."""
    return Toast(t.plain(STALE_BUTTON))


@dataclass
class Response:
    """Everything one update answers the person who sent it.

    `replies` are sent before her next update is handled, then `tidy`. What the update owes
    other people is not here: the service commits it to the outbox with the effect itself.
    """

    replies: list[Reply] = field(default_factory=list)
    toast: Toast | None = None
    tidy: list[Reply] = field(default_factory=list)
    """Edits that only tidy older messages (an answered question closed): sent after the
    replies, behind everyone's replies, once; losing one changes nothing."""

    @classmethod
    def text(cls, chat_id: int, text: str) -> Response:
        """A response of one message."""
        return cls([Send(chat_id, text)])

    def send(self, chat_id: int, text: str, keyboard: Keyboard = ()) -> None:
        """Adds a message to send."""
        self.replies.append(Send(chat_id, text, keyboard))
