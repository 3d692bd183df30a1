"""Fixtures for the emulator tests: a started emulator with a clock the test can move."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.emulator import Emulator


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.current = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """Returns the frozen instant."""
        return self.current

    def advance(self, seconds: float) -> None:
        """Moves time forward."""
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    """A frozen clock."""
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    """A started emulator on a free port, driven by the fake clock."""
    emulator = Emulator(clock=clock)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client pointed at the emulator."""
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=10) as client:
        yield client


@pytest.fixture
async def awa(emu: Emulator) -> int:
    """A French-speaking person who has already written to the bot."""
    uid = emu.add_user("Awa", language_code="fr", username="awa_d")
    await emu.send_text(uid, "/start")
    return uid
