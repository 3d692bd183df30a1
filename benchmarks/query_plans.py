"""Which statements the bot runs scan a table that grows with the program (hand-run).

    python benchmarks/query_plans.py --capture            # runs tests/e2e to record them
    python benchmarks/query_plans.py --statements s.json  # reuses a recording

Records every statement the end-to-end tests make the bot run (benchmarks/sql_capture.py),
then asks SQLite for the plan of each on the program-scale database (scale_db.py) and lists,
per table that grows with the number of people, the statement shapes whose plan reads the
whole table (`SCAN table`, with or without an index: every row is visited) rather than
searching it. The scale database's row counts are shown beside them; tables it leaves empty
(meetings, check-ins, timers...) grow as much in a real program, so they are listed too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scale_db import ensure  # noqa: E402

# Tables whose size does not grow with the number of people (or stays tiny by design).
SMALL = {
    "staff",
    "staff_invites",
    "cohorts",
    "schema_migrations",
    "sqlite_sequence",
    "broadcasts",
    "broadcast_versions",
    "pending_inputs",
    "anonymous_counts",
}
RUNS = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "REPLACE")
SCAN = re.compile(r"^SCAN (\w+)(.*)$")


def capture(paths: list[str], target: Path) -> None:
    """Runs the tests with the capturing plugin; their statements end up in `target`."""
    env = {**os.environ, "SQL_CAPTURE": str(target)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "benchmarks.sql_capture", *paths]
    subprocess.run(command, cwd=ROOT, env=env, check=False)


def scans(conn: sqlite3.Connection, sql: str) -> list[tuple[str, str]] | None:
    """(table, plan line) for each full read in the statement's plan; None if not explained."""
    try:
        plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    except sqlite3.Error:
        return None
    found = []
    for row in plan:
        match = SCAN.match(row[3])
        if match:
            found.append((match.group(1), row[3]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--capture", action="store_true", help="run the tests to record")
    parser.add_argument("--statements", type=Path, help="a recording (JSON) to reuse")
    parser.add_argument("--tests", nargs="*", default=["tests/e2e"], help="what --capture runs")
    parser.add_argument("--database", type=Path, help="default: scale_db.py's database")
    args = parser.parse_args()
    recording = args.statements or Path(tempfile.gettempdir()) / "passerelle-statements.json"
    if args.capture or not recording.exists():
        capture(args.tests, recording)
    statements: dict[str, str] = json.loads(recording.read_text())
    database = args.database or ensure()
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    tables = {
        name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    by_table: dict[str, list[tuple[str, str]]] = defaultdict(list)
    explained = unexplained = 0
    for shape_, example in sorted(statements.items()):
        if not shape_.upper().startswith(RUNS):
            continue
        found = scans(conn, example)
        if found is None:
            unexplained += 1
            continue
        explained += 1
        for table, line in found:
            if table in tables and table not in SMALL:
                by_table[table].append((shape_, line))
    print(f"{len(statements)} statement shapes recorded, {explained} explained on {database}")
    print(f"({unexplained} could not be: temporary tables, or not in this schema)\n")
    for table in sorted(by_table, key=lambda name: -tables[name]):
        print(f"## {table} ({tables[table]:,} rows here): {len(by_table[table])} full reads\n")
        for shape_, line in by_table[table]:
            print(f"- `{line}`: {shape_[:400]}")
        print()


if __name__ == "__main__":
    main()
