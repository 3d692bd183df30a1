"""Consent and its versions, the /mydata document, erasure and retention."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.privacy.data import HOLDINGS, Erasure, Holding
from bot.privacy.notice import VERSION
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.i18n import Catalogs
from bot.runtime.people import iso
from bot.runtime.settings import Settings
from bot.runtime.timers import Timer, schedule
from bot.staff.service import audit

FORMAT = "passerelle.mydata/1"
RETENTION = "privacy.retention"
# People erased per run, in one write transaction: about 20 ms each at 100,000 people (the
# audit log's mentions of her are the largest part), so others' writes wait half a second at
# most; the next run follows at once while more are due.
RETENTION_BATCH = 25
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


class Reason(StrEnum):
    """Why someone's data was erased (kept, anonymously, in the audit log)."""

    REQUEST = "request"  # she asked, with /delete
    CONSENT_REFUSED = "consent_refused"  # she did not agree (in the questionnaire or later)
    RETENTION = "retention"  # the retention period ran out
    STAFF = "staff"  # an admin erased her on her request (/erase)


@dataclass(frozen=True)
class Erased:
    """What an erasure did."""

    user_id: int
    told: tuple[int, ...]  # who was owed a notice (her former pairs)


@dataclass(frozen=True)
class Due:
    """Whose data the retention rules erase next, and when."""

    applicants: int
    participants: int
    next_at: datetime | None


class Privacy:
    """Everything about a person's personal data as a whole."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalogs: Catalogs,
        settings: Settings,
        holdings: Sequence[Holding] = HOLDINGS,
    ) -> None:
        self.db = db
        self.clock = clock
        self.catalogs = catalogs
        self.settings = settings
        self.holdings = list(holdings)
        self._current: set[int] = set()  # people known to have consented to VERSION

    def add(self, holding: Holding) -> None:
        """Adds a capability's holding; it is erased before the ones already known."""
        self.holdings.insert(0, holding)

    @property
    def tables(self) -> set[str]:
        """Every table some holding covers."""
        return {table for holding in self.holdings for table in holding.tables}

    # Consent ---------------------------------------------------------------------------

    async def record_consent(
        self, conn: aiosqlite.Connection, user_id: int, given: bool = True
    ) -> None:
        """Records, in the caller's transaction, that she agreed to the current privacy texts."""
        await conn.execute(
            "INSERT INTO consents(user_id, version, given, at) VALUES (?, ?, ?, ?)",
            (user_id, VERSION, int(given), iso(self.clock)),
        )
        if given:
            await conn.execute(
                "UPDATE people SET consent_version = ? WHERE user_id = ?", (VERSION, user_id)
            )

    async def consent(self, user_id: int, update_id: int | None) -> None:
        """She agreed to the current version (asked again after the texts changed)."""
        async with self.db.write(update_id) as conn:
            await self.record_consent(conn, user_id)
        self._current.add(user_id)

    async def needs_consent(self, user_id: int) -> bool:
        """Whether she consented to an older version of the privacy texts than the current one.

        Someone who never consented (new, or staff) is asked by the questionnaire, not here.
        """
        if user_id in self._current:
            return False
        row = await self.db.fetchone(
            "SELECT consented_at, consent_version FROM people WHERE user_id = ?", (user_id,)
        )
        if row is None or row["consented_at"] is None or row["consent_version"] == VERSION:
            if row is not None:
                self._current.add(user_id)
            return False
        return True

    # Access ----------------------------------------------------------------------------

    async def document(self, user_id: int, update_id: int | None) -> dict[str, Any]:
        """Everything stored about her, as the /mydata document (its request is audited)."""
        async with self.db.write(update_id) as conn:
            await audit(conn, self.clock, user_id, "privacy.mydata", user_id, {})
            document: dict[str, Any] = {
                "format": FORMAT,
                "generated_at": iso(self.clock),
                "privacy_version": VERSION,
            }
            for holding in reversed(self.holdings):
                document[holding.section] = await holding.export(conn, user_id)
        return document

    # Erasure ---------------------------------------------------------------------------

    async def erase_in(
        self, conn: aiosqlite.Connection, user_id: int, reason: Reason, actor_id: int
    ) -> Erased:
        """Erases her personal data in the caller's write transaction (every holding)."""
        erasure = Erasure(
            conn,
            user_id,
            self.clock.now(),
            self.catalogs,
            self.settings.default_language,
            self.clock,
        )
        for holding in self.holdings:
            await holding.erase(erasure)
        await audit(
            conn,
            self.clock,
            0 if actor_id == user_id else actor_id,
            "privacy.erased",
            None,
            {"reason": reason.value},
        )
        self._current.discard(user_id)
        return Erased(user_id, tuple(erasure.told))

    async def erase(
        self, user_id: int, reason: Reason, actor_id: int, update_id: int | None
    ) -> Erased:
        """Erases her personal data in a transaction of its own."""
        async with self.db.write(update_id) as conn:
            return await self.erase_in(conn, user_id, reason, actor_id)

    async def exists(self, user_id: int) -> bool:
        """Whether anything is stored about this person (her profile)."""
        return (
            await self.db.fetchone("SELECT 1 FROM people WHERE user_id = ?", (user_id,)) is not None
        )

    # Retention -------------------------------------------------------------------------

    def _limits(self) -> tuple[str, str]:
        """Who is erased: applicants untouched since the first, participants whose cohort or
        pairings ended before the second (bound three times in _PARTICIPANTS)."""
        now = self.clock.now()
        applicants = now - self.settings.retention_applicants
        participants = now - self.settings.retention_participants
        return applicants.strftime(_STAMP), participants.strftime(_STAMP)

    # Applicants: never paired, last touched before the limit. Participants: paired once, no
    # pairing still active, and either her cohort ended (the day after its `ends_on`) before
    # the limit, or, without a cohort end date, every pairing ended before the limit. Staff
    # are never erased by retention. Each set of people is a subquery read once (SQLite
    # keeps it as a temporary index): the people checked one by one against the pairs took
    # four minutes at 100,000 people, pairs having no index on all of their ids.
    _PAIRED = "SELECT mentor_id FROM pairs UNION ALL SELECT mentee_id FROM pairs"
    _ACTIVE = (
        "SELECT mentor_id FROM pairs WHERE ended_at IS NULL"
        " UNION ALL SELECT mentee_id FROM pairs WHERE ended_at IS NULL"
    )
    _RECENT = (
        "SELECT mentor_id FROM pairs WHERE ended_at >= ?"
        " UNION ALL SELECT mentee_id FROM pairs WHERE ended_at >= ?"
    )
    _APPLICANTS = (
        "SELECT a.user_id FROM applications a WHERE a.updated_at < ?"
        f" AND a.user_id NOT IN ({_PAIRED})"
        " AND a.user_id NOT IN (SELECT user_id FROM staff)"
    )
    _PARTICIPANTS = (
        "SELECT p.user_id FROM people p LEFT JOIN applications a ON a.user_id = p.user_id"
        " LEFT JOIN cohorts c ON lower(c.code) = lower(a.cohort)"
        f" WHERE p.user_id IN ({_PAIRED}) AND p.user_id NOT IN ({_ACTIVE})"
        " AND CASE WHEN c.ends_on IS NOT NULL"
        "  THEN date(c.ends_on, '+1 day') || 'T00:00:00Z' <= ?"
        f"  ELSE p.user_id NOT IN ({_RECENT}) END"
        " AND p.user_id NOT IN (SELECT user_id FROM staff)"
    )

    async def due(self) -> Due:
        """How many people the retention rules erase now, and when the next one falls due."""
        applicants, participants = self._limits()
        counted_a = await self.db.fetchone(
            f"SELECT COUNT(*) FROM ({self._APPLICANTS})", (applicants,)
        )
        counted_p = await self.db.fetchone(
            f"SELECT COUNT(*) FROM ({self._PARTICIPANTS})", (participants,) * 3
        )
        nexts = await self.db.fetchone(
            "SELECT MIN(due_at) FROM timers WHERE kind = ? AND done_at IS NULL"
            " AND cancelled_at IS NULL",
            (RETENTION,),
        )
        next_at = (
            datetime.strptime(nexts[0], _STAMP).replace(tzinfo=UTC)
            if nexts is not None and nexts[0]
            else None
        )
        return Due(
            int(counted_a[0]) if counted_a else 0,
            int(counted_p[0]) if counted_p else 0,
            next_at,
        )

    async def run_retention(self, conn: aiosqlite.Connection, timer: Timer) -> None:
        """The daily retention timer: erases whoever is due (a batch), then plans the next run."""
        applicants, participants = self._limits()
        rows = await Database.rows(
            conn,
            f"{self._APPLICANTS} UNION {self._PARTICIPANTS} LIMIT ?",
            (applicants, *(participants,) * 3, RETENTION_BATCH),
        )
        for row in rows:
            await self.erase_in(conn, int(row["user_id"]), Reason.RETENTION, 0)
        now = self.clock.now()
        following = now if len(rows) == RETENTION_BATCH else now + timedelta(days=1)
        await schedule(conn, _retention_id(following), RETENTION, following, now=now)

    async def start_retention(self) -> None:
        """At start, plans today's retention run unless one is planned."""
        now = self.clock.now()
        async with self.db.write() as conn:
            planned = await Database.rows(
                conn,
                "SELECT 1 FROM timers WHERE kind = ? AND done_at IS NULL AND cancelled_at IS NULL",
                (RETENTION,),
            )
            if not planned:
                await schedule(conn, _retention_id(now), RETENTION, now, now=now)


def _retention_id(moment: datetime) -> str:
    """A run's id: its due time (a run that left more due continues at once, else next day)."""
    return f"{RETENTION}:{moment.astimezone(UTC).strftime(_STAMP)}"


def document_json(document: dict[str, Any]) -> bytes:
    """The /mydata document as the bytes of a UTF-8 JSON file."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
