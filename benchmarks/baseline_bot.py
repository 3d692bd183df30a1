"""A bare python-telegram-bot bot (stock run_polling, no storage): the latency baseline.

It answers every text and every button with one HTML message carrying two buttons, which is
what each questionnaire step costs Passerelle in Bot API calls, minus the durable storage.
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Yes", callback_data="b:yes"),
            InlineKeyboardButton("No", callback_data="b:no"),
        ]
    ]
)


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers any text with a question and two buttons."""
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        "<b>Next question</b>",
        parse_mode=ParseMode.HTML,
        reply_markup=KEYBOARD,
    )


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a button press, then asks the next question."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await reply(update, context)


def application() -> Application:  # type: ignore[type-arg]
    """The bot, polling the Bot API at PASSERELLE_API_URL with PASSERELLE_TOKEN."""
    app = (
        Application.builder()
        .token(os.environ["PASSERELLE_TOKEN"])
        .base_url(os.environ["PASSERELLE_API_URL"])
        .concurrent_updates(True)
        .rate_limiter(AIORateLimiter(max_retries=5))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, reply))
    app.add_handler(CallbackQueryHandler(press))
    return app


def main() -> None:
    """Answers everyone until stopped."""
    application().run_polling(allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    main()
