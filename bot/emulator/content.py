"""Checks what the bot sends: formatted text and captions, keyboards, commands."""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.html import HtmlError, normalize_url, parse_html
from bot.emulator.text import FORMATTING, trim, utf16_len, with_detected

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_ENTITY_TYPES = FORMATTING | frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "date_time",
    }
)
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")


def formatted(
    text: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None,
    *,
    caption: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """Applies parse_mode or explicit entities, trims, checks length; returns (text, entities).

    The entities include the commands, mentions and URLs Telegram finds in the text itself.
    """
    if parse_mode:
        mode = parse_mode.strip().lower()
        if mode == "html":
            try:
                plain, found = parse_html(text)
            except HtmlError as err:
                raise bad_request(f"can't parse entities: {err}") from None
        elif mode in ("markdown", "markdownv2"):
            raise bad_request(f'parse_mode "{parse_mode}" is not supported by the emulator')
        else:
            raise bad_request(f"unsupported parse_mode {parse_mode}")
    else:
        plain, found = text, _explicit_entities(text, entities or [])
    plain, found = trim(plain, found)
    if not plain and not caption:
        raise bad_request("message text is empty")
    limit = CAPTION_LIMIT if caption else TEXT_LIMIT
    if utf16_len(plain) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain, with_detected(plain, found)


def _explicit_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checks entities passed instead of a parse_mode; drops those outside the text."""
    total = utf16_len(text)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        kind = entity.get("type")
        if kind not in _ENTITY_TYPES:
            raise bad_request(f"can't parse entities: unsupported entity type {kind!r}")
        offset, length = entity["offset"], entity["length"]
        if kind == "text_link":
            url = normalize_url(str(entity.get("url", "")))
            if url is None:
                raise bad_request("can't parse entities: wrong url specified for text_link")
            entity = {**entity, "url": url}
        if kind == "text_mention" and not isinstance(entity.get("user"), dict):
            raise bad_request("can't parse entities: user is not specified for text_mention")
        if offset < 0 or length <= 0 or offset >= total:
            continue
        kept.append({**entity, "length": min(length, total - offset)})
    return kept


_FORMATTING = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "pre",
        "text_link",
        "custom_emoji",
        "blockquote",
        "expandable_blockquote",
    }
)


def typed_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checks the formatting a person gave her message in the app; ValueError if impossible.

    A Telegram app only makes formatting entities (links, mentions and commands are found by
    Telegram itself), inside the text, with a valid link for a text_link.
    """
    total = utf16_len(text)
    checked: list[dict[str, Any]] = []
    for entity in entities:
        kind = entity.get("type")
        if kind not in _FORMATTING:
            raise ValueError(f"an app cannot make a {kind!r} entity")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise ValueError("an entity needs an integer offset and length")
        if offset < 0 or length <= 0 or offset + length > total:
            raise ValueError(f"entity {entity} is outside the text ({total} UTF-16 units)")
        if kind == "text_link":
            url = normalize_url(str(entity.get("url", "")))
            if url is None:
                raise ValueError(f"a text_link needs a valid url: {entity}")
            entity = {**entity, "url": url}
        if kind == "custom_emoji" and not str(entity.get("custom_emoji_id", "")).isdigit():
            raise ValueError("a custom_emoji needs a numeric custom_emoji_id")
        checked.append(dict(entity))
    return checked


def check_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any]:
    """Validates a reply_markup object like Telegram; returns it."""
    if not isinstance(markup, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in markup:
        _check_inline(markup["inline_keyboard"])
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        _check_reply_keyboard(markup)
    elif "remove_keyboard" in markup:
        if markup["remove_keyboard"] is not True:
            raise bad_request('field "remove_keyboard" must be true')
    elif "force_reply" in markup:
        if markup["force_reply"] is not True:
            raise bad_request('field "force_reply" must be true')
    else:
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _check_inline(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    if sum(len(row) for row in rows) > 100:
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            _check_inline_button(button)


def _check_inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("text buttons are unallowed in the inline keyboard")
    actions = [name for name in _INLINE_ACTIONS if name in button]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(prefix + "exactly one of the optional fields must be used")
    action = actions[0]
    if action == "callback_data":
        data = button["callback_data"]
        if not isinstance(data, str):
            raise bad_request(prefix + 'Field "callback_data" must be of type String')
        if not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "url":
        url = button["url"]
        if not isinstance(url, str) or normalize_url(url) is None:
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    elif action in ("web_app", "login_url"):
        target = button[action]
        url = target.get("url") if isinstance(target, dict) else None
        if not isinstance(url, str) or not url.lower().startswith("https://"):
            raise bad_request(f"can't parse inline keyboard button: {action} URL must be HTTPS")
    elif action == "copy_text":
        copy = button["copy_text"]
        if not isinstance(copy, dict) or not 1 <= len(str(copy.get("text", ""))) <= 256:
            raise bad_request(prefix + "copy_text must have a text of 1-256 characters")


def _check_reply_keyboard(markup: dict[str, Any]) -> None:
    rows = markup["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            text = button if isinstance(button, str) else None
            if isinstance(button, dict):
                text = button.get("text")
            if not isinstance(text, str):
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )
            if not text.strip():
                raise bad_request("keyboard button text must be non-empty")
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and not 1 <= len(str(placeholder)) <= 64:
        raise bad_request("input field placeholder must be 1-64 characters")


def check_commands(commands: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Validates setMyCommands' list; returns it as plain {command, description} dicts."""
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    result: list[dict[str, str]] = []
    for command in commands:
        name = str(command.get("command", ""))
        description = str(command.get("description", ""))
        if not _COMMAND.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= 256:
            raise bad_request("command description must be 1-256 characters")
        result.append({"command": name, "description": description})
    return result


def check_language(code: str | None) -> str:
    """Validates a two-letter ISO 639-1 language code (or empty); returns it."""
    code = code or ""
    if code and not _LANGUAGE.match(code):
        raise ApiError(400, "Bad Request: invalid language code specified")
    return code
