"""AiohttpRequest against the emulator, beside PTB's HTTPXRequest: the same answers and errors."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import telegram
from telegram import InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.emulator import Emulator
from handlers.request import (
    POOL_TIMEOUT_MESSAGE,
    AiohttpRequest,
    FormBody,
    _body,
    allow_raw_requests,
    post_raw,
    urlencoded,
)

Make = Callable[..., BaseRequest]
KINDS: dict[str, Make] = {"httpx": HTTPXRequest, "aiohttp": AiohttpRequest}


@pytest.fixture(params=list(KINDS))
def make(request: pytest.FixtureRequest) -> Make:
    """Each test runs with PTB's own request class and with ours."""
    return KINDS[request.param]


@pytest.fixture
async def awa(emu: Emulator) -> int:
    """Someone who has written to the bot (so it may write to her)."""
    uid = emu.add_user("Awa", language_code="fr")
    await emu.send_text(uid, "/start")
    return uid


async def _bot(emu: Emulator, request: BaseRequest) -> telegram.Bot:
    bot = telegram.Bot(emu.token, base_url=emu.api_url, base_file_url=emu.file_url, request=request)
    await bot.initialize()
    return bot


@pytest.fixture
async def bot(emu: Emulator, make: Make) -> AsyncIterator[telegram.Bot]:
    b = await _bot(emu, make(connection_pool_size=8))
    yield b
    await b.shutdown()


async def test_messages_and_edits_go_through(emu: Emulator, awa: int, bot: telegram.Bot) -> None:
    assert (await bot.get_me()).username == emu.api.bot["username"]
    sent = await bot.send_message(awa, "<b>Bonjour</b> à tous & <i>bienvenue</i>", "HTML")
    assert sent.text == "Bonjour à tous & bienvenue"
    edited = await bot.edit_message_text("Merci 🌍", awa, sent.message_id)
    assert isinstance(edited, telegram.Message) and edited.text == "Merci 🌍"
    assert [m.text for m in emu.bot_messages(awa)] == ["Merci 🌍"]


async def test_a_document_is_uploaded_whole_from_bytes_and_from_a_file(
    emu: Emulator, awa: int, bot: telegram.Bot
) -> None:
    content = "user_id,name\n1,Zoé\n".encode("utf-8-sig") + bytes(range(256)) * 4000
    first = await bot.send_document(awa, InputFile(content, filename="a.csv"), caption="2 rows")
    assert first.document is not None and first.document.file_name == "a.csv"
    handle = io.BytesIO(content)
    await bot.send_document(awa, InputFile(handle, filename="b.csv", read_file_handle=False))
    documents = [m.document for m in emu.bot_messages(awa)]
    assert [d.filename for d in documents if d] == ["a.csv", "b.csv"]
    assert all(d is not None and d.data == content for d in documents)
    assert emu.bot_messages(awa)[0].text == "2 rows"


async def test_telegram_errors_are_the_same_exceptions(
    emu: Emulator, awa: int, bot: telegram.Bot
) -> None:
    emu.fault("sendMessage", awa, status=429, retry_after=7, times=1)
    with pytest.raises(RetryAfter) as limited:
        await bot.send_message(awa, "x")
    assert limited.value.retry_after in (7, timedelta(seconds=7))
    emu.fault("sendMessage", awa, status=403, times=1)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(awa, "x")
    emu.fault("sendMessage", awa, status=400, description="Bad Request: chat not found", times=1)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(awa, "x")
    emu.fault("sendMessage", awa, status=500, times=1)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(awa, "x")
    emu.fault("sendMessage", awa, status=502, times=1)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(awa, "x")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(awa, "")
    assert (await bot.send_message(awa, "through")).text == "through"


async def test_a_hanging_call_times_out_and_the_next_one_goes_through(
    emu: Emulator, awa: int, bot: telegram.Bot
) -> None:
    fault = emu.fault("sendMessage", awa, hang=True)
    with pytest.raises(TimedOut):
        await bot.send_message(awa, "hello", read_timeout=0.3)
    fault.clear()
    assert (await bot.send_message(awa, "hello")).text == "hello"


async def test_a_long_poll_waits_its_timeout_beyond_the_read_timeout(
    emu: Emulator, make: Make
) -> None:
    bot = await _bot(emu, make(connection_pool_size=1, read_timeout=0.2))
    try:
        started = asyncio.get_running_loop().time()
        assert await bot.get_updates(timeout=1) == ()
        assert asyncio.get_running_loop().time() - started >= 0.9
    finally:
        await bot.shutdown()


async def test_the_pool_is_bounded_and_its_timeout_is_the_pool_one(
    emu: Emulator, awa: int, make: Make
) -> None:
    bot = await _bot(emu, make(connection_pool_size=1, pool_timeout=0.2))
    try:
        hold = emu.hold("sendMessage", awa)
        first = asyncio.create_task(bot.send_message(awa, "one"))
        await hold.wait()
        with pytest.raises(TimedOut) as waited:
            await bot.send_message(awa, "two")
        assert waited.value.message == POOL_TIMEOUT_MESSAGE
        assert [m.text for m in emu.bot_messages(awa)] == ["one"]  # "two" was never sent
        hold.release()
        assert (await first).text == "one"
        many = await asyncio.gather(*(bot.send_message(awa, str(n)) for n in range(5)))
        assert [m.text for m in many] == ["0", "1", "2", "3", "4"]
    finally:
        await bot.shutdown()


async def test_an_unreachable_api_is_a_network_error(make: Make) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = make(connection_pool_size=1)
    bot = telegram.Bot("1:" + "a" * 30, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as failed:
            await bot.get_me()
        assert not isinstance(failed.value, TimedOut)
        assert "ConnectError" in failed.value.message or "Connect" in failed.value.message
    finally:
        await request.shutdown()


async def test_it_must_be_initialized_and_can_be_again_after_shutdown(emu: Emulator) -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{emu.api_url}{emu.token}/getMe", "POST")
    for _ in range(2):
        await request.initialize()
        status, body = await request.do_request(f"{emu.api_url}{emu.token}/getMe", "POST")
        assert status == 200 and b'"ok":true' in body.replace(b" ", b"")
        await request.shutdown()
    with pytest.raises(ValueError):
        AiohttpRequest(connection_pool_size=0)


async def test_a_hanging_upload_times_out_too(emu: Emulator, awa: int, bot: telegram.Bot) -> None:
    fault = emu.fault("sendDocument", awa, hang=True)
    with pytest.raises(TimedOut):
        await bot.send_document(awa, InputFile(b"x" * 300_000, filename="c.csv"), read_timeout=0.3)
    fault.clear()
    sent = await bot.send_document(awa, InputFile(b"y", filename="d.csv"))
    assert sent.document is not None and sent.document.file_name == "d.csv"


def test_form_fields_are_encoded_as_urlencode_encodes_them() -> None:
    texts = [
        "",
        "plain",
        "".join(chr(c) for c in range(128)),
        "<b>Ta motivation ?</b>\nÀ bientôt — 🙂 ç ß 日本",
        '{"inline_keyboard": [[{"text": "Oui", "callback_data": "ob:3:1"}]]}',
        "a+b=c&d%e f~g.h-i_j",
    ]
    for text in texts:
        fields = {"text": text, "chat_id": "42", text or "k": "v"}
        assert urlencoded(fields) == urlencode(fields).encode()


def test_a_request_body_is_what_ptb_json_parameters_make_urlencoded() -> None:
    keyboard = {"inline_keyboard": [[{"text": "Sí ✓", "callback_data": "x:1"}]]}
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("text", "Hola & adiós"),
            RequestParameter.from_input("show_alert", False),
            RequestParameter.from_input("reply_markup", keyboard),
            RequestParameter.from_input("caption", None),
        ]
    )
    body = _body(data)
    assert isinstance(body, FormBody)
    assert body._value == urlencode(data.json_parameters).encode()
    assert _body(RequestData([])) is None


async def test_a_raw_call_is_the_request_ptb_makes_and_raises_its_errors(
    emu: Emulator, awa: int
) -> None:
    bot = await _bot(emu, AiohttpRequest())
    try:
        keyboard = {"inline_keyboard": [[{"text": "Oui ✓", "callback_data": "x:1"}]]}
        parameters: dict[str, object] = {
            "chat_id": awa,
            "text": "<b>Prête ?</b> & plus",
            "parse_mode": "HTML",
            "reply_markup": keyboard,
            "disable_notification": None,
        }
        allow_raw_requests()
        before = len(emu.requests)
        ours = await post_raw(bot, "send_message", parameters)
        theirs = await bot.do_api_request("send_message", parameters, return_type=None)
        (method_a, sent_a), (method_b, sent_b) = emu.requests[before:]
        assert method_a == method_b == "sendMessage" and sent_a == sent_b
        assert ours["text"] == theirs["text"] == "Prête ? & plus"
        with pytest.raises(BadRequest):
            await post_raw(
                bot, "edit_message_text", {"chat_id": awa, "message_id": 10**6, "text": "x"}
            )
        with pytest.raises(Forbidden):
            await post_raw(bot, "send_message", {"chat_id": emu.add_user("Never"), "text": "x"})
    finally:
        await bot.shutdown()
