"""The named validators for typed answers."""

from __future__ import annotations

import pytest

from dialogs.validators import VALIDATORS, email, integer, length

EMAIL_ARGS = {"max": 254}


@pytest.mark.parametrize(
    "text",
    [
        "ana@example.org",
        "a.b+c@sub.example.co",
        "o'brien@example.ie",
        "jean-luc@exemple.québec",
        "x@y.zz",
    ],
)
def test_plausible_addresses_are_accepted_as_given(text: str) -> None:
    assert email(text, EMAIL_ARGS) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a@b",
        "ana",
        "ana@",
        "@example.org",
        "ana@@example.org",
        "ana@example..org",
        "ana@.example.org",
        "ana@example.org.",
        "<x>@y.z",
        "ana@<y>.z",
        "ana smith@example.org",
        "ana@exa mple.org",
        " ana@example.org",
        "ana@example.org\tx",
        "a@b@c.d",
    ],
)
def test_junk_is_not_an_address(text: str) -> None:
    assert email(text, EMAIL_ARGS) is None


def test_an_address_may_have_at_most_254_characters() -> None:
    domain = "@example.org"
    exactly = "a" * (254 - len(domain)) + domain
    assert len(exactly) == 254

    assert email(exactly, EMAIL_ARGS) == exactly
    assert email("a" + exactly, EMAIL_ARGS) is None
    assert email("a" + exactly, {}) is None  # 254 is also the default


def test_a_trailing_newline_is_not_part_of_an_address() -> None:
    assert email("ana@example.org\n", EMAIL_ARGS) is None


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("ab", True),
        ("a", False),
        ("", False),
        ("x" * 100, True),
        ("x" * 101, False),
        ("🙂🙂", True),  # two emoji are two characters
        ("🙂", False),
        ("🙂" * 100, True),
        ("🙂" * 101, False),
        ("مرحبا", True),  # right-to-left text counts its letters
        ("ש", False),
        ("שלום עולם", True),
        ("ب" * 100, True),
        ("ب" * 101, False),
    ],
)
def test_length_bounds_count_characters(text: str, accepted: bool) -> None:
    assert length(text, {"min": 2, "max": 100}) == (text if accepted else None)


def test_length_keeps_the_text_as_given() -> None:
    text = "<b>Fishing & nets</b>"
    assert length(text, {"min": 2, "max": 100}) == text


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("7", 7), ("60", 60), ("05", 5)])
def test_whole_numbers_in_range_are_accepted(text: str, value: int) -> None:
    assert integer(text, {"min": 0, "max": 60}) == value


@pytest.mark.parametrize(
    "text",
    [
        "-1",
        "61",
        "100",
        "5.5",
        "5,5",
        "five",
        "٣",
        "\uff13",  # fullwidth three
        "²",
        "  7 ",
        "7 years",
        "",
        "+7",
        "1e1",
        "7\n",
    ],
)
def test_anything_else_is_not_a_number_of_years(text: str) -> None:
    assert integer(text, {"min": 0, "max": 60}) is None


def test_validators_are_registered_by_name() -> None:
    assert set(VALIDATORS) == {"email", "length", "integer"}
    assert VALIDATORS["integer"]("12", {}) == 12
