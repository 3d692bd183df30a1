"""Named validators for text answers: each returns the value to store or None."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from dialogs.text import invisible, visible_length

Validator = Callable[[str, Mapping[str, int]], "str | int | None"]

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>.]+(\.[^@\s<>.]+)+$")
_INTEGER = re.compile(r"^\d{1,6}$", re.ASCII)


def email(text: str, args: Mapping[str, int]) -> str | None:
    """Accepts a plausible e-mail address of at most `max` characters."""
    if len(text) > args.get("max", 254) or not _EMAIL.fullmatch(text):
        return None
    if any(invisible(char) for char in text):
        return None
    return text


def length(text: str, args: Mapping[str, int]) -> str | None:
    """Accepts text of `min` to `max` visible characters (zero-width ones do not count)."""
    if not args.get("min", 1) <= visible_length(text) <= args.get("max", 1000):
        return None
    return text


def integer(text: str, args: Mapping[str, int]) -> int | None:
    """Accepts a whole number from `min` to `max`."""
    if not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    if not args.get("min", 0) <= value <= args.get("max", 10**6):
        return None
    return value


VALIDATORS: Mapping[str, Validator] = {"email": email, "length": length, "integer": integer}
