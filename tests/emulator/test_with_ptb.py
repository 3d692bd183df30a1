"""The real python-telegram-bot talking HTTP to the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import telegram
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.emulator import Emulator


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[telegram.Bot]:
    """A PTB Bot pointed at the emulator."""
    async with telegram.Bot(emu.token, base_url=emu.api_url, base_file_url=emu.file_url) as b:
        yield b


async def test_conversation_with_ptb(emu: Emulator, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.username == "passerelle_bot" and me.is_bot
    uid = emu.add_user("Awa", language_code="fr", username="awa_d")
    await emu.send_text(uid, "/start cohort42")
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.text == "/start cohort42"
    assert update.message.entities[0].type == "bot_command"

    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("✅ Approve", callback_data="r:1:ok")],
            [InlineKeyboardButton("Reject", callback_data="r:1:no")],
        ]
    )
    sent = await bot.send_message(
        uid, "New <b>application</b> from Awa", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "New application from Awa"
    assert emu.bot_messages(uid)[-1].buttons == [["✅ Approve"], ["Reject"]]

    press = asyncio.create_task(emu.press(uid, "approve"))
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=2)
    query = updates[0].callback_query
    assert isinstance(query, CallbackQuery)
    assert query.data == "r:1:ok" and query.message is not None
    assert query.message.message_id == sent.message_id
    await bot.answer_callback_query(query.id, text="Approved")
    result = await press
    assert result.answered and result.text == "Approved"

    edited = await bot.edit_message_text("Approved ✅", chat_id=uid, message_id=sent.message_id)
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None

    doc = await bot.send_document(uid, b"BEGIN:VCALENDAR", filename="meeting.ics")
    assert doc.document is not None and doc.document.file_name == "meeting.ics"
    stored = emu.bot_messages(uid)[-1].document
    assert stored is not None and stored.data == b"BEGIN:VCALENDAR"
    file = await bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"BEGIN:VCALENDAR"


async def test_ptb_sees_telegram_errors(emu: Emulator, bot: telegram.Bot) -> None:
    uid = emu.add_user("Awa")
    await emu.send_text(uid, "hi")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(uid, "a" * 4097)
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "p"'):
        await bot.send_message(uid, "<p>x</p>", parse_mode="HTML")
    emu.block(uid)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(uid, "x")
    emu.unblock(uid)


async def test_ptb_gets_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else PTB 22 warns on every RetryAfter
    emu = Emulator(rate_limit_per_second=2)
    await emu.start()
    try:
        uid = emu.add_user("Awa")
        await emu.send_text(uid, "hi")
        async with telegram.Bot(emu.token, base_url=emu.api_url) as bot:
            await bot.send_message(uid, "1")
            await bot.send_message(uid, "2")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(uid, "3")
        assert caught.value.retry_after == timedelta(seconds=1)
        assert emu.errors[-1] == ("sendMessage", 429, "Too Many Requests: retry after 1")
    finally:
        await emu.stop()


async def test_ptb_application_polls_the_emulator(emu: Emulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Greets and offers a button."""
        assert update.effective_chat is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Continue", callback_data="go")]])
        await context.bot.send_message(update.effective_chat.id, "Welcome!", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answers the press and edits the message."""
        query = update.callback_query
        assert query is not None
        await query.answer("Noted")
        await query.edit_message_text("Thanks")

    app = Application.builder().token(emu.token).base_url(emu.api_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    uid = emu.add_user("Awa", language_code="fr")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5, drop_pending_updates=True)
        await emu.send_text(uid, "/start")
        await emu.wait_for(uid, "welcome")
        mark = emu.mark()
        result = await emu.press(uid, "continue")
        assert result.answered and result.text == "Noted"
        assert (await emu.wait_for(uid, "thanks", since=mark)).edited
        await app.updater.stop()
        await app.stop()
    assert [e for e in emu.errors if e[1] != 409] == []
