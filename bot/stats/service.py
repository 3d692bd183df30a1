"""Program figures for staff (/stats) and the CSV export of applications (/export)."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import csv
import json
import re
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from bot.cohorts.store import Cohort, all_cohorts
from bot.runtime.clock import Clock
from bot.runtime.db import Database, DuplicateUpdate
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
        of everyone or of one cohort's people (those who applied with its code).

        Read in a worker thread from a read connection of its own: at 100,000 applications
        the counts take a few hundred milliseconds, during which the shared read connection
        (everyone else's reads) stays free."""

        def read() -> Figures:
            with self.db.snapshot() as conn:
                return _figures(conn, cohort)

        return await asyncio.to_thread(read)

    async def checkins(self, zone: str, cohort: Cohort | None = None) -> CheckinFigures:
        """The check-in figures of the last fortnights (bot/stats/checkins.py), fortnights in
        `zone`: read in a worker thread from a read connection of its own."""
        names = {c.code: c.name for c in await all_cohorts(self.db.reader)}
        now = self.clock.now()

        def read() -> CheckinFigures:
            with self.db.snapshot() as conn:
                return read_figures(conn, now, zone, cohort, names)

        return await asyncio.to_thread(read)

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
        """The CSV file and its number of applications (runs in a worker thread).

        Each line is what csv.writer (excel dialect) writes, joined here: an option's cell is
        rendered and quoted once per export, a typed answer's was when it was written
        (migration 16), and only the rest (a list of options, a number, text with escapes) is
        rendered here.
        """
        labels = {
            (step.id, option.id): t.plain(option.label)
            for step in self.form.steps
            for option in step.options
        }
        steps = [step.id for step in self.form.steps]
        # Per step, the cell of each packed value: an option's label by its id, and (once
        # seen) a list of options by its packed JSON; a value not there is its own cell.
        known = [
            {option.id: _field(t.plain(option.label)) for option in step.options}
            for step in self.form.steps
        ]
        # Per set of steps answered (a packed row's first part, a few dozen kinds), where each
        # of the form's steps is among its values ("" after them: not answered).
        orders: dict[str, Callable[[list[str]], tuple[str, ...]]] = {}
        no_answers = ",".join("" for _ in steps)
        reasons_text: dict[str, str] = {}
        lines: list[str] = []
        csv.writer(_Lines(lines)).writerow(self.columns())
        count = 0
        with self.db.snapshot() as conn, tempfile.TemporaryFile() as file:
            file.write(codecs.BOM_UTF8 + lines.pop().encode())
            query = _EXPORT.format(where=_IN_COHORT if cohort is not None else "")
            cursor = conn.execute(query, () if cohort is None else (cohort,))
            while batch := cursor.fetchmany(_BATCH):
                for (
                    user_id,
                    first,
                    last,
                    user,
                    language,
                    status,
                    outcome,
                    reasons,
                    submitted_at,
                    decided_at,
                    packed,
                ) in batch:
                    text = reasons_text.get(reasons)
                    if text is None:
                        text = _field("; ".join(t.plain(r) for r in json.loads(reasons)))
                        reasons_text[reasons] = text
                    if packed:
                        answered, _, packed_values = packed.partition(_GS)
                        order = orders.get(answered)
                        if order is None:
                            order = orders[answered] = _order(answered.split(","), steps)
                        values = packed_values.split(_US)
                        values.append("")
                        ordered = order(values)
                        cells = ",".join(map(dict.get, known, ordered, ordered))
                        if _RS in cells:  # rarely (the first of each list of options)
                            cells = ",".join(_cells(labels, steps, known, ordered))
                    else:
                        cells = no_answers
                    last, user, outcome = last or "", user or "", outcome or ""
                    submitted_at, decided_at = submitted_at or "", decided_at or ""
                    if (
                        first.startswith(FORMULA_STARTS)
                        or last.startswith(FORMULA_STARTS)
                        or user.startswith(FORMULA_STARTS)
                        or not _PLAIN(
                            f"{first}{last}{user}{language}{status}{outcome}"
                            f"{submitted_at}{decided_at}"
                        )
                    ):  # rarely: a name to guard, or a cell to quote
                        first, last, user = (_field(guard(name)) for name in (first, last, user))
                        language, status, outcome, submitted_at, decided_at = map(
                            _field, (language, status, outcome, submitted_at, decided_at)
                        )
                    lines.append(
                        f"{user_id},{first},{last},{user},{language},{status},{outcome},"
                        f"{text},{submitted_at},{decided_at},{cells}"
                    )
                count += len(batch)
                lines.append("")  # the last line's end
                file.write("\r\n".join(lines).encode())
                lines.clear()
                time.sleep(0)  # the event loop's turn to hold the GIL, if it waits for it
            file.seek(0)
            content = file.read()
        return content, count


def _figures(conn: sqlite3.Connection, cohort: Cohort | None) -> Figures:
    """The figures of Stats.figures, read on `conn` (in a worker thread)."""
    # SQLite counts; a few dozen groups come back, never a row per application. Three
    # plain passes (the status one on its covering index) cost less than one pass that
    # groups by every column at once.
    read = conn.execute
    where, of = ("lower(a.cohort) = lower(?)", (cohort.code,)) if cohort else ("1", ())
    by_status: Counter[str] = Counter(
        dict(read(f"SELECT status, COUNT(*) FROM applications a WHERE {where} GROUP BY status", of))
    )
    by_role: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    for role, language, count in read(
        "SELECT a.role, p.language, COUNT(*) FROM applications a"
        " JOIN people p ON p.user_id = a.user_id"
        f" WHERE a.submitted_at IS NOT NULL AND {where} GROUP BY a.role, p.language",
        of,
    ):
        if role:
            by_role[role] += count
        by_language[language] += count
    by_country = Counter({MENTOR_COUNTRY: by_role["mentor"]})
    for value, count in read(
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
    for kind, key, count in (
        read("SELECT kind, key, count FROM anonymous_counts") if not cohort else ()
    ):
        if kind in erased:
            erased[kind][key] += count
    in_cohort = (
        " AND EXISTS (SELECT 1 FROM applications a WHERE lower(a.cohort) = lower(?)"
        " AND a.user_id IN (p.mentor_id, p.mentee_id))"
    )
    pairs = read(
        "SELECT COUNT(*) FROM pairs p WHERE ended_at IS NULL" + (in_cohort if cohort else ""),
        of,
    ).fetchone()
    return Figures(
        applications=by_status.total(),
        by_status=by_status,
        by_role=+by_role,
        by_country=+by_country,
        by_language=by_language,
        active_pairs=int(pairs[0]) if pairs else 0,
    )


class _Lines:
    """What csv.writer writes to: each line appended to a list."""

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


_PLAIN = re.compile('[^",\r\n\x00]*').fullmatch  # what csv.writer writes as it is


def _field(text: str) -> str:
    """A cell as csv.writer (excel dialect: QUOTE_MINIMAL, "" for ") writes it in a row of
    several cells."""
    if _PLAIN(text):
        return text
    lines: list[str] = []
    csv.writer(_Lines(lines)).writerow((text,))
    return lines[0][:-2]  # without its "\r\n"


def _decoded(raw: str) -> Any:
    """An answer's JSON value; a string without escapes is read without the JSON decoder
    (typed answers: an e-mail address, a motivation)."""
    if len(raw) > 1 and raw[0] == '"' and raw[-1] == '"' and "\\" not in raw:
        return raw[1:-1]  # no backslash: no escape, and no " inside
    return json.loads(raw)


# Each application with its answers packed into one text (the steps, GS, their values, each
# typed one already as its cell: bot/runtime/migrations.py `_packed`), kept by triggers in the
# same transaction as the answers (migrations 14 and 16).
_GS, _US, _RS = "\x1d", "\x1f", "\x1e"
_BATCH = 1000
_EXPORT = (
    "SELECT a.user_id, p.first_name, p.last_name, p.username, p.language, a.status,"
    " a.outcome, a.reasons, a.submitted_at, a.decided_at, a.answers_packed"
    " FROM applications a NOT INDEXED JOIN people p ON p.user_id = a.user_id{where}"
    " ORDER BY a.submitted_at IS NULL, a.submitted_at, a.user_id"
)
_IN_COHORT = " WHERE lower(a.cohort) = lower(?)"  # /export <code>: one cohort's applications


def _order(answered: list[str], steps: list[str]) -> Callable[[list[str]], tuple[str, ...]]:
    """From the packed values of the steps `answered` (and "" after them), those of the form's
    `steps` in its order ("" for a step not answered)."""
    at = {step: index for index, step in enumerate(answered)}
    indexes = [at.get(step, len(answered)) for step in steps]
    if len(indexes) < 2:  # (itemgetter returns a tuple for two indexes or more)
        return lambda values: tuple(values[index] for index in indexes)
    return itemgetter(*indexes)


def _cells(
    labels: dict[tuple[str, str], str],
    steps: list[str],
    known: list[dict[str, str]],
    values: tuple[str, ...],
) -> list[str]:
    """Each step's cell, rendering the packed JSON values (RS first) not known yet and keeping
    those made of options only."""
    cells = []
    for index, value in enumerate(values):
        cell = known[index].get(value)
        if cell is None:
            if not value.startswith(_RS):
                cell = value  # typed text, written as its cell
            else:
                text, is_option = _cell(labels, steps[index], _decoded(value[1:]))
                cell = _field(text)
                if is_option:
                    known[index][value] = cell
        cells.append(cell)
    return cells


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


def guard(text: str) -> str:
    """Keeps a spreadsheet from running typed text as a formula (a leading ' is shown as text)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
