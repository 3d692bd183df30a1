"""Retention reads each set of people once: no subquery runs again for every person (at
100,000 people the correlated form took four minutes, holding the database)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.privacy.service import Privacy
from bot.runtime.migrations import MIGRATIONS


def test_retention_queries_have_no_correlated_subquery(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "plans.db")
    for migration in MIGRATIONS:
        for statement in migration.statements:
            conn.execute(statement)
    limit = "2027-01-01T00:00:00Z"
    for sql, params in (
        (Privacy._APPLICANTS, (limit,)),
        (Privacy._PARTICIPANTS, (limit,) * 3),
    ):
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        assert not [step for step in plan if "CORRELATED" in step], plan
        assert any("LIST SUBQUERY" in step for step in plan), plan  # the sets, read once
