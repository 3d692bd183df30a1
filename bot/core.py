"""The application core: every service, built once from the settings and passed down."""

from __future__ import annotations

from dataclasses import dataclass

from bot.broadcasts.announcement import reminders_for
from bot.broadcasts.audiences import Audiences
from bot.broadcasts.delivery import Deliveries
from bot.broadcasts.privacy import HOLDING as BROADCASTS_DATA
from bot.broadcasts.service import REMINDER, START, Broadcasts
from bot.checkins.alerts import Alerts
from bot.checkins.cadence import DUE as CHECKIN_DUE
from bot.checkins.cadence import REMIND as CHECKIN_REMIND
from bot.checkins.cadence import SWEEP as CHECKIN_SWEEP
from bot.checkins.privacy import HOLDING as CHECKINS_DATA
from bot.checkins.service import Checkins
from bot.checkins.steps import CheckinStep
from bot.cohorts.privacy import HOLDING as COHORTS_DATA
from bot.cohorts.service import Cohorts
from bot.meetings.availability import Availability
from bot.meetings.followup import FollowUps
from bot.meetings.privacy import HOLDING as MEETINGS_DATA
from bot.meetings.reminders import CLOCKS, FOLLOW_UP, REMIND, Reminders
from bot.meetings.service import Meetings
from bot.meetings.slots import Rules
from bot.onboarding.service import Onboarding
from bot.pairing.service import Pairing
from bot.privacy.service import RETENTION, Privacy
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
    privacy: Privacy
    review: Review
    stats: Stats
    timers: Timers
    availability: Availability
    meetings: Meetings
    followups: FollowUps
    audiences: Audiences
    broadcasts: Broadcasts
    deliveries: Deliveries
    checkin_form: Form
    checkins: Checkins
    alerts: Alerts
    cohorts: Cohorts

    def t(self, language: str) -> Translator:
        """The translator for a language."""
        return self.catalogs.get(language)

    async def cancel_inputs(self, user_id: int) -> bool:
        """Drops any free text the bot was waiting for from this person."""
        return await self.inputs.clear(user_id)

    async def housekeeping(self) -> None:
        """At start, schedules the daily housekeeping and retention unless they are scheduled,
        and the sweep for check-in dates missing."""
        await start_housekeeping(self.db, self.clock)
        await self.privacy.start_retention()
        await self.checkins.start_sweep()

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


def load_checkin_form(books: Catalogs) -> Form:
    """Loads the check-in form; each text must be translated in en, fr and es."""

    def missing(msgid: str) -> list[str]:
        return [lang for lang in LANGUAGES if not books.has(lang, msgid)]

    return load_form(FLOWS_DIR / "checkin.toml", missing, requires=list(CheckinStep))


async def build_core(
    settings: Settings,
    clock: Clock | None = None,
    books: Catalogs | None = None,
    rules: Rules | None = None,
) -> Core:
    """Opens (and migrates) the database and wires every service.

    `rules` are what a proposed meeting slot must be (the playground's demo lets one start
    within minutes); by default, on the hour, at least an hour ahead, within 14 days.
    """
    clock = clock or SystemClock()
    books = books or catalogs()
    form = load_application_form(books)
    checkin_form = load_checkin_form(books)
    db = Database(settings.db)
    await db.open()
    privacy = Privacy(db, clock, books, settings)
    privacy.add(MEETINGS_DATA)
    privacy.add(BROADCASTS_DATA)
    privacy.add(CHECKINS_DATA)
    privacy.add(COHORTS_DATA)
    onboarding = Onboarding(db, clock, form, privacy)
    timers = Timers(db, clock)
    timers.register(FORGET_UPDATES, forget_updates(clock))
    timers.register(RETENTION, privacy.run_retention)
    reminders = Reminders(clock, books, settings.timezone, settings.meeting_url)
    timers.register(REMIND, reminders.remind)
    timers.register(FOLLOW_UP, reminders.follow_up)
    timers.register(CLOCKS, reminders.clocks)
    meetings = Meetings(db, clock, books, settings, rules, timers.wake)
    pairing = Pairing(db, clock)
    pairing.on_end.append(meetings.pair_ending)
    checkins = Checkins(db, clock, checkin_form, books, settings)
    alerts = Alerts(db, clock, books, settings)
    checkins.escalate.append(alerts.raise_alert)
    timers.register(CHECKIN_DUE, checkins.on_due)
    timers.register(CHECKIN_REMIND, checkins.on_remind)
    timers.register(CHECKIN_SWEEP, checkins.on_sweep)
    pairing.on_formed.append(checkins.pair_formed)
    pairing.on_end.append(checkins.pair_ending)
    followups = FollowUps(db, clock, settings.timezone)
    followups.after_answer(checkins.after_meeting)
    audiences = Audiences(db, settings.admins)
    broadcasts = Broadcasts(db, clock, audiences, settings.reminders)
    timers.register(START, broadcasts.on_start)
    timers.register(REMINDER, broadcasts.on_reminder(reminders_for(books, settings.timezone)))
    staff = Staff(db, clock, settings.admins)
    cohorts = Cohorts(db, clock, staff)
    cohorts.on_change.append(checkins.cohort_changed)
    return Core(
        settings=settings,
        db=db,
        clock=clock,
        catalogs=books,
        form=form,
        people=People(db, clock, books, settings.default_language),
        staff=staff,
        onboarding=onboarding,
        inputs=PendingInputs(db, clock),
        inbox=Inbox(db),
        outbox=Outbox(db, clock),
        pairing=pairing,
        privacy=privacy,
        review=Review(db, clock, onboarding),
        stats=Stats(db, clock, form),
        timers=timers,
        availability=Availability(db, clock, settings.timezone),
        meetings=meetings,
        followups=followups,
        audiences=audiences,
        broadcasts=broadcasts,
        deliveries=Deliveries(db, clock, broadcasts),
        checkin_form=checkin_form,
        checkins=checkins,
        alerts=alerts,
        cohorts=cohorts,
    )
