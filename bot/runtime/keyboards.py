"""Inline keyboards as people see them: laid out by label width, and found by a typed label."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import replace

from bot.runtime.replies import Button, Keyboard

CHOSEN = "✅ "
COLUMNS = {3: 10, 2: 16}
"""Columns a row may have, and the widest label (in characters) that still reads whole in
such a row on a phone; a label wider than all of them gets a row of its own."""


def label_width(text: str) -> int:
    """How wide a label looks: wide characters and emoji count two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        wide = unicodedata.east_asian_width(char) in ("W", "F")
        width += 2 if wide or unicodedata.category(char) == "So" else 1
    return width


def _rows(widths: Sequence[int], columns: int) -> list[list[int]]:
    """Indexes per row, in order: up to `columns` labels that fit, a wider one alone."""
    limit = COLUMNS.get(columns, 0)
    rows: list[list[int]] = []
    row: list[int] = []
    for index, width in enumerate(widths):
        if columns > 1 and width > limit:
            if row:
                rows.append(row)
            rows.append([index])
            row = []
            continue
        row.append(index)
        if len(row) == columns:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return rows


def grid(buttons: Sequence[Button], room: int = 0) -> Keyboard:
    """Lays buttons out in order in one, two or three columns, whichever takes fewest rows
    (ties go to wider buttons); labels too wide for the columns keep a row of their own.

    `room` is how much wider a label may become without moving (a ✅ mark added on a press),
    so that toggling a choice never reshuffles the buttons under her finger.
    """
    widths = [label_width(button.label) + room for button in buttons]
    layouts = [_rows(widths, columns) for columns in (1, 2, 3)]
    best = min(layouts, key=len)  # min() keeps the first of equals: fewer columns
    return tuple(tuple(buttons[index] for index in row) for row in best)


def checklist(buttons: Sequence[Button], chosen: Collection[str], mark: str = CHOSEN) -> Keyboard:
    """A grid of choices where the buttons whose data is in `chosen` carry a mark; the layout
    leaves room for the mark, so choosing one never moves the others."""
    return tuple(
        tuple(
            replace(button, label=mark + button.label) if button.data in chosen else button
            for button in row
        )
        for row in grid(buttons, room=label_width(mark))
    )


def fold(text: str) -> str:
    """A label or a typed text reduced to what tells them apart: letters and digits, without
    case, accents or punctuation ("J\u2019accepte" and "j'accepte" fold alike)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        char.casefold() if char.isalnum() else " "
        for char in decomposed
        if not unicodedata.combining(char)
    )
    return " ".join(kept.split())


def labelled(keyboard: Keyboard, text: str) -> Button | None:
    """The button whose label a person typed (see `fold`), when exactly one matches."""
    typed = fold(text)
    if not typed:
        return None
    found = [button for row in keyboard for button in row if fold(button.label) == typed]
    return found[0] if len(found) == 1 else None
