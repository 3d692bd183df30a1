"""The Bot API over HTTP: Telegram's envelopes, validation and errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from bot.emulator import Emulator
from tests.emulator.conftest import FakeClock

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
KEYBOARD = {"inline_keyboard": [[{"text": "Approve", "callback_data": "app:1"}]]}


async def call(
    http: httpx.AsyncClient, emu: Emulator, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """Posts a form-encoded request like PTB does; returns (status, body)."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    response = await http.post(f"/bot{emu.token}/{method}", data=form)
    return response.status_code, response.json()


def error(status: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    """Telegram's error envelope."""
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


async def test_wrong_token_and_unknown_method(emu: Emulator, http: httpx.AsyncClient) -> None:
    response = await http.get("/bot123456:wrong-token-0000000000000/getMe")
    assert (response.status_code, response.json()) == error(401, "Unauthorized")
    assert await call(http, emu, "sendMesage") == error(404, "Not Found")
    assert await call(http, emu, "sendPoll", chat_id=1) == error(
        400, "Bad Request: method not supported by the emulator"
    )


async def test_get_me_accepts_any_case_and_get(emu: Emulator, http: httpx.AsyncClient) -> None:
    response = await http.get(f"/bot{emu.token}/GETME")
    body = response.json()
    assert body["ok"] is True
    assert body["result"]["username"] == "passerelle_bot" and body["result"]["is_bot"] is True


async def test_json_body_and_query_string(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    response = await http.post(
        f"/bot{emu.token}/sendMessage",
        json={"chat_id": awa, "text": "hi", "reply_markup": KEYBOARD},
    )
    assert response.json()["result"]["reply_markup"] == KEYBOARD
    response = await http.get(f"/bot{emu.token}/sendMessage", params={"chat_id": awa, "text": "q"})
    assert response.json()["result"]["text"] == "q"


async def test_missing_and_invalid_parameters(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    assert await call(http, emu, "sendMessage", chat_id=awa) == error(
        400, "Bad Request: message text is empty"
    )
    assert await call(http, emu, "sendMessage", text="x") == error(
        400, "Bad Request: chat_id is empty"
    )
    assert await call(http, emu, "answerCallbackQuery") == error(
        400, 'Bad Request: parameter "callback_query_id" is required'
    )
    assert await call(http, emu, "deleteMessage", chat_id=awa, message_id="abc") == error(
        400, "Bad Request: invalid message_id specified"
    )
    assert await call(
        http, emu, "sendMessage", chat_id=awa, text="x", disable_notification="maybe"
    ) == error(400, "Bad Request: invalid disable_notification specified")
    assert await call(http, emu, "sendMessage", chat_id=awa, text="   \n") == error(
        400, "Bad Request: message text is empty"
    )


async def test_text_limits_count_utf16_units(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    status, _ = await call(http, emu, "sendMessage", chat_id=awa, text="😀" * 2048)
    assert status == 200
    assert await call(http, emu, "sendMessage", chat_id=awa, text="😀" * 2048 + "a") == error(
        400, "Bad Request: message is too long"
    )
    status, _ = await call(
        http, emu, "sendMessage", chat_id=awa, text="<b>" + "a" * 4096 + "</b>", parse_mode="HTML"
    )
    assert status == 200
    assert await call(
        http, emu, "sendMessage", chat_id=awa, text="<b></b>", parse_mode="HTML"
    ) == error(400, "Bad Request: message text is empty")


async def test_html_errors_are_reported_like_telegram(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    assert await call(
        http, emu, "sendMessage", chat_id=awa, text="Hello there <foo>", parse_mode="HTML"
    ) == error(
        400, 'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 12'
    )
    status, body = await call(
        http, emu, "sendMessage", chat_id=awa, text="<i>a</i> &amp; <b>b</b>", parse_mode="HTML"
    )
    assert status == 200
    assert body["result"]["text"] == "a & b"
    assert emu.bot_messages(awa)[-1].html == "<i>a</i> &amp; <b>b</b>"


async def test_commands_and_links_in_a_bots_text_are_entities(
    emu: Emulator, awa: int, http: httpx.AsyncClient
) -> None:
    link = "https://t.me/passerelle_bot?start=staff-Ab_9"
    text = f"Use <b>/review</b> (or /staff admin) and open {link}. Not <code>/start</code>, a/b."
    status, body = await call(http, emu, "sendMessage", chat_id=awa, text=text, parse_mode="HTML")
    assert status == 200
    plain = body["result"]["text"]
    found = [
        (e["type"], plain[e["offset"] : e["offset"] + e["length"]])
        for e in body["result"]["entities"]
    ]
    assert found == [
        ("bold", "/review"),
        ("bot_command", "/review"),
        ("bot_command", "/staff"),
        ("url", link),
        ("code", "/start"),
    ]
    status, body = await call(
        http, emu, "sendMessage", chat_id=awa, text="Plain /help", entities=[]
    )
    assert [e["type"] for e in body["result"]["entities"]] == ["bot_command"]


async def test_keyboard_validation(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    def markup(button: dict[str, Any]) -> dict[str, Any]:
        return {"inline_keyboard": [[button]]}

    send = {"chat_id": awa, "text": "x"}
    assert await call(
        http,
        emu,
        "sendMessage",
        **send,
        reply_markup=markup({"text": "a", "callback_data": "x" * 65}),
    ) == error(400, "Bad Request: BUTTON_DATA_INVALID")
    assert await call(
        http, emu, "sendMessage", **send, reply_markup=markup({"text": "a", "callback_data": ""})
    ) == error(400, "Bad Request: BUTTON_DATA_INVALID")
    assert await call(
        http, emu, "sendMessage", **send, reply_markup=markup({"text": "", "callback_data": "a"})
    ) == error(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    assert await call(
        http, emu, "sendMessage", **send, reply_markup=markup({"text": "a"})
    ) == error(
        400,
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard",
    )
    status, _ = await call(
        http,
        emu,
        "sendMessage",
        **send,
        reply_markup=markup({"text": "a", "callback_data": "a", "url": "https://x.org"}),
    )
    assert status == 400
    response = await http.post(
        f"/bot{emu.token}/sendMessage", data={**send, "reply_markup": "{not json"}
    )
    assert response.json()["description"] == (
        "Bad Request: can't parse reply keyboard markup JSON object"
    )
    status, _ = await call(
        http, emu, "sendMessage", **send, reply_markup={"keyboard": [["Yes", {"text": "No"}]]}
    )
    assert status == 200
    assert emu.bot_messages(awa)[-1].buttons == [["Yes", "No"]]
    data_64 = "é" * 32
    status, _ = await call(
        http,
        emu,
        "sendMessage",
        **send,
        reply_markup=markup({"text": "a", "callback_data": data_64}),
    )
    assert status == 200


async def test_chat_access(emu: Emulator, http: httpx.AsyncClient) -> None:
    silent = emu.add_user("Lina")
    assert await call(http, emu, "sendMessage", chat_id=999, text="x") == error(
        400, "Bad Request: chat not found"
    )
    assert await call(http, emu, "sendMessage", chat_id="@awa_d", text="x") == error(
        400, "Bad Request: chat not found"
    )
    assert await call(http, emu, "sendMessage", chat_id=silent, text="x") == error(
        403, "Forbidden: bot can't initiate conversation with a user"
    )
    await emu.send_text(silent, "hi")
    emu.block(silent)
    assert await call(http, emu, "sendMessage", chat_id=silent, text="x") == error(
        403, "Forbidden: bot was blocked by the user"
    )
    assert emu.user(silent).blocked
    emu.unblock(silent)
    assert (await call(http, emu, "sendMessage", chat_id=silent, text="x"))[0] == 200
    kinds = [next(k for k in u if k != "update_id") for u in emu.pending_updates()]
    assert kinds == ["message", "my_chat_member", "my_chat_member"]


async def test_edit_text_rules(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    _, sent = await call(http, emu, "sendMessage", chat_id=awa, text="one", reply_markup=KEYBOARD)
    mid = sent["result"]["message_id"]
    same = {"chat_id": awa, "message_id": mid, "text": "one", "reply_markup": KEYBOARD}
    assert await call(http, emu, "editMessageText", **same) == error(400, NOT_MODIFIED)
    mark = emu.mark()
    status, edited = await call(
        http, emu, "editMessageText", chat_id=awa, message_id=mid, text="two"
    )
    assert status == 200 and "edit_date" in edited["result"]
    assert "reply_markup" not in edited["result"]
    message = await emu.wait_for(awa, "two", since=mark, timeout=1)
    assert message.edited and message.reply_markup is None
    assert await call(http, emu, "editMessageText", chat_id=awa, message_id=999, text="x") == error(
        400, "Bad Request: message to edit not found"
    )
    user_message = emu.chat(awa)[0]
    assert await call(
        http, emu, "editMessageText", chat_id=awa, message_id=user_message.message_id, text="x"
    ) == error(400, "Bad Request: message can't be edited")
    assert await call(http, emu, "editMessageReplyMarkup", chat_id=awa, message_id=mid) == error(
        400, NOT_MODIFIED
    )
    status, _ = await call(
        http, emu, "editMessageReplyMarkup", chat_id=awa, message_id=mid, reply_markup=KEYBOARD
    )
    assert status == 200
    assert emu.bot_messages(awa)[-1].buttons == [["Approve"]]


async def test_delete_message(
    emu: Emulator, awa: int, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    _, sent = await call(http, emu, "sendMessage", chat_id=awa, text="bye")
    mid = sent["result"]["message_id"]
    assert await call(http, emu, "deleteMessage", chat_id=awa, message_id=mid) == (
        200,
        {"ok": True, "result": True},
    )
    assert [m.text for m in emu.chat(awa)] == ["/start"]
    assert await call(http, emu, "deleteMessage", chat_id=awa, message_id=mid) == error(
        400, "Bad Request: message to delete not found"
    )
    clock.advance(49 * 3600)
    first = emu.chat(awa)[0].message_id
    assert await call(http, emu, "deleteMessage", chat_id=awa, message_id=first) == error(
        400, "Bad Request: message can't be deleted for everyone"
    )


async def test_callback_answer_rules(
    emu: Emulator, awa: int, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    await call(http, emu, "sendMessage", chat_id=awa, text="Choose", reply_markup=KEYBOARD)
    press = asyncio.create_task(emu.press(awa, "APPROVE", timeout=2))
    _, updates = await call(http, emu, "getUpdates", timeout=1)
    query = updates["result"][-1]["callback_query"]
    assert query["data"] == "app:1" and query["message"]["text"] == "Choose"
    assert await call(
        http, emu, "answerCallbackQuery", callback_query_id=query["id"], text="x" * 201
    ) == error(400, "Bad Request: MESSAGE_TOO_LONG")
    assert (
        await call(
            http,
            emu,
            "answerCallbackQuery",
            callback_query_id=query["id"],
            text="Done",
            show_alert=True,
        )
    )[0] == 200
    result = await press
    assert (result.text, result.show_alert, result.answered) == ("Done", True, True)
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert await call(http, emu, "answerCallbackQuery", callback_query_id=query["id"]) == error(
        400, too_old
    )
    assert await call(http, emu, "answerCallbackQuery", callback_query_id="42") == error(
        400, too_old
    )
    late = asyncio.create_task(emu.press(awa, "approve", timeout=0.5))
    _, updates = await call(
        http, emu, "getUpdates", timeout=1, offset=updates["result"][-1]["update_id"] + 1
    )
    clock.advance(16)
    query_id = updates["result"][-1]["callback_query"]["id"]
    assert await call(http, emu, "answerCallbackQuery", callback_query_id=query_id) == error(
        400, too_old
    )
    assert (await late).answered is False


async def test_press_errors(emu: Emulator, awa: int, http: httpx.AsyncClient) -> None:
    with pytest.raises(LookupError, match="no bot message"):
        await emu.press(awa, "approve")
    await call(
        http,
        emu,
        "sendMessage",
        chat_id=awa,
        text="x",
        reply_markup={
            "inline_keyboard": [
                [
                    {"text": "Site", "url": "https://example.org"},
                    {"text": "Yes", "callback_data": "y"},
                ]
            ]
        },
    )
    with pytest.raises(LookupError, match=r"\[\['Site', 'Yes'\]\]"):
        await emu.press(awa, "nope")
    with pytest.raises(LookupError, match="sends no callback"):
        await emu.press(awa, "site")
