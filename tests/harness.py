"""Fakes and drivers in one place: the emulator-backed bot, simulated people, a movable clock."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pytest

from bot.core import Core, build_core
from bot.emulator import CallbackResult, Emulator, EmuMessage
from bot.runtime.clock import FrozenClock
from bot.runtime.settings import Settings
from handlers.app import serve

START = datetime(2027, 1, 11, 14, 0, tzinfo=UTC)


class Person:
    """A simulated Telegram user who types and presses buttons by their label."""

    def __init__(self, emu: Emulator, uid: int) -> None:
        self.emu = emu
        self.uid = uid

    def _newest_id(self) -> int:
        messages = self.emu.chat(self.uid)
        return messages[-1].message_id if messages else 0

    async def _next(self, before: int, expect: str | None, timeout: float) -> EmuMessage:
        return await self.emu.wait_for(
            self.uid,
            contains=expect,
            predicate=lambda m: m.message_id > before,
            timeout=timeout,
        )

    async def send(self, text: str, expect: str | None = None, timeout: float = 5.0) -> EmuMessage:
        """Types a message and waits for the bot's next new message (containing `expect`)."""
        before = self._newest_id()
        await self.emu.send_text(self.uid, text)
        return await self._next(before, expect, timeout)

    async def press(
        self, label: str, expect: str | None = None, timeout: float = 5.0
    ) -> EmuMessage:
        """Presses a button by label and waits for the bot's next new message."""
        before = self._newest_id()
        result = await self.emu.press(self.uid, label, timeout=timeout)
        assert result.answered, f"the press of {label!r} was not answered"
        return await self._next(before, expect, timeout)

    async def tap(self, label: str, message_id: int | None = None) -> CallbackResult:
        """Presses a button and returns only the bot's answer to the press."""
        result = await self.emu.press(self.uid, label, message_id=message_id)
        assert result.answered, f"the press of {label!r} was not answered"
        return result

    async def toggle(self, label: str, timeout: float = 5.0) -> EmuMessage:
        """Presses a button that updates its own message, and waits for that edit."""
        pressed = next(m for m in reversed(self.emu.bot_messages(self.uid)) if m.buttons)
        mark = self.emu.mark()
        await self.tap(label, pressed.message_id)
        return await self.emu.wait_for(
            self.uid,
            predicate=lambda m: m.message_id == pressed.message_id,
            since=mark,
            timeout=timeout,
        )

    def last(self) -> EmuMessage:
        """The bot's newest message in this chat."""
        return self.emu.bot_messages(self.uid)[-1]

    def texts(self) -> list[str]:
        """Every bot message text in this chat, oldest first."""
        return [m.text for m in self.emu.bot_messages(self.uid)]


def new_person(
    emu: Emulator, first_name: str, language: str = "en", username: str | None = None
) -> Person:
    """Adds a Telegram user to the emulator (before or after the bot starts)."""
    return Person(emu, emu.add_user(first_name, language_code=language, username=username))


@dataclass
class Running:
    """The real bot (python-telegram-bot over HTTP) serving against the emulator."""

    emu: Emulator
    core: Core
    stop: asyncio.Event
    task: asyncio.Task[None]

    def person(self, first_name: str, language: str = "en", username: str | None = None) -> Person:
        """Adds a Telegram user."""
        return new_person(self.emu, first_name, language, username)

    async def shutdown(self) -> None:
        """Stops the bot and closes the database."""
        self.stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, 10)
        await self.core.close()


def settings_for(emu: Emulator, db: Path, **overrides: object) -> Settings:
    """Settings pointing the bot at the emulator."""
    values: dict[str, object] = {
        "token": emu.token,
        "api_url": emu.api_url,
        "db": db,
        "poll_timeout": 10,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


async def start_bot(
    emu: Emulator, db: Path, start: datetime = START, **overrides: object
) -> Running:
    """Starts the bot in this event loop, its clock frozen at `start`, and waits until it polls."""
    core = await build_core(settings_for(emu, db, **overrides), FrozenClock(start))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(core, stop))
    for _ in range(200):
        if any(method.lower() == "getupdates" for method, _params in emu.requests):
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    return Running(emu, core, stop, task)


async def start_process(
    emu: Emulator,
    db: Path,
    args: Sequence[str] = ("run",),
    stdout: int | IO[bytes] = asyncio.subprocess.DEVNULL,
    ready: str = "getupdates",
    **env: str,
) -> asyncio.subprocess.Process:
    """Starts `passerelle run` (or `args`) as a real subprocess against the emulator.

    Waits until it calls `ready` (it polls; "setwebhook" in webhook mode).
    """
    variables = {
        **os.environ,
        "PASSERELLE_TOKEN": emu.token,
        "PASSERELLE_API_URL": emu.api_url,
        "PASSERELLE_DB": str(db),
        "PASSERELLE_POLL_TIMEOUT": "5",
        **env,
    }

    def polls() -> int:
        return sum(1 for method, _params in emu.requests if method.lower() == ready)

    seen = polls()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=variables,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )
    for _ in range(1200):  # 30 s: a start takes 1-3 s, far more on a loaded machine
        if polls() > seen:
            return process
        if process.returncode is not None:
            assert process.stderr is not None
            raise AssertionError((await process.stderr.read()).decode())
        await asyncio.sleep(0.025)
    raise AssertionError("the bot process did not start polling")


def make_database(path: Path) -> None:
    """A valid SQLite database file (not in WAL mode), as another program might leave it."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE t(x)")
        conn.commit()


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Makes a file read-only even for root (immutable), or skips where that is impossible."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        path.parent.chmod(0o555)
        try:
            yield
        finally:
            path.parent.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file read-only for root here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
