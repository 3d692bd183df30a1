"""Logs never carry the token, nor what people typed unless HTTP debugging is asked for."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.runtime.i18n import catalogs
from tests.e2e.paths import MENTOR, walk
from tests.harness import Running, new_person, start_process


async def test_logs_hold_neither_token_nor_answers(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    awa = running.person("Awa")
    await awa.send("/start")
    await walk(awa, running.core.t("en"), MENTOR)
    await awa.send("this text is not a button")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert running.emu.token not in logged
    for secret in ("awa@example.org", "I want to share", "this text is not a button"):
        assert secret not in logged


async def _log_of_a_session(emu: Emulator, tmp_path: Path, *args: str) -> str:
    """Runs `passerelle <args>` as a subprocess while Awa applies; returns what it logged."""
    out = tmp_path / "stdout.log"
    with out.open("wb") as stdout:
        process = await start_process(emu, tmp_path / "x.db", args=args, stdout=stdout)
    try:
        awa = new_person(emu, "Awa")
        await awa.send("/start", timeout=15)
        await walk(awa, catalogs().get("en"), MENTOR)
        await awa.send("this text is not a button")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 10)
    assert process.returncode == 0
    return out.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("args", [("-v", "run"), ("run", "-v"), ("--verbose", "run")])
async def test_verbose_logs_hold_neither_token_nor_answers(
    emu: Emulator, tmp_path: Path, args: tuple[str, ...]
) -> None:
    logged = await _log_of_a_session(emu, tmp_path, *args)
    assert " DEBUG " in logged  # verbose indeed
    secret = emu.token.partition(":")[2]
    assert emu.token not in logged and secret not in logged
    for typed in ("awa@example.org", "I want to share", "this text is not a button"):
        assert typed not in logged


@pytest.mark.slow
async def test_http_debugging_shows_requests_but_never_the_token(
    emu: Emulator, tmp_path: Path
) -> None:
    logged = await _log_of_a_session(emu, tmp_path, "run", "--debug-http")
    assert "Set Bot API URL" in logged and "getUpdates" in logged  # PTB's debug lines
    assert "awa@example.org" in logged  # asked for explicitly: request bodies are shown
    assert emu.token not in logged and emu.token.partition(":")[2] not in logged
    assert f"{emu.api_url}<token>" in logged
