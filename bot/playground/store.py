"""The playground's own SQLite file beside the bot's: the emulator's people, chats and files.

With `--db demo.db` the bot keeps its database across runs; `demo.playground.db` keeps what
Telegram would keep (people, chats, files, the bot's commands) and the personas, so a
restart shows the same people and conversations to a bot that still knows them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.emulator.snapshot import Record, Snapshot, file_from, file_record
from bot.emulator.state import StoredFile
from bot.playground.personas import Persona
from bot.runtime.db import Database
from bot.runtime.migrations import Migration

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "the emulator's people, chats and files, and the playground's personas",
        (
            "CREATE TABLE users (id INTEGER PRIMARY KEY, record TEXT NOT NULL)",
            """CREATE TABLE messages (
                chat_id INTEGER NOT NULL,
                message_id INTEGER NOT NULL,
                record TEXT NOT NULL,
                PRIMARY KEY (chat_id, message_id)
            )""",
            """CREATE TABLE files (
                file_id TEXT PRIMARY KEY, record TEXT NOT NULL, data BLOB NOT NULL
            )""",
            "CREATE TABLE personas (user_id INTEGER PRIMARY KEY, record TEXT NOT NULL)",
            "CREATE TABLE settings (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL)",
        ),
    ),
)


def sidecar_path(db: Path) -> Path:
    """The playground's file beside a bot database: demo.db -> demo.playground.db."""
    return db.with_name(f"{db.stem}.playground{db.suffix}")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Saved:
    """Everything a previous run saved."""

    users: list[Record]
    messages: list[Record]
    files: list[StoredFile]
    settings: Record
    personas: list[Persona]


class Sidecar:
    """Saves the emulator's state incrementally: changed messages and new files only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = Database(path)
        self._files: set[str] = set()

    async def open(self) -> Saved | None:
        """Opens (creating it readable by its owner only) and returns what was saved, if any."""
        await self.db.open(MIGRATIONS)
        settings = await self.db.fetchone("SELECT record FROM settings")
        if settings is None:
            return None
        users = await self.db.fetchall("SELECT record FROM users ORDER BY id")
        messages = await self.db.fetchall(
            "SELECT record FROM messages ORDER BY chat_id, message_id"
        )
        files = await self.db.fetchall("SELECT record, data FROM files")
        personas = await self.db.fetchall("SELECT record FROM personas ORDER BY user_id")
        saved = Saved(
            users=[json.loads(r["record"]) for r in users],
            messages=[json.loads(r["record"]) for r in messages],
            files=[file_from(json.loads(r["record"]), bytes(r["data"])) for r in files],
            settings=json.loads(settings["record"]),
            personas=[Persona(**json.loads(r["record"])) for r in personas],
        )
        self._files = {f.file_id for f in saved.files}
        return saved

    async def save(self, snapshot: Snapshot, personas: list[Persona]) -> None:
        """Writes a snapshot (its messages are those changed since the last save) at once."""
        new = [f for file_id, f in snapshot.files.items() if file_id not in self._files]
        gone = self._files - snapshot.files.keys()
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM users")
            await conn.executemany(
                "INSERT INTO users(id, record) VALUES (?, ?)",
                [(u["id"], _dumps(u)) for u in snapshot.users],
            )
            await conn.executemany(
                "INSERT OR REPLACE INTO messages(chat_id, message_id, record) VALUES (?, ?, ?)",
                [(m["chat_id"], m["message_id"], _dumps(m)) for m in snapshot.messages],
            )
            await conn.execute("DELETE FROM messages WHERE chat_id NOT IN (SELECT id FROM users)")
            await conn.executemany(
                "INSERT OR REPLACE INTO files(file_id, record, data) VALUES (?, ?, ?)",
                [(f.file_id, _dumps(file_record(f)), f.data) for f in new],
            )
            await conn.executemany("DELETE FROM files WHERE file_id = ?", [(g,) for g in gone])
            await conn.execute("DELETE FROM personas")
            await conn.executemany(
                "INSERT INTO personas(user_id, record) VALUES (?, ?)",
                [(p.user_id, _dumps(asdict(p))) for p in personas],
            )
            await conn.execute(
                "INSERT OR REPLACE INTO settings(id, record) VALUES (1, ?)",
                (_dumps(snapshot.settings),),
            )
        self._files = set(snapshot.files)

    async def close(self) -> None:
        """Closes the file."""
        await self.db.close()
