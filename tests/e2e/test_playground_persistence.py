"""`--db`: a restart shows the same personas and chats, to a bot that still knows them."""

from __future__ import annotations

import asyncio
import signal
import stat
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.playground import Playground
from tests.e2e.test_playground import _json, _wait_reply, start_command
from tests.e2e.test_playground_browser import _bot_sends_document

ROOT = Path(__file__).resolve().parents[2]


async def _personas(play: Playground) -> list[dict[str, Any]]:
    return [
        {k: p[k] for k in ("id", "first_name", "username", "staff", "zone", "read", "label")}
        for p in await play.describe()
    ]


def _chat(play: Playground, uid: int) -> list[tuple[int, bool, str]]:
    return [(m.message_id, m.from_bot, m.text) for m in play.emu.chat(uid)]


async def test_a_restart_with_the_same_database_shows_the_same_session(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    play = Playground(db=db)
    await play.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession(base_url=play.url) as http:
            async with http.post("/_play/presets") as r:
                nadia = (await _json(r, 201))[0]["id"]
            async with http.post("/_play/personas", json={"first_name": "Emily"}) as r:
                emily = (await _json(r, 201))["id"]
            async with http.post(f"/_emu/users/{emily}/messages", json={"text": "/start"}) as r:
                await _json(r, 201)
            await _wait_reply(http, emily, "agree")
            async with http.post(f"/_emu/users/{emily}/press", json={"label": "I agree"}) as r:
                assert (await _json(r))["answered"] is True
            question = await _wait_reply(http, emily, "describes you")
            async with http.post(
                f"/_play/personas/{emily}/read", json={"message_id": question["message_id"]}
            ) as r:
                await _json(r)
        await _bot_sends_document(play, emily, "meeting.ics", b"BEGIN:VCALENDAR\r\n")
        before = await _personas(play)
        emily_chat = _chat(play, emily)
    finally:
        await play.stop()
    sidecar = tmp_path / "demo.playground.db"
    assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600

    again = Playground(db=db)
    await again.start("127.0.0.1", 0)
    try:
        assert await _personas(again) == before
        assert _chat(again, emily) == emily_chat
        async with aiohttp.ClientSession(base_url=again.url) as http:
            async with http.get(f"/_emu/users/{emily}/chat") as r:
                messages = (await _json(r))["messages"]
            document = next(m["document"] for m in messages if m["document"])
            async with http.get(f"/_emu/files/{document['file_id']}") as r:
                assert (await r.read()).startswith(b"BEGIN:VCALENDAR")
            async with http.post(  # a button of the last run, pressed now: the bot goes on
                f"/_emu/users/{emily}/press", json={"label": "Canadian volunteer"}
            ) as r:
                assert (await _json(r))["answered"] is True
            await _wait_reply(http, emily, "citizen")
            async with http.get(f"/_emu/users/{nadia}/commands") as r:
                assert "review" in {c["command"] for c in await _json(r)}
            async with http.post("/_play/presets") as r:
                await _json(r, 200)  # all four are still there
            async with http.post("/_play/personas", json={"first_name": "Zoe"}) as r:
                zoe = await _json(r, 201)
            assert zoe["id"] not in {p["id"] for p in before}
            async with http.post("/_play/reset", json={}) as r:
                await _json(r)
    finally:
        await again.stop()

    emptied = Playground(db=db)
    await emptied.start("127.0.0.1", 0)
    try:
        assert await emptied.describe() == []
    finally:
        await emptied.stop()


def _delete_bot_database(folder: Path) -> None:
    for path in folder.glob("demo.db*"):
        path.unlink()


async def test_a_new_database_starts_without_the_old_personas(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    play = Playground(db=db)
    await play.start("127.0.0.1", 0)
    await play.add_presets()
    await play.stop()
    _delete_bot_database(tmp_path)
    fresh = Playground(db=db)
    await fresh.start("127.0.0.1", 0)
    try:
        assert await fresh.describe() == []
    finally:
        await fresh.stop()


async def test_without_a_database_nothing_is_kept(tmp_path: Path) -> None:
    play = Playground()
    await play.start("127.0.0.1", 0)
    folder = play.db_path.parent
    await play.add_presets()
    await play.stop()
    assert play.sidecar is None and not folder.exists()


@pytest.mark.slow
async def test_a_killed_playground_comes_back_with_its_personas(tmp_path: Path) -> None:
    async def start() -> tuple[asyncio.subprocess.Process, str]:
        process, line = await start_command("--db", str(tmp_path / "demo.db"), cwd=tmp_path)
        return process, line.split()[2]

    process, url = await start()
    try:
        async with aiohttp.ClientSession(base_url=url) as http:
            async with http.post("/_play/presets") as r:
                created = await _json(r, 201)
            emily = created[2]["id"]
            async with http.post(f"/_emu/users/{emily}/messages", json={"text": "/start"}) as r:
                await _json(r, 201)
            await _wait_reply(http, emily, "Awa")
            await asyncio.sleep(1)  # saved within a fraction of a second
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()

    process, url = await start()
    try:
        async with aiohttp.ClientSession(base_url=url) as http:
            async with http.get("/_play/personas") as r:
                assert [p["id"] for p in await _json(r)] == [p["id"] for p in created]
            async with http.get(f"/_emu/users/{emily}/chat") as r:
                texts = [m["text"] for m in (await _json(r))["messages"]]
            assert texts[0] == "/start" and "Awa" in texts[1]
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 10) == 0
