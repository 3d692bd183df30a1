"""The playground: the Bot API emulator, the real bot pointed at it, and demo personas."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bot.core import Core, build_core
from bot.emulator import Emulator
from bot.emulator.snapshot import restore, take
from bot.meetings.slots import Rules
from bot.playground.personas import (
    DEMO_COHORT,
    PRESETS,
    Persona,
    Preset,
    checked_zone,
    same_name,
    username_for,
)
from bot.playground.routes import PlayRoutes
from bot.playground.store import Sidecar, sidecar_path
from bot.runtime.i18n import Catalogs
from bot.runtime.people import Who
from bot.runtime.settings import LANGUAGES, load_settings
from bot.staff.service import ADMIN

log = logging.getLogger(__name__)

READY_TIMEOUT = 15.0
READY_WAIT = 10.0  # how long a request that needs the bot waits for it to start
SAVE_DELAY = 0.2  # a burst of changes is saved once
SAVE_IDLE = 60.0
SAVE_RETRY = 5.0


class NotReady(Exception):
    """The bot is not serving yet (or any more): the request can be tried again later."""


def delete_database(path: Path) -> None:
    """Deletes an SQLite database file and its journal files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class Playground:
    """Runs the emulator and the bot together; personas and reset for the web page.

    With a database file (`--db`), the emulator's people, chats and files and the personas
    are kept in a file beside it (see store.py); without one everything is temporary.
    """

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
        self.sidecar = Sidecar(sidecar_path(db)) if db is not None else None
        if db is None:
            self._tmpdir = tempfile.mkdtemp(prefix="passerelle-playground-")
            db = Path(self._tmpdir) / "passerelle.db"
        self.db_path = db
        self.emu = Emulator()
        self.personas: dict[int, Persona] = {}
        self.core: Core | None = None
        self.died = asyncio.Event()
        self.ready_wait = READY_WAIT
        self._ready = asyncio.Event()
        self._stop_bot: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._revision = 0  # counts changes to personas, which the emulator does not see
        self._saved: tuple[object, ...] | None = None
        self._saved_version = 0
        self._saver: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
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
        """Brings back a saved session, then serves the Bot API, `/_emu/` and the page.

        OSError if the port is taken; DatabaseUnavailable if the saved session cannot be used.
        """
        await self._restore()
        await self.emu.start(host, port)
        if self.emulator_only:
            self._ready.set()

    async def start_bot(self) -> None:
        """Starts the bot against the emulator and waits until it polls."""
        await self._start_bot()

    async def stop(self) -> None:
        """Stops the bot, saves the session, stops the emulator, deletes temporary files."""
        await self._stop_bot_now()
        await self._close_sidecar()
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
        self._ready.set()

    def _polls(self) -> int:
        return sum(1 for method, _ in self.emu.requests if method.lower() == "getupdates")

    def _bot_ended(self, task: asyncio.Task[None]) -> None:
        if self._task is task:
            self._ready.clear()
        if self._task is task and not (self._stop_bot and self._stop_bot.is_set()):
            if not task.cancelled() and task.exception() is not None:
                log.error("the bot stopped", exc_info=task.exception())
            self.died.set()

    async def _stop_bot_now(self) -> None:
        self._ready.clear()
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

    async def _when_ready(self) -> None:
        """Waits for the bot to serve, at most `ready_wait` seconds; NotReady after that."""
        if self.emulator_only:
            return
        try:
            await asyncio.wait_for(self._ready.wait(), self.ready_wait)
        except TimeoutError:
            if self.died.is_set():
                raise NotReady("the bot stopped; see the playground's terminal") from None
            raise NotReady("the bot is still starting; try again in a moment") from None

    async def reset(self, presets: bool = False) -> None:
        """Starts over: stops the bot, deletes the database and every persona, restarts."""
        async with self._lock:
            await self._stop_bot_now()
            delete_database(self.db_path)
            self.emu.reset()
            self.personas.clear()
            self._changed()
            if not self.emulator_only:
                await self._start_bot()
        if presets:
            await self.add_presets()

    async def add_presets(self) -> tuple[list[Persona], bool]:
        """The four demo personas, created unless already there; True if any was created.

        A persona with a preset's first name, language and staff flag is that preset.
        """
        await self._when_ready()
        async with self._lock:
            personas, created = [], False
            for preset in PRESETS:
                persona = self._existing(preset)
                if persona is None:
                    persona = await self._create(
                        preset.first_name, preset.language, preset.staff, preset.zone, preset.label
                    )
                    created = True
                personas.append(persona)
            await self._demo_cohort(personas)
        return personas, created

    async def _demo_cohort(self, personas: list[Persona]) -> None:
        """Creates the demo cohort (made by the staff preset) unless it is there."""
        staff = next((p for p in personas if p.staff), None)
        core = self.core
        if core is None or self.emulator_only or staff is None:
            return
        if await core.cohorts.get(DEMO_COHORT.code) is None:
            await core.cohorts.create(staff.user_id, DEMO_COHORT.code, DEMO_COHORT.name)
            await core.cohorts.set_cadence(
                staff.user_id, DEMO_COHORT.code, DEMO_COHORT.cadence_days
            )
            await core.cohorts.set_hour(staff.user_id, DEMO_COHORT.code, DEMO_COHORT.checkin_hour)

    def _existing(self, preset: Preset) -> Persona | None:
        for user in self.emu.state.users.values():
            persona = self._persona(user.id)
            if (
                same_name(user.first_name, preset.first_name)
                and user.language_code == preset.language
                and persona.staff == preset.staff
            ):
                return persona
        return None

    def _persona(self, uid: int) -> Persona:
        """The playground's record of a person (one made through `/_emu/` gets a plain one)."""
        return self.personas.setdefault(uid, Persona(uid, False, None, ""))

    async def add_persona(
        self,
        first_name: str,
        language: str,
        staff: bool,
        zone: str | None = None,
        label: str = "",
    ) -> Persona:
        """Creates a person in the emulator; a staff persona becomes an admin of the bot.

        Waits for the bot (NotReady if it does not come); a persona is made whole or not at all.
        """
        first_name = first_name.strip()
        if not 1 <= len(first_name) <= 64:
            raise ValueError("first_name must have 1 to 64 characters")
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        if zone is not None:
            zone = checked_zone(zone)
        await self._when_ready()
        async with self._lock:
            return await self._create(first_name, language, staff, zone, label)

    async def _create(
        self, first_name: str, language: str, staff: bool, zone: str | None, label: str
    ) -> Persona:
        """Makes one persona, under the lock; on any failure nothing of her is left."""
        admin = staff and not self.emulator_only
        if admin and self.core is None:  # a reset restarting the bot failed meanwhile
            raise NotReady("the bot is not running; see the playground's terminal")
        taken = {u.username.lower() for u in self.emu.state.users.values() if u.username}
        username = username_for(first_name, taken)
        uid = self.emu.add_user(first_name, language_code=language, username=username)
        try:
            if admin:
                await self._make_admin(uid, first_name, username, language)
        except BaseException:
            self.emu.remove_user(uid)
            raise
        persona = Persona(uid, staff, zone, label or ("Program staff" if staff else ""))
        self.personas[uid] = persona
        self._changed()
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

    def mark_read(self, uid: int, message_id: int) -> None:
        """Records that a persona has seen her chat up to a message (KeyError: no such person)."""
        chat = self.emu.state.chats[uid]
        newest = max(chat.messages, default=0)
        persona = self._persona(uid)
        read = max(persona.read, min(message_id, newest))
        if read != persona.read:
            persona.read = read
            self._changed()

    async def describe(self) -> list[dict[str, Any]]:
        """Every persona as the page shows her: names, language, staff, time zone, unread."""
        described = []
        for user in list(self.emu.state.users.values()):
            persona = self._persona(user.id)
            stored = await self.core.people.get(user.id) if self.core else None
            staff = await self.core.staff.is_staff(user.id) if self.core else persona.staff
            chat = self.emu.state.chats.get(user.id)
            messages = list(chat.messages.values()) if chat else []
            bot_zone = (stored and stored.timezone) or (self.core and self.core.settings.timezone)
            described.append(
                {
                    "id": user.id,
                    "first_name": user.first_name,
                    "username": user.username,
                    "language": stored.language if stored else user.language_code,
                    "staff": staff,
                    "label": persona.label,
                    "zone": persona.zone,  # her phone's; None: the page's own
                    "bot_zone": bot_zone or None,  # where the bot shows her dates
                    "started": user.started,
                    "last_version": max((m.version for m in messages), default=0),
                    "read": persona.read,
                    "unread": sum(
                        1
                        for m in messages
                        if m.from_bot and not m.deleted and m.message_id > persona.read
                    ),
                }
            )
        return described

    def _changed(self) -> None:
        """Notes a change to the personas, to be saved with the emulator's state."""
        self._revision += 1
        self.emu.state.changed.notify()

    async def _restore(self) -> None:
        """Brings back the session saved beside the database, then keeps saving it."""
        if self.sidecar is None:
            return
        if not self.emulator_only and not self.db_path.exists():
            delete_database(self.sidecar.path)  # a new bot database: nobody there knows them
        saved = await self.sidecar.open()
        if saved is not None:
            restore(self.emu, saved.users, saved.messages, saved.files, saved.settings)
            self.personas = {
                p.user_id: p for p in saved.personas if p.user_id in self.emu.state.users
            }
        self._saved, self._saved_version = self._signature(), self.emu.state.version
        self._saver = asyncio.create_task(self._keep_saving(), name="playground-saver")

    def _signature(self) -> tuple[object, ...]:
        """Changes whenever something worth saving changed."""
        state, api = self.emu.state, self.emu.api
        return (
            state.version,
            state.next_update_id,
            len(state.updates),
            self._revision,
            repr(api.commands),
            repr(api.menu_buttons),
            repr(api.texts),
        )

    async def _keep_saving(self) -> None:
        # Never cancelled: a save cut in the middle would leave its transaction open.
        while not self._closing.is_set():
            if self._signature() == self._saved:
                await self.emu.state.changed.wait(SAVE_IDLE)
                continue
            await asyncio.sleep(SAVE_DELAY)
            try:
                await self._save()
            except Exception:
                log.exception("could not save the playground's personas and chats")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), SAVE_RETRY)

    async def _save(self) -> None:
        assert self.sidecar is not None
        async with self._lock:  # never a persona half made, nor a reset half done
            signature = self._signature()
            snapshot = take(self.emu, since=self._saved_version)
            personas = list(self.personas.values())
        await self.sidecar.save(snapshot, personas)
        self._saved, self._saved_version = signature, snapshot.version

    async def _close_sidecar(self) -> None:
        saver, self._saver = self._saver, None
        if saver is None or self.sidecar is None:
            return
        self._closing.set()
        self.emu.state.changed.notify()
        await saver  # ends after the save it may be making
        try:
            if self._signature() != self._saved:
                await self._save()
        finally:
            await self.sidecar.close()
