"""A bare python-telegram-bot bot that broadcasts with AIORateLimiter: the broadcast baseline.

It answers every text and button like benchmarks/baseline_bot.py and, when anyone sends
/broadcast, sends PASSERELLE_BROADCAST_TEXT to every user id listed (one per line) in the file
PASSERELLE_BROADCAST_IDS, eight at a time: PTB's AIORateLimiter spaces the sends (30 a second
overall) and retries them on a 429 (up to 5 times, then gives up on that one). No storage: a
restart would start again from the top.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CommandHandler, ContextTypes

from benchmarks.baseline_bot import application

TASKS: set[asyncio.Task[None]] = set()
SENDERS = 8  # sends in flight at once, as many as Passerelle's broadcast workers


async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends the announcement to everyone in the list, as fast as the rate limiter allows."""
    waiting = iter(context.bot_data["ids"])
    text = context.bot_data["text"]

    async def sender() -> None:
        for uid in waiting:
            with contextlib.suppress(TelegramError):  # given up after AIORateLimiter's retries
                await context.bot.send_message(uid, text)

    async def everyone() -> None:
        await asyncio.gather(*(sender() for _ in range(SENDERS)))

    task = asyncio.create_task(everyone())
    TASKS.add(task)
    task.add_done_callback(TASKS.discard)
    raise ApplicationHandlerStop  # not also answered as a question


def main() -> None:
    """Answers everyone, and broadcasts on /broadcast, until stopped."""
    app = application()
    app.bot_data["ids"] = [
        int(n) for n in Path(os.environ["PASSERELLE_BROADCAST_IDS"]).read_text().split()
    ]
    app.bot_data["text"] = os.environ["PASSERELLE_BROADCAST_TEXT"]
    app.add_handler(CommandHandler("broadcast", broadcast), group=-1)
    app.run_polling(allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    main()
