"""SQLite storage: recorded migrations, transactions, duplicate updates, concurrent writers."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime.db import Database, DatabaseUnavailable, DuplicateUpdate
from bot.runtime.migrations import MIGRATIONS, Migration

NOW = "2027-01-15T12:00:00Z"
LATEST = max(migration.version for migration in MIGRATIONS)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fully migrated database in a new file."""
    database = Database(tmp_path / "passerelle.db")
    await database.open()
    yield database
    await database.close()


async def add_person(db: Database, user_id: int, update_id: int | None = None) -> None:
    async with db.write(update_id) as conn:
        await conn.execute(
            "INSERT INTO people(user_id, first_name, language, created_at, updated_at)"
            " VALUES (?, ?, 'fr', ?, ?)",
            (user_id, f"P{user_id}", NOW, NOW),
        )


async def people(db: Database) -> list[int]:
    return [row["user_id"] for row in await db.fetchall("SELECT user_id FROM people ORDER BY 1")]


async def tables(db: Database) -> set[str]:
    rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row["name"] for row in rows}


def test_migrations_are_ordered_and_numbered_once() -> None:
    versions = [migration.version for migration in MIGRATIONS]
    assert versions == sorted(set(versions))
    assert versions[0] == 1


async def test_migrations_apply_on_a_new_file_and_are_recorded(db: Database) -> None:
    rows = await db.fetchall("SELECT version, name, applied_at FROM schema_migrations ORDER BY 1")

    assert [(row["version"], row["name"]) for row in rows] == [
        (migration.version, migration.name) for migration in MIGRATIONS
    ]
    assert all(row["applied_at"] for row in rows)
    assert await db.schema_version() == LATEST
    assert {
        "people",
        "applications",
        "answers",
        "inbox",
        "outbox",
        "staff",
        "audit_log",
        "pairs",
        "pending_inputs",
    } <= await tables(db)


async def test_an_older_database_is_upgraded_in_place_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    await old.open(MIGRATIONS[:1])
    await add_person(old, 42)
    assert await old.schema_version() == 1
    assert "staff" not in await tables(old)
    await old.close()

    new = Database(path)
    await new.open()
    try:
        assert await new.schema_version() == LATEST
        assert "staff" in await tables(new)
        row = await new.fetchone("SELECT first_name, language, capacity FROM people")
        assert row is not None
        assert (row["first_name"], row["language"], row["capacity"]) == ("P42", "fr", 4)
    finally:
        await new.close()


async def test_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    first = Database(path)
    await first.open()
    await add_person(first, 1)
    recorded = await first.fetchall("SELECT * FROM schema_migrations ORDER BY version")
    await first.close()

    for _ in range(2):
        again = Database(path)
        await again.open()
        try:
            rows = await again.fetchall("SELECT * FROM schema_migrations ORDER BY version")
            assert [tuple(row) for row in rows] == [tuple(row) for row in recorded]
            assert await people(again) == [1]
        finally:
            await again.close()


async def test_a_failing_migration_leaves_no_trace(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    bad = Migration(LATEST + 1, "half done", ("CREATE TABLE half(x)", "THIS IS NOT SQL"))
    database = Database(path)
    with pytest.raises(DatabaseUnavailable, match="syntax error"):
        await database.open((*MIGRATIONS, bad))
    await database.close()

    database = Database(path)
    await database.open()
    try:
        assert await database.schema_version() == LATEST
        assert "half" not in await tables(database)
    finally:
        await database.close()


async def test_wal_mode_is_on(db: Database) -> None:
    row = await db.fetchone("PRAGMA journal_mode")

    assert row is not None and row[0] == "wal"


async def test_reads_cannot_write(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError):
        await db.fetchall("DELETE FROM people")


async def test_a_committed_write_is_visible_to_reads(db: Database) -> None:
    await add_person(db, 7)

    assert await people(db) == [7]


async def test_write_rolls_back_on_exception(db: Database) -> None:
    await add_person(db, 1)

    with pytest.raises(RuntimeError, match="boom"):
        async with db.write() as conn:
            await conn.execute("DELETE FROM people")
            await conn.execute(
                "INSERT INTO people(user_id, language, created_at, updated_at)"
                " VALUES (2, 'en', ?, ?)",
                (NOW, NOW),
            )
            raise RuntimeError("boom")

    assert await people(db) == [1]
    await add_person(db, 3)  # the connection is usable and the lock is released
    assert await people(db) == [1, 3]


async def test_a_constraint_violation_rolls_back_the_whole_transaction(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.write() as conn:
            await conn.execute(
                "INSERT INTO people(user_id, language, created_at, updated_at)"
                " VALUES (5, 'en', ?, ?)",
                (NOW, NOW),
            )
            await conn.execute(
                "INSERT INTO answers(user_id, step, value, answered_at)"
                " VALUES (999, 'email', 'x', ?)",
                (NOW,),
            )

    assert await people(db) == []


async def test_erasing_a_person_erases_her_answers(db: Database) -> None:
    await add_person(db, 9)
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO answers(user_id, step, value, answered_at) VALUES (9, 'email', 'x', ?)",
            (NOW,),
        )
        await conn.execute("DELETE FROM people WHERE user_id = 9")

    assert await db.fetchall("SELECT * FROM answers") == []


async def test_the_same_update_is_applied_once(db: Database) -> None:
    await add_person(db, 1, update_id=100)
    assert await db.is_applied(100)
    assert not await db.is_applied(101)

    ran = False
    with pytest.raises(DuplicateUpdate):
        async with db.write(update_id=100) as conn:
            ran = True
            await conn.execute(
                "INSERT INTO people(user_id, language, created_at, updated_at)"
                " VALUES (2, 'en', ?, ?)",
                (NOW, NOW),
            )

    assert not ran
    assert await people(db) == [1]
    await add_person(db, 3, update_id=101)  # later updates still go through
    assert await people(db) == [1, 3]


async def test_an_update_whose_transaction_failed_can_be_retried(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.write(update_id=200):
            raise RuntimeError("crash before commit")
    assert not await db.is_applied(200)

    await add_person(db, 4, update_id=200)

    assert await db.is_applied(200)
    assert await people(db) == [4]


async def test_concurrent_writers_lose_nothing(db: Database) -> None:
    async with db.write() as conn:
        await conn.execute("CREATE TABLE counter(n INTEGER NOT NULL)")
        await conn.execute("INSERT INTO counter VALUES (0)")

    async def increment(update_id: int) -> None:
        async with db.write(update_id) as conn:
            async with conn.execute("SELECT n FROM counter") as cursor:
                row = await cursor.fetchone()
            assert row is not None
            await conn.execute("UPDATE counter SET n = ?", (row[0] + 1,))

    await asyncio.gather(*(increment(1000 + i) for i in range(50)))

    row = await db.fetchone("SELECT n FROM counter")
    assert row is not None and row[0] == 50
    count = await db.fetchone("SELECT COUNT(*) FROM inbox WHERE applied_at IS NOT NULL")
    assert count is not None and count[0] == 50


async def test_concurrent_duplicates_apply_once(db: Database) -> None:
    async def attempt() -> bool:
        try:
            await add_person(db, 77, update_id=300)
        except DuplicateUpdate:
            return False
        return True

    results = await asyncio.gather(*(attempt() for _ in range(10)))

    assert results.count(True) == 1
    assert await people(db) == [77]


async def test_using_a_closed_database_is_an_error(tmp_path: Path) -> None:
    database = Database(tmp_path / "closed.db")

    with pytest.raises(RuntimeError, match="not open"):
        await database.fetchall("SELECT 1")
    with pytest.raises(RuntimeError, match="not open"):
        async with database.write():
            pass


async def test_a_read_after_a_commit_sees_it_while_other_reads_run(tmp_path: Path) -> None:
    """Concurrent reads share one connection: none may pin an older snapshot for the others."""
    db = Database(tmp_path / "snap.db")
    await db.open()
    try:
        async with db.write() as conn:
            await conn.execute("CREATE TABLE seen(id INTEGER PRIMARY KEY)")
            await conn.executemany(
                "INSERT INTO seen(id) VALUES (?)",
                [(i,) for i in range(10_000, 12_000)],
            )
        stop = asyncio.Event()

        async def noise() -> None:
            while not stop.is_set():
                await db.fetchall("SELECT id FROM seen")

        async def write_then_read(i: int) -> bool:
            async with db.write() as conn:
                await conn.execute("INSERT INTO seen(id) VALUES (?)", (i,))
            return await db.fetchone("SELECT 1 FROM seen WHERE id = ?", (i,)) is not None

        readers = [asyncio.create_task(noise()) for _ in range(4)]
        try:
            seen = [await write_then_read(i) for i in range(200)]
        finally:
            stop.set()
            await asyncio.gather(*readers)
        assert all(seen), f"{seen.count(False)} reads missed their own commit"
    finally:
        await db.close()


async def test_a_writer_cancelled_while_beginning_leaves_the_connection_usable(
    db: Database,
) -> None:
    for _ in range(20):  # cancelled at different points of BEGIN's trip to the thread

        async def write() -> None:
            async with db.write() as conn:
                await conn.execute(
                    "INSERT INTO staff(user_id, role, added_at) VALUES (1, 'staff', 'x')"
                )

        task = asyncio.create_task(write())
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        async with db.write() as conn:  # would fail: "cannot start a transaction within..."
            await conn.execute("DELETE FROM staff")
    assert await db.fetchall("SELECT * FROM staff") == []


async def test_one_statement_commits_by_itself_after_any_open_transaction(
    db: Database, tmp_path: Path
) -> None:
    await add_person(db, 1)
    entered, release = asyncio.Event(), asyncio.Event()

    async def failing_transaction() -> None:
        with pytest.raises(RuntimeError):
            async with db.write() as conn:
                await conn.execute("UPDATE people SET first_name = 'rolled back'")
                entered.set()
                await release.wait()
                raise RuntimeError("rolled back")

    transaction = asyncio.create_task(failing_transaction())
    await entered.wait()
    running = asyncio.create_task(db.run("UPDATE people SET language = 'es' WHERE user_id = 1"))
    await asyncio.sleep(0.05)
    assert not running.done()  # it waits for the transaction instead of joining it
    release.set()
    await transaction
    assert await running == 1
    other = sqlite3.connect(tmp_path / "passerelle.db")  # committed: another connection sees it
    assert other.execute("SELECT first_name, language FROM people").fetchall() == [("P1", "es")]
    other.close()


async def test_an_inbox_update_is_marked_applied_with_its_effects_only(db: Database) -> None:
    # BEGIN and the mark go to the database thread as one script: the mark is still part of
    # the transaction (rolled back with it) and a second application is still refused.
    await db.run(
        "INSERT INTO inbox(update_id, person, body, received_at) VALUES (500, 5, '{}', 'x')"
    )
    with pytest.raises(RuntimeError):
        async with db.write(update_id=500) as conn:
            await conn.execute(
                "INSERT INTO people(user_id, language, created_at, updated_at)"
                " VALUES (5, 'en', ?, ?)",
                (NOW, NOW),
            )
            raise RuntimeError("crash before commit")
    assert not await db.is_applied(500)
    assert await people(db) == []

    await add_person(db, 5, update_id=500)
    row = await db.fetchone(
        "SELECT person, applied_at IS NOT NULL FROM inbox WHERE update_id = 500"
    )
    assert row is not None and tuple(row) == (5, 1)  # the stored row, not a new one
    with pytest.raises(DuplicateUpdate):
        await add_person(db, 6, update_id=500)
    assert await people(db) == [5]
    await add_person(db, 6, update_id=501)  # the connection is not left in a transaction
    assert await people(db) == [5, 6]


async def test_a_writer_of_an_update_cancelled_while_beginning_leaves_no_half(
    db: Database,
) -> None:
    for attempt in range(20):  # cancelled at different points of the begin's trip

        async def write(user_id: int) -> None:
            async with db.write(update_id=600 + user_id) as conn:
                await conn.execute(
                    "INSERT INTO staff(user_id, role, added_at) VALUES (?, 'staff', 'x')",
                    (user_id,),
                )

        task = asyncio.create_task(write(attempt))
        for _ in range(attempt % 4):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        async with db.write(update_id=700 + attempt):  # not left inside a transaction
            pass
    staff = {row[0] for row in await db.fetchall("SELECT user_id FROM staff")}
    for attempt in range(20):  # the mark and the effects: both committed, or neither
        assert await db.is_applied(600 + attempt) == (attempt in staff)
        assert await db.is_applied(700 + attempt)


INSERT_PERSON = (
    "INSERT INTO people(user_id, first_name, language, created_at, updated_at)"
    " VALUES (?, 'P', 'fr', 'x', 'x')"
)


async def test_a_transaction_in_one_call_commits_all_its_statements_and_its_mark(
    db: Database, tmp_path: Path
) -> None:
    changed = await db.transact(
        [(INSERT_PERSON, (1,)), (INSERT_PERSON, (2,)), ("UPDATE people SET language = 'es'", ())],
        update_id=800,
    )
    assert changed == [1, 1, 2]
    assert await db.is_applied(800)
    other = sqlite3.connect(tmp_path / "passerelle.db")  # committed: another connection sees it
    assert other.execute("SELECT user_id, language FROM people ORDER BY 1").fetchall() == [
        (1, "es"),
        (2, "es"),
    ]
    other.close()


async def test_a_transaction_in_one_call_changes_nothing_when_a_statement_fails(
    db: Database,
) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await db.transact([(INSERT_PERSON, (1,)), (INSERT_PERSON, (1,))], update_id=801)
    assert await people(db) == [] and not await db.is_applied(801)
    await db.transact([(INSERT_PERSON, (3,))], update_id=801)  # not left in a transaction
    assert await people(db) == [3]
    with pytest.raises(DuplicateUpdate):
        await db.transact([(INSERT_PERSON, (4,))], update_id=801)
    assert await people(db) == [3]
    await db.run(  # an update from the inbox: its row is marked, not added
        "INSERT INTO inbox(update_id, person, body, received_at) VALUES (802, 5, '{}', 'x')"
    )
    await db.transact([(INSERT_PERSON, (5,))], update_id=802)
    row = await db.fetchone("SELECT person FROM inbox WHERE update_id = 802")
    assert row is not None and row[0] == 5 and await db.is_applied(802)


async def test_a_transaction_in_one_call_waits_for_an_open_one(db: Database) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def open_transaction() -> None:
        async with db.write() as conn:
            await conn.execute(INSERT_PERSON, (1,))
            entered.set()
            await release.wait()

    holder = asyncio.create_task(open_transaction())
    await entered.wait()
    waiting = asyncio.create_task(db.transact([("DELETE FROM people", ())]))
    await asyncio.sleep(0)
    assert not waiting.done() and db.writing  # held by the write lock, not inside it
    release.set()
    await holder
    assert await waiting == [1]
    assert await people(db) == []
