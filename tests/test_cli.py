"""The `passerelle` command as an operator runs it: exit codes, one clear line, clean stops."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import parser
from bot.emulator import Emulator
from bot.runtime.settings import Settings
from tests.harness import make_database, new_person, read_only, start_process


async def _run(env: dict[str, str], *args: str, timeout: float = 15) -> tuple[int, str]:
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


async def test_an_api_url_that_is_not_a_url_names_the_variable(tmp_path: Path) -> None:
    code, stderr = await _run(
        {
            "PASSERELLE_TOKEN": "1:x",
            "PASSERELLE_API_URL": "notaurl",
            "PASSERELLE_DB": str(tmp_path / "x.db"),
        },
        "run",
    )
    assert code == 1
    assert stderr.strip() == (
        "passerelle: invalid PASSERELLE_API_URL:"
        " must be an http:// or https:// URL such as https://api.telegram.org/bot"
    )
    assert not (tmp_path / "x.db").exists()


def _missing_folder(tmp_path: Path) -> Path:
    return tmp_path / "nowhere" / "passerelle.db"


def _corrupt(tmp_path: Path) -> Path:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"not a database " * 500)
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_missing_folder, "the folder {parent} does not exist"),
        (_corrupt, "file is not a database"),
    ],
)
async def test_an_unusable_database_ends_with_one_line(
    emu: Emulator, tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    path = make(tmp_path)
    env = {"PASSERELLE_TOKEN": emu.token, "PASSERELLE_API_URL": emu.api_url}
    code, stderr = await _run({**env, "PASSERELLE_DB": str(path)}, "run")
    problem = reason.format(parent=path.parent)
    assert code == 1
    assert stderr == f"passerelle: cannot use the database {path}: {problem} (PASSERELLE_DB)\n"


async def test_a_read_only_database_ends_with_one_line(emu: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "readonly.db"
    make_database(path)
    env = {"PASSERELLE_TOKEN": emu.token, "PASSERELLE_API_URL": emu.api_url}
    with read_only(path):
        code, stderr = await _run({**env, "PASSERELLE_DB": str(path)}, "run")
    assert code == 1
    assert stderr == (
        f"passerelle: cannot use the database {path}: attempt to write a readonly database"
        " (PASSERELLE_DB)\n"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_an_api_unreachable_at_start_is_retried_until_it_answers(tmp_path: Path) -> None:
    port = _free_port()
    emu = Emulator(rate_limit_per_second=30)
    out = tmp_path / "stdout.log"
    with out.open("wb") as stdout:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env={
                **os.environ,
                "PASSERELLE_TOKEN": emu.token,
                "PASSERELLE_API_URL": f"http://127.0.0.1:{port}/bot",
                "PASSERELLE_DB": str(tmp_path / "x.db"),
                "PASSERELLE_POLL_TIMEOUT": "5",
            },
            stdout=stdout,
            stderr=asyncio.subprocess.PIPE,
        )
    try:
        for _ in range(300):
            if "cannot reach the Bot API" in out.read_text() or process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert process.returncode is None, "the bot gave up on an unreachable Bot API"
        await asyncio.sleep(2)  # a few more attempts (0.5 s, then 1 s apart)
        assert process.returncode is None
        await emu.start("127.0.0.1", port)
        awa = new_person(emu, "Awa")
        await awa.send("/start", expect="Awa", timeout=30)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 10)
        await emu.stop()
    assert process.returncode == 0
    logged = out.read_text()
    assert logged.count("cannot reach the Bot API") == 1
    assert f"cannot reach the Bot API at http://127.0.0.1:{port}/bot" in logged
    assert emu.token not in logged
    assert stderr == b""


async def test_sigterm_while_the_api_is_unreachable_stops_at_once(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env={
            **os.environ,
            "PASSERELLE_TOKEN": "1:x",
            "PASSERELLE_API_URL": f"http://127.0.0.1:{_free_port()}/bot",
            "PASSERELLE_DB": str(tmp_path / "x.db"),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = b"?"
    while line and b"cannot reach" not in line:
        line = await asyncio.wait_for(process.stdout.readline(), 20)
    assert line, "the bot ended instead of retrying"
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 5)
    assert process.returncode == 0 and stderr == b""


def _help(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_help_describes_each_command_and_the_configuration() -> None:
    texts = {args: _help(*args) for args in [(), ("run",), ("backup",), ("playground",)]}
    for args, text in texts.items():
        assert "`" not in text, args
        assert ".env" in text, args
        for field in Settings.model_fields:
            assert f"PASSERELLE_{field.upper()}" in text, (args, field)
    main = texts[()]
    assert "run the bot" in main and "try the bot offline" in main
    assert "Runs the bot with long polling" in texts[("run",)]
    assert "Serves a local Telegram Bot API emulator" in texts[("playground",)]


async def test_webhook_mode_needs_its_url_and_a_free_address(emu: Emulator, tmp_path: Path) -> None:
    env = {
        "PASSERELLE_TOKEN": emu.token,
        "PASSERELLE_API_URL": emu.api_url,
        "PASSERELLE_DB": str(tmp_path / "x.db"),
    }
    code, stderr = await _run(env, "run", "--webhook")
    assert (code, stderr) == (1, "passerelle: --webhook needs PASSERELLE_WEBHOOK_URL\n")
    code, stderr = await _run({**env, "PASSERELLE_WEBHOOK_URL": "http://bot.example.org/x"}, "run")
    assert code == 1 and "PASSERELLE_WEBHOOK_URL" in stderr and stderr.count("\n") == 1
    code, stderr = await _run({**env, "PASSERELLE_WEBHOOK_SECRET": "not secret!"}, "run")
    assert code == 1 and "PASSERELLE_WEBHOOK_SECRET" in stderr and stderr.count("\n") == 1
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        hooked = {
            **env,
            "PASSERELLE_WEBHOOK_URL": "https://bot.example.org/x",
            "PASSERELLE_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
        }
        code, stderr = await _run(hooked, "run", "--webhook")
    assert code == 1
    assert stderr == (
        f"passerelle: cannot listen on 127.0.0.1:{port}: Address already in use"
        " (PASSERELLE_WEBHOOK_LISTEN)\n"
    )


def test_playground_reminders_are_demo_lead_times_checked_at_once() -> None:
    assert "--reminders LEADS" in _help("playground")
    assert parser().parse_args(["playground", "--reminders", "60s,20s"]).reminders == "60s,20s"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "playground", "--reminders", "soon"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "argument --reminders: 'soon' is not a duration" in result.stderr
