"""The passerelle command: run the bot, back up its database, or try it in the playground."""

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
  PASSERELLE_PRIVACY_CONTACT   the privacy officer, shown by /privacy (name and e-mail)
  PASSERELLE_RETENTION_APPLICANTS    erase applications never paired after (default 730d)
  PASSERELLE_RETENTION_PARTICIPANTS  erase participants after their pairing (default 365d)
  PASSERELLE_CHECKIN_DAYS      check-ins every N days unless a cohort sets its own (14)
  PASSERELLE_CHECKIN_HOUR      at this hour of each participant's local time (10)
  PASSERELLE_WEBHOOK_URL       run --webhook: the public https:// URL Telegram calls
  PASSERELLE_WEBHOOK_LISTEN    run --webhook: local host:port (default 127.0.0.1:8081)
  PASSERELLE_WEBHOOK_PATH      run --webhook: local path (default: the public URL's path)
  PASSERELLE_WEBHOOK_SECRET    run --webhook: secret Telegram sends (default: new each start)

examples:
  passerelle playground            try the bot offline in a web chat
  passerelle -v run                run the bot, logging at DEBUG level
  passerelle run --webhook         run the bot behind a reverse proxy (webhook)
  passerelle backup copy.db        copy the live database consistently
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
    from handlers.request import AiohttpRequest

    delay, told = RETRY_FIRST, False
    # The bot's own request class: PTB's default builds two httpx clients, and their TLS
    # contexts cost 0.18 s of CPU at every start.
    bot = Bot(
        settings.token,
        base_url=settings.api_url,
        base_file_url=file_url(settings.api_url),
        request=AiohttpRequest(connection_pool_size=1),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )
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


async def _run(redact: RedactSecrets, webhook: bool = False) -> int:
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.core import build_core
    from handlers.app import serve

    refused: tuple[type[Exception], ...] = ()  # the webhook's address cannot be listened on
    if webhook:
        from handlers.webhook import ListenError

        refused = (ListenError,)
    settings = load_settings()
    if not settings.token:
        print("passerelle: PASSERELLE_TOKEN is not set", file=sys.stderr)
        return 1
    if webhook and not settings.webhook_url:
        print("passerelle: --webhook needs PASSERELLE_WEBHOOK_URL", file=sys.stderr)
        return 1
    redact.add(settings.token)
    redact.add(settings.webhook_secret)
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
                await serve(core, stop, webhook=webhook)
            except NetworkError:  # the API went away again before polling started
                continue
            break
    except refused as error:
        print(f"passerelle: {error} (PASSERELLE_WEBHOOK_LISTEN)", file=sys.stderr)
        return 1
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


def _backup(file: str) -> int:
    """Writes a consistent copy of the live database to `file`."""
    from pathlib import Path

    from bot.runtime.backup import backup

    settings = load_settings()
    try:
        copy = backup(Path(settings.db), Path(file))
    except DatabaseUnavailable as error:
        print(f"passerelle: {error}", file=sys.stderr)
        return 1
    print(
        f"passerelle: wrote a copy of {settings.db} to {copy.path}"
        f" ({copy.size:,} bytes, schema version {copy.schema_version})"
    )
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


def _lead_times(text: str) -> str:
    """Checks --reminders (comma-separated durations) and keeps it as typed."""
    from bot.runtime.settings import parse_duration

    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("give at least one lead time, such as 60s,20s")
    try:
        for part in parts:
            parse_duration(part)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def parser() -> argparse.ArgumentParser:
    """The command line: passerelle [-v] {run,backup,playground} [options]."""
    formatter = argparse.RawDescriptionHelpFormatter
    main = argparse.ArgumentParser(
        prog="passerelle", description=DESCRIPTION, epilog=EPILOG, formatter_class=formatter
    )
    _logging_options(main, False)
    commands = main.add_subparsers(dest="command", required=True, metavar="command")
    run = commands.add_parser(
        "run",
        help="run the bot against PASSERELLE_API_URL (long polling, or --webhook)",
        description=textwrap.fill(
            "Runs the bot with long polling against the Bot API at PASSERELLE_API_URL until"
            " Ctrl-C or SIGTERM; with --webhook, Telegram calls it instead, through a reverse"
            " proxy at PASSERELLE_WEBHOOK_URL. While the Bot API cannot be reached, it retries."
        ),
        epilog=EPILOG,
        formatter_class=formatter,
    )
    _logging_options(run, argparse.SUPPRESS)
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook behind a reverse proxy instead of long polling"
        " (PASSERELLE_WEBHOOK_URL, _LISTEN, _PATH, _SECRET)",
    )
    save = commands.add_parser(
        "backup",
        help="write a consistent copy of the live database to a file",
        description=textwrap.fill(
            "Writes a consistent copy of the database at PASSERELLE_DB to FILE with SQLite's"
            " online backup, also while the bot runs; FILE is replaced only once the copy is"
            " complete and checked. To restore, stop the bot and put the copy in place of"
            " PASSERELLE_DB (removing its -wal and -shm files)."
        ),
        epilog=EPILOG,
        formatter_class=formatter,
    )
    _logging_options(save, argparse.SUPPRESS)
    save.add_argument("file", metavar="FILE", help="where to write the copy")
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
    play.add_argument(
        "--db",
        default=None,
        metavar="FILE",
        help="the bot's database file, kept across runs; the personas and chats are kept"
        " beside it (demo.db: demo.playground.db). Default: a temporary one, forgotten at"
        " the end",
    )
    play.add_argument(
        "--reminders",
        metavar="LEADS",
        type=_lead_times,
        help="meeting reminder lead times for a demo, e.g. 60s,20s (units s, m, h, d): a"
        " meeting may then start on any minute, a minute after the longest lead, so its"
        " reminders come a minute or two after it is booked (default: PASSERELLE_REMINDERS,"
        " with meetings on the hour at least an hour ahead)",
    )
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
            return asyncio.run(_run(redact, args.webhook))
        if args.command == "backup":
            return _backup(args.file)
        from bot.playground import run_playground

        return asyncio.run(run_playground(args))
    except SettingsError as error:
        print(f"passerelle: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
