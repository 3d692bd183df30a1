"""SQLite storage: one guarded write connection, a read connection, migrations at open."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite

from bot.runtime.migrations import MIGRATIONS, Migration

log = logging.getLogger(__name__)

Row = sqlite3.Row


class DuplicateUpdate(Exception):
    """The Telegram update was already applied: it is not applied twice."""


class DatabaseUnavailable(Exception):
    """The database file cannot be opened, read or written; the message says which and why."""


class Database:
    """The project's SQLite database (WAL, writes serialised in BEGIN IMMEDIATE)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def open(self, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        """Opens both connections and applies any migration not yet recorded.

        Raises DatabaseUnavailable, with nothing left open, if the folder is missing or the
        file is not a database or cannot be written.
        """
        try:
            self._create_private()
            self._writer = await self._connect()
            await self._writer.execute("PRAGMA journal_mode=WAL")
            await self._migrate(migrations)
            self._reader = await self._connect()
            await self._reader.execute("PRAGMA query_only=ON")
        except (sqlite3.Error, OSError) as error:
            # An open aiosqlite connection is a running thread: left behind, it keeps the
            # process alive after the error.
            with contextlib.suppress(sqlite3.Error):
                await self.close()
            reason = error.strerror if isinstance(error, OSError) else str(error)
            raise DatabaseUnavailable(f"cannot use the database {self.path}: {reason}") from None

    def _create_private(self) -> None:
        """Creates a missing database file readable by its owner only.

        SQLite gives the -wal and -shm files the mode of the database file.
        """
        path = Path(self.path)
        if self.path == ":memory:" or self.path.startswith("file:") or path.exists():
            return
        if not path.parent.is_dir():
            raise DatabaseUnavailable(
                f"cannot use the database {path}: the folder {path.parent} does not exist"
            )
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA synchronous=FULL")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                await conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Closes the connections."""
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def _migrate(self, migrations: Sequence[Migration]) -> None:
        async with self.write() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"
            )
        applied = {
            row[0] for row in await self.rows(self._w, "SELECT version FROM schema_migrations")
        }
        for migration in migrations:
            if migration.version in applied:
                continue
            async with self.write() as conn:
                for statement in migration.statements:
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations(version, name) VALUES (?, ?)",
                    (migration.version, migration.name),
                )
            log.info("applied migration %s %s", migration.version, migration.name)

    @property
    def writing(self) -> bool:
        """Whether a write (a transaction, or `run`) is under way, not yet committed."""
        return self._write_lock.locked()

    @property
    def _w(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        """The read-only connection (for `rows`)."""
        return self._r

    @property
    def _r(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection of its own for one long read in a worker thread.

        Every statement on it sees the database as it was at its first read (WAL: writers go
        on meanwhile), and the interactive read connection is not held up by it.
        """
        conn = sqlite3.connect(f"file:{quote(self.path)}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("BEGIN")
            yield conn
        finally:
            conn.close()

    @asynccontextmanager
    async def write(self, update_id: int | None = None) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; with update_id, raises DuplicateUpdate if already applied.

        The update's inbox row is marked applied in the same transaction as its effects, so a
        replay after a crash (the row is not done yet) sees that its effects are already there.
        """
        async with self._write_lock:
            conn = self._w
            try:
                # Inside the try: a task cancelled while BEGIN waits in the connection's queue
                # must still roll back, or the connection stays in that transaction and every
                # later write fails ("cannot start a transaction within a transaction").
                if update_id is None:
                    await conn.execute("BEGIN IMMEDIATE")
                else:
                    await _begin_applied(conn, update_id)
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):  # BEGIN itself failed
                    await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def transact(
        self, statements: Sequence[tuple[str, Sequence[Any]]], update_id: int | None = None
    ) -> list[int]:
        """Runs write statements as one transaction, in one call to the database thread;
        returns the rows each changed. With update_id, raises DuplicateUpdate (and changes
        nothing) if that update was already applied, as `write` does.

        For a transaction that needs no answer from its statements before the next: `write`
        costs a call for BEGIN, one for each statement and one for COMMIT. Committed (and
        fsynced) when it returns; if a statement fails, nothing of it is.
        """
        async with self._write_lock:
            conn = self._w
            # aiosqlite runs a function in the connection's thread only through this method
            # (its own execute and commit go through it too): the whole transaction is one
            # function, so no other call on the connection can come between its statements.
            changed: list[int] = await conn._execute(  # type: ignore[no-untyped-call]
                _transaction, conn._conn, update_id, statements
            )
            return changed

    async def run(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Runs one write statement as a transaction of its own; returns the rows it changed.

        SQLite commits (and fsyncs) a statement run outside BEGIN by itself, so this is as
        durable as `write()` with one statement, in one call to the database thread instead
        of three (BEGIN, the statement, COMMIT).
        """
        async with self._write_lock:
            cursor = await self._w.execute(sql, tuple(params))
            return cursor.rowcount

    @staticmethod
    async def rows(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row of a query on a connection (the read one, or the writer in a transaction)."""
        # One call in the connection's thread: the statement runs to its end before any other
        # starts. With execute() then fetchall() as two calls, another coroutine's query could
        # run between them while this one is still open, and share its older read snapshot,
        # missing what was committed meanwhile.
        return list(await conn.execute_fetchall(sql, tuple(params)))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Runs a read query and returns every row."""
        return await self.rows(self._r, sql, params)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """Runs a read query and returns the first row, if any."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def is_applied(self, update_id: int) -> bool:
        """Tells whether an update's effects were already committed."""
        row = await self.fetchone(
            "SELECT 1 FROM inbox WHERE update_id = ? AND applied_at IS NOT NULL", (update_id,)
        )
        return row is not None

    async def schema_version(self) -> int:
        """Returns the highest applied migration."""
        row = await self.fetchone("SELECT MAX(version) FROM schema_migrations")
        return int(row[0]) if row and row[0] is not None else 0


_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


async def _begin_applied(conn: aiosqlite.Connection, update_id: int) -> None:
    """Begins a write transaction and records in it that an update's effects commit now;
    DuplicateUpdate if they already did.

    BEGIN and the mark are one script, so one call to the database thread instead of two:
    the mark is an UPDATE of the update's inbox row, or, for an update that did not come
    through the inbox (a service called directly), an INSERT of a row already applied, which
    the primary key refuses when the update was applied before.
    """
    update = int(update_id)  # an integer written into the script, never text
    try:
        await conn.executescript(
            "BEGIN IMMEDIATE;"
            f" UPDATE inbox SET applied_at = {_NOW} WHERE update_id = {update}"
            " AND applied_at IS NULL;"
            " INSERT INTO inbox(update_id, person, body, received_at, applied_at, done_at)"
            f" SELECT {update}, 0, '{{}}', {_NOW}, {_NOW}, {_NOW} WHERE changes() = 0;"
        )
    except sqlite3.IntegrityError:
        raise DuplicateUpdate(update_id) from None


def _transaction(
    conn: sqlite3.Connection,
    update_id: int | None,
    statements: Sequence[tuple[str, Sequence[Any]]],
) -> list[int]:
    """`Database.transact`'s work, in the connection's thread."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if update_id is not None:
            marked = conn.execute(
                f"UPDATE inbox SET applied_at = {_NOW} WHERE update_id = ? AND applied_at IS NULL",
                (update_id,),
            )
            if marked.rowcount != 1:
                try:  # an update that did not come through the inbox (a service called directly)
                    conn.execute(
                        "INSERT INTO inbox(update_id, person, body, received_at, applied_at,"
                        f" done_at) VALUES (?, 0, '{{}}', {_NOW}, {_NOW}, {_NOW})",
                        (update_id,),
                    )
                except sqlite3.IntegrityError:
                    raise DuplicateUpdate(update_id) from None
        changed = [conn.execute(sql, tuple(params)).rowcount for sql, params in statements]
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    return changed
