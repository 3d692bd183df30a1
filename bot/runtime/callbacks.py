"""The callback-data codec: namespaced, colon-separated, at most 64 bytes, always untrusted."""

from __future__ import annotations

from bot.runtime.arguments import MAX_USER_ID, parse_number

CALLBACK_DATA_LIMIT = 64


class BadCallback(ValueError):
    """Callback data that this bot did not produce (or no longer understands)."""


def encode(namespace: str, *fields: str | int) -> str:
    """Encodes a namespace and fields; raises ValueError beyond Telegram's 64 bytes."""
    parts = [namespace, *(str(field) for field in fields)]
    if any(":" in part for part in parts):
        raise ValueError(f"callback field contains ':' in {parts!r}")
    data = ":".join(parts)
    if len(data.encode()) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
    return data


def decode(data: str | None, namespace: str, arity: int) -> list[str]:
    """Splits callback data of a namespace into exactly `arity` fields, else BadCallback."""
    if not data:
        raise BadCallback("empty")
    parts = data.split(":")
    if parts[0] != namespace or len(parts) != arity + 1:
        raise BadCallback(data[:64])
    return parts[1:]


def to_int(text: str) -> int:
    """Parses a number field of untrusted callback data: ASCII digits, 0 to a user id's range."""
    value = parse_number(text, MAX_USER_ID)
    if value is None:
        raise BadCallback(text[:20])
    return value
