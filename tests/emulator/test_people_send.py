"""What a person can send the bot: formatted text, a photo, a document, each checked strictly."""

from __future__ import annotations

import base64

import httpx
import pytest

from bot.emulator import Emulator
from tests.emulator.test_bot_api import call
from tests.emulator.test_settings_files import PNG


async def test_formatted_text_keeps_her_entities_and_adds_what_telegram_finds(
    emu: Emulator,
) -> None:
    uid = emu.add_user("Nadia")
    bold = {"type": "bold", "offset": 3, "length": 5}
    link = {"type": "text_link", "offset": 9, "length": 4, "url": "example.org/x"}
    message = await emu.send_text(uid, "  Hi there here https://a.org", [bold, link])
    assert message.text == "Hi there here https://a.org"
    assert message.entities == [
        {"type": "bold", "offset": 1, "length": 5},
        {"type": "text_link", "offset": 7, "length": 4, "url": "http://example.org/x"},
        {"type": "url", "offset": 14, "length": 13},
    ]
    update = emu.pending_updates()[-1]["message"]
    assert update["entities"] == message.entities


@pytest.mark.parametrize(
    "entity",
    [
        {"type": "mention", "offset": 0, "length": 2},
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "bold", "offset": -1, "length": 2},
        {"type": "text_link", "offset": 0, "length": 2, "url": "javascript:alert(1)"},
        {"type": "custom_emoji", "offset": 0, "length": 2},
    ],
)
async def test_formatting_no_app_could_make_is_refused(
    emu: Emulator, entity: dict[str, object]
) -> None:
    uid = emu.add_user("Nadia")
    with pytest.raises(ValueError):
        await emu.send_text(uid, "Hello", [entity])
    assert emu.pending_updates() == []


async def test_a_photo_with_a_caption_can_be_sent_again_by_its_file_id(
    emu: Emulator, http: httpx.AsyncClient
) -> None:
    nadia, awa = emu.add_user("Nadia"), emu.add_user("Awa")
    await emu.send_text(awa, "/start")
    italic = {"type": "italic", "offset": 0, "length": 5}
    message = await emu.send_photo(nadia, PNG, "Round table", [italic])
    update = emu.pending_updates()[-1]["message"]
    assert update["caption"] == "Round table"
    assert update["caption_entities"] == [italic]
    assert "text" not in update
    file_id = update["photo"][-1]["file_id"]
    assert message.photo_file_id == file_id
    status, body = await call(http, emu, "sendPhoto", chat_id=awa, photo=file_id)
    assert status == 200 and body["result"]["photo"][0]["file_id"] == file_id
    status, _ = await call(http, emu, "sendDocument", chat_id=awa, document=file_id)
    assert status == 400


async def test_a_document_can_be_sent_again_by_its_file_id(
    emu: Emulator, http: httpx.AsyncClient
) -> None:
    nadia, awa = emu.add_user("Nadia"), emu.add_user("Awa")
    await emu.send_text(awa, "/start")
    await emu.send_document(nadia, "programme.pdf", b"%PDF-1.4 ...", "Le programme")
    update = emu.pending_updates()[-1]["message"]
    assert update["document"]["file_name"] == "programme.pdf"
    assert update["document"]["mime_type"] == "application/pdf"
    status, body = await call(
        http, emu, "sendDocument", chat_id=awa, document=update["document"]["file_id"]
    )
    assert status == 200 and body["result"]["document"]["file_name"] == "programme.pdf"


async def test_what_is_not_a_picture_or_is_empty_is_refused(emu: Emulator) -> None:
    uid = emu.add_user("Nadia")
    with pytest.raises(ValueError):
        await emu.send_photo(uid, b"not an image")
    with pytest.raises(ValueError):
        await emu.send_document(uid, "empty.txt", b"")
    with pytest.raises(ValueError):
        await emu.send_photo(uid, PNG, "x" * 1025)
    assert emu.pending_updates() == []


async def test_the_control_surface_sends_formatted_text_photos_and_documents(
    emu: Emulator, http: httpx.AsyncClient
) -> None:
    uid = emu.add_user("Nadia")
    bold = {"type": "bold", "offset": 0, "length": 2}
    text = await http.post(f"/_emu/users/{uid}/messages", json={"text": "Hi", "entities": [bold]})
    assert text.status_code == 201 and text.json()["entities"] == [bold]
    photo = await http.post(
        f"/_emu/users/{uid}/messages",
        json={"photo": base64.b64encode(PNG).decode(), "caption": "Look"},
    )
    assert photo.status_code == 201 and photo.json()["photo"] and photo.json()["text"] == "Look"
    document = await http.post(
        f"/_emu/users/{uid}/messages",
        json={"document": base64.b64encode(b"a,b").decode(), "filename": "list.csv"},
    )
    assert document.json()["document"]["file_name"] == "list.csv"
    bad = await http.post(f"/_emu/users/{uid}/messages", json={"photo": "!!"})
    assert bad.status_code == 400
