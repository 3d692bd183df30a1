"""The `passerelle` command: `run` (the bot) and `playground` (emulator, bot and web chat)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from bot.runtime.settings import SettingsError, load_settings

log = logging.getLogger("passerelle")


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        stream=sys.stdout,
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def _run() -> int:
    from telegram.error import InvalidToken

    from bot.core import build_core
    from handlers.app import serve

    settings = load_settings()
    if not settings.token:
        print("passerelle: PASSERELLE_TOKEN is not set", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    core = await build_core(settings)
    try:
        await serve(core, stop)
    except InvalidToken:
        print(
            "passerelle: the Bot API rejected PASSERELLE_TOKEN (401 Unauthorized)", file=sys.stderr
        )
        return 1
    finally:
        await core.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `passerelle` console script."""
    parser = argparse.ArgumentParser(prog="passerelle", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot (long polling) against PASSERELLE_API_URL")
    run.add_argument("--webhook", action="store_true", help="serve webhooks (not available yet)")
    play = commands.add_parser("playground", help="try the bot in a local web chat, offline")
    play.add_argument("--port", type=int, default=8080, help="web page port (default 8080)")
    play.add_argument("--host", default="127.0.0.1", help="address to listen on")
    play.add_argument("--reminders", default=None, help="meeting reminder lead times, e.g. 60s,20s")
    play.add_argument("--db", default=None, help="database file (default: a fresh temporary one)")
    args = parser.parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta
    _logging(args.verbose)
    try:
        if args.command == "run":
            if args.webhook:
                print(
                    "passerelle: --webhook is not available yet; use long polling", file=sys.stderr
                )
                return 2
            return asyncio.run(_run())
        from bot.playground import run_playground

        return asyncio.run(run_playground(args))
    except SettingsError as error:
        print(f"passerelle: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
