"""The retention run (due at each start, then daily) finds who is due through indexes: with
every pair scanned once per person, 50,000 pairs kept the writer busy for hours."""

from __future__ import annotations

from pathlib import Path

from bot.privacy.service import Privacy
from bot.runtime.db import Database


async def test_the_retention_search_looks_pairs_up_by_person(tmp_path: Path) -> None:
    db = Database(tmp_path / "passerelle.db")
    await db.open()
    try:
        sql = f"{Privacy._APPLICANTS} UNION {Privacy._PARTICIPANTS} LIMIT ?"
        limits = ("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 200)
        plan = [str(row[-1]) for row in await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", limits)]
    finally:
        await db.close()
    pairs = [step for step in plan if " x " in f"{step} "]  # the pairs subqueries' steps
    assert pairs, plan
    assert all(step.startswith("SEARCH x USING INDEX") for step in pairs), plan
