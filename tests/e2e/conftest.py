"""Fixtures of the playground tests: the playground on a free port, an HTTP client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.playground import Playground


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    """The playground on a free local port, with a database in tmp_path."""
    play = Playground(db=tmp_path / "play.db", reminders="60s,20s")
    await play.start("127.0.0.1", 0)
    yield play
    await play.stop()


@pytest.fixture
async def http(playground: Playground) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client pointed at the playground, like the web page."""
    async with aiohttp.ClientSession(base_url=playground.url) as session:
        yield session
