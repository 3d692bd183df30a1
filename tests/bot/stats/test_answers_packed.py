"""applications.answers_packed (migrations 14 and 16) always holds the application's answers:
filled for the rows already there, then kept by triggers through every write that changes one;
a typed answer packed as the CSV cell /export writes for it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import Core, build_core
from bot.runtime.clock import FrozenClock
from bot.runtime.db import Database
from bot.runtime.migrations import MIGRATIONS, _packed
from bot.runtime.people import Who
from bot.runtime.settings import Settings
from bot.stats.service import _field, guard
from tests.applicants import MENTEE, apply, store_applicant
from tests.bot.stats.test_export_same_bytes import everyone
from tests.harness import START


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, db=tmp_path / "packed.db", admins=(1,))  # type: ignore[call-arg]
    built = await build_core(settings, FrozenClock(START))
    yield built
    await built.close()


def packed_value(raw: str) -> str:
    """What migration 16 packs for an answer's JSON text: a string's cell as /export writes
    typed text, when it is plain JSON text; else RS and the JSON text."""
    text = raw[1:-1]
    if (
        len(raw) > 1
        and raw[0] == raw[-1] == '"'
        and not any(c in text for c in '\\"\t\n\r')
        and json.loads(raw) == text
    ):
        return _field(guard(text))
    return "\x1e" + raw


def unpacked(packed: str | None) -> dict[str, str]:
    """The packed values by step."""
    if packed is None:
        return {}
    answered, values = packed.split("\x1d")
    return dict(zip(answered.split(","), values.split("\x1f"), strict=True))


async def mismatches(db: Database) -> list[tuple[int, object, object]]:
    """Applications whose packed answers differ from their rows in answers."""
    wrong = []
    for row in await db.fetchall("SELECT user_id, answers_packed FROM applications"):
        packed = unpacked(row["answers_packed"])
        rows = await db.fetchall(
            "SELECT step, value FROM answers WHERE user_id = ?", (row["user_id"],)
        )
        answers = {answer["step"]: packed_value(answer["value"]) for answer in rows}
        if packed != answers:
            wrong.append((row["user_id"], packed, answers))
    return wrong


async def test_the_migration_packs_the_answers_already_there(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    await old.open([m for m in MIGRATIONS if m.version < 14])
    for user_id in (1, 2, 3):
        await store_applicant(old, user_id, "mentor" if user_id == 1 else "mentee")
    async with old.write() as conn:
        await conn.execute("DELETE FROM answers WHERE user_id = 3")  # none: NULL
    await old.close()

    new = Database(path)
    await new.open()
    try:
        rows = await new.fetchall("SELECT user_id, answers_packed FROM applications")
        assert {row["user_id"]: row["answers_packed"] is None for row in rows} == {
            1: False,
            2: False,
            3: True,
        }
        assert await mismatches(new) == []
    finally:
        await new.close()


async def test_every_write_keeps_the_packed_answers(core: Core) -> None:
    await everyone(core)  # the questionnaire's own writes, edits, decisions, odd values
    assert await mismatches(core.db) == []
    async with core.db.write() as conn:
        await conn.execute("UPDATE answers SET value = '\"en\"' WHERE step = 'languages'")
        await conn.execute("DELETE FROM answers WHERE user_id = 10 AND step = 'email'")
        await conn.execute(
            "INSERT INTO answers (user_id, step, value, answered_at) VALUES (11, 'email',"
            " ?, 'now') ON CONFLICT (user_id, step) DO UPDATE SET value = excluded.value",
            (json.dumps("new@example.org"),),
        )
        await conn.execute("DELETE FROM answers WHERE user_id = 12")
    assert await mismatches(core.db) == []
    packed = await core.db.fetchone("SELECT answers_packed FROM applications WHERE user_id = 12")
    assert packed is not None and packed[0] is None
    # Begun again after "not eligible": the old answers and application go, a new one starts.
    await apply(core, Who(14, "Zoé"), MENTEE)
    assert await mismatches(core.db) == []


@given(
    st.one_of(
        st.text(),
        st.text(alphabet="=+-@'\",;\\ \t\r\nabcé"),
        st.lists(st.text(max_size=3), max_size=2),
        st.integers(),
        st.none(),
    ),
    st.booleans(),
)
def test_a_packed_value_is_its_cell_or_its_json(value: Any, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only)
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE TABLE answers (user_id INTEGER, step TEXT, value TEXT)")
        conn.execute("INSERT INTO answers VALUES (1, 'a', ?), (1, 'b', '\"x\"')", (raw,))
        (packed,) = conn.execute(f"SELECT {_packed('1')}").fetchone()
    assert unpacked(packed) == {"a": packed_value(raw), "b": "x"}
    if isinstance(value, str) and not any(c in raw for c in "\\\t\n\r"):
        assert unpacked(packed)["a"] == _field(guard(value))  # typed text: its cell
