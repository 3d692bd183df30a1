"""What the emulated Telegram remembers: people, their private chats, files, updates, queries."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

DEFAULT_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Clock(Protocol):
    """Source of the current instant (aware, UTC)."""

    def now(self) -> datetime:
        """Returns the current instant."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Returns the current instant."""
        return datetime.now(UTC)


class Notifier:
    """Wakes every waiter when something changed (a one-shot event renewed on each change)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wakes current waiters."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Waits for the next change, at most `seconds`."""
        event = self._event
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)


@dataclass
class EmuUser:
    """A person using Telegram."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked: bool = False
    started: bool = False

    def to_api(self) -> dict[str, Any]:
        """Returns the Bot API User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_api(self) -> dict[str, Any]:
        """Returns the Bot API Chat object of the private chat with this person."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def to_json(self) -> dict[str, Any]:
        """Returns the control-surface view of this person."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
            "blocked": self.blocked,
            "started": self.started,
        }


@dataclass
class StoredFile:
    """A file Telegram keeps: uploaded by the bot, reusable by file_id, downloadable."""

    file_id: str
    file_unique_id: str
    kind: str
    file_name: str
    mime_type: str
    data: bytes
    file_path: str
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        """Returns the size in bytes."""
        return len(self.data)

    def document_api(self) -> dict[str, Any]:
        """Returns the Bot API Document object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": self.size,
        }

    def photo_api(self) -> list[dict[str, Any]]:
        """Returns the Bot API array of PhotoSize objects."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": self.size,
            }
        ]


@dataclass(frozen=True)
class EmuDocument:
    """A document attached to a message."""

    filename: str
    mime_type: str
    data: bytes
    file_id: str

    @property
    def size(self) -> int:
        """Returns the size in bytes."""
        return len(self.data)


@dataclass
class EmuMessage:
    """A message in a private chat, as it currently stands."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str
    html: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    document: EmuDocument | None
    photo: bool
    edited: bool
    version: int
    date: datetime
    edit_date: datetime | None = None
    deleted: bool = False
    is_caption: bool = False
    photo_file_id: str | None = None
    reply_to_message_id: int | None = None

    @property
    def buttons(self) -> list[list[str]]:
        """Returns the button labels, row by row (inline keyboard, else reply keyboard)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [[b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in rows]

    @property
    def inline_buttons(self) -> list[dict[str, Any]]:
        """Returns the inline keyboard buttons, row by row, left to right."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def to_json(self) -> dict[str, Any]:
        """Returns the control-surface view of this message."""
        buttons = [
            [
                {"text": b} if isinstance(b, str) else {k: v for k, v in b.items() if k != "style"}
                for b in row
            ]
            for row in (
                (self.reply_markup or {}).get("inline_keyboard")
                or (self.reply_markup or {}).get("keyboard")
                or []
            )
        ]
        document = None
        if self.document is not None:
            document = {
                "file_id": self.document.file_id,
                "file_name": self.document.filename,
                "mime_type": self.document.mime_type,
                "size": self.document.size,
            }
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "from_bot": self.from_bot,
            "text": self.text,
            "html": self.html,
            "entities": self.entities,
            "buttons": buttons,
            "inline": bool((self.reply_markup or {}).get("inline_keyboard")),
            "document": document,
            "photo": self.photo_file_id,
            "edited": self.edited,
            "deleted": self.deleted,
            "version": self.version,
            "date": int(self.date.timestamp()),
        }


@dataclass
class CallbackResult:
    """How the bot answered a button press."""

    text: str | None
    show_alert: bool
    answered: bool
    url: str | None = None


@dataclass
class PendingQuery:
    """A callback query the bot has to answer."""

    id: str
    user_id: int
    message_id: int
    data: str
    created: datetime
    result: CallbackResult | None = None


@dataclass
class Chat:
    """A private chat between the bot and one person."""

    user: EmuUser
    messages: dict[int, EmuMessage] = field(default_factory=dict)
    next_message_id: int = 1
    instance: str = field(default_factory=lambda: str(random.randint(10**17, 10**19)))


class State:
    """Everything the emulator remembers, plus change notification."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.queries: dict[str, PendingQuery] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = random.randint(10**8, 9 * 10**8)
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATES
        self.version = 0
        self.next_user_id = 1001
        self.changed = Notifier()

    def reset(self) -> None:
        """Forgets people, chats, files, queries and pending updates (ids keep increasing)."""
        self.users.clear()
        self.chats.clear()
        self.files.clear()
        self.files_by_path.clear()
        self.queries.clear()
        self.updates.clear()
        self.bump()

    def bump(self) -> int:
        """Advances the global version and wakes waiters; returns the new version."""
        self.version += 1
        self.changed.notify()
        return self.version

    def add_user(
        self,
        first_name: str,
        *,
        language_code: str | None,
        username: str | None,
        last_name: str | None,
        user_id: int | None,
    ) -> EmuUser:
        """Creates a person and her private chat with the bot."""
        if not first_name:
            raise ValueError("first_name must be non-empty")
        if user_id is None:
            while self.next_user_id in self.users:
                self.next_user_id += 1
            user_id = self.next_user_id
            self.next_user_id += 1
        elif user_id in self.users or user_id <= 0:
            raise ValueError(f"user id {user_id} is already used or not positive")
        if username and any(
            u.username and u.username.lower() == username.lower() for u in self.users.values()
        ):
            raise ValueError(f"username {username!r} is already taken")
        user = EmuUser(user_id, first_name, last_name, username or None, language_code or None)
        self.users[user_id] = user
        self.chats[user_id] = Chat(user)
        self.bump()
        return user

    def remove_user(self, user_id: int) -> None:
        """Forgets a person, her chat and her pending queries and updates."""
        self.users.pop(user_id, None)
        self.chats.pop(user_id, None)
        self.queries = {k: q for k, q in self.queries.items() if q.user_id != user_id}
        self.updates = [u for u in self.updates if _sender(u) != user_id]
        self.bump()

    def user(self, user_id: int) -> EmuUser:
        """Returns a person by id or raises KeyError."""
        if user_id not in self.users:
            raise KeyError(f"no user {user_id}; known: {sorted(self.users)}")
        return self.users[user_id]

    def new_message(self, chat: Chat, **fields: Any) -> EmuMessage:
        """Stores a new message in a chat with the next id and version."""
        message = EmuMessage(
            message_id=chat.next_message_id,
            chat_id=chat.user.id,
            version=self.version + 1,
            date=self.clock.now(),
            edited=False,
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.bump()
        return message

    def touch(self, message: EmuMessage) -> None:
        """Records that a message changed (edited or deleted)."""
        message.version = self.version + 1
        self.bump()

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queues an update unless the bot's allowed_updates exclude it."""
        if kind not in self.allowed_updates:
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.changed.notify()
        return update

    def confirm(self, offset: int) -> None:
        """Forgets updates confirmed by a getUpdates offset (negative: keep the last -offset)."""
        if offset < 0:
            self.updates = self.updates[offset:] if -offset < len(self.updates) else self.updates
        elif offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def store_file(
        self,
        kind: str,
        file_name: str,
        mime_type: str,
        data: bytes,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        """Keeps an uploaded file under a fresh file_id."""
        prefix = "BQACAgIAAxkBAAI" if kind == "document" else "AgACAgIAAxkBAAI"
        folder = "documents" if kind == "document" else "photos"
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "jpg"
        stored = StoredFile(
            file_id=prefix + secrets.token_urlsafe(24),
            file_unique_id="AgAD" + secrets.token_urlsafe(9),
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
            data=data,
            file_path=f"{folder}/file_{len(self.files)}.{extension}",
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def new_query(self, user_id: int, message_id: int, data: str) -> PendingQuery:
        """Creates a callback query awaiting the bot's answer."""
        query = PendingQuery(
            id=str(random.randint(10**17, 10**19)),
            user_id=user_id,
            message_id=message_id,
            data=data,
            created=self.clock.now(),
        )
        self.queries[query.id] = query
        return query


def _sender(update: dict[str, Any]) -> int | None:
    """The id of the person an update comes from."""
    for payload in update.values():
        if isinstance(payload, dict):
            sender = payload.get("from") or payload.get("chat") or {}
            return sender.get("id") if isinstance(sender, dict) else None
    return None
