"""passerelle backup: a consistent copy of the live database, and a restore that works."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.runtime.i18n import catalogs
from tests.e2e.paths import MENTOR, walk
from tests.harness import new_person, start_process


async def _backup(db: Path, target: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "backup",
        str(target),
        env={**os.environ, "PASSERELLE_DB": str(db)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _files(folder: Path) -> set[str]:
    return set(os.listdir(folder))


def _answers(db: Path, uid: int) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT step, value FROM answers WHERE user_id = ?", (uid,)))


@pytest.mark.slow
async def test_a_backup_of_the_running_bot_restores_where_she_was(
    emu: Emulator, tmp_path: Path
) -> None:
    db, copy = tmp_path / "live.db", tmp_path / "copy.db"
    process = await start_process(emu, db)
    t = catalogs().get("en")
    awa = new_person(emu, "Awa")
    try:
        await awa.send("/start", timeout=15)
        await walk(awa, t, MENTOR[:5])  # part of the way, the bot still writing meanwhile
        code, out, err = await _backup(db, copy)
        assert (code, err) == (0, "")
        assert f"to {copy}" in out and "schema version" in out
        assert copy.stat().st_mode & 0o777 == 0o600
        assert _files(tmp_path) == {"copy.db", "live.db", "live.db-shm", "live.db-wal"}
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        kept = _answers(copy, awa.uid)
        assert kept == _answers(db, awa.uid) and len(kept) >= 4
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 10)

    # Restore: the bot stopped, the copy put in place of the database.
    for leftover in (db, db.with_name("live.db-wal"), db.with_name("live.db-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copy(copy, db)
    process = await start_process(emu, db)
    try:
        await awa.send("/start", timeout=15)  # resumes: the next question is asked again
        assert _answers(db, awa.uid) == kept
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 10)


async def test_backup_errors_are_one_line(tmp_path: Path) -> None:
    code, out, err = await _backup(tmp_path / "missing.db", tmp_path / "copy.db")
    assert (code, out) == (1, "")
    assert (
        err == f"passerelle: cannot back up {tmp_path / 'missing.db'}: there is no database there\n"
    )
    (tmp_path / "real.db").write_bytes(b"")
    sqlite3.connect(tmp_path / "real.db").close()
    target = tmp_path / "nowhere" / "copy.db"
    code, out, err = await _backup(tmp_path / "real.db", target)
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err
