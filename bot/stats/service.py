"""Program figures for staff (/stats) and the CSV export of applications (/export)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.runtime.clock import Clock
from bot.runtime.db import Database, DuplicateUpdate, Row
from bot.runtime.i18n import Translator
from bot.staff.service import audit
from dialogs.loader import Form

MENTOR_COUNTRY = "canada"
# OWASP "CSV Injection": a cell starting with one of these may run as a formula in a spreadsheet
# (`-2+3+cmd|' /C calc'!A0`), so it is prefixed with a single quote, negative numbers included.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIXED_COLUMNS = (
    "user_id",
    "first_name",
    "last_name",
    "username",
    "language",
    "status",
    "outcome",
    "reasons",
    "submitted_at",
    "decided_at",
)


@dataclass(frozen=True)
class Figures:
    """Counts at a glance: applications by status, role, country and language; active pairs."""

    applications: int
    by_status: Counter[str]
    by_role: Counter[str]
    by_country: Counter[str]
    by_language: Counter[str]
    active_pairs: int


class Stats:
    """Reads figures and exports applications; every export is audit-logged."""

    def __init__(self, db: Database, clock: Clock, form: Form) -> None:
        self.db = db
        self.clock = clock
        self.form = form

    async def figures(self) -> Figures:
        """Counts applications (roles, countries and languages of submitted ones) and pairs."""
        # SQLite counts; a few dozen groups come back, never a row per application. Three
        # plain passes (the status one on its covering index) cost less than one pass that
        # groups by every column at once.
        read = self.db.fetchall
        by_status = _counts(await read("SELECT status, COUNT(*) FROM applications GROUP BY status"))
        by_role: Counter[str] = Counter()
        by_language: Counter[str] = Counter()
        for role, language, count in await read(
            "SELECT a.role, p.language, COUNT(*) FROM applications a"
            " JOIN people p ON p.user_id = a.user_id"
            " WHERE a.submitted_at IS NOT NULL GROUP BY a.role, p.language"
        ):
            if role:
                by_role[role] += count
            by_language[language] += count
        by_country = Counter({MENTOR_COUNTRY: by_role["mentor"]})
        for value, count in await read(
            "SELECT c.value, COUNT(*) FROM applications a"
            " JOIN answers c ON c.user_id = a.user_id AND c.step = 'country'"
            " WHERE a.submitted_at IS NOT NULL AND a.role IS NOT 'mentor' GROUP BY c.value"
        ):
            by_country[str(json.loads(value))] += count
        pairs = await self.db.fetchone("SELECT COUNT(*) FROM pairs WHERE ended_at IS NULL")
        return Figures(
            applications=by_status.total(),
            by_status=by_status,
            by_role=+by_role,
            by_country=+by_country,
            by_language=by_language,
            active_pairs=int(pairs[0]) if pairs else 0,
        )

    def columns(self) -> list[str]:
        """The CSV header: the fixed columns, then one per step id of the form."""
        return [*FIXED_COLUMNS, *(step.id for step in self.form.steps)]

    async def export(
        self, t: Translator, actor_id: int, update_id: int | None = None
    ) -> tuple[bytes, int]:
        """Every application as CSV (UTF-8 with BOM, answers in the staff member's language)."""
        rows = await self.db.fetchall(
            "SELECT a.*, p.first_name, p.last_name, p.username, p.language"
            " FROM applications a JOIN people p ON p.user_id = a.user_id"
            " ORDER BY a.submitted_at IS NULL, a.submitted_at, a.user_id"
        )
        answers: dict[int, dict[str, Any]] = {}
        for answer in await self.db.fetchall("SELECT user_id, step, value FROM answers"):
            answers.setdefault(answer["user_id"], {})[answer["step"]] = json.loads(answer["value"])
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self.columns())
        for row in rows:
            given = answers.get(row["user_id"], {})
            reasons = "; ".join(t.plain(reason) for reason in json.loads(row["reasons"]))
            writer.writerow(
                [
                    row["user_id"],
                    guard(row["first_name"]),
                    guard(row["last_name"] or ""),
                    guard(row["username"] or ""),
                    row["language"],
                    row["status"],
                    row["outcome"] or "",
                    reasons,
                    row["submitted_at"] or "",
                    row["decided_at"] or "",
                    *(self._cell(t, step.id, given.get(step.id)) for step in self.form.steps),
                ]
            )
        # Handled again after a crash, the export is already in the audit log: send it again.
        with contextlib.suppress(DuplicateUpdate):
            async with self.db.write(update_id) as conn:
                details = {"rows": len(rows)}
                await audit(conn, self.clock, actor_id, "export.applications", None, details)
        return buffer.getvalue().encode("utf-8-sig"), len(rows)

    def _cell(self, t: Translator, step_id: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return "; ".join(self._cell(t, step_id, item) for item in value)
        option = self.form.option(step_id, value) if isinstance(value, str) else None
        return t.plain(option.label) if option is not None else guard(str(value))


def _counts(rows: list[Row]) -> Counter[str]:
    """A counter from (key, count) rows."""
    return Counter({key: count for key, count in rows})


def guard(text: str) -> str:
    """Keeps a spreadsheet from running typed text as a formula (a leading ' is shown as text)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
