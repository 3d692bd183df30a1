"""Weekly availability: the grid a person edits in place, and the week she saves with Done.

The grid being edited is a draft row of its own, so quick taps on a slow connection add up
(each tap toggles what is stored, not what her phone last showed). Each /availability opens
a new round; buttons carry it, so a grid from an older message is refused as stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.meetings.store import one
from bot.meetings.week import Part, Week
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.people import Person, iso, local_zone


@dataclass(frozen=True)
class Grid:
    """The grid as her message shows it: its round, the draft week, her zone."""

    round: int
    week: Week
    zone: str


class Availability:
    """Opens, edits and saves a person's weekly grid."""

    def __init__(self, db: Database, clock: Clock, default_zone: str) -> None:
        self.db = db
        self.clock = clock
        self.default_zone = default_zone

    def _grid(self, person: Person, round_: int, mask: int) -> Grid:
        return Grid(round_, Week(mask), local_zone(person, self.default_zone))

    async def open(self, person: Person) -> Grid:
        """Starts a new round of editing, pre-filled with what she saved."""
        now = iso(self.clock)
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO availability(user_id, updated_at) VALUES (?, ?)"
                " ON CONFLICT(user_id) DO NOTHING",
                (person.user_id, now),
            )
            await conn.execute(
                "UPDATE availability SET draft = cells, round = round + 1, updated_at = ?"
                " WHERE user_id = ?",
                (now, person.user_id),
            )
            row = await one(
                conn, "SELECT round, draft FROM availability WHERE user_id = ?", (person.user_id,)
            )
        assert row is not None
        return self._grid(person, row["round"], row["draft"])

    async def current(self, person: Person, round_: int) -> Grid | None:
        """The grid of that round as it stands, or None if the round is over."""
        row = await self.db.fetchone(
            "SELECT round, draft FROM availability WHERE user_id = ? AND round = ?",
            (person.user_id, round_),
        )
        return self._grid(person, row["round"], row["draft"]) if row is not None else None

    async def toggle(
        self, person: Person, round_: int, day: int, part: Part | None, update_id: int | None
    ) -> Grid | None:
        """Switches one cell, or a whole day when `part` is None; None if the round is over.

        Raises DuplicateUpdate when the tap was already applied (handled again after a crash).
        """
        async with self.db.write(update_id) as conn:
            row = await one(
                conn,
                "SELECT draft FROM availability WHERE user_id = ? AND round = ?",
                (person.user_id, round_),
            )
            if row is None:
                return None
            draft = Week(row["draft"])
            week = draft.toggle_day(day) if part is None else draft.toggle(day, part)
            await conn.execute(
                "UPDATE availability SET draft = ?, updated_at = ? WHERE user_id = ?",
                (week.mask, iso(self.clock), person.user_id),
            )
        return self._grid(person, round_, week.mask)

    async def save(self, person: Person, round_: int, update_id: int | None) -> Grid | None:
        """Saves the draft as her week and ends the round; None if the round is over.

        Raises DuplicateUpdate when it was already saved by this update.
        """
        now = iso(self.clock)
        async with self.db.write(update_id) as conn:
            cursor = await conn.execute(
                "UPDATE availability SET cells = draft, saved_at = ?, updated_at = ?,"
                " round = round + 1 WHERE user_id = ? AND round = ?",
                (now, now, person.user_id, round_),
            )
            if cursor.rowcount == 0:
                return None
            row = await one(
                conn, "SELECT round, cells FROM availability WHERE user_id = ?", (person.user_id,)
            )
        assert row is not None
        return self._grid(person, row["round"], row["cells"])

    async def saved(self, person: Person) -> Grid | None:
        """The week she saved (as a closed grid), or None if she never saved one."""
        row = await self.db.fetchone(
            "SELECT round, cells FROM availability WHERE user_id = ? AND saved_at IS NOT NULL",
            (person.user_id,),
        )
        return self._grid(person, row["round"], row["cells"]) if row is not None else None
