"""Shared fixtures: no test ever reaches the real network; the emulator and the bot on demand."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import Emulator
from tests.harness import Running, start_bot

os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta, no warning

_LOCAL = {"127.0.0.1", "localhost", "::1", None, ""}
_real_getaddrinfo = socket.getaddrinfo


def _local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in _LOCAL and not str(host).startswith("127."):
        raise OSError(f"tests must not reach the network (tried {host!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails any attempt to resolve a non-local host (e.g. api.telegram.org)."""
    monkeypatch.setattr(socket, "getaddrinfo", _local_only)
    for name in ("TOKEN", "API_URL", "DB", "ADMINS", "DEFAULT_LANGUAGE", "REMINDERS", "TIMEZONE"):
        monkeypatch.delenv(f"PASSERELLE_{name}", raising=False)
    yield


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """A strict Bot API emulator on a free local port."""
    emulator = Emulator(rate_limit_per_second=30)
    await emulator.start()
    yield emulator
    await emulator.stop()


Launch = Callable[..., Awaitable[Running]]


@pytest.fixture
async def launch(emu: Emulator, tmp_path: Path) -> AsyncIterator[Launch]:
    """Starts the bot with settings overrides (e.g. admins=(uid,)) after users were added."""
    started: list[Running] = []

    async def _launch(**overrides: Any) -> Running:
        bot = await start_bot(emu, tmp_path / "passerelle.db", **overrides)
        started.append(bot)
        return bot

    yield _launch
    for bot in started:
        await bot.shutdown()


@pytest.fixture
async def running(launch: Launch) -> Running:
    """The real bot serving against the emulator, with a fresh database and no admins."""
    return await launch()
