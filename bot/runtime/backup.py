"""A consistent copy of the live database, made with SQLite's online backup.

The bot may be running and writing meanwhile: the backup API copies a snapshot that is
consistent as of one transaction (WAL included), which copying the file with `cp` does not
guarantee. The copy is written beside the target and moved into place only once complete
and checked, so an interrupted backup never leaves a half-written file under the target's
name, and a scheduled backup to the same name replaces the previous one atomically.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.runtime.db import DatabaseUnavailable

PAGES_PER_STEP = 1024  # copied between two looks at the live database, which writers share


@dataclass(frozen=True)
class Copy:
    """What a backup wrote."""

    path: Path
    size: int
    schema_version: int


def backup(source: Path, target: Path) -> Copy:
    """Copies the database at `source` to `target`; raises DatabaseUnavailable on failure."""
    if not source.is_file():
        raise DatabaseUnavailable(f"cannot back up {source}: there is no database there")
    if not target.parent.is_dir():
        raise DatabaseUnavailable(
            f"cannot back up to {target}: the folder {target.parent} does not exist"
        )
    partial = target.with_name(f".{target.name}.partial")
    try:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        live = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            copy = sqlite3.connect(partial)
            try:
                live.backup(copy, pages=PAGES_PER_STEP)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                check = copy.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise sqlite3.DatabaseError(f"the copy failed its check: {check}")
                row = copy.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
            finally:
                copy.close()
        finally:
            live.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as error:
        with contextlib.suppress(OSError):
            partial.unlink()
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise DatabaseUnavailable(f"cannot back up {source} to {target}: {reason}") from None
    return Copy(target, target.stat().st_size, int(row[0] or 0) if row else 0)
