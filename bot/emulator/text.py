"""Text helpers: UTF-16 lengths, Telegram's trimming, the entities Telegram finds in text."""

from __future__ import annotations

import re
from typing import Any

_TRIMMED = " \t\r\n"
# Telegram's boundaries (tdlib's find_bot_commands): no letter, digit, `_`, `/`, `<`, `>` or
# backslash just before the slash or just after the command, so "(/staff admin)" has one.
_COMMAND = re.compile(r"(?<![\w/<>\\])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>\\@])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?!\w)")
_URL = re.compile(r"(?<!\S)https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]", re.IGNORECASE)


def utf16_len(text: str) -> int:
    """Returns the length of `text` in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strips leading and trailing whitespace like Telegram, shifting and clipping entities."""
    stripped_left = text.lstrip(_TRIMMED)
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(_TRIMMED)
    total = utf16_len(result)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return result, kept


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Returns the entities Telegram marks in text a person typed (commands, mentions, URLs)."""
    found: list[dict[str, Any]] = []
    for kind, pattern in (("bot_command", _COMMAND), ("mention", _MENTION), ("url", _URL)):
        for match in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
    found.sort(key=lambda e: (e["offset"], -e["length"]))
    return found


FORMATTING = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
    }
)


def with_detected(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds the commands, mentions and URLs Telegram marks in a bot's text to its entities.

    Telegram finds them in what bots send too, except inside code, pre and links.
    """
    taken = [
        (e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] not in FORMATTING
    ]
    added = [
        e
        for e in detect_entities(text)
        if not any(e["offset"] < end and start < e["offset"] + e["length"] for start, end in taken)
    ]
    if not added:
        return entities
    return sorted([*entities, *added], key=lambda e: (e["offset"], -e["length"]))


def plain_slice(text: str, offset: int, length: int) -> str:
    """Returns the part of `text` covered by a UTF-16 (offset, length) range."""
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")
