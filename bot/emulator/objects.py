"""Builds the Bot API objects the emulator returns (Message, Update payloads, ChatFullInfo)."""

from __future__ import annotations

from typing import Any

from bot.emulator.state import Chat, EmuMessage, State


def message_api(
    state: State, message: EmuMessage, bot_user: dict[str, Any], *, nested: bool = False
) -> dict[str, Any]:
    """Returns the Bot API Message object for a stored message."""
    chat = state.chats[message.chat_id]
    result: dict[str, Any] = {
        "message_id": message.message_id,
        "from": bot_user if message.from_bot else chat.user.to_api(),
        "chat": chat.user.chat_api(),
        "date": int(message.date.timestamp()),
    }
    if message.edit_date is not None:
        result["edit_date"] = int(message.edit_date.timestamp())
    text_key, entities_key = (
        ("caption", "caption_entities")
        if message.is_caption
        else (
            "text",
            "entities",
        )
    )
    if message.text or not message.is_caption:
        result[text_key] = message.text
    if message.entities:
        result[entities_key] = message.entities
    if message.document is not None:
        stored = state.files.get(message.document.file_id)
        if stored is not None:
            result["document"] = stored.document_api()
    if message.photo_file_id is not None and message.photo_file_id in state.files:
        result["photo"] = state.files[message.photo_file_id].photo_api()
    markup = message.reply_markup
    if markup is not None and "inline_keyboard" in markup:
        result["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
    if message.reply_to_message_id is not None and not nested:
        replied = chat.messages.get(message.reply_to_message_id)
        if replied is not None and not replied.deleted:
            result["reply_to_message"] = message_api(state, replied, bot_user, nested=True)
    return result


def chat_full_info(chat: Chat) -> dict[str, Any]:
    """Returns the Bot API ChatFullInfo object of a private chat."""
    info = chat.user.chat_api()
    info.update(
        {
            "accent_color_id": chat.user.id % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }
    )
    return info


def bot_user(bot_id: int, username: str, first_name: str) -> dict[str, Any]:
    """Returns the User object of the bot as it appears in messages."""
    return {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username}


def member_update(chat: Chat, bot: dict[str, Any], old: str, new: str, date: int) -> dict[str, Any]:
    """Returns a ChatMemberUpdated for the bot's status change in a private chat."""

    def member(status: str) -> dict[str, Any]:
        body: dict[str, Any] = {"status": status, "user": bot}
        if status == "kicked":
            body["until_date"] = 0
        return body

    return {
        "chat": chat.user.chat_api(),
        "from": chat.user.to_api(),
        "date": date,
        "old_chat_member": member(old),
        "new_chat_member": member(new),
    }
