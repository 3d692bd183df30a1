"""The /_emu/ control surface the playground page uses."""

from __future__ import annotations

import asyncio

import httpx

from bot.emulator import Emulator
from tests.emulator.test_bot_api import KEYBOARD, call


async def test_people_messages_and_presses(emu: Emulator, http: httpx.AsyncClient) -> None:
    info = (await http.get("/_emu/info")).json()
    assert info["api_url"] == emu.api_url and info["token"] == emu.token
    created = await http.post("/_emu/users", json={"first_name": "Awa", "language_code": "fr"})
    user = created.json()
    uid = user["id"]
    assert user["blocked"] is False and user["language_code"] == "fr"
    assert [u["id"] for u in (await http.get("/_emu/users")).json()] == [uid]
    sent = (await http.post(f"/_emu/users/{uid}/messages", json={"text": "/start x"})).json()
    assert sent["from_bot"] is False and sent["entities"][0]["type"] == "bot_command"

    version = (await http.get(f"/_emu/users/{uid}/chat")).json()["version"]
    poll = asyncio.create_task(http.get(f"/_emu/users/{uid}/chat?since={version}&wait=5"))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await call(
        http,
        emu,
        "sendMessage",
        chat_id=uid,
        text="<b>Bienvenue</b>",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
    )
    changed = (await poll).json()
    [message] = changed["messages"]
    assert message["html"] == "<b>Bienvenue</b>" and message["text"] == "Bienvenue"
    assert message["buttons"] == [[{"text": "Approve", "callback_data": "app:1"}]]

    press = asyncio.create_task(http.post(f"/_emu/users/{uid}/press", json={"label": "approve"}))
    await asyncio.sleep(0.1)
    query = emu.pending_updates()[-1]["callback_query"]
    await call(http, emu, "answerCallbackQuery", callback_query_id=query["id"], text="OK")
    assert (await press).json() == {
        "text": "OK",
        "show_alert": False,
        "answered": True,
        "url": None,
    }
    missing = await http.post(f"/_emu/users/{uid}/press", json={"label": "nope"})
    assert missing.status_code == 404 and missing.json()["labels"] == [["Approve"]]

    patched = await http.patch(f"/_emu/users/{uid}", json={"blocked": True, "language_code": "es"})
    assert patched.json()["blocked"] is True and patched.json()["language_code"] == "es"
    assert (await http.post("/_emu/reset")).status_code == 200
    assert (await http.get("/_emu/users")).json() == []
    assert (await http.get(f"/_emu/users/{uid}/chat")).status_code == 404


async def test_chat_poll_reports_edits_and_deletions(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    _, sent = await call(http, emu, "sendMessage", chat_id=awa, text="one")
    mid = sent["result"]["message_id"]
    version = emu.mark()
    await call(http, emu, "editMessageText", chat_id=awa, message_id=mid, text="two")
    changed = (await http.get(f"/_emu/users/{awa}/chat?since={version}")).json()
    assert [(m["text"], m["edited"]) for m in changed["messages"]] == [("two", True)]
    await call(http, emu, "deleteMessage", chat_id=awa, message_id=mid)
    changed = (await http.get(f"/_emu/users/{awa}/chat?since={changed['version']}")).json()
    assert [m["deleted"] for m in changed["messages"]] == [True]
    whole = (await http.get(f"/_emu/users/{awa}/chat")).json()
    assert [m["text"] for m in whole["messages"]] == ["/start"]


async def test_playground_can_mount_routes(emu: Emulator) -> None:
    assert emu.app.frozen
    fresh = Emulator()

    async def page(request: object) -> object:
        from aiohttp import web

        return web.Response(text="page")

    fresh.app.router.add_get("/", page)  # type: ignore[arg-type]
    await fresh.start()
    try:
        async with httpx.AsyncClient(base_url=fresh.base_url) as http:
            assert (await http.get("/")).text == "page"
    finally:
        await fresh.stop()


async def test_faults_over_http(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    created = await http.post(
        "/_emu/faults",
        json={"method": "sendMessage", "chat_id": awa, "status": 429, "retry_after": 60},
    )
    assert created.status_code == 201
    fid = created.json()["id"]
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="x"))[1]["parameters"] == {
        "retry_after": 60
    }
    [listed] = (await http.get("/_emu/faults")).json()
    assert listed["id"] == fid and listed["hits"] == 1 and listed["status"] == 429
    assert listed["description"] == "Too Many Requests: retry after 60"
    assert (await http.delete(f"/_emu/faults/{fid}")).json() == {"ok": True, "hits": 1}
    assert (await http.delete(f"/_emu/faults/{fid}")).status_code == 404
    assert (await call(http, emu, "sendMessage", chat_id=awa, text="y"))[0] == 200

    await http.post("/_emu/faults", json={"status": 502, "times": 3})
    await http.post("/_emu/faults", json={"method": "getUpdates", "hang": True, "seconds": 5})
    assert [f["hang"] for f in (await http.get("/_emu/faults")).json()] == [False, True]
    assert (await http.delete("/_emu/faults")).json() == {"ok": True}
    assert (await http.get("/_emu/faults")).json() == []


async def test_fault_requests_telegram_would_never_answer_are_refused(
    http: httpx.AsyncClient,
) -> None:
    for body in (
        {"method": "sendMesage"},
        {"status": 400},
        {"status": "500"},
        {"status": 0},
        {"chat_id": True},
        {"times": 0},
        {"retry_after": 5},
        {"hang": "yes"},
        {"colour": "red"},
    ):
        refused = await http.post("/_emu/faults", json=body)
        assert refused.status_code == 400, body
        assert "error" in refused.json()
    assert (await http.get("/_emu/faults")).json() == []


async def test_holds_over_http(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    created = await http.post("/_emu/holds", json={"method": "sendMessage", "chat_id": awa})
    hid = created.json()["id"]
    pending = asyncio.create_task(call(http, emu, "sendMessage", chat_id=awa, text="held"))
    await emu.faults.holds[0].wait()
    assert (await http.get("/_emu/holds")).json()[0]["held"] == 1
    assert [m.text for m in emu.bot_messages(awa)] == ["held"]
    released = (await http.delete(f"/_emu/holds/{hid}")).json()
    assert released["released"] is True
    assert (await pending)[0] == 200
    assert (await http.delete(f"/_emu/holds/{hid}")).status_code == 404
    assert (await http.post("/_emu/holds", json={"method": "nope"})).status_code == 400
