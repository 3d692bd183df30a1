"""`passerelle playground --emulator-only` serves the emulator and page for a bot run apart."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.test_playground import _json, _wait_reply


async def _cli(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _stop(process: asyncio.subprocess.Process) -> bytes:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0, stderr.decode()
    return stderr


@pytest.mark.slow
async def test_a_separate_bot_serves_the_emulator_only_playground(tmp_path: Path) -> None:
    play = await _cli("playground", "--emulator-only", "--port", "0")
    bot: asyncio.subprocess.Process | None = None
    try:
        assert play.stdout is not None
        banner = [(await asyncio.wait_for(play.stdout.readline(), 30)).decode() for _ in range(3)]
        assert banner[0].startswith("Passerelle playground (emulator only): http://127.0.0.1:")
        url = banner[0].split()[4]
        run = re.fullmatch(
            r"Run the bot against it: PASSERELLE_TOKEN=(\S+) PASSERELLE_API_URL=(\S+)"
            r" passerelle run\n",
            banner[1],
        )
        assert run is not None, banner
        token, api_url = run.groups()
        async with aiohttp.ClientSession(base_url=url) as http:
            async with http.get("/_emu/info") as r:
                info = await _json(r)
            assert (info["token"], info["api_url"]) == (token, api_url)
            async with http.post("/_play/personas", json={"first_name": "Awa"}) as r:
                awa = await _json(r, 201)
            async with http.post(f"/_emu/users/{awa['id']}/messages", json={"text": "/start"}):
                pass
            await asyncio.sleep(1)  # nothing answers until a bot runs: the playground has none
            async with http.get(f"/_emu/users/{awa['id']}/chat") as r:
                assert not [m for m in (await _json(r))["messages"] if m["from_bot"]]
            bot = await _cli(
                "run",
                env={
                    "PASSERELLE_TOKEN": token,
                    "PASSERELLE_API_URL": api_url,
                    "PASSERELLE_DB": str(tmp_path / "bot.db"),
                    "PASSERELLE_POLL_TIMEOUT": "5",
                },
            )
            reply = await _wait_reply(http, awa["id"], "Hello Awa")
            assert any("agree" in b["text"].lower() for row in reply["buttons"] for b in row)
    finally:
        if bot is not None:
            assert b"Traceback" not in await _stop(bot)
        assert b"Traceback" not in await _stop(play)
