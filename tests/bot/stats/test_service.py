"""The CSV export's formula guard, as OWASP's "CSV Injection" page lists the dangerous starts."""

from __future__ import annotations

import pytest

from bot.stats.service import guard


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1+1",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "-5",  # OWASP: plain negative numbers too (the quote is not shown by spreadsheets)
        "-5 years",
        "=",
    ],
)
def test_every_formula_start_is_prefixed_with_a_quote(text: str) -> None:
    assert guard(text) == "'" + text


@pytest.mark.parametrize("text", ["Zoé", "5", "", " =1", "a=b", "'quoted", "«=»"])
def test_other_text_is_left_alone(text: str) -> None:
    assert guard(text) == text
