"""A pytest plugin that records every SQL statement run while the tests run (query_plans.py).

    SQL_CAPTURE=statements.json python -m pytest -p benchmarks.sql_capture tests/e2e

Every connection opened through `sqlite3.connect` (aiosqlite's threads open theirs with it
too) gets a trace callback. Statements are kept one example per shape: string and number
literals are replaced by `?` to compare them, the example keeps its values (SQLite expands
bound parameters in what it traces), so EXPLAIN QUERY PLAN sees a statement as it ran. The
tests' own statements are recorded too: query_plans.py names what each plan scans, and the
reader judges.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
_seen: dict[str, str] = {}
_connect = sqlite3.connect


def shape(sql: str) -> str:
    """The statement with its literals as `?` and its white space folded."""
    return " ".join(LITERAL.sub("?", sql).split())


def _trace(sql: str) -> None:
    _seen.setdefault(shape(sql), sql)


def _traced_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    conn = _connect(*args, **kwargs)
    conn.set_trace_callback(_trace)
    return conn


def pytest_configure(config: pytest.Config) -> None:
    sqlite3.connect = _traced_connect  # type: ignore[assignment]


def pytest_unconfigure(config: pytest.Config) -> None:
    sqlite3.connect = _connect
    target = os.environ.get("SQL_CAPTURE")
    if target:
        Path(target).write_text(json.dumps(_seen, ensure_ascii=False, indent=0))
