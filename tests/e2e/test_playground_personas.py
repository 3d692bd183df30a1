"""Personas in the playground: demo presets once, made whole or not at all, time zones, unread."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from bot.playground import Playground
from bot.playground.personas import DEMO_COHORT
from tests.e2e.paths import MENTOR, walk
from tests.e2e.test_playground import _json, _wait_reply
from tests.harness import Person


async def test_demo_personas_pressed_twice_are_one_set(http: aiohttp.ClientSession) -> None:
    async with http.post("/_play/presets") as r:
        first = await _json(r, 201)
    async with http.post("/_play/presets") as r:
        second = await _json(r, 200)
    assert [p["id"] for p in second] == [p["id"] for p in first]
    async with http.get("/_play/personas") as r:
        names = [p["first_name"] for p in await _json(r)]
    assert names == ["Nadia", "Chloé", "Awa", "Lucía"]


async def test_a_persona_made_by_hand_counts_as_the_preset_she_matches(
    http: aiohttp.ClientSession,
) -> None:
    async with http.post("/_play/personas", json={"first_name": "awa", "language": "fr"}) as r:
        awa = await _json(r, 201)
    async with http.post("/_play/personas", json={"first_name": "Nadia", "language": "en"}) as r:
        not_staff = await _json(r, 201)
    async with http.post("/_play/presets") as r:
        presets = await _json(r, 201)
    by_name = {p["first_name"].lower(): p["id"] for p in presets}
    assert by_name["awa"] == awa["id"]
    assert by_name["nadia"] != not_staff["id"]  # the preset Nadia is staff: another person
    async with http.get("/_play/personas") as r:
        assert len(await _json(r)) == 5


async def _listening(tmp_path: Path) -> Playground:
    """A playground that serves the page while its bot has not started yet."""
    play = Playground(db=tmp_path / "play.db")
    await play.listen("127.0.0.1", 0)
    return play


async def test_a_persona_asked_for_while_the_bot_starts_waits_for_it(tmp_path: Path) -> None:
    play = await _listening(tmp_path)
    try:
        async with aiohttp.ClientSession(base_url=play.url) as http:
            asking = asyncio.ensure_future(
                http.post("/_play/personas", json={"first_name": "Nadia", "staff": True})
            )
            await asyncio.sleep(0.3)
            assert not asking.done()
            await play.start_bot()
            async with await asking as r:
                nadia = await _json(r, 201)
            assert nadia["staff"] is True
            assert play.core is not None and nadia["id"] in await play.core.staff.admins()
            async with http.post("/_play/presets") as r:
                assert [p["staff"] for p in await _json(r, 201)] == [True, False, False, False]
    finally:
        await play.stop()


async def test_a_bot_that_does_not_come_leaves_no_half_made_persona(tmp_path: Path) -> None:
    play = await _listening(tmp_path)
    play.ready_wait = 0.2
    try:
        async with aiohttp.ClientSession(base_url=play.url) as http:
            nadia = {"first_name": "Nadia", "staff": True}
            async with http.post("/_play/personas", json=nadia) as r:
                body = await _json(r, 503)
                assert r.headers["Retry-After"] == "1"
            assert body["retry"] is True and "starting" in body["error"]
            async with http.post("/_play/presets") as r:
                await _json(r, 503)
            async with http.get("/_play/personas") as r:
                assert await _json(r) == []
            async with http.get("/_emu/users") as r:
                assert await _json(r) == []
    finally:
        await play.stop()


async def test_a_failing_admin_step_removes_the_persona(
    playground: Playground, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert playground.core is not None

    async def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(playground.core.staff, "set_role", broken)
    async with http.post("/_play/personas", json={"first_name": "Nadia", "staff": True}) as r:
        assert r.status == 500
    async with http.get("/_emu/users") as r:
        assert await _json(r) == []


async def test_a_persona_keeps_her_own_time_zone(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    async with http.get("/_play/info") as r:
        zones = (await _json(r))["zones"]
    assert {"Africa/Dakar", "America/La_Paz", "UTC"} <= set(zones)
    async with http.post(
        "/_play/personas", json={"first_name": "Awa", "language": "en", "zone": "africa/dakar"}
    ) as r:
        awa = await _json(r, 201)
    assert awa["zone"] == "Africa/Dakar"
    for zone in ("Mars/Olympus", "../etc/passwd", "localtime"):
        async with http.post("/_play/personas", json={"first_name": "Zoe", "zone": zone}) as r:
            assert "time zone" in (await _json(r, 400))["error"]

    person = Person(playground.emu, awa["id"])
    assert playground.core is not None
    await person.send("/start", "agree")
    await walk(person, playground.core.t("en"), MENTOR)  # she says she lives in Quebec
    async with http.get("/_play/personas") as r:
        (described,) = await _json(r)
    assert described["bot_zone"] == "America/Toronto"  # what the bot learnt
    assert described["zone"] == "Africa/Dakar"  # her phone's clock does not move


async def test_unread_counts_only_what_she_has_not_seen(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    async with http.post("/_play/personas", json={"first_name": "Awa", "language": "en"}) as r:
        awa = await _json(r, 201)
    async with http.post(f"/_emu/users/{awa['id']}/messages", json={"text": "/start"}) as r:
        await _json(r, 201)
    first = await _wait_reply(http, awa["id"], "agree")
    async with http.get("/_play/personas") as r:
        assert (await _json(r))[0]["unread"] == 1
    async with http.post(
        f"/_play/personas/{awa['id']}/read", json={"message_id": first["message_id"]}
    ) as r:
        assert (await _json(r))["unread"] == 0
    async with http.post(f"/_emu/users/{awa['id']}/messages", json={"text": "/help"}) as r:
        await _json(r, 201)
    await _wait_reply(http, awa["id"], "/status")
    async with http.get("/_play/personas") as r:  # a reload asks again: one new message
        (described,) = await _json(r)
    assert described["unread"] == 1 and described["read"] == first["message_id"]
    async with http.post(f"/_play/personas/{awa['id']}/read", json={"message_id": 1}) as r:
        assert (await _json(r))["read"] == first["message_id"]  # never goes back
    async with http.post("/_play/personas/999/read", json={"message_id": 1}) as r:
        assert r.status == 404
    async with http.post(f"/_play/personas/{awa['id']}/read", json={"message_id": "x"}) as r:
        assert r.status == 400


async def test_started_says_whether_she_ever_talked_to_the_bot(
    http: aiohttp.ClientSession,
) -> None:
    async with http.post("/_play/personas", json={"first_name": "Awa"}) as r:
        assert (await _json(r, 201))["started"] is False
    async with http.post("/_play/personas", json={"first_name": "Nadia", "staff": True}) as r:
        assert (await _json(r, 201))["started"] is True  # staff have opened the bot's chat


async def test_the_demo_has_a_cohort_that_cohort_shows_with_its_link(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    async with http.post("/_play/presets") as r:
        presets = {p["first_name"]: p["id"] for p in await _json(r, 201)}
    async with http.post("/_play/presets") as r:  # pressed twice: still one cohort
        await _json(r, 200)
    nadia = Person(playground.emu, presets["Nadia"])
    listed = await nadia.send("/cohort", expect="1 cohort")
    assert DEMO_COHORT.name in listed.text
    assert f"?start={DEMO_COHORT.code}" in listed.text
    awa = Person(playground.emu, presets["Awa"])
    await awa.send(f"/start {DEMO_COHORT.code}", expect=DEMO_COHORT.name)
