"""The `passerelle` command as an operator runs it: exit codes, one clear line, clean stops."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from bot.emulator import Emulator
from tests.harness import start_process


async def _run(env: dict[str, str], *args: str, timeout: float = 20) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_invalid_setting_names_the_variable(tmp_path: Path) -> None:
    code, stderr = await _run(
        {"PASSERELLE_TOKEN": "1:x", "PASSERELLE_DEFAULT_LANGUAGE": "de"}, "run"
    )
    assert code == 1
    assert stderr.strip().count("\n") == 0 and "PASSERELLE_DEFAULT_LANGUAGE" in stderr
    code, stderr = await _run({"PASSERELLE_TOKEN": "1:x", "PASSERELLE_REMINDERS": "soon"}, "run")
    assert code == 1 and "PASSERELLE_REMINDERS" in stderr and "Traceback" not in stderr


async def test_missing_token_ends_with_one_line(tmp_path: Path) -> None:
    code, stderr = await _run({"PASSERELLE_DB": str(tmp_path / "x.db")}, "run")
    assert code == 1 and stderr.strip() == "passerelle: PASSERELLE_TOKEN is not set"


async def test_rejected_token_ends_at_once_with_one_line(emu: Emulator, tmp_path: Path) -> None:
    started = time.monotonic()
    code, stderr = await _run(
        {
            "PASSERELLE_TOKEN": "42:not-the-right-token",
            "PASSERELLE_API_URL": emu.api_url,
            "PASSERELLE_DB": str(tmp_path / "x.db"),
        },
        "run",
    )
    assert code == 1
    assert stderr.strip() == "passerelle: the Bot API rejected PASSERELLE_TOKEN (401 Unauthorized)"
    assert time.monotonic() - started < 15


async def test_sigterm_stops_within_five_seconds(emu: Emulator, tmp_path: Path) -> None:
    process = await start_process(emu, tmp_path / "x.db", PASSERELLE_POLL_TIMEOUT="25")
    stopping = time.monotonic()
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 5)
    assert time.monotonic() - stopping < 5
    assert process.returncode == 0
