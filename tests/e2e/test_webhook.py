"""Webhook mode: Telegram calls the bot through a reverse proxy; the secret is required.

The emulator plays both Telegram and the reverse proxy: updates for the public URL go to the
bot's local address. Every update is in the inbox before the bot answers 200.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.core import build_core
from bot.emulator import Emulator
from bot.runtime.clock import FrozenClock
from handlers.app import serve
from handlers.webhook import SECRET_HEADER
from tests.harness import START, Running, new_person, settings_for, start_process

PUBLIC = "https://bot.example.org"
PATH = "/telegram/hook"


def free_port() -> int:
    """A local TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _until(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def _hook_settings(port: int, secret: str = "") -> dict[str, object]:
    return {
        "webhook_url": f"{PUBLIC}{PATH}",
        "webhook_listen": f"127.0.0.1:{port}",
        "webhook_secret": secret,
    }


async def _start_hooked(emu: Emulator, db: Path, port: int, secret: str = "") -> Running:
    """Starts the bot in webhook mode behind the emulator's reverse proxy."""
    emu.route_webhook(PUBLIC, f"http://127.0.0.1:{port}")
    core = await build_core(
        settings_for(emu, db, **_hook_settings(port, secret)), FrozenClock(START)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(core, stop, webhook=True))
    await _until(lambda: emu.api.webhook.active or task.done())
    return Running(emu, core, stop, task)


@pytest.fixture
async def hooked(emu: Emulator, tmp_path: Path) -> AsyncIterator[tuple[Running, int]]:
    """The bot in webhook mode with a known secret, and its local port."""
    port = free_port()
    bot = await _start_hooked(emu, tmp_path / "hook.db", port, secret="the-secret_42")
    yield bot, port
    await bot.shutdown()


async def test_a_person_is_answered_through_the_webhook(
    emu: Emulator, hooked: tuple[Running, int]
) -> None:
    bot, _port = hooked
    awa = bot.person("Awa")
    await awa.send("/start", expect="Welcome")
    assert emu.webhook_deliveries and all(status == 200 for _, status in emu.webhook_deliveries)
    assert not any(method.lower() == "getupdates" for method, _ in emu.requests)
    calls = [params for method, params in emu.requests if method == "setWebhook"]
    assert calls[-1]["url"] == f"{PUBLIC}{PATH}"
    assert calls[-1]["secret_token"] == "the-secret_42"


async def test_a_call_without_the_secret_is_refused_and_stores_nothing(
    emu: Emulator, hooked: tuple[Running, int]
) -> None:
    bot, port = hooked
    forged = {
        "update_id": 4242,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 77, "type": "private"},
            "from": {"id": 77, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
        },
    }
    url = f"http://127.0.0.1:{port}{PATH}"
    async with httpx.AsyncClient() as http:
        for headers in ({}, {SECRET_HEADER: "guess"}, {SECRET_HEADER: ""}):
            response = await http.post(url, json=forged, headers=headers)
            assert response.status_code == 403
        wrong_path = await http.post(
            f"http://127.0.0.1:{port}/other", json=forged, headers={SECRET_HEADER: "the-secret_42"}
        )
        assert wrong_path.status_code in (404, 405)
        garbage = await http.post(url, content=b"{", headers={SECRET_HEADER: "the-secret_42"})
        assert garbage.status_code == 400
    assert await bot.core.db.fetchone("SELECT 1 FROM inbox WHERE update_id = 4242") is None
    assert await bot.core.people.get(77) is None


async def test_switching_between_polling_and_webhook_loses_and_repeats_nothing(
    emu: Emulator, tmp_path: Path
) -> None:
    from tests.harness import start_bot

    db = tmp_path / "switch.db"
    awa = new_person(emu, "Awa")
    polling = await start_bot(emu, db)
    await awa.send("/start", expect="Welcome")
    await polling.shutdown()
    await emu.send_text(awa.uid, "/help")  # waits at Telegram while no bot runs

    hooked = await _start_hooked(emu, db, free_port())
    await emu.wait_for(awa.uid, contains="/language", timeout=5)
    mark = emu.mark()
    await emu.send_text(awa.uid, "/status")
    await emu.wait_for(awa.uid, since=mark, timeout=5)  # answered through the webhook
    await hooked.shutdown()
    await emu.send_text(awa.uid, "/help")

    polling = await start_bot(emu, db)
    try:
        await _until(lambda: sum("/language" in text for text in awa.texts()) == 2)
        assert not emu.api.webhook.active  # polling removed the webhook
        await asyncio.sleep(0.3)  # room for a repeated answer to show up
        handled = await polling.core.db.fetchall(
            "SELECT update_id FROM inbox WHERE person = ?", (awa.uid,)
        )
        assert len(handled) == 4  # /start, /help, /status, /help: each stored once
        assert sum("/language" in text for text in awa.texts()) == 2
    finally:
        await polling.shutdown()


@pytest.mark.slow
async def test_passerelle_run_webhook_serves_and_stops_quickly(
    emu: Emulator, tmp_path: Path
) -> None:
    port = free_port()
    emu.route_webhook(PUBLIC, f"http://127.0.0.1:{port}")
    env = {
        "PASSERELLE_WEBHOOK_URL": f"{PUBLIC}{PATH}",
        "PASSERELLE_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
    }
    process = await start_process(
        emu, tmp_path / "x.db", args=("run", "--webhook"), ready="setwebhook", **env
    )
    try:
        awa = new_person(emu, "Awa")
        await awa.send("/start", expect="Welcome", timeout=15)
        assert emu.api.webhook.active
        secret = emu.api.webhook.hook.secret if emu.api.webhook.hook else None
        assert secret and len(secret) >= 32  # a fresh random one when none is configured
    finally:
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 10)
    assert process.returncode == 0 and time.monotonic() - started < 5
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone() == (0,)
