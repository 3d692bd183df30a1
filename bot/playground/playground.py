"""The playground: the Bot API emulator, the real bot pointed at it, and demo personas."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core import Core, build_core
from bot.emulator import Emulator
from bot.meetings.slots import Rules
from bot.playground.routes import PlayRoutes
from bot.runtime.i18n import Catalogs
from bot.runtime.people import Who
from bot.runtime.settings import LANGUAGES, load_settings
from bot.staff.service import ADMIN

log = logging.getLogger(__name__)

READY_TIMEOUT = 15.0


@dataclass(frozen=True)
class Preset:
    """A demo persona: who she is and where she lives."""

    first_name: str
    language: str
    staff: bool
    zone: str
    label: str


PRESETS: tuple[Preset, ...] = (
    Preset("Nadia", "en", True, "America/Toronto", "Program staff (admin)"),
    Preset("Chloé", "fr", False, "America/Toronto", "Canadian mentor"),
    Preset("Awa", "fr", False, "Africa/Dakar", "Senegalese entrepreneur"),
    Preset("Lucía", "es", False, "America/La_Paz", "Bolivian entrepreneur"),
)


@dataclass
class Persona:
    """What the playground knows about one emulated person beyond Telegram's view."""

    user_id: int
    staff: bool
    zone: str | None
    label: str


def username_for(first_name: str, taken: set[str]) -> str:
    """A Telegram-like @username derived from a first name, unique among `taken`."""
    ascii_name = unicodedata.normalize("NFKD", first_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_]", "", ascii_name.lower().replace(" ", "_"))[:24]
    if not slug or not slug[0].isalpha():
        slug = "user" + slug
    base = slug if len(slug) >= 5 else f"{slug}_demo"
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base}{n}", n + 1
    return name


def delete_database(path: Path) -> None:
    """Deletes an SQLite database file and its journal files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class Playground:
    """Runs the emulator and the bot together; personas and reset for the web page."""

    def __init__(
        self,
        db: Path | None = None,
        reminders: str | None = None,
        books: Catalogs | None = None,
        emulator_only: bool = False,
    ) -> None:
        self.reminders = reminders
        self.emulator_only = emulator_only  # no bot of its own: one runs separately
        self.books = books
        self._tmpdir: str | None = None
        if db is None:
            self._tmpdir = tempfile.mkdtemp(prefix="passerelle-playground-")
            db = Path(self._tmpdir) / "passerelle.db"
        self.db_path = db
        self.emu = Emulator()
        self.personas: dict[int, Persona] = {}
        self.core: Core | None = None
        self.died = asyncio.Event()
        self._stop_bot: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        PlayRoutes(self).register(self.emu.app)

    @property
    def url(self) -> str:
        """The address of the web page."""
        host = self.emu.host if self.emu.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return f"http://{host}:{self.emu.port}"

    @property
    def reminder_label(self) -> str:
        """The meeting reminder lead times the bot uses, as typed (e.g. `60s, 20s`)."""
        if self.reminders:
            return ", ".join(p.strip() for p in self.reminders.split(",") if p.strip())
        return "24h, 1h"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Starts serving (OSError if the port is taken), then starts the bot."""
        await self.listen(host, port)
        await self.start_bot()

    async def listen(self, host: str, port: int) -> None:
        """Serves the Bot API, `/_emu/` and the page; OSError if the port is taken."""
        await self.emu.start(host, port)

    async def start_bot(self) -> None:
        """Starts the bot against the emulator and waits until it polls."""
        await self._start_bot()

    async def stop(self) -> None:
        """Stops the bot, then the emulator, and deletes a temporary database."""
        await self._stop_bot_now()
        await self.emu.stop()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    async def _start_bot(self) -> None:
        from handlers.app import serve

        overrides: dict[str, Any] = {
            "_env_file": None,
            "token": self.emu.token,
            "api_url": self.emu.api_url,
            "db": self.db_path,
            "admins": (),
        }
        if self.reminders:
            overrides["reminders"] = self.reminders
        settings = load_settings(**overrides)
        # A demo's reminders: meetings may start within minutes, so they come in a minute or two.
        rules = Rules.demo(settings.reminders) if self.reminders else None
        core = await build_core(settings, books=self.books, rules=rules)
        self.core = core
        before = self._polls()
        stop = asyncio.Event()
        task = asyncio.create_task(serve(core, stop), name="passerelle-bot")
        self._stop_bot, self._task = stop, task
        task.add_done_callback(self._bot_ended)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT
        while self._polls() == before:
            if task.done():
                task.result()
                raise RuntimeError("the bot stopped before it started polling")
            if loop.time() > deadline:
                raise RuntimeError("the bot did not start polling the emulator in time")
            await asyncio.sleep(0.02)

    def _polls(self) -> int:
        return sum(1 for method, _ in self.emu.requests if method.lower() == "getupdates")

    def _bot_ended(self, task: asyncio.Task[None]) -> None:
        if self._task is task and not (self._stop_bot and self._stop_bot.is_set()):
            if not task.cancelled() and task.exception() is not None:
                log.error("the bot stopped", exc_info=task.exception())
            self.died.set()

    async def _stop_bot_now(self) -> None:
        task, stop = self._task, self._stop_bot
        if task is not None and stop is not None:
            stop.set()
            try:
                await asyncio.wait_for(asyncio.shield(task), 10)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            except Exception:
                log.exception("the bot failed while stopping")
        self._task = self._stop_bot = None
        if self.core is not None:
            await self.core.close()
            self.core = None

    async def reset(self, presets: bool = False) -> None:
        """Starts over: stops the bot, deletes the database and every persona, restarts."""
        async with self._lock:
            await self._stop_bot_now()
            delete_database(self.db_path)
            self.emu.reset()
            self.personas.clear()
            if not self.emulator_only:
                await self._start_bot()
        if presets:
            await self.add_presets()

    async def add_presets(self) -> list[Persona]:
        """Creates the four demo personas."""
        return [
            await self.add_persona(p.first_name, p.language, p.staff, p.zone, p.label)
            for p in PRESETS
        ]

    async def add_persona(
        self,
        first_name: str,
        language: str,
        staff: bool,
        zone: str | None = None,
        label: str = "",
    ) -> Persona:
        """Creates a person in the emulator; a staff persona becomes an admin of the bot."""
        first_name = first_name.strip()
        if not 1 <= len(first_name) <= 64:
            raise ValueError("first_name must have 1 to 64 characters")
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ValueError, ZoneInfoNotFoundError):
                raise ValueError(f"unknown time zone {zone!r}") from None
        async with self._lock:
            taken = {u.username.lower() for u in self.emu.state.users.values() if u.username}
            username = username_for(first_name, taken)
            uid = self.emu.add_user(first_name, language_code=language, username=username)
            persona = Persona(uid, staff, zone, label or ("Program staff" if staff else ""))
            self.personas[uid] = persona
            if staff and not self.emulator_only:
                await self._make_admin(uid, first_name, username, language)
        return persona

    async def _make_admin(self, uid: int, first_name: str, username: str, language: str) -> None:
        from telegram import Bot

        from handlers.menu import set_for_person

        core = self.core
        assert core is not None
        self.emu.user(uid).started = True  # a staff member has opened the bot's chat before
        await core.people.touch(Who(uid, first_name, None, username, language), keep_names=True)
        await core.staff.set_role(uid, uid, ADMIN)  # audited as "made admin by herself"
        async with Bot(core.settings.token, base_url=core.settings.api_url) as bot:
            await set_for_person(bot, core, uid, await core.people.language_of(uid))

    async def describe(self) -> list[dict[str, Any]]:
        """Every persona as the page shows her: names, language, staff flag, time zone."""
        described = []
        for user in list(self.emu.state.users.values()):
            persona = self.personas.get(user.id) or Persona(user.id, False, None, "")
            stored = await self.core.people.get(user.id) if self.core else None
            staff = await self.core.staff.is_staff(user.id) if self.core else persona.staff
            chat = self.emu.state.chats.get(user.id)
            messages = list(chat.messages.values()) if chat else []
            described.append(
                {
                    "id": user.id,
                    "first_name": user.first_name,
                    "username": user.username,
                    "language": stored.language if stored else user.language_code,
                    "staff": staff,
                    "label": persona.label,
                    "zone": (stored.timezone if stored else None) or persona.zone,
                    "zone_from_bot": bool(stored and stored.timezone),
                    "last_version": max((m.version for m in messages), default=0),
                    "bot_messages": sum(1 for m in messages if m.from_bot and not m.deleted),
                }
            )
        return described
