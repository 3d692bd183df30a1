"""The sender follows Telegram's error rules: 429 waits, 403 marks unreachable, 400 not fatal."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.emulator import Emulator
from bot.runtime.replies import (
    DOCUMENT,
    PHOTO,
    Button,
    Edit,
    EditButtons,
    Send,
    SendDocument,
    SendMedia,
    Toast,
    link_button,
)
from handlers.limits import RateLimiter
from handlers.sender import Sender, Sent
from tests.emulator.test_settings_files import PNG


@pytest.fixture
async def slow_emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(rate_limit_per_second=2)
    await emulator.start()
    yield emulator
    await emulator.stop()


async def _bot(emu: Emulator) -> Bot:
    bot = Bot(emu.token, base_url=emu.api_url)
    await bot.initialize()
    return bot


async def _reachable(user_id: int) -> None:
    raise AssertionError("nobody is unreachable here")


async def test_429_waits_retry_after_and_delivers(slow_emu: Emulator) -> None:
    uid = slow_emu.add_user("Awa")
    await slow_emu.send_text(uid, "hi")
    unreachable: list[int] = []

    async def mark(user_id: int) -> None:
        unreachable.append(user_id)

    bot = await _bot(slow_emu)
    try:
        sender = Sender(bot, mark, RateLimiter(limit=100))
        results = await sender.deliver([Send(uid, f"message {i}") for i in range(4)])
    finally:
        await bot.shutdown()
    assert all(result is not None for result in results)
    assert [m.text for m in slow_emu.bot_messages(uid)] == [f"message {i}" for i in range(4)]
    assert any(code == 429 for _, code, _ in slow_emu.errors)
    assert unreachable == []


async def test_403_marks_the_person_unreachable_and_goes_on(emu: Emulator) -> None:
    blocked, other = emu.add_user("Awa"), emu.add_user("Ana")
    for uid in (blocked, other):
        await emu.send_text(uid, "hi")
    emu.block(blocked)
    unreachable: list[int] = []

    async def mark(user_id: int) -> None:
        unreachable.append(user_id)

    bot = await _bot(emu)
    try:
        results = await Sender(bot, mark).deliver([Send(blocked, "a"), Send(other, "b")])
    finally:
        await bot.shutdown()
    assert results[0] is None and results[1] is not None
    assert unreachable == [blocked]


async def test_not_modified_and_other_400s_are_not_fatal(emu: Emulator) -> None:
    uid = emu.add_user("Awa")
    await emu.send_text(uid, "hi")
    bot = await _bot(emu)
    try:
        sender = Sender(bot, _reachable)
        keyboard = ((Button("Yes", "x:1"),),)
        sent = await sender.deliver_one(Send(uid, "<b>Question</b>", keyboard))
        assert sent is not None
        same = await sender.deliver_one(Edit(uid, sent.message_id, "<b>Question</b>", keyboard))
        broken = await sender.deliver_one(Send(uid, "<b>unclosed"))
        await sender.answer("no-such-query", Toast("late"))
    finally:
        await bot.shutdown()
    assert same is None and broken is None
    descriptions = [description for _, _, description in emu.errors]
    assert any("message is not modified" in d for d in descriptions)
    assert any("can't parse entities" in d for d in descriptions)
    assert [m.text for m in emu.bot_messages(uid)] == ["Question"]


async def test_buttons_come_off_and_a_vanished_message_is_no_error(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    uid = emu.add_user("Awa")
    await emu.send_text(uid, "hi")
    bot = await _bot(emu)
    try:
        sender = Sender(bot, _reachable)
        sent = await sender.deliver_one(Send(uid, "Question", ((Button("Yes", "x:1"),),)))
        assert sent is not None
        bare = await sender.deliver_one(EditButtons(uid, sent.message_id))
        again = await sender.deliver_one(EditButtons(uid, sent.message_id))
        missing = await sender.deliver_one(Edit(uid, 999, "✓ Yes"))
        no_buttons = await sender.deliver_one(EditButtons(uid, 998))
    finally:
        await bot.shutdown()
    assert bare is not None and again is None and missing is None and no_buttons is None
    assert [(m.text, m.buttons) for m in emu.bot_messages(uid)] == [("Question", [])]
    assert any("message to edit not found" in d for _, _, d in emu.errors)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_a_photo_or_document_is_sent_again_by_file_id_a_long_caption_after_it(
    emu: Emulator,
) -> None:
    nadia, awa = emu.add_user("Nadia"), emu.add_user("Awa")
    await emu.send_text(awa, "hi")
    photo = (await emu.send_photo(nadia, PNG, "poster")).photo_file_id
    document = (await emu.send_document(nadia, "plan.pdf", b"%PDF-1.4")).document
    assert photo is not None and document is not None

    async def mark(user_id: int) -> None:
        raise AssertionError("nobody is unreachable here")

    keyboard = ((Button("Going", "x:1"),),)
    bot = await _bot(emu)
    try:
        sender = Sender(bot, mark)
        await sender.deliver([SendMedia(awa, PHOTO, photo, "<b>Round table</b>", keyboard)])
        await sender.deliver([SendMedia(awa, DOCUMENT, document.file_id, "x" * 1500, keyboard)])
    finally:
        await bot.shutdown()
    first, second, third = emu.bot_messages(awa)
    assert first.photo_file_id == photo and first.text == "Round table"
    assert first.entities == [{"type": "bold", "offset": 0, "length": 11}]
    assert first.buttons == [["Going"]]
    assert second.document is not None and second.document.filename == "plan.pdf"
    assert second.text == "" and second.buttons == [], "a caption over 1,024 follows as text"
    assert third.text == "x" * 1500 and third.buttons == [["Going"]]


async def test_each_reply_yields_the_ids_of_the_message_it_made_or_edited(emu: Emulator) -> None:
    uid = emu.add_user("Awa")
    await emu.send_text(uid, "hi")
    keyboard = ((Button("Yes", "x:1"), link_button("Her chat", "tg://user?id=5")),)
    bot = await _bot(emu)
    try:
        sender = Sender(bot, _reachable)
        sent = await sender.deliver_one(Send(uid, "<i>Question</i>", keyboard))
        assert sent is not None
        edited = await sender.deliver_one(Edit(uid, sent.message_id, "Answered", keyboard[:0]))
        report = await sender.deliver_one(SendDocument(uid, "report.csv", b"a,b\n", "<b>CSV</b>"))
    finally:
        await bot.shutdown()
    question, document = emu.bot_messages(uid)
    assert sent == Sent(uid, question.message_id)
    assert edited == Sent(uid, question.message_id)
    assert report == Sent(uid, document.message_id)
    assert (question.text, question.buttons, question.edited) == ("Answered", [], True)
    assert document.document is not None and document.document.filename == "report.csv"
    assert document.text == "CSV" and document.entities[0]["type"] == "bold"


async def test_buttons_reach_telegram_as_they_were_built(emu: Emulator) -> None:
    uid = emu.add_user("Awa")
    await emu.send_text(uid, "hi")
    keyboard = (
        (Button("Yes", "x:1"), Button("No", "x:0")),
        (link_button("Program site", "https://example.org/p"),),
    )
    bot = await _bot(emu)
    try:
        await Sender(bot, _reachable).deliver([Send(uid, "Question", keyboard)])
    finally:
        await bot.shutdown()
    (question,) = emu.bot_messages(uid)
    assert question.reply_markup == {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "x:1"}, {"text": "No", "callback_data": "x:0"}],
            [{"text": "Program site", "url": "https://example.org/p"}],
        ]
    }


async def test_a_press_is_answered_with_its_toast_and_an_expired_one_is_no_error(
    emu: Emulator,
) -> None:
    uid = emu.add_user("Awa")
    await emu.send_text(uid, "hi")
    bot = await _bot(emu)
    try:
        sender = Sender(bot, _reachable, RateLimiter(limit=100))
        [sent] = await sender.deliver([Send(uid, "Sure?", ((Button("Yes", "y"),),))])
        assert sent is not None
        alert = emu.state.new_query(uid, sent.message_id, "y")
        await sender.answer(alert.id, Toast("Saved", alert=True))
        plain = emu.state.new_query(uid, sent.message_id, "y")
        await sender.answer(plain.id, None)
        await sender.answer(plain.id, Toast("twice"))  # answered already: logged, not raised
    finally:
        await bot.shutdown()
    assert alert.result is not None and plain.result is not None
    assert (alert.result.text, alert.result.show_alert) == ("Saved", True)
    assert (plain.result.text, plain.result.show_alert, plain.result.answered) == (
        None,
        False,
        True,
    )
