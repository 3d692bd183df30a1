"""What the form counts as visible in a typed answer."""

from __future__ import annotations

import pytest

from dialogs.text import clean, visible_length
from dialogs.validators import email, length

INVISIBLE_ONLY = [
    "\u200b" * 12,  # zero-width spaces
    "\u200c\u200d\u2060\ufeff",  # non-joiner, joiner, word joiner, BOM
    "\u00ad\u00ad",  # soft hyphens
    "\u202e\u202a\u2066\u2069\u200e\u200f",  # bidi controls and marks
    "\ufe0f\ufe0e\U000e0100",  # variation selectors alone
    "\u3164\u115f\u2800",  # Hangul fillers, blank Braille
    " \u00a0\u3000\t",
]


@pytest.mark.parametrize("text", INVISIBLE_ONLY)
def test_invisible_text_is_empty(text: str) -> None:
    assert clean(text) == ""
    assert length(clean(text), {"min": 1, "max": 100}) is None


def test_ends_are_stripped_and_the_inside_kept() -> None:
    assert clean("\u200b Awa \u2060\ufeff") == "Awa"
    assert clean("👩\u200d💻") == "👩\u200d💻"  # a joiner inside an emoji stays
    assert clean("I ❤️") == "I ❤️"  # so does the variation selector of the emoji
    assert visible_length("a\u200b\u200bb c") == 4


def test_length_counts_visible_characters() -> None:
    assert length("a" + "\u200b" * 20 + "b", {"min": 10, "max": 1000}) is None
    assert length("ten chars!", {"min": 10, "max": 1000}) == "ten chars!"
    assert email("a\u200b@example.org", {}) is None
