"""People the bot knows: identity, language, time zone, reachability, staff roles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.runtime.arguments import Reference
from bot.runtime.clock import Clock
from bot.runtime.db import Database, Row
from bot.runtime.i18n import Catalogs


def iso(clock: Clock) -> str:
    """The clock's current instant as an ISO 8601 UTC string."""
    return clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Who:
    """The sender of an update, as Telegram describes her."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Person:
    """A person as stored."""

    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language: str
    timezone: str | None
    unreachable: bool
    consented: bool
    capacity: int

    @property
    def display_name(self) -> str:
        """First and last name, or a fallback for someone who has not consented."""
        full = " ".join(part for part in (self.first_name, self.last_name) if part)
        return full or f"#{self.user_id}"


def local_zone(person: Person, default: str) -> str:
    """The time zone in which dates are shown to a person: hers, else the program's."""
    return person.timezone or default


def person_from_row(row: Row) -> Person:
    """A person from a row of the people table."""
    return Person(
        user_id=row["user_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language=row["language"],
        timezone=row["timezone"],
        unreachable=bool(row["unreachable"]),
        consented=row["consented_at"] is not None,
        capacity=row["capacity"],
    )


class People:
    """Reads and writes people; names are kept only after consent (or for staff)."""

    def __init__(self, db: Database, clock: Clock, catalogs: Catalogs, default_language: str):
        self.db = db
        self.clock = clock
        self.catalogs = catalogs
        self.default_language = default_language

    async def get(self, user_id: int) -> Person | None:
        """Finds a person by Telegram user id."""
        row = await self.db.fetchone("SELECT * FROM people WHERE user_id = ?", (user_id,))
        return person_from_row(row) if row else None

    async def find(self, reference: Reference) -> Person | None:
        """Finds a person by user id, or the one who holds a @username now."""
        if reference.user_id is not None:
            return await self.get(reference.user_id)
        row = await self.db.fetchone(
            "SELECT * FROM people WHERE lower(username) = ? ORDER BY updated_at DESC, rowid DESC",
            ((reference.username or "").lower(),),
        )
        return person_from_row(row) if row else None

    async def touch(
        self, who: Who, keep_names: bool | Callable[[], Awaitable[bool]] = False
    ) -> Person:
        """Returns the person, creating her on first contact and refreshing her names.

        `keep_names` may be a check (is she staff?): it is asked only when her consent does
        not already decide that her names are kept, which spares a read on most updates."""
        person = await self.get(who.user_id)
        if person is not None and person.consented:
            store_names = True
        elif isinstance(keep_names, bool):
            store_names = keep_names
        else:
            store_names = await keep_names()
        names = (who.first_name, who.last_name, who.username) if store_names else None
        current = (person.first_name, person.last_name, person.username) if person else None
        if person is not None and not person.unreachable and names in (None, current):
            return person
        now = iso(self.clock)
        language = self.catalogs.resolve(who.language_code, self.default_language)
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO people(user_id, first_name, last_name, username, language,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(user_id) DO UPDATE SET unreachable = 0,"
                " updated_at = excluded.updated_at",
                (who.user_id, *(names or ("", None, None)), language, now, now),
            )
            if names is not None:
                await conn.execute(
                    "UPDATE people SET first_name = ?, last_name = ?, username = ?"
                    " WHERE user_id = ?",
                    (*names, who.user_id),
                )
            if who.username:
                # A username belongs to one account at a time: whoever showed it to us last
                # holds it now, so a former holder's stored copy is stale and must not match.
                await conn.execute(
                    "UPDATE people SET username = NULL WHERE lower(username) = ? AND user_id != ?",
                    (who.username.lower(), who.user_id),
                )
        person = await self.get(who.user_id)
        assert person is not None
        return person

    async def set_language(self, user_id: int, language: str) -> None:
        """Records the language a person chose with /language."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE people SET language = ?, language_chosen = 1, updated_at = ?"
                " WHERE user_id = ?",
                (language, iso(self.clock), user_id),
            )

    async def mark_unreachable(self, user_id: int) -> None:
        """Records that Telegram refused to deliver to this person (403)."""
        async with self.db.write() as conn:
            await conn.execute("UPDATE people SET unreachable = 1 WHERE user_id = ?", (user_id,))

    async def language_of(self, user_id: int) -> str:
        """The person's language, or the default for someone unknown."""
        person = await self.get(user_id)
        return person.language if person else self.default_language
