"""Staff manage cohorts: create one with its deep-link code, set its check-in cadence, hour,
holiday pause, end date and the staff member in charge; each change audited, and announced to
whoever follows cohorts (the check-in schedule) inside the same transaction."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

import aiosqlite
from babel import Locale
from babel.dates import parse_date

from bot.cohorts.store import Cohort, all_cohorts, cohort_from_row, load_cohort, members_of
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.people import iso
from bot.staff.service import Staff, audit

# Telegram's deep-link payload is up to 64 of A-Za-z0-9_-; a cohort code keeps to 32 so the
# callback data that names it stays within Telegram's 64 bytes.
CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
CODE_LIMIT = 32
NAME_LIMIT = 64
INVITE_PREFIX = "staff-"  # /start staff-<code> accepts a staff invitation, never a cohort
MIN_DAYS, MAX_DAYS = 1, 90
MIN_HOUR, MAX_HOUR = 8, 20
# Words and dashes between the two dates of a pause ("2027-07-01 to 2027-08-15").
_WORDS = r"to|until|au|à|jusqu'au|al|a|hasta"
_BETWEEN = re.compile(rf"\s+(?:{_WORDS})\s+|\s*[\u2013\u2014\u2192]\s*|\s+-\s+", re.I)
_ONLY_BETWEEN = re.compile(rf"\s*(?:{_WORDS}|[-\u2013\u2014\u2192])?\s*", re.I)
_ISO = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")

Hook = Callable[[aiosqlite.Connection, Cohort], Awaitable[None]]


class Outcome(StrEnum):
    """What came of a staff change to a cohort."""

    OK = "ok"
    BAD_CODE = "bad_code"  # not 1-32 of A-Za-z0-9_-
    RESERVED = "reserved"  # staff-…: the links of staff invitations
    TAKEN = "taken"  # another cohort has this code (case aside)
    BAD_NAME = "bad_name"  # empty or too long
    UNKNOWN = "unknown"  # no such cohort (any more)
    BAD_DAYS = "bad_days"
    BAD_HOUR = "bad_hour"
    BAD_PERIOD = "bad_period"  # the pause ends before it starts
    PAST = "past"  # the pause is over before today
    NOT_PAUSED = "not_paused"
    NOT_STAFF = "not_staff"  # the person named to be in charge is not staff


@dataclass(frozen=True)
class Listed:
    """A cohort with how many people applied with its code, and how many were approved."""

    cohort: Cohort
    members: int
    approved: int


def valid_code(code: str) -> bool:
    """Whether a code is a usable deep-link payload (1 to 32 of A-Za-z0-9_-)."""
    return CODE.fullmatch(code) is not None


def clean_name(name: str) -> str | None:
    """A cohort's name with spaces tidied, or None when empty or over NAME_LIMIT."""
    tidy = " ".join(name.split())
    return tidy if 0 < len(tidy) <= NAME_LIMIT else None


def suggest_code(name: str, year: int, taken: set[str]) -> str:
    """A code made from a name and a year ("Dakar spring" -> "dakar-spring-2027"), not taken."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", plain.lower())
    stem = "-".join(words)[: CODE_LIMIT - 8].strip("-") or "cohort"
    if stem.startswith(INVITE_PREFIX.rstrip("-")):
        stem = f"cohort-{stem}"[: CODE_LIMIT - 8].strip("-")
    base = stem if str(year) in words else f"{stem}-{year}"
    lowered = {code.lower() for code in taken}
    candidate, number = base, 2
    while candidate.lower() in lowered:
        candidate = f"{base}-{number}"
        number += 1
    return candidate


def _plain(word: str) -> str:
    return unicodedata.normalize("NFKD", word.casefold()).encode("ascii", "ignore").decode()


@cache
def _months(locale: str) -> dict[str, int]:
    """Month names of a language, wide and abbreviated, lowercase, with and without accents."""
    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for number, name in Locale.parse(locale).months["format"][width].items():
            for form in (name.casefold().rstrip("."), _plain(name).rstrip(".")):
                names[form] = number
    return names


def _in_words(text: str, locale: str, year: int | None = None) -> date | None:
    """A date with its month in words ("1 July 2027", "1er juillet", "July 1, 2027"); the
    year may be left out when `year` is given."""
    tokens = re.findall(r"[^\W\d_]+|\d+", text.casefold())
    months = [_months(locale).get(t, _months(locale).get(_plain(t))) for t in tokens]
    found = [m for m in months if m is not None]
    numbers = [t for t in tokens if t.isdigit()]
    words = [t for t, m in zip(tokens, months, strict=True) if m is None and not t.isdigit()]
    if len(found) != 1 or any(w not in _FILLERS for w in words) or not 1 <= len(numbers) <= 2:
        return None
    days = [int(n) for n in numbers if len(n) <= 2]
    years = [int(n) for n in numbers if len(n) == 4]
    if len(days) != 1 or len(years) + (year is not None and not years) != 1:
        return None
    try:
        return date(years[0] if years else year or 0, found[0], days[0])
    except ValueError:
        return None


_FILLERS = frozenset({"the", "of", "le", "du", "er", "de", "del", "el", "st", "nd", "rd", "th"})


def parse_day(text: str, locale: str, year: int | None = None) -> date | None:
    """A date as staff type it: 2027-07-01, the short form of their language (01/07/2027),
    or in words (1 July 2027, 1er juillet 2027, 1 de julio de 2027)."""
    text = text.strip()
    if _ISO.fullmatch(text):
        try:
            return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
        except ValueError:
            return None
    if not re.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}", text):
        return _in_words(text, locale, year)
    try:
        day = parse_date(text.replace(".", "/"), locale=locale)
    except (ValueError, IndexError):
        return None
    return day if day.year >= 2000 else None


def parse_period(text: str, locale: str) -> tuple[date, date] | None:
    """Two dates, the first and last day of a pause ("2027-07-01 to 2027-08-15", "du 1er
    juillet au 15 août 2027": the first one's year may be left out), else None."""
    isos = _ISO.findall(text)
    if len(isos) == 2 and _ONLY_BETWEEN.fullmatch(_ISO.sub(" ", text)):
        parts = isos
    else:
        parts = _BETWEEN.split(re.sub(r"^\s*(?:from|du|del|de)\s+", "", text.strip(), flags=re.I))
    if len(parts) != 2:
        return None
    last = parse_day(parts[1], locale)
    if last is None:
        return None
    first = parse_day(parts[0], locale) or parse_day(parts[0], locale, last.year)
    if first is not None and first > last and _ISO.search(parts[0]) is None:
        first = parse_day(parts[0], locale, last.year - 1) or first  # 15 Dec to 5 Jan 2028
    return (first, last) if first is not None else None


class Cohorts:
    """Cohorts as staff manage them; `on_change` hooks run inside each change's transaction
    with the cohort as it now is (the check-in schedule follows its cadence, hour and pause)."""

    def __init__(self, db: Database, clock: Clock, staff: Staff) -> None:
        self.db = db
        self.clock = clock
        self.staff = staff
        self.on_change: list[Hook] = []

    async def get(self, code: str) -> Cohort | None:
        """The cohort with this code (case aside), if any."""
        return await load_cohort(self.db.reader, code)

    async def known(self) -> list[Cohort]:
        """Every cohort, by name."""
        return await all_cohorts(self.db.reader)

    async def listing(self) -> list[Listed]:
        """Every cohort, newest first, with its member counts."""
        rows = await self.db.fetchall(
            "SELECT c.*, (SELECT COUNT(*) FROM applications a"
            "  WHERE lower(a.cohort) = lower(c.code)) AS members,"
            " (SELECT COUNT(*) FROM applications a"
            "  WHERE lower(a.cohort) = lower(c.code) AND a.status = 'approved') AS approved"
            " FROM cohorts c ORDER BY c.created_at DESC, c.code"
        )
        return [Listed(cohort_from_row(row), row["members"], row["approved"]) for row in rows]

    async def codes(self) -> set[str]:
        """Every cohort code."""
        return {row["code"] for row in await self.db.fetchall("SELECT code FROM cohorts")}

    async def members(self, code: str) -> set[int]:
        """Who applied with this cohort's code (case aside)."""
        return await members_of(self.db.reader, code)

    async def create(
        self, actor_id: int, code: str, name: str, update_id: int | None = None
    ) -> Outcome:
        """Creates a cohort with the program's default cadence and hour; OK, BAD_CODE, TAKEN
        or BAD_NAME."""
        tidy = clean_name(name)
        if not valid_code(code):
            return Outcome.BAD_CODE
        if code.lower().startswith(INVITE_PREFIX):
            return Outcome.RESERVED
        if tidy is None:
            return Outcome.BAD_NAME
        async with self.db.write(update_id) as conn:
            if await load_cohort(conn, code) is not None:
                return Outcome.TAKEN
            await conn.execute(
                "INSERT INTO cohorts(code, name, created_by, created_at) VALUES (?, ?, ?, ?)",
                (code, tidy, actor_id, iso(self.clock)),
            )
            await audit(conn, self.clock, actor_id, "cohort.create", None, {"code": code})
            await self._changed(conn, code)
        return Outcome.OK

    async def set_cadence(
        self, actor_id: int, code: str, days: int, update_id: int | None = None
    ) -> Outcome:
        """Check-ins every `days` days (1 to 90)."""
        if not MIN_DAYS <= days <= MAX_DAYS:
            return Outcome.BAD_DAYS
        return await self._set(actor_id, code, "cadence", {"cadence_days": days}, update_id)

    async def set_hour(
        self, actor_id: int, code: str, hour: int, update_id: int | None = None
    ) -> Outcome:
        """Check-ins at `hour` (8 to 20) of each participant's own local time."""
        if not MIN_HOUR <= hour <= MAX_HOUR:
            return Outcome.BAD_HOUR
        return await self._set(actor_id, code, "hour", {"checkin_hour": hour}, update_id)

    async def pause(
        self, actor_id: int, code: str, first: date, last: date, update_id: int | None = None
    ) -> Outcome:
        """Pauses check-ins from `first` to `last` (both included); replaces any other pause."""
        if last < first:
            return Outcome.BAD_PERIOD
        if last < self.clock.now().date():
            return Outcome.PAST
        values = {"paused_from": first.isoformat(), "paused_until": last.isoformat()}
        return await self._set(actor_id, code, "pause", values, update_id)

    async def resume(self, actor_id: int, code: str, update_id: int | None = None) -> Outcome:
        """Ends (or cancels) the cohort's pause; NOT_PAUSED when there was none."""
        cohort = await self.get(code)
        if cohort is None:
            return Outcome.UNKNOWN
        if cohort.paused_from is None:
            return Outcome.NOT_PAUSED
        values = {"paused_from": None, "paused_until": None}
        return await self._set(actor_id, code, "resume", values, update_id)

    async def set_end(
        self, actor_id: int, code: str, ends_on: date, update_id: int | None = None
    ) -> Outcome:
        """The cohort's last day (retention counts from it)."""
        return await self._set(actor_id, code, "end", {"ends_on": ends_on.isoformat()}, update_id)

    async def set_staff(
        self, actor_id: int, code: str, staff_id: int, update_id: int | None = None
    ) -> Outcome:
        """Puts a staff member in charge of the cohort (she hears of its check-in alerts)."""
        if not await self.staff.is_staff(staff_id):
            return Outcome.NOT_STAFF
        return await self._set(actor_id, code, "staff", {"staff_id": staff_id}, update_id)

    async def _set(
        self,
        actor_id: int,
        code: str,
        what: str,
        values: Mapping[str, object],
        update_id: int | None,
    ) -> Outcome:
        """Writes some columns of a cohort, audited, and tells the hooks."""
        columns = ", ".join(f"{column} = ?" for column in values)
        async with self.db.write(update_id) as conn:
            cursor = await conn.execute(
                f"UPDATE cohorts SET {columns} WHERE lower(code) = lower(?)",
                (*values.values(), code),
            )
            if cursor.rowcount == 0:
                return Outcome.UNKNOWN
            details = {"code": code, **values}
            await audit(conn, self.clock, actor_id, f"cohort.{what}", None, details)
            await self._changed(conn, code)
        return Outcome.OK

    async def _changed(self, conn: aiosqlite.Connection, code: str) -> None:
        cohort = await load_cohort(conn, code)
        assert cohort is not None
        for hook in self.on_change:
            await hook(conn, cohort)
