"""setWebhook: Telegram's URL rules, 409 for getUpdates meanwhile, delivery with the secret."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.emulator import Emulator
from bot.emulator.webhook import CONFLICT, SECRET_HEADER
from tests.emulator.test_bot_api import call, error

PUBLIC = "https://bot.example.org"


class Receiver:
    """A bot's webhook endpoint: answers with `status`, records what it got."""

    def __init__(self) -> None:
        self.status = 200
        self.got: list[tuple[str | None, dict[str, Any]]] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append((request.headers.get(SECRET_HEADER), json.loads(await request.read())))
        self.arrived.set()
        return web.Response(status=self.status)


@pytest.fixture
async def receiver(emu: Emulator) -> AsyncIterator[Receiver]:
    """A local server behind the public origin, as a reverse proxy would put it."""
    recv = Receiver()
    app = web.Application()
    app.router.add_post("/hook/path", recv.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.5)  # the emulator keeps its connection
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = next(a for a in runner.addresses if isinstance(a, tuple))[1]
    emu.route_webhook(PUBLIC, f"http://127.0.0.1:{port}")
    yield recv
    await runner.cleanup()


async def _wait(condition: Any, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def test_webhook_urls_follow_telegrams_rules(emu: Emulator, http: httpx.AsyncClient) -> None:
    assert await call(http, emu, "setWebhook", url="http://bot.example.org/x") == error(
        400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    assert await call(http, emu, "setWebhook", url="https://bot.example.org:8080/x") == error(
        400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    )
    bad_secret = await call(http, emu, "setWebhook", url=f"{PUBLIC}/x", secret_token="a b")
    assert bad_secret == error(400, "Bad Request: secret token contains unallowed characters")
    assert (await call(http, emu, "getWebhookInfo"))[1]["result"]["url"] == ""


async def test_updates_are_posted_with_the_secret_and_polling_is_refused(
    emu: Emulator, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    uid = emu.add_user("Awa")
    await emu.send_text(uid, "before the webhook")
    status, _ = await call(
        http, emu, "setWebhook", url=f"{PUBLIC}/hook/path", secret_token="s3cr3t_-X"
    )
    assert status == 200
    assert await call(http, emu, "getUpdates") == error(409, CONFLICT)
    await emu.send_text(uid, "after")
    await _wait(lambda: len(receiver.got) == 2)
    assert [secret for secret, _ in receiver.got] == ["s3cr3t_-X", "s3cr3t_-X"]
    texts = [update["message"]["text"] for _, update in receiver.got]
    assert texts == ["before the webhook", "after"]
    assert emu.pending_updates() == []
    info = (await call(http, emu, "getWebhookInfo"))[1]["result"]
    assert info["url"] == f"{PUBLIC}/hook/path" and info["pending_update_count"] == 0


async def test_a_refused_delivery_is_retried_and_reported(
    emu: Emulator, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.status = 403
    uid = emu.add_user("Awa")
    await call(http, emu, "setWebhook", url=f"{PUBLIC}/hook/path")
    await emu.send_text(uid, "hello")
    await _wait(lambda: len(receiver.got) >= 2)  # tried again
    info = (await call(http, emu, "getWebhookInfo"))[1]["result"]
    assert info["pending_update_count"] == 1
    assert info["last_error_message"] == "Wrong response from the webhook: 403 Forbidden"
    receiver.status = 200
    await _wait(lambda: emu.pending_updates() == [])
    assert {update["update_id"] for _, update in receiver.got} == {emu.webhook_deliveries[0][0]}


async def test_deleting_the_webhook_brings_polling_back_with_nothing_lost(
    emu: Emulator, http: httpx.AsyncClient
) -> None:
    uid = emu.add_user("Awa")
    await call(http, emu, "setWebhook", url="https://unrouted.example.org/x")
    await emu.send_text(uid, "kept")
    await asyncio.sleep(0.1)
    info = (await call(http, emu, "getWebhookInfo"))[1]["result"]
    assert "resolve host" in info["last_error_message"]
    assert (await call(http, emu, "deleteWebhook"))[0] == 200
    status, body = await call(http, emu, "getUpdates")
    assert status == 200
    assert [u["message"]["text"] for u in body["result"]] == ["kept"]
