"""Commands with scopes and languages, menu button, descriptions, documents and photos."""

from __future__ import annotations

import base64

import httpx

from bot.emulator import Emulator
from tests.emulator.test_bot_api import call, error

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


async def test_effective_commands_follow_telegram_precedence(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    everyone = [{"command": "start", "description": "Start"}]
    french = [{"command": "start", "description": "Démarrer"}]
    staff = [{"command": "review", "description": "Revoir"}]
    await call(http, emu, "setMyCommands", commands=everyone)
    assert emu.effective_commands(awa) == everyone
    await call(http, emu, "setMyCommands", commands=french, language_code="fr")
    assert emu.effective_commands(awa) == french
    await call(http, emu, "setMyCommands", commands=staff, scope={"type": "chat", "chat_id": awa})
    assert emu.effective_commands(awa) == staff
    assert emu.commands("fr") == french
    assert emu.commands(scope={"type": "chat", "chat_id": awa}) == staff
    _, got = await call(http, emu, "getMyCommands", language_code="fr")
    assert got["result"] == french
    await call(http, emu, "deleteMyCommands", scope={"type": "chat", "chat_id": awa})
    assert emu.effective_commands(awa) == french
    response = await http.get(f"/_emu/users/{awa}/commands")
    assert response.json() == french


async def test_command_validation(emu: Emulator, http: httpx.AsyncClient) -> None:
    bad = [{"command": "/Start", "description": "x"}]
    assert await call(http, emu, "setMyCommands", commands=bad) == error(
        400, "Bad Request: BOT_COMMAND_INVALID"
    )
    assert await call(
        http, emu, "setMyCommands", commands=[], scope={"type": "chat", "chat_id": 5}
    ) == error(400, "Bad Request: chat not found")
    stranger = emu.add_user("Never wrote")
    assert await call(
        http, emu, "setMyCommands", commands=[], scope={"type": "chat", "chat_id": stranger}
    ) == error(400, "Bad Request: chat not found")
    status, body = await call(http, emu, "setMyCommands", commands=[{"command": "x"}])
    assert status == 400 and "description" in body["description"]


async def test_menu_button_and_descriptions(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    _, got = await call(http, emu, "getChatMenuButton", chat_id=awa)
    assert got["result"] == {"type": "commands"}
    button = {"type": "web_app", "text": "Open", "web_app": {"url": "https://example.org"}}
    assert (await call(http, emu, "setChatMenuButton", chat_id=awa, menu_button=button))[0] == 200
    _, got = await call(http, emu, "getChatMenuButton", chat_id=awa)
    assert got["result"] == button
    assert (await call(http, emu, "setMyDescription", description="Hi", language_code="fr"))[
        0
    ] == 200
    _, got = await call(http, emu, "getMyDescription", language_code="fr")
    assert got["result"] == {"description": "Hi"}
    assert (await call(http, emu, "setMyShortDescription", short_description="x" * 121))[0] == 400


async def test_documents_upload_reuse_and_download(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        f"/bot{emu.token}/sendDocument",
        data={"chat_id": str(awa), "caption": "<b>Your</b> data", "parse_mode": "HTML"},
        files={"document": ("mydata.json", b'{"a": 1}', "application/json")},
    )
    sent = response.json()["result"]
    assert sent["caption"] == "Your data" and sent["caption_entities"][0]["type"] == "bold"
    document = sent["document"]
    assert document["file_name"] == "mydata.json" and document["file_size"] == 8
    message = emu.bot_messages(awa)[-1]
    assert message.document is not None and message.document.data == b'{"a": 1}'
    assert message.text == "Your data"
    status, again = await call(http, emu, "sendDocument", chat_id=awa, document=document["file_id"])
    assert status == 200 and again["result"]["document"]["file_id"] == document["file_id"]
    assert await call(http, emu, "sendDocument", chat_id=awa, document="nope") == error(
        400, "Bad Request: wrong file identifier/HTTP URL specified"
    )
    assert await call(http, emu, "sendDocument", chat_id=awa) == error(
        400, "Bad Request: there is no document in the request"
    )
    _, file = await call(http, emu, "getFile", file_id=document["file_id"])
    download = await http.get(f"/file/bot{emu.token}/{file['result']['file_path']}")
    assert download.content == b'{"a": 1}'
    raw = await http.get(f"/_emu/files/{document['file_id']}")
    assert raw.content == b'{"a": 1}' and "mydata.json" in raw.headers["Content-Disposition"]
    long_caption = {"chat_id": str(awa), "caption": "x" * 1025}
    response = await http.post(
        f"/bot{emu.token}/sendDocument", data=long_caption, files={"document": ("a.txt", b"a")}
    )
    assert response.json()["description"] == "Bad Request: message caption is too long"


async def test_photos_must_be_images(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    response = await http.post(
        f"/bot{emu.token}/sendPhoto", data={"chat_id": str(awa)}, files={"photo": ("p.png", PNG)}
    )
    photo = response.json()["result"]["photo"][0]
    assert (photo["width"], photo["height"]) == (1, 1)
    assert emu.bot_messages(awa)[-1].photo
    response = await http.post(
        f"/bot{emu.token}/sendPhoto", data={"chat_id": str(awa)}, files={"photo": ("p.png", b"no")}
    )
    assert response.json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"


async def test_chat_action_and_get_chat(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    assert await call(http, emu, "sendChatAction", chat_id=awa, action="dancing") == error(
        400, "Bad Request: wrong parameter action in request"
    )
    _, chat = await call(http, emu, "getChat", chat_id=awa)
    assert chat["result"]["type"] == "private" and chat["result"]["username"] == "awa_d"
