"""A person's weekly availability in her own local time: 7 days by 3 parts, one bit each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Part(IntEnum):
    """A part of the day, in the person's local wall-clock time."""

    MORNING = 0
    AFTERNOON = 1
    EVENING = 2


# Local hours [from, to) of each part, as the interface names them: 08-12, 12-17, 17-21.
HOURS: dict[Part, tuple[int, int]] = {
    Part.MORNING: (8, 12),
    Part.AFTERNOON: (12, 17),
    Part.EVENING: (17, 21),
}
DAYS = 7  # Monday = 0 … Sunday = 6, as datetime.weekday()
CELLS = DAYS * len(Part)
FULL = (1 << CELLS) - 1


def cell(day: int, part: Part) -> int:
    """The index of a (day, part) cell, 0 … 20."""
    if not 0 <= day < DAYS:
        raise ValueError(f"no day {day}")
    return day * len(Part) + part


@dataclass(frozen=True)
class Week:
    """Which cells of the week are selected, as a bit mask (bit `cell(day, part)`)."""

    mask: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.mask <= FULL:
            raise ValueError(f"not a weekly grid: {self.mask}")

    def has(self, day: int, part: Part) -> bool:
        """Whether she is available in that part of that day."""
        return bool(self.mask >> cell(day, part) & 1)

    def toggle(self, day: int, part: Part) -> Week:
        """The week with one cell switched."""
        return Week(self.mask ^ (1 << cell(day, part)))

    def toggle_day(self, day: int) -> Week:
        """The week with a whole day selected, or cleared when it was all selected."""
        bits = sum(1 << cell(day, part) for part in Part)
        return Week(self.mask & ~bits if self.mask & bits == bits else self.mask | bits)

    def parts(self, day: int) -> frozenset[Part]:
        """The parts selected on a day."""
        return frozenset(part for part in Part if self.has(day, part))

    @property
    def empty(self) -> bool:
        """Nothing is selected."""
        return self.mask == 0

    def hours(self) -> int:
        """How many hours a week the selected cells add up to."""
        return sum(
            HOURS[part][1] - HOURS[part][0] for day in range(DAYS) for part in self.parts(day)
        )

    def windows(self, day: int) -> list[tuple[int, int]]:
        """A day's selected time, as merged [from, to) local minutes since midnight."""
        merged: list[tuple[int, int]] = []
        for part in sorted(self.parts(day)):
            start, end = (hour * 60 for hour in HOURS[part])
            if merged and merged[-1][1] == start:
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return merged

    def groups(self) -> list[tuple[tuple[int, ...], tuple[Part, ...]]]:
        """Days that share the same parts, grouped for saying it in words, Monday first.

        ((0, 2), (MORNING,)) reads "Mondays and Wednesdays, mornings".
        """
        by_parts: dict[frozenset[Part], list[int]] = {}
        for day in range(DAYS):
            parts = self.parts(day)
            if parts:
                by_parts.setdefault(parts, []).append(day)
        return [(tuple(days), tuple(sorted(parts))) for parts, days in by_parts.items()]
