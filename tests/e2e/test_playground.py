"""The playground serves the page, makes personas, relays the bot's replies and resets."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.playground import Playground, run_playground

ROOT = Path(__file__).resolve().parents[2]


async def _json(response: aiohttp.ClientResponse, status: int = 200) -> Any:
    assert response.status == status, await response.text()
    return await response.json()


async def _wait_reply(http: aiohttp.ClientSession, uid: int, contains: str) -> dict[str, Any]:
    """Long-polls the chat like the page does until a bot message contains `contains`."""
    since = 0
    for _ in range(10):
        async with http.get(f"/_emu/users/{uid}/chat", params={"since": since, "wait": 5}) as r:
            chat = await _json(r)
        for message in chat["messages"]:
            if message["from_bot"] and contains.lower() in message["text"].lower():
                return dict(message)
        since = chat["version"]
    raise AssertionError(f"no bot message containing {contains!r}")


async def test_page_and_static_files_are_served(http: aiohttp.ClientSession) -> None:
    async with http.get("/") as r:
        page = await r.text()
        assert r.status == 200
    assert "/_play/static/app.js" in page and "/_play/static/style.css" in page
    for name, kind in (("app.js", "javascript"), ("style.css", "css")):
        async with http.get(f"/_play/static/{name}") as r:
            assert r.status == 200
            assert kind in r.content_type
    async with http.get("/_play/info") as r:
        info = await _json(r)
    assert info["reminders"] == "60s, 20s"


async def test_persona_talks_to_the_real_bot(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    async with http.post("/_play/personas", json={"first_name": "Awa", "language": "en"}) as r:
        awa = await _json(r, 201)
    assert awa["first_name"] == "Awa" and awa["staff"] is False
    async with http.post(f"/_emu/users/{awa['id']}/messages", json={"text": "/start"}) as r:
        await _json(r, 201)
    reply = await _wait_reply(http, awa["id"], "Hello Awa")
    assert any("agree" in b["text"].lower() for row in reply["buttons"] for b in row)
    async with http.post(
        f"/_emu/users/{awa['id']}/press", json={"label": "I agree", "message_id": None}
    ) as r:
        assert (await _json(r))["answered"] is True


async def test_staff_persona_is_an_admin_with_the_staff_menu(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        "/_play/personas", json={"first_name": "Nadia", "language": "en", "staff": True}
    ) as r:
        nadia = await _json(r, 201)
    assert nadia["staff"] is True
    assert playground.core is not None
    assert nadia["id"] in await playground.core.staff.admins()
    async with http.get(f"/_emu/users/{nadia['id']}/commands") as r:
        commands = {c["command"] for c in await _json(r)}
    assert {"start", "review"} <= commands


async def test_bad_persona_is_refused(http: aiohttp.ClientSession) -> None:
    async with http.post("/_play/personas", json={"first_name": " ", "language": "en"}) as r:
        assert r.status == 400
    async with http.post("/_play/personas", json={"first_name": "Ana", "language": "de"}) as r:
        assert r.status == 400


async def test_presets_and_reset(playground: Playground, http: aiohttp.ClientSession) -> None:
    async with http.post("/_play/presets") as r:
        presets = await _json(r, 201)
    assert [p["first_name"] for p in presets] == ["Nadia", "Chloé", "Awa", "Lucía"]
    assert [p["staff"] for p in presets] == [True, False, False, False]
    zones = {p["first_name"]: p["zone"] for p in presets}
    assert zones["Awa"] == "Africa/Dakar" and zones["Lucía"] == "America/La_Paz"
    awa = presets[2]["id"]
    async with http.post(f"/_emu/users/{awa}/messages", json={"text": "/start"}) as r:
        await _json(r, 201)
    await _wait_reply(http, awa, "Awa")

    async with http.post("/_play/reset", json={}) as r:
        assert (await _json(r))["personas"] == []
    async with http.get("/_play/personas") as r:
        assert await _json(r) == []
    async with http.get(f"/_emu/users/{awa}/chat") as r:
        assert r.status == 404

    async with http.post("/_play/personas", json={"first_name": "Awa", "language": "fr"}) as r:
        again = await _json(r, 201)
    async with http.post(f"/_emu/users/{again['id']}/messages", json={"text": "/start"}) as r:
        await _json(r, 201)
    fresh = await _wait_reply(http, again["id"], "Awa")
    assert "continue" not in fresh["text"].lower()

    async with http.post("/_play/reset", json={"presets": True}) as r:
        assert len((await _json(r))["personas"]) == 4


async def test_taken_port_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = argparse.Namespace(
            host="127.0.0.1", port=port, reminders=None, db=str(tmp_path / "x.db"), verbose=True
        )
        assert await run_playground(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(port) in err[0]


async def start_command(*args: str, cwd: Path) -> tuple[asyncio.subprocess.Process, str]:
    """Runs `passerelle playground --port 0 ARGS`; returns it and the first line it prints."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "playground",
        "--port",
        "0",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    return process, (await asyncio.wait_for(process.stdout.readline(), 30)).decode()


@pytest.mark.slow
async def test_command_prints_the_address_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    process, line = await start_command(cwd=tmp_path)
    assert line.startswith("Passerelle playground: http://127.0.0.1:")
    url = line.split()[2]
    async with aiohttp.ClientSession() as session, session.get(url) as r:
        assert r.status == 200 and "Passerelle" in await r.text()
    process.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(process.wait(), 5) == 0
    more, errors = await process.communicate()
    assert more == b"" and b"Traceback" not in errors
