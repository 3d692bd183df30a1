"""The passerelle command: run (the bot) and playground (emulator, bot and web chat)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import textwrap

from bot.runtime.db import DatabaseUnavailable
from bot.runtime.settings import Settings, SettingsError, load_settings

log = logging.getLogger("passerelle")

DESCRIPTION = "Passerelle, the Telegram bot of an international mentoring program."
EPILOG = """\
configuration:
  Environment variables, also read from a .env file in the working folder
  (.env.example documents each); an invalid value stops the program at start
  with a message naming the variable.

  PASSERELLE_TOKEN             the bot token from @BotFather (required for run)
  PASSERELLE_API_URL           Bot API base URL (default https://api.telegram.org/bot)
  PASSERELLE_DB                SQLite database file (default passerelle.db)
  PASSERELLE_ADMINS            comma-separated Telegram user ids of the staff admins
  PASSERELLE_DEFAULT_LANGUAGE  en, fr or es (default en)
  PASSERELLE_TIMEZONE          time zone of dates shown to staff (default America/Toronto)
  PASSERELLE_POLL_TIMEOUT      long-polling timeout in seconds (default 25)
  PASSERELLE_REMINDERS         meeting and event reminder lead times (default 24h,1h)
  PASSERELLE_MEETING_URL       video link template with {code}

examples:
  passerelle playground            try the bot offline in a web chat
  passerelle -v run                run the bot, logging at DEBUG level
"""

# PTB logs every request and response body at DEBUG (what people type included), httpx
# every request URL at INFO: only --debug-http lets them through.
HTTP_LOGGERS = ("telegram", "httpx", "httpcore")
RETRY_FIRST, RETRY_LONGEST = 0.5, 30.0  # seconds between attempts to reach the Bot API


class RedactSecrets(logging.Filter):
    """Replaces the bot token (and so the bot's URL path) in everything a handler writes."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def add(self, token: str) -> None:
        """Hides a token and, on its own, its secret part (what follows the bot id)."""
        if token:
            self.secrets.append(token)
        secret = token.partition(":")[2]
        if len(secret) >= 16:  # short ones (test tokens) would hide ordinary words
            self.secrets.append(secret)

    def redact(self, text: str) -> str:
        """The text with every secret replaced by a placeholder."""
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrites the record's message, traceback and stack in place; never drops it."""
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it as logging does
            return True
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _logging(verbose: bool, debug_http: bool) -> RedactSecrets:
    logging.basicConfig(
        stream=sys.stdout,
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    redact = RedactSecrets()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    for name in HTTP_LOGGERS:
        quiet = logging.INFO if name == "telegram" else logging.WARNING
        logging.getLogger(name).setLevel(logging.DEBUG if debug_http else quiet)
    for noisy in ("apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)  # DEBUG: every statement's values
    return redact


async def _stopped(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _until_stopped(work: asyncio.Future[object], stop: asyncio.Event) -> bool:
    """Waits for `work` unless `stop` comes first (then cancels it); True if it finished."""
    stopping: asyncio.Future[object] = asyncio.ensure_future(stop.wait())
    waits: set[asyncio.Future[object]] = {work, stopping}
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if work.done():
        work.result()
        return True
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    return False


async def _reach_api(settings: Settings, stop: asyncio.Event) -> bool:
    """Asks getMe until the Bot API answers, backing off; False if stopped first.

    A bot restarted during a network outage comes back by itself; the outage is logged once.
    Raises InvalidToken if the token is rejected.
    """
    from telegram import Bot
    from telegram.error import NetworkError

    from handlers.app import file_url

    delay, told = RETRY_FIRST, False
    bot = Bot(settings.token, base_url=settings.api_url, base_file_url=file_url(settings.api_url))
    try:
        while True:
            try:
                if not await _until_stopped(asyncio.ensure_future(bot.initialize()), stop):
                    return False
            except NetworkError as error:  # TimedOut included
                if not told:
                    log.warning(
                        "cannot reach the Bot API at %s (%s); retrying until it answers",
                        settings.api_url,
                        error,
                    )
                    told = True
                if await _stopped(stop, delay):
                    return False
                delay = min(delay * 2, RETRY_LONGEST)
                continue
            if told:
                log.info("the Bot API at %s answers", settings.api_url)
            return True
    finally:
        await bot.shutdown()


async def _run(redact: RedactSecrets) -> int:
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.core import build_core
    from handlers.app import serve

    settings = load_settings()
    if not settings.token:
        print("passerelle: PASSERELLE_TOKEN is not set", file=sys.stderr)
        return 1
    redact.add(settings.token)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        core = await build_core(settings)
    except DatabaseUnavailable as error:
        print(f"passerelle: {error} (PASSERELLE_DB)", file=sys.stderr)
        return 1
    try:
        while await _reach_api(settings, stop):
            try:
                await serve(core, stop)
            except NetworkError:  # the API went away again before polling started
                continue
            break
    except InvalidToken:
        print(
            "passerelle: the Bot API rejected PASSERELLE_TOKEN (401 Unauthorized)", file=sys.stderr
        )
        return 1
    except TelegramError as error:
        reason = redact.redact(str(error))
        print(f"passerelle: the Bot API at {settings.api_url} failed: {reason}", file=sys.stderr)
        return 1
    finally:
        await core.close()
    return 0


def _logging_options(parser: argparse.ArgumentParser, default: object) -> None:
    """-v and --debug-http, accepted before or after the command (`-v run`, `run -v`)."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="log at DEBUG level (never the token, nor what people type)",
    )
    parser.add_argument(
        "--debug-http",
        action="store_true",
        default=default,
        help="also log every Bot API request and response, what people type included"
        " (the token stays hidden)",
    )


def parser() -> argparse.ArgumentParser:
    """The command line: passerelle [-v] {run,playground} [options]."""
    formatter = argparse.RawDescriptionHelpFormatter
    main = argparse.ArgumentParser(
        prog="passerelle", description=DESCRIPTION, epilog=EPILOG, formatter_class=formatter
    )
    _logging_options(main, False)
    commands = main.add_subparsers(dest="command", required=True, metavar="command")
    run = commands.add_parser(
        "run",
        help="run the bot with long polling against PASSERELLE_API_URL",
        description=textwrap.fill(
            "Runs the bot with long polling against the Bot API at PASSERELLE_API_URL until"
            " Ctrl-C or SIGTERM. While the Bot API cannot be reached, it retries."
        ),
        epilog=EPILOG,
        formatter_class=formatter,
    )
    _logging_options(run, argparse.SUPPRESS)
    play = commands.add_parser(
        "playground",
        help="try the bot offline in a local web chat",
        description=textwrap.fill(
            "Serves a local Telegram Bot API emulator, the real bot and a web chat page where"
            " you talk to the bot as demo personas; no account, token or network needed."
        ),
        epilog=EPILOG,
        formatter_class=formatter,
    )
    _logging_options(play, argparse.SUPPRESS)
    play.add_argument("--port", type=int, default=8080, help="web page port (default 8080)")
    play.add_argument("--host", default="127.0.0.1", help="address to listen on")
    play.add_argument("--db", default=None, help="database file (default: a fresh temporary one)")
    play.add_argument(
        "--emulator-only",
        action="store_true",
        help="serve the emulator and the page but no bot; prints the token and API URL for"
        " a bot you start yourself with passerelle run",
    )
    return main


def main(argv: list[str] | None = None) -> int:
    """Entry point of the passerelle console script."""
    args = parser().parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta
    redact = _logging(args.verbose, args.debug_http)
    try:
        if args.command == "run":
            return asyncio.run(_run(redact))
        from bot.playground import run_playground

        return asyncio.run(run_playground(args))
    except SettingsError as error:
        print(f"passerelle: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
