"""The emulator's memory as plain JSON-ready values, and back: what a restart needs to go on.

Telegram keeps people, chats, files, unconfirmed updates and the bot's commands while a bot
restarts; a playground that keeps its database across runs keeps these with it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.emulator.state import Chat, EmuDocument, EmuMessage, EmuUser, StoredFile

if TYPE_CHECKING:
    from bot.emulator.emulator import Emulator

Record = dict[str, Any]


@dataclass
class Snapshot:
    """People and chats, the messages changed since a version, every file, the counters."""

    version: int
    users: list[Record]
    messages: list[Record]
    files: dict[str, StoredFile]
    settings: Record


def take(emu: Emulator, since: int = 0) -> Snapshot:
    """The emulator as it stands, with only the messages sent, edited or deleted after `since`."""
    state, api = emu.state, emu.api
    users = [
        {**asdict(chat.user), "next_message_id": chat.next_message_id, "instance": chat.instance}
        for chat in state.chats.values()
    ]
    messages = [
        _message_record(m)
        for chat in state.chats.values()
        for m in chat.messages.values()
        if m.version > since
    ]
    settings = {
        "version": state.version,
        "next_user_id": state.next_user_id,
        "next_update_id": state.next_update_id,
        "updates": list(state.updates),
        "commands": [
            [list(scope), code, list(cmds)] for (scope, code), cmds in api.commands.items()
        ],
        "menu_buttons": [[chat_id, button] for chat_id, button in api.menu_buttons.items()],
        "texts": [[name, code, value] for (name, code), value in api.texts.items()],
    }
    return Snapshot(state.version, users, messages, dict(state.files), settings)


def restore(
    emu: Emulator,
    users: list[Record],
    messages: list[Record],
    files: list[StoredFile],
    settings: Record,
) -> None:
    """Puts a taken snapshot (all of its messages) back into an emulator that has not started."""
    state, api = emu.state, emu.api
    state.reset()
    for stored in files:
        state.files[stored.file_id] = stored
        state.files_by_path[stored.file_path] = stored
    for record in users:
        user = EmuUser(**{f.name: record[f.name] for f in fields(EmuUser)})
        state.users[user.id] = user
        state.chats[user.id] = Chat(user, {}, record["next_message_id"], record["instance"])
    for record in messages:
        chat = state.chats.get(record["chat_id"])
        if chat is not None:
            message = _message_from(record, state.files)
            chat.messages[message.message_id] = message
    state.version = max(state.version, settings["version"])
    state.next_user_id = settings["next_user_id"]
    state.next_update_id = settings["next_update_id"]
    state.updates = list(settings["updates"])
    api.commands = {(tuple(scope), code): cmds for scope, code, cmds in settings["commands"]}
    api.menu_buttons = {chat_id: button for chat_id, button in settings["menu_buttons"]}
    api.texts = {(name, code): value for name, code, value in settings["texts"]}
    state.bump()


def file_record(stored: StoredFile) -> Record:
    """A stored file without its bytes."""
    return {f.name: getattr(stored, f.name) for f in fields(StoredFile) if f.name != "data"}


def file_from(record: Record, data: bytes) -> StoredFile:
    """A stored file from its record and its bytes."""
    return StoredFile(**record, data=data)


def _message_record(message: EmuMessage) -> Record:
    record = {f.name: getattr(message, f.name) for f in fields(EmuMessage)}
    record["date"] = message.date.isoformat()
    record["edit_date"] = message.edit_date.isoformat() if message.edit_date else None
    document = message.document
    record["document"] = (
        {
            "filename": document.filename,
            "mime_type": document.mime_type,
            "file_id": document.file_id,
        }
        if document is not None
        else None
    )
    return record


def _message_from(record: Record, files: dict[str, StoredFile]) -> EmuMessage:
    values = dict(record)
    values["date"] = datetime.fromisoformat(record["date"])
    values["edit_date"] = (
        datetime.fromisoformat(record["edit_date"]) if record["edit_date"] else None
    )
    document = record["document"]
    if document is not None:
        stored = files.get(document["file_id"])
        values["document"] = EmuDocument(
            document["filename"],
            document["mime_type"],
            stored.data if stored is not None else b"",
            document["file_id"],
        )
    return EmuMessage(**values)
