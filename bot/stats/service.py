"""Program figures for staff (/stats) and the CSV export of applications (/export)."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.cohorts.store import Cohort, cohort_from_row, load_cohort
from bot.runtime.clock import Clock
from bot.runtime.db import Database, DuplicateUpdate, Row
from bot.runtime.i18n import Translator
from bot.staff.service import audit
from bot.stats.checkins import CheckinFigures, read_figures
from bot.stats.report import chart_of, render
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

    async def figures(self, cohort: Cohort | None = None) -> Figures:
        """Counts applications (roles, countries and languages of submitted ones) and pairs,
        of everyone or of one cohort's people (those who applied with its code)."""
        # SQLite counts; a few dozen groups come back, never a row per application. Three
        # plain passes (the status one on its covering index) cost less than one pass that
        # groups by every column at once.
        read = self.db.fetchall
        where, of = ("lower(a.cohort) = lower(?)", (cohort.code,)) if cohort else ("1", ())
        by_status = _counts(
            await read(
                f"SELECT status, COUNT(*) FROM applications a WHERE {where} GROUP BY status", of
            )
        )
        by_role: Counter[str] = Counter()
        by_language: Counter[str] = Counter()
        for role, language, count in await read(
            "SELECT a.role, p.language, COUNT(*) FROM applications a"
            " JOIN people p ON p.user_id = a.user_id"
            f" WHERE a.submitted_at IS NOT NULL AND {where} GROUP BY a.role, p.language",
            of,
        ):
            if role:
                by_role[role] += count
            by_language[language] += count
        by_country = Counter({MENTOR_COUNTRY: by_role["mentor"]})
        for value, count in await read(
            "SELECT c.value, COUNT(*) FROM applications a"
            " JOIN answers c ON c.user_id = a.user_id AND c.step = 'country'"
            " WHERE a.submitted_at IS NOT NULL AND a.role IS NOT 'mentor'"
            f" AND {where} GROUP BY c.value",
            of,
        ):
            by_country[str(json.loads(value))] += count
        # People who were erased still count, anonymously (bot/privacy/data.py).
        erased = {
            "application.status": by_status,
            "submitted.role": by_role,
            "submitted.country": by_country,
            "submitted.language": by_language,
        }
        # (They belong to no cohort any more: a cohort's figures leave them out.)
        for row in (
            await read("SELECT kind, key, count FROM anonymous_counts") if not cohort else ()
        ):
            if row["kind"] in erased:
                erased[row["kind"]][row["key"]] += row["count"]
        in_cohort = (
            " AND EXISTS (SELECT 1 FROM applications a WHERE lower(a.cohort) = lower(?)"
            " AND a.user_id IN (p.mentor_id, p.mentee_id))"
        )
        pairs = await self.db.fetchone(
            "SELECT COUNT(*) FROM pairs p WHERE ended_at IS NULL" + (in_cohort if cohort else ""),
            of,
        )
        return Figures(
            applications=by_status.total(),
            by_status=by_status,
            by_role=+by_role,
            by_country=+by_country,
            by_language=by_language,
            active_pairs=int(pairs[0]) if pairs else 0,
        )

    async def cohort(self, code: str) -> Cohort | None:
        """The cohort with this code (any case), if any."""
        return await load_cohort(self.db.reader, code)

    async def cohorts(self) -> list[Cohort]:
        """Every cohort, by name."""
        rows = await self.db.fetchall("SELECT * FROM cohorts ORDER BY lower(name), code")
        return [cohort_from_row(row) for row in rows]

    async def checkins(self, zone: str, cohort: Cohort | None = None) -> CheckinFigures:
        """The check-in figures of the last fortnights (bot/stats/checkins.py), fortnights in
        `zone`: read in a worker thread from a read connection of its own."""
        names = {c.code: c.name for c in await self.cohorts()}
        now = self.clock.now()

        def read() -> CheckinFigures:
            with self.db.snapshot() as conn:
                return read_figures(conn, now, zone, cohort, names)

        return await asyncio.to_thread(read)

    async def members(self, cohort: Cohort) -> set[int]:
        """The people of a cohort (who applied with its code)."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM applications WHERE lower(cohort) = lower(?)", (cohort.code,)
        )
        return {row[0] for row in rows}

    async def chart(self, t: Translator, figures: CheckinFigures) -> tuple[bytes, str]:
        """The /report chart as PNG bytes and its title, drawn in a worker thread."""
        chart = chart_of(t, figures)
        return await asyncio.to_thread(render, chart), chart.title

    def columns(self) -> list[str]:
        """The CSV header: the fixed columns, then one per step id of the form."""
        return [*FIXED_COLUMNS, *(step.id for step in self.form.steps)]

    async def export(
        self,
        t: Translator,
        actor_id: int,
        update_id: int | None = None,
        cohort: str | None = None,
    ) -> tuple[bytes, int]:
        """Every application (of one cohort, when its code is given) as CSV (UTF-8 with BOM,
        answers in the staff member's language).

        Written in a worker thread from a read connection of its own, row by row into a
        temporary file: the event loop (everyone else's replies) never waits for it, and
        memory holds the finished file, not the applications and answers.
        """
        content, rows = await asyncio.to_thread(self._write_csv, t, cohort)
        # Handled again after a crash, the export is already in the audit log: send it again.
        with contextlib.suppress(DuplicateUpdate):
            async with self.db.write(update_id) as conn:
                details: dict[str, object] = {"rows": rows}
                if cohort is not None:
                    details["cohort"] = cohort
                await audit(conn, self.clock, actor_id, "export.applications", None, details)
        return content, rows

    def _write_csv(self, t: Translator, cohort: str | None = None) -> tuple[bytes, int]:
        """The CSV file and its number of applications (runs in a worker thread)."""
        labels = {
            (step.id, option.id): t.plain(option.label)
            for step in self.form.steps
            for option in step.options
        }
        reasons_text: dict[str, str] = {}
        steps = [step.id for step in self.form.steps]
        # The cell of each option answer seen (its JSON text), per step: options repeat over
        # thousands of rows; typed answers are rendered each time and never kept.
        rendered: dict[str, dict[str, str]] = {step: {} for step in steps}
        count = 0
        with self.db.snapshot() as conn, tempfile.TemporaryFile() as file:
            text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
            writer = csv.writer(text)
            writer.writerow(self.columns())
            query = _EXPORT.format(where=_IN_COHORT if cohort is not None else "")
            for row in conn.execute(query, () if cohort is None else (cohort,)):
                *fixed, reasons, submitted_at, decided_at, packed = row
                if reasons not in reasons_text:
                    reasons_text[reasons] = "; ".join(t.plain(r) for r in json.loads(reasons))
                cells: dict[str, str] = {}
                for item in packed.split(_ITEM) if packed else ():
                    step, _, raw = item.partition(_KEY)
                    known = rendered.get(step)
                    if known is None:  # an answer to a step the form no longer has
                        continue
                    cell = known.get(raw)
                    if cell is None:
                        cell, is_option = _cell(labels, step, json.loads(raw))
                        if is_option:
                            known[raw] = cell
                    cells[step] = cell
                user_id, first_name, last_name, username, language, status, outcome = fixed
                writer.writerow(
                    [
                        user_id,
                        guard(first_name),
                        guard(last_name or ""),
                        guard(username or ""),
                        language,
                        status,
                        outcome or "",
                        reasons_text[reasons],
                        submitted_at or "",
                        decided_at or "",
                        *[cells.get(step, "") for step in steps],
                    ]
                )
                count += 1
            text.flush()
            file.seek(0)
            content = file.read()
            text.detach()
        return content, count


# Each application with its answers packed into one text (step, US, JSON value, RS, ...):
# sorted applications first, answers looked up after, so the sort holds only short rows.
# JSON escapes every control character, so the separators never occur inside a value.
_KEY, _ITEM = "\x1f", "\x1e"
_EXPORT = (
    "SELECT o.*, (SELECT group_concat(x.step || char(31) || x.value, char(30))"
    " FROM answers x WHERE x.user_id = o.user_id) FROM ("
    " SELECT a.user_id, p.first_name, p.last_name, p.username, p.language, a.status,"
    " a.outcome, a.reasons, a.submitted_at, a.decided_at"
    " FROM applications a NOT INDEXED JOIN people p ON p.user_id = a.user_id{where}"
    " ORDER BY a.submitted_at IS NULL, a.submitted_at, a.user_id) o"
)
_IN_COHORT = " WHERE lower(a.cohort) = lower(?)"  # /export <code>: one cohort's applications


def _cell(labels: dict[tuple[str, str], str], step_id: str, value: Any) -> tuple[str, bool]:
    """One answer as shown in the CSV (an option's label, else the guarded text), and
    whether it is made of options only."""
    if value is None:
        return "", True
    if isinstance(value, list):
        parts = [_cell(labels, step_id, item) for item in value]
        return "; ".join(part for part, _ in parts), all(option for _, option in parts)
    label = labels.get((step_id, value)) if isinstance(value, str) else None
    return (label, True) if label is not None else (guard(str(value)), False)


def _counts(rows: list[Row]) -> Counter[str]:
    """A counter from (key, count) rows."""
    return Counter({key: count for key, count in rows})


def guard(text: str) -> str:
    """Keeps a spreadsheet from running typed text as a formula (a leading ' is shown as text)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
