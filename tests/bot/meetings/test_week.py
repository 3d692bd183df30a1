"""The weekly grid: toggles, whole days, merged windows and the groups said in words."""

from __future__ import annotations

import pytest

from bot.meetings.week import FULL, Part, Week


def test_toggling_a_cell_twice_gives_the_week_back() -> None:
    week = Week().toggle(0, Part.MORNING)
    assert week.has(0, Part.MORNING) and not week.has(1, Part.MORNING)
    assert week.toggle(0, Part.MORNING) == Week()


def test_a_day_is_selected_whole_then_cleared() -> None:
    week = Week().toggle(2, Part.EVENING).toggle_day(2)
    assert week.parts(2) == frozenset(Part)
    assert week.toggle_day(2).parts(2) == frozenset()


def test_adjacent_parts_make_one_window() -> None:
    week = Week().toggle(0, Part.MORNING).toggle(0, Part.AFTERNOON).toggle(1, Part.MORNING)
    assert week.windows(0) == [(8 * 60, 17 * 60)]
    week = week.toggle(1, Part.EVENING)
    assert week.windows(1) == [(8 * 60, 12 * 60), (17 * 60, 21 * 60)]
    assert week.hours() == 9 + 4 + 4


def test_days_with_the_same_parts_are_grouped() -> None:
    week = Week()
    for day in (0, 2):
        week = week.toggle(day, Part.MORNING)
    week = week.toggle(4, Part.MORNING).toggle(4, Part.EVENING)
    assert week.groups() == [((0, 2), (Part.MORNING,)), ((4,), (Part.MORNING, Part.EVENING))]
    assert Week(FULL).groups() == [(tuple(range(7)), tuple(Part))]


@pytest.mark.parametrize("mask", [-1, FULL + 1])
def test_a_mask_outside_the_grid_is_refused(mask: int) -> None:
    with pytest.raises(ValueError):
        Week(mask)
