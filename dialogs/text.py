"""Typed text as the form sees it: what is visible in it, and the marker of msgids (no I/O)."""

from __future__ import annotations

import unicodedata

_BLANK_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Letters and symbols that draw nothing: Hangul fillers and the blank Braille pattern."""


def N_(message: str) -> str:
    """Marks a msgid for extraction; the view translates it (the runner has no translator)."""
    return message


def _attached(char: str) -> bool:
    """Marks that modify the character before them: variation selectors, the grapheme joiner
    and emoji tags (they are invisible alone, and part of the emoji after one)."""
    code = ord(char)
    return (
        0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0xE0020 <= code <= 0xE007F
        or code == 0x034F
    )


def invisible(char: str) -> bool:
    """Whether a character draws nothing: spaces, format and control characters (zero-width
    spaces and joiners, bidi controls, soft hyphen, BOM), fillers and lone variation selectors."""
    return (
        unicodedata.category(char) in _BLANK_CATEGORIES
        or char.isspace()
        or char in _BLANKS
        or _attached(char)
    )


def clean(text: str) -> str:
    """The text without the invisible characters at either end (what is stored)."""
    start, end = 0, len(text)
    while start < end and invisible(text[start]):
        start += 1
    while end > start and invisible(text[end - 1]) and not _attached(text[end - 1]):
        end -= 1
    if all(invisible(char) for char in text[start:end]):
        return ""
    return text[start:end]


def visible_length(text: str) -> int:
    """How many characters of a text can be seen (spaces between words count)."""
    return sum(1 for char in text if char.isspace() or not invisible(char))
