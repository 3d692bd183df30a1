"""`passerelle playground`: the emulator, the real bot and a web chat page, offline."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import signal
import sys
from pathlib import Path

from bot.playground.personas import PRESETS, Persona
from bot.playground.playground import Playground
from bot.runtime.db import DatabaseUnavailable

__all__ = ["PRESETS", "Persona", "Playground", "run_playground"]


async def run_playground(args: argparse.Namespace) -> int:
    """Runs the playground until SIGINT/SIGTERM; returns the exit status."""
    emulator_only = getattr(args, "emulator_only", False)
    if not getattr(args, "verbose", False):
        for name in ("", "telegram"):  # the page is the output; the bot's INFO lines are noise
            logging.getLogger(name).setLevel(logging.WARNING)
    playground = Playground(db=Path(args.db) if args.db else None, emulator_only=emulator_only)
    try:
        await playground.listen(args.host, args.port)
    except DatabaseUnavailable as error:
        await playground.stop()
        print(f"passerelle: cannot keep the playground's chats: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        await playground.stop()
        if error.errno == errno.EADDRINUSE:
            reason = "the port is already in use (choose another with --port)"
        else:
            reason = error.strerror or str(error)
        print(
            f"passerelle: cannot serve the playground on {args.host}:{args.port}: {reason}",
            file=sys.stderr,
        )
        return 1
    try:
        if not emulator_only:
            await playground.start_bot()
    except Exception as error:
        await playground.stop()
        print(f"passerelle: the bot could not start in the playground: {error}", file=sys.stderr)
        return 1
    except BaseException:
        await playground.stop()
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    if emulator_only:
        emu = playground.emu
        print(
            f"Passerelle playground (emulator only): {playground.url} — press Ctrl-C to stop\n"
            f"Run the bot against it: PASSERELLE_TOKEN={emu.token}"
            f" PASSERELLE_API_URL={emu.api_url} passerelle run\n"
            "Staff personas are staff only if that bot's PASSERELLE_ADMINS lists their ids"
            f" ({playground.url}/_emu/users).",
            flush=True,
        )
    else:
        print(f"Passerelle playground: {playground.url} — press Ctrl-C to stop", flush=True)
    try:
        waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(playground.died.wait())}
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()
    finally:
        for sig in signals:
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(sig)
        await playground.stop()
    if playground.died.is_set() and not stop.is_set():
        print("passerelle: the bot stopped unexpectedly; see the log above", file=sys.stderr)
        return 1
    return 0
