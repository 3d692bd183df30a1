"""Strict parsing of what staff type after a command (user ids, @usernames, counts); pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.runtime.i18n import Translator

# Telegram user ids are positive and "have at most 52 significant bits" (Bot API, User.id).
MAX_USER_ID = 2**52
# `[0-9]`, not `\d`: `\d` and str.isdigit() also take "²" or Arabic-Indic digits.
_DIGITS = re.compile(r"[0-9]{1,16}")
# How much of a mistyped argument is repeated back.
ECHO = 40
# Telegram's rule for usernames: 5 to 32 of a-z, A-Z, 0-9 and underscore.
_USERNAME = re.compile(r"@([A-Za-z0-9_]{5,32})")


@dataclass(frozen=True)
class Reference:
    """A person as staff named her: by Telegram user id or by @username (one is set)."""

    user_id: int | None = None
    username: str | None = None

    def __str__(self) -> str:
        return f"@{self.username}" if self.username is not None else str(self.user_id)


def parse_number(text: str, maximum: int) -> int | None:
    """A whole number written in ASCII digits, from 0 to `maximum`; None for anything else."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= maximum else None


def parse_user_id(text: str) -> int | None:
    """A Telegram user id (ASCII digits, 1 to 2**52), or None."""
    value = parse_number(text, MAX_USER_ID)
    return value if value else None


def parse_reference(text: str) -> Reference | None:
    """A user id or an `@username` as Telegram allows them, or None."""
    user_id = parse_user_id(text)
    if user_id is not None:
        return Reference(user_id=user_id)
    match = _USERNAME.fullmatch(text)
    return Reference(username=match.group(1)) if match else None


def not_a_reference(t: Translator, text: str) -> str:
    """Says that what was typed is neither a user id nor a @username (HTML)."""
    shown = text if len(text) <= ECHO else text[: ECHO - 1] + "…"
    return t(
        "“{text}” is not a Telegram user id (digits 0 to 9) or @username "
        "(5 to 32 letters, digits or _).",
        text=shown,
    )
