"""The application core: every service, built once from the settings and passed down."""

from __future__ import annotations

from dataclasses import dataclass

from bot.broadcasts.announcement import reminders_for
from bot.broadcasts.audiences import Audiences
from bot.broadcasts.delivery import Deliveries
from bot.broadcasts.service import REMINDER, START, Broadcasts
from bot.onboarding.service import Onboarding
from bot.pairing.service import Pairing
from bot.review.service import Review
from bot.runtime.clock import Clock, SystemClock
from bot.runtime.db import Database
from bot.runtime.i18n import Catalogs, Translator, catalogs
from bot.runtime.inbox import Inbox
from bot.runtime.inputs import PendingInputs
from bot.runtime.outbox import Outbox
from bot.runtime.people import People
from bot.runtime.settings import LANGUAGES, Settings
from bot.runtime.timers import FORGET_UPDATES, Timers, forget_updates, start_housekeeping
from bot.staff.service import Staff
from bot.stats.service import Stats
from dialogs.loader import FLOWS_DIR, Form, load_form
from dialogs.steps import Step


@dataclass
class Core:
    """The services one running bot uses."""

    settings: Settings
    db: Database
    clock: Clock
    catalogs: Catalogs
    form: Form
    people: People
    staff: Staff
    onboarding: Onboarding
    inputs: PendingInputs
    inbox: Inbox
    outbox: Outbox
    pairing: Pairing
    review: Review
    stats: Stats
    timers: Timers
    audiences: Audiences
    broadcasts: Broadcasts
    deliveries: Deliveries

    def t(self, language: str) -> Translator:
        """The translator for a language."""
        return self.catalogs.get(language)

    async def cancel_inputs(self, user_id: int) -> bool:
        """Drops any free text the bot was waiting for from this person."""
        return await self.inputs.clear(user_id)

    async def housekeeping(self) -> None:
        """At start, schedules the daily forgetting of old update ids unless it is scheduled."""
        await start_housekeeping(self.db, self.clock)

    async def close(self) -> None:
        """Closes the database."""
        await self.db.close()


def load_application_form(books: Catalogs) -> Form:
    """Loads the questionnaire; each text must be translated in en, fr and es.

    A language added later (a new catalog in locales/) may be incomplete: what it misses
    falls back to English.
    """

    def missing(msgid: str) -> list[str]:
        return [lang for lang in LANGUAGES if not books.has(lang, msgid)]

    return load_form(FLOWS_DIR / "application.toml", missing, requires=list(Step))


async def build_core(
    settings: Settings, clock: Clock | None = None, books: Catalogs | None = None
) -> Core:
    """Opens (and migrates) the database and wires every service."""
    clock = clock or SystemClock()
    books = books or catalogs()
    form = load_application_form(books)
    db = Database(settings.db)
    await db.open()
    onboarding = Onboarding(db, clock, form)
    timers = Timers(db, clock)
    timers.register(FORGET_UPDATES, forget_updates(clock))
    audiences = Audiences(db, settings.admins)
    broadcasts = Broadcasts(db, clock, audiences, settings.reminders)
    timers.register(START, broadcasts.on_start)
    timers.register(REMINDER, broadcasts.on_reminder(reminders_for(books, settings.timezone)))
    return Core(
        settings=settings,
        db=db,
        clock=clock,
        catalogs=books,
        form=form,
        people=People(db, clock, books, settings.default_language),
        staff=Staff(db, clock, settings.admins),
        onboarding=onboarding,
        inputs=PendingInputs(db, clock),
        inbox=Inbox(db),
        outbox=Outbox(db, clock),
        pairing=Pairing(db, clock),
        review=Review(db, clock, onboarding),
        stats=Stats(db, clock, form),
        timers=timers,
        audiences=audiences,
        broadcasts=broadcasts,
        deliveries=Deliveries(db, clock, broadcasts),
    )
