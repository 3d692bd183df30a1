"""The database files on disk: private to their owner, and a clear error when unusable."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from pathlib import Path

import pytest

from bot.runtime.db import Database, DatabaseUnavailable
from tests.harness import make_database, read_only


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_database_wal_and_shm_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "passerelle.db"
    old = os.umask(0o022)
    try:
        database = Database(path)
        await database.open()
    finally:
        os.umask(old)
    try:
        async with database.write() as conn:
            await conn.execute("CREATE TABLE probe(x)")
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert {file.name: _mode(file) for file in files} == {file.name: 0o600 for file in files}
    finally:
        await database.close()


async def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    database = Database(path)
    await database.open()
    await database.close()
    assert _mode(path) == 0o640


def _threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if not thread.daemon}


async def _fails(path: Path, reason: str) -> None:
    before = _threads()
    with pytest.raises(DatabaseUnavailable) as raised:
        await Database(path).open()
    message = str(raised.value)
    assert str(path) in message and reason in message and "\n" not in message
    # No connection thread left to keep the process alive. A closed connection's thread
    # ends just after close() returns, so give it a moment on a busy machine.
    for _ in range(100):
        if _threads() <= before:
            break
        await asyncio.sleep(0.01)
    assert _threads() <= before


async def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    await _fails(tmp_path / "nowhere" / "passerelle.db", f"the folder {tmp_path / 'nowhere'}")
    assert not (tmp_path / "nowhere").exists()


async def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not SQLite " * 300)
    await _fails(path, "file is not a database")


async def test_a_read_only_database(tmp_path: Path) -> None:
    path = tmp_path / "readonly.db"
    make_database(path)
    with read_only(path):
        await _fails(path, "readonly")
