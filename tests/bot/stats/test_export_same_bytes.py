"""The /export CSV is byte for byte what the export of 02ab5ac (one correlated group_concat
per application, every cell rendered on its own) wrote, for everyone and for one cohort."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import Core, build_core
from bot.runtime.clock import FrozenClock
from bot.runtime.i18n import Translator
from bot.runtime.people import Who
from bot.runtime.settings import Settings
from bot.stats.service import _decoded, _field, guard
from dialogs.runner_types import Begin
from tests.applicants import MENTEE, MENTOR, apply
from tests.harness import START

# The export as 02ab5ac wrote it, kept verbatim (but for names) as the reference.
_KEY, _ITEM = "\x1f", "\x1e"
_EXPORT = (
    "SELECT o.*, (SELECT group_concat(x.step || char(31) || x.value, char(30))"
    " FROM answers x WHERE x.user_id = o.user_id) FROM ("
    " SELECT a.user_id, p.first_name, p.last_name, p.username, p.language, a.status,"
    " a.outcome, a.reasons, a.submitted_at, a.decided_at"
    " FROM applications a NOT INDEXED JOIN people p ON p.user_id = a.user_id{where}"
    " ORDER BY a.submitted_at IS NULL, a.submitted_at, a.user_id) o"
)
_IN_COHORT = " WHERE lower(a.cohort) = lower(?)"


def _cell(labels: dict[tuple[str, str], str], step_id: str, value: Any) -> tuple[str, bool]:
    if value is None:
        return "", True
    if isinstance(value, list):
        parts = [_cell(labels, step_id, item) for item in value]
        return "; ".join(part for part, _ in parts), all(option for _, option in parts)
    label = labels.get((step_id, value)) if isinstance(value, str) else None
    return (label, True) if label is not None else (guard(str(value)), False)


def old_export(core: Core, t: Translator, cohort: str | None = None) -> tuple[bytes, int]:
    self = core.stats
    labels = {
        (step.id, option.id): t.plain(option.label)
        for step in self.form.steps
        for option in step.options
    }
    reasons_text: dict[str, str] = {}
    steps = [step.id for step in self.form.steps]
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
                if known is None:
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


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, db=tmp_path / "export.db", admins=(1,))  # type: ignore[call-arg]
    built = await build_core(settings, FrozenClock(START))
    yield built
    await built.close()


async def everyone(core: Core) -> None:
    """Every kind of answer: each status and reason, multi-choice, typed text with commas,
    quotes, newlines, tabs and formulas, empty names, no answers, stray and odd values, and
    two cohorts (one of them written in another case)."""
    clock = core.clock
    assert isinstance(clock, FrozenClock)
    await apply(core, Who(10, 'José, "Pepe" Ñúñez', "=cmd", "jose", "es"), MENTOR)
    await apply(core, Who(11, "Awa", None, "@awa", "fr"), MENTEE)
    await apply(core, Who(12, "Rosa"), MENTEE, {"languages": ("en", "es"), "country": "bolivia"})
    await apply(core, Who(13, "Li"), MENTOR, {"experience": "1", "commitment": "unsure"})
    await apply(core, Who(14, "Zoé"), MENTEE, {"commitment": "no"})  # not eligible
    await apply(
        core, Who(15, "Ada"), MENTEE, {"sector": "other", "sector_other": '-2+3 crafts, "quoted"'}
    )
    await apply(core, Who(19, "Ana\nMaria"), MENTEE, {"languages": ("es", "fr", "en")})
    await apply(
        core,
        Who(20, "Ola"),
        MENTEE,
        {"motivation": 'tab\there, unit\x1fsep\x1e ok;\r\n"quoted", then\nmore\u2028 é'},
    )
    clock.set(START - timedelta(days=1))  # submitted earlier: first in the file
    await apply(core, Who(16, "Mia"), MENTEE, {"motivation": '=HYPERLINK("x") line\nbreak'})
    await apply(core, Who(21, "Tie"), MENTOR, {"email": "same@example.org"})
    await apply(core, Who(22, "Tie too"), MENTOR, {"email": "same@example.org"})
    person = await core.people.touch(Who(17, "Léa"))  # in progress, a few answers
    record, _ = await core.onboarding.begin(person, "c1", None)
    await core.onboarding.handle(Who(17, "Léa"), record, Begin(), None)
    person = await core.people.touch(Who(23, "Nil"))  # in progress, no answer yet
    await core.onboarding.begin(person, "C2", None)
    await core.people.touch(Who(18, "Nobody"))  # no application: not in the file
    await core.review.decide(1, 11, approve=True)
    await core.review.decide(1, 12, approve=False, note="Not this time")
    async with core.db.write() as conn:
        await conn.execute("UPDATE applications SET cohort = 'C1' WHERE user_id IN (10, 12, 19)")
        await conn.execute("UPDATE applications SET cohort = 'c2' WHERE user_id IN (11, 20)")
        # Values the form would not store today: a step it no longer has, an unknown option
        # (alone and in a multi-choice), a number, a null and an empty list and text.
        for user_id, step, value in (
            (13, "retired_step", "x"),
            (15, "province", "atlantis"),
            (15, "languages", ["fr", "tlh"]),
            (16, "experience", 12.5),
            (16, "destination", None),
            (21, "languages", []),
            (22, "motivation", ""),
            (22, "experience", 7),
            # typed text packed as its cell (migration 16): a formula to guard, commas to quote
            (21, "motivation", "=SUM(A1, B2), then more"),
            (13, "email", "+1 555, ext. 2"),
            (19, "sector_other", "@crafts"),
        ):
            await conn.execute(
                "INSERT OR REPLACE INTO answers (user_id, step, value, answered_at)"
                " VALUES (?, ?, ?, '2026-01-01T00:00:00Z')",
                (user_id, step, json.dumps(value)),
            )


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("cohort", [None, "c1", "C2", "nobody"])
async def test_the_export_is_byte_for_byte_the_old_one(
    core: Core, language: str, cohort: str | None
) -> None:
    await everyone(core)
    t = core.t(language)
    expected, expected_rows = old_export(core, t, cohort)
    content, rows = await core.stats.export(t, 1, None, cohort)
    assert content == expected
    assert rows == expected_rows
    assert rows == {None: 13, "c1": 4, "C2": 3, "nobody": 0}[cohort]


async def test_many_rows_in_batches_are_byte_for_byte_the_old_ones(core: Core) -> None:
    """More applications than several batches of the writer, option answers repeating."""
    await everyone(core)
    at = "2026-01-01T00:00:00Z"
    people, applications, answers = [], [], []
    for n in range(2500):
        user_id = 1000 + n
        people.append((user_id, f"P{n}" if n % 7 else f"-{n}", "en" if n % 3 else "fr", at, at))
        submitted = None if n % 11 == 0 else f"2026-02-{1 + n % 28:02d}T00:00:00Z"
        cohort = ("c1", "C2", None)[n % 3]
        applications.append((user_id, "submitted", "mentee", cohort, at, submitted, at))
        answers += [
            (user_id, "role", json.dumps("mentee"), at),
            (user_id, "country", json.dumps(("senegal", "bolivia", "benin")[n % 3]), at),
            (user_id, "languages", json.dumps([["fr"], ["en", "es"], []][n % 3]), at),
            (user_id, "email", json.dumps(f"p{n}@example.org"), at),
            (user_id, "motivation", json.dumps(f'line {n},\n"{n}"'), at),
        ]
    async with core.db.write() as conn:
        await conn.executemany(
            "INSERT INTO people (user_id, first_name, language, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            people,
        )
        await conn.executemany(
            "INSERT INTO applications (user_id, flow, status, role, cohort, started_at,"
            " submitted_at, updated_at) VALUES (?, 'application', ?, ?, ?, ?, ?, ?)",
            applications,
        )
        await conn.executemany(
            "INSERT INTO answers (user_id, step, value, answered_at) VALUES (?, ?, ?, ?)",
            answers,
        )
    for cohort in (None, "C1"):
        t = core.t("fr")
        content, rows = await core.stats.export(t, 1, None, cohort)
        assert (content, rows) == old_export(core, t, cohort)
        assert rows == (2513 if cohort is None else 838)


@settings(max_examples=500)
@given(st.lists(st.text(), min_size=2, max_size=4))
def test_a_row_joined_by_hand_is_what_csv_writer_writes(cells: list[str]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    assert ",".join(map(_field, cells)) + "\r\n" == buffer.getvalue()


@settings(max_examples=500)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3),
        max_leaves=5,
    ),
    st.booleans(),
)
def test_an_answer_is_decoded_as_json_decodes_it(value: Any, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only)
    assert _decoded(raw) == json.loads(raw)
    assert type(_decoded(raw)) is type(json.loads(raw))
