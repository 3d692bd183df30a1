"""Keyboards laid out by label width, and typed labels found on them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.keyboards import COLUMNS, checklist, fold, grid, label_width, labelled
from bot.runtime.replies import Button, Keyboard

PROVINCES = (
    "British Columbia",
    "Alberta",
    "Saskatchewan",
    "Manitoba",
    "Ontario",
    "Quebec",
    "New Brunswick",
    "Nova Scotia",
    "Prince Edward Island",
    "Newfoundland and Labrador",
    "Yukon",
    "Northwest Territories",
    "Nunavut",
)


def buttons(*labels: str) -> list[Button]:
    return [Button(label, f"x:{index}") for index, label in enumerate(labels)]


def labels(keyboard: Keyboard) -> list[list[str]]:
    return [[button.label for button in row] for row in keyboard]


def readable(keyboard: Keyboard) -> bool:
    """Every label fits the width its row gives it."""
    return all(
        len(row) == 1 or all(label_width(b.label) <= COLUMNS[len(row)] for b in row)
        for row in keyboard
    )


def test_short_labels_share_rows_and_long_ones_keep_their_own() -> None:
    keyboard = grid(buttons(*PROVINCES))
    assert labels(keyboard) == [
        ["British Columbia", "Alberta"],
        ["Saskatchewan", "Manitoba"],
        ["Ontario", "Quebec"],
        ["New Brunswick", "Nova Scotia"],
        ["Prince Edward Island"],
        ["Newfoundland and Labrador"],
        ["Yukon"],
        ["Northwest Territories"],
        ["Nunavut"],
    ]
    assert readable(keyboard)


def test_the_fewest_rows_win_and_ties_keep_wider_buttons() -> None:
    assert labels(grid(buttons("Yes", "No"))) == [["Yes", "No"]]
    assert labels(grid(buttons("Yes", "Not sure", "No"))) == [["Yes", "Not sure", "No"]]
    countries = ("Benin", "Bolivia", "Côte d'Ivoire", "Guatemala", "Philippines", "Rwanda")
    assert labels(grid(buttons(*countries))) == [
        ["Benin", "Bolivia"],
        ["Côte d'Ivoire", "Guatemala"],
        ["Philippines", "Rwanda"],
    ]
    sectors = ("Agriculture and livestock", "Marketing and communication", "Other")
    assert labels(grid(buttons(*sectors))) == [[label] for label in sectors]
    assert grid([]) == ()


def test_wide_characters_count_double() -> None:
    assert label_width("Sénégal") == 7
    assert label_width("Se\u0301ne\u0301gal") == 7  # combining accents take no room
    assert label_width("✅ No") == 5
    assert label_width("日本語") == 6
    assert labels(grid(buttons("日本語日本語", "ok", "no"))) == [["日本語日本語", "ok"], ["no"]]


def test_a_checklist_keeps_its_shape_whatever_is_chosen() -> None:
    options = buttons("French", "English", "Spanish")
    plain = checklist(options, set())
    every = checklist(options, {b.data for b in options})
    assert labels(plain) == [["French", "English", "Spanish"]]
    assert labels(every) == [["✅ French", "✅ English", "✅ Spanish"]]
    assert labels(checklist(options, {"x:1"})) == [["French", "✅ English", "Spanish"]]


@given(st.lists(st.text(min_size=1, max_size=30), max_size=20))
def test_a_grid_keeps_every_button_in_order_and_readable(texts: list[str]) -> None:
    keyboard = grid(buttons(*texts))
    assert [b for row in keyboard for b in row] == buttons(*texts)
    assert all(1 <= len(row) <= 3 for row in keyboard)
    assert readable(keyboard)


def test_typed_text_folds_case_accents_and_punctuation() -> None:
    assert fold("  J\u2019accepte ") == fold("j'accepte") == "j accepte"
    assert fold("SÉNÉGAL") == fold("senegal")
    assert fold("✅ Français") == "francais"
    assert fold("🙂🙂") == ""


def test_a_typed_label_finds_its_one_button() -> None:
    keyboard = grid(buttons("J'accepte", "Je n'accepte pas", "Sénégal", "No preference"))
    assert labelled(keyboard, "j\u2019ACCEPTE") == Button("J'accepte", "x:0")
    assert labelled(keyboard, " senegal ") == Button("Sénégal", "x:2")
    assert labelled(keyboard, "no preference") == Button("No preference", "x:3")
    assert labelled(keyboard, "accepte") is None
    assert labelled(keyboard, "!!!") is None
    assert labelled(grid(buttons("Oui", "oui!")), "OUI") is None  # two match: neither
