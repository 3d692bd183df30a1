"""The streamed CSV export gives, byte for byte, what the export that read everything gave."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core import Core, build_core
from bot.runtime.clock import FrozenClock
from bot.runtime.i18n import Translator
from bot.runtime.people import Who
from bot.runtime.settings import Settings
from bot.stats.service import guard
from dialogs.runner_types import Begin
from tests.applicants import MENTEE, MENTOR, apply
from tests.harness import START


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, db=tmp_path / "export.db", admins=(1,))  # type: ignore[call-arg]
    built = await build_core(settings, FrozenClock(START))
    yield built
    await built.close()


async def reference(core: Core, t: Translator) -> bytes:
    """The export as it was written before it was streamed (everything read, then written)."""
    rows = await core.db.fetchall(
        "SELECT a.*, p.first_name, p.last_name, p.username, p.language"
        " FROM applications a JOIN people p ON p.user_id = a.user_id"
        " ORDER BY a.submitted_at IS NULL, a.submitted_at, a.user_id"
    )
    answers: dict[int, dict[str, Any]] = {}
    for answer in await core.db.fetchall("SELECT user_id, step, value FROM answers"):
        answers.setdefault(answer["user_id"], {})[answer["step"]] = json.loads(answer["value"])

    def cell(step_id: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return "; ".join(cell(step_id, item) for item in value)
        option = core.form.option(step_id, value) if isinstance(value, str) else None
        return t.plain(option.label) if option is not None else guard(str(value))

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(core.stats.columns())
    for row in rows:
        given = answers.get(row["user_id"], {})
        writer.writerow(
            [
                row["user_id"],
                guard(row["first_name"]),
                guard(row["last_name"] or ""),
                guard(row["username"] or ""),
                row["language"],
                row["status"],
                row["outcome"] or "",
                "; ".join(t.plain(reason) for reason in json.loads(row["reasons"])),
                row["submitted_at"] or "",
                row["decided_at"] or "",
                *(cell(step.id, given.get(step.id)) for step in core.form.steps),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


async def cohort(core: Core) -> None:
    """Applicants of every kind: statuses, reasons, multi-choice, typed text, formulas, ties."""
    clock = core.clock
    assert isinstance(clock, FrozenClock)
    await apply(core, Who(10, "José Ñúñez", "=cmd", "jose", "es"), MENTOR)
    await apply(core, Who(11, "Awa", None, "@awa", "fr"), MENTEE)
    await apply(core, Who(12, "Rosa"), MENTEE, {"languages": ("en", "es"), "country": "bolivia"})
    await apply(core, Who(13, "Li"), MENTOR, {"experience": "1", "commitment": "unsure"})
    await apply(core, Who(14, "Zoé"), MENTEE, {"commitment": "no"})  # not eligible
    await apply(
        core, Who(15, "Ada"), MENTEE, {"sector": "other", "sector_other": '-2+3 crafts, "quoted"'}
    )
    clock.set(START - timedelta(days=1))  # submitted earlier: first in the file
    await apply(core, Who(16, "Mia"), MENTEE, {"motivation": '=HYPERLINK("x") line\nbreak'})
    person = await core.people.touch(Who(17, "Léa"))  # in progress, a few answers
    record, _ = await core.onboarding.begin(person, "c1", None)
    await core.onboarding.handle(Who(17, "Léa"), record, Begin(), None)
    await core.people.touch(Who(18, "Nobody"))  # no application: not in the file
    await core.review.decide(1, 11, approve=True)
    await core.review.decide(1, 12, approve=False, note="Not this time")


@pytest.mark.parametrize("language", ["en", "fr", "es"])
async def test_the_streamed_export_equals_the_one_that_read_everything(
    core: Core, language: str
) -> None:
    await cohort(core)
    t = core.t(language)
    expected = await reference(core, t)
    content, rows = await core.stats.export(t, 1, None)
    assert content == expected
    assert rows == 8
    assert content.startswith(b"\xef\xbb\xbf")


async def test_an_empty_program_exports_the_header_only(core: Core) -> None:
    content, rows = await core.stats.export(core.t("en"), 1, None)
    assert rows == 0
    assert content == await reference(core, core.t("en"))


async def test_a_typed_answer_with_control_characters_survives(core: Core) -> None:
    await apply(core, Who(20, "Ana"), MENTEE, {"motivation": "tab\there, unit\x1fsep\x1e ok!"})
    content, _ = await core.stats.export(core.t("en"), 1, None)
    assert content == await reference(core, core.t("en"))
