"""How cohorts read to staff (no I/O): the list with each ready-to-share link, one cohort with
its settings buttons, the prompts, and what each change did."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from babel.dates import format_date

from bot.cohorts.service import (
    CODE_LIMIT,
    MAX_DAYS,
    MAX_HOUR,
    MIN_DAYS,
    MIN_HOUR,
    NAME_LIMIT,
    Listed,
    Outcome,
)
from bot.cohorts.store import Cohort
from bot.runtime.arguments import ECHO
from bot.runtime.callbacks import encode
from bot.runtime.i18n import N_, Html, Translator, escape, isolate
from bot.runtime.replies import Button, Keyboard

NAMESPACE = "coh"
LIST = "ls"
NEW = "new"
SHOW = "v"
CADENCE = "d"
HOUR = "h"
PAUSE = "p"
RESUME = "r"
END = "e"
STAFF = "s"
USE_CODE = "use"
CANCEL = "x"
SETTINGS = (CADENCE, HOUR, PAUSE, END, STAFF)

_SETTING_NAMES = {
    CADENCE: N_("Cadence"),
    HOUR: N_("Hour"),
    PAUSE: N_("Pause"),
    END: N_("End date"),
    STAFF: N_("Staff in charge"),
}


def link(bot_username: str, code: str) -> str:
    """The deep link that puts whoever opens it in the cohort."""
    return f"https://t.me/{bot_username}?start={code}"


def day(t: Translator, value: date) -> str:
    """A date in the reader's language ("1 July 2027")."""
    return format_date(value, "long", locale=t.locale)


def clock(hour: int) -> str:
    """An hour of the day as 24-hour time ("09:00")."""
    return f"{hour:02d}:00"


def cadence(t: Translator, cohort: Cohort) -> str:
    """ "every 14 days at 10:00" (each participant's own local time)."""
    return t.plural(
        "every {count} day at {hour}",
        "every {count} days at {hour}",
        cohort.cadence_days,
        hour=clock(cohort.checkin_hour),
    )


def _pause(t: Translator, cohort: Cohort, today: date) -> str | None:
    if cohort.paused_from is None:
        return None
    until = cohort.paused_until or cohort.paused_from
    if until < today:
        return None
    if cohort.paused_from <= today:
        return t("⏸ Check-ins paused until {last}.", last=day(t, until))
    return t(
        "⏸ Check-ins pause from {first} to {last}.",
        first=day(t, cohort.paused_from),
        last=day(t, until),
    )


def summary(t: Translator, listed: Listed, url: str, in_charge: str | None, today: date) -> str:
    """One cohort's block: name, code, members, cadence, pause, end, staff, link."""
    cohort = listed.cohort
    lines = [
        f"<b>{isolate(cohort.name)}</b> · <code>{escape(cohort.code)}</code>",
        t.plural(
            "{count} person applied with this link ({approved}).",
            "{count} people applied with this link ({approved}).",
            listed.members,
            approved=Html(t.plural("{count} approved", "{count} approved", listed.approved)),
        ),
        t("Check-ins {cadence}, each participant's local time.", cadence=cadence(t, cohort)),
    ]
    paused = _pause(t, cohort, today)
    if paused:
        lines.append(paused)
    if cohort.ends_on is not None:
        lines.append(t("Ends on {day}.", day=day(t, cohort.ends_on)))
    if in_charge is not None:
        lines.append(t("In charge: {name}", name=in_charge))
    lines.append(t("Link to share: {link}", link=url))
    return "\n".join(lines)


def listing(
    t: Translator,
    cohorts: Sequence[Listed],
    urls: Mapping[str, str],
    in_charge: Mapping[str, str],
    today: date,
) -> tuple[str, Keyboard]:
    """Every cohort with its link, a button to manage each, and New cohort."""
    if not cohorts:
        text = t("There is no cohort yet.")
    else:
        head = t.plural("{count} cohort:", "{count} cohorts:", len(cohorts))
        blocks = [
            summary(t, item, urls[item.cohort.code], in_charge.get(item.cohort.code), today)
            for item in cohorts
        ]
        text = "\n\n".join([head, *blocks])
    rows = [
        (Button(f"⚙ {item.cohort.name}", encode(NAMESPACE, SHOW, item.cohort.code)),)
        for item in cohorts
    ]
    rows.append((Button(t.plain("New cohort"), encode(NAMESPACE, NEW)),))
    return text, tuple(rows)


def card(
    t: Translator, listed: Listed, url: str, in_charge: str | None, today: date
) -> tuple[str, Keyboard]:
    """One cohort and the buttons that change its settings."""
    code = listed.cohort.code
    buttons = [
        Button(t.plain(_SETTING_NAMES[key]), encode(NAMESPACE, key, code)) for key in SETTINGS
    ]
    rows: list[tuple[Button, ...]] = [tuple(buttons[:3]), tuple(buttons[3:])]
    if _pause(t, listed.cohort, today) is not None:
        rows.append((Button(t.plain("Resume"), encode(NAMESPACE, RESUME, code)),))
    rows.append((Button(t.plain("All cohorts"), encode(NAMESPACE, LIST)),))
    return summary(t, listed, url, in_charge, today), tuple(rows)


def cancel_keyboard(t: Translator) -> Keyboard:
    """The Cancel button under a prompt."""
    return ((Button(t.plain("Cancel"), encode(NAMESPACE, CANCEL)),),)


def name_prompt(t: Translator) -> tuple[str, Keyboard]:
    """Asks the name of a new cohort."""
    text = t(
        "What is the new cohort called? (up to {limit} characters, e.g. “Dakar spring 2027”)",
        limit=NAME_LIMIT,
    )
    return text, cancel_keyboard(t)


def code_prompt(t: Translator, name: str, suggested: str) -> tuple[str, Keyboard]:
    """Asks the code of a new cohort, suggesting one."""
    text = t(
        "The code of “{name}” goes at the end of its link. Type one (1 to {limit} letters,"
        " digits, - or _), or use {code}.",
        name=name,
        limit=CODE_LIMIT,
        code=suggested,
    )
    keyboard = (
        (Button(t.plain("Use {code}", code=suggested), encode(NAMESPACE, USE_CODE)),),
        *cancel_keyboard(t),
    )
    return text, keyboard


def setting_prompt(t: Translator, setting: str, cohort: Cohort, example: date) -> str:
    """Asks the new value of one setting of a cohort."""
    name = cohort.name
    if setting == CADENCE:
        return t(
            "Check-ins of {name} come every {days} days. Type a number of days, {low} to {high}.",
            name=name,
            days=cohort.cadence_days,
            low=MIN_DAYS,
            high=MAX_DAYS,
        )
    if setting == HOUR:
        return t(
            "Check-ins of {name} come at {hour}, each participant's own local time. Type an"
            " hour from {low} to {high}.",
            name=name,
            hour=clock(cohort.checkin_hour),
            low=MIN_HOUR,
            high=MAX_HOUR,
        )
    if setting == PAUSE:
        return t(
            "Type the first and last day of the pause of {name}, e.g. {first} to {last}. No"
            " check-in is sent on those days.",
            name=name,
            first=example.isoformat(),
            last=date.fromordinal(example.toordinal() + 14).isoformat(),
        )
    if setting == END:
        return t(
            "Type the last day of {name}, e.g. {day}. Participants' data is erased a while"
            " after it.",
            name=name,
            day=example.isoformat(),
        )
    return t(
        "Type the @username or the Telegram id of the staff member in charge of {name}.",
        name=name,
    )


_OUTCOMES = {
    Outcome.BAD_CODE: N_(
        "A code is 1 to 32 letters (A-Z, a-z), digits, - or _, without spaces. Please type another."
    ),
    Outcome.TAKEN: N_("Another cohort already has this code. Please type another."),
    Outcome.RESERVED: N_(
        "Codes that start with staff- open staff invitations. Please type another."
    ),
    Outcome.BAD_NAME: N_("Please type a name of 1 to 64 characters."),
    Outcome.UNKNOWN: N_("This cohort no longer exists."),
    Outcome.BAD_DAYS: N_("Please type a whole number of days from 1 to 90."),
    Outcome.BAD_HOUR: N_("Please type a whole hour from 8 to 20."),
    Outcome.BAD_PERIOD: N_("The last day of the pause comes before its first day."),
    Outcome.PAST: N_("This period is already over. Please type dates from today on."),
    Outcome.NOT_PAUSED: N_("Check-ins of this cohort are not paused."),
    Outcome.NOT_STAFF: N_(
        "This person is not program staff: only staff can be in charge of a cohort."
    ),
}


def refused(t: Translator, outcome: Outcome) -> str:
    """Why a change was not made, and what to do instead."""
    return t(_OUTCOMES[outcome])


def until_prompt(t: Translator, first: date) -> str:
    """Asks the last day of a pause whose first day was typed alone."""
    return t(
        "The pause starts on {first}. What is its last day (included)? e.g. {last}",
        first=day(t, first),
        last=(first + timedelta(days=14)).isoformat(),
    )


def refused_toast(t: Translator, outcome: Outcome) -> str:
    """Why a button did nothing, as a plain-text alert."""
    return t.plain(_OUTCOMES[outcome])


def bad_date(t: Translator, example: date, period: bool) -> str:
    """What was typed is not a date (or two)."""
    if period:
        return t(
            "Please type two dates, the first and the last day, e.g. {first} to {last}.",
            first=example.isoformat(),
            last=date.fromordinal(example.toordinal() + 14).isoformat(),
        )
    return t("Please type a date, e.g. {day}.", day=example.isoformat())


def created(t: Translator, name: str, code: str, url: str) -> str:
    """Confirms a new cohort and gives its link."""
    return t(
        "Cohort “{name}” created with the code {code}. Share this link: whoever opens it and"
        " applies joins the cohort.\n{link}",
        name=name,
        code=code,
        link=url,
    )


def changed(t: Translator, setting: str, cohort: Cohort, in_charge: str | None = None) -> str:
    """Confirms a change in words."""
    name = cohort.name
    if setting in (CADENCE, HOUR):
        return t(
            "Check-ins of {name} now come {cadence}, each participant's local time.",
            name=name,
            cadence=cadence(t, cohort),
        )
    if setting == PAUSE and cohort.paused_from is not None:
        return t(
            "Check-ins of {name} are paused from {first} to {last}.",
            name=name,
            first=day(t, cohort.paused_from),
            last=day(t, cohort.paused_until or cohort.paused_from),
        )
    if setting == END and cohort.ends_on is not None:
        return t("{name} ends on {day}.", name=name, day=day(t, cohort.ends_on))
    if setting == STAFF and in_charge is not None:
        return t("{person} is now in charge of {name}.", person=in_charge, name=name)
    return t("Check-ins of {name} resume on their usual cadence.", name=name)


def usage(t: Translator) -> str:
    """How /cohort is used."""
    return t(
        "Send /cohort to see the cohorts and manage them, /cohort CODE for one of them, or"
        " /cohort new CODE NAME to create one (e.g. /cohort new dakar27 Dakar spring 2027)."
    )


def unknown_cohort(t: Translator, code: str, known: Sequence[Cohort]) -> str:
    """A staff command named a cohort that does not exist: which ones do."""
    shown = code if len(code) <= ECHO else code[: ECHO - 1] + "…"
    if not known:
        return t("There is no cohort “{code}”: no cohort has been created yet.", code=shown)
    labels = (t("{name} ({code})", name=cohort.name, code=cohort.code) for cohort in known)
    return t(
        "There is no cohort “{code}”. Known cohorts: {cohorts}.",
        code=shown,
        cohorts=Html(t.join(labels)),
    )


def joining(t: Translator, name: str) -> str:
    """What an applicant who opened a cohort's link reads first."""
    return t("You are joining the cohort {name}.", name=name)


def unknown_link(t: Translator) -> str:
    """An applicant opened a link whose cohort is not known."""
    return t(
        "I do not know the cohort of this link (it may have been mistyped). You can apply"
        " anyway: the program team will place you."
    )


def already_applied(t: Translator, name: str) -> str:
    """A link opened by someone whose application already has a cohort or was sent."""
    return t(
        "Your application is already under way, so it stays as it is: the link of {name} does"
        " not change it. Ask the program team if you should be in this cohort.",
        name=name,
    )
