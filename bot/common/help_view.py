"""The command menu and /help text, in each language (no I/O).

Only commands that work are listed: a capability adds its commands here when it registers
their handlers (a test checks that every listed command has one, and every handler is listed).
"""

from __future__ import annotations

from bot.runtime.i18n import N_, Translator

EVERYONE: tuple[tuple[str, str], ...] = (
    ("start", N_("Apply to the program or continue your application")),
    ("help", N_("What this bot can do")),
    ("language", N_("Change the language")),
    ("status", N_("Where your application stands")),
    ("cancel", N_("Stop the current step (your answers are kept)")),
    ("availability", N_("Your weekly availability")),
    ("meet", N_("Plan a meeting with your pair")),
    ("checkin", N_("Tell the program team how your pairing is going")),
    ("privacy", N_("What we keep about you, and why")),
    ("mydata", N_("Get all your data")),
    ("delete", N_("Erase your data")),
)

STAFF: tuple[tuple[str, str], ...] = (
    ("review", N_("Review pending applications")),
    ("pair", N_("Pair a mentor and a mentee, or see suggestions")),
    ("unpair", N_("End a pairing")),
    ("broadcast", N_("Send an announcement")),
    ("checkins_now", N_("Start a check-in round now")),
    ("stats", N_("Program figures")),
    ("report", N_("Check-in chart: response rate, ratings, pairs at risk")),
    ("export", N_("Export applications as CSV")),
    ("staff", N_("Manage staff")),
    ("cohort", N_("Cohorts: their links, check-in cadence and pauses")),
    ("erase", N_("Erase someone's data on her request")),
)

# Every command of the interface contract (INTERFACE.md). One that no handler answers yet
# gets a polite "not available yet" (or "for program staff" from anyone else).
CONTRACT = frozenset(
    [
        "start",
        "help",
        "language",
        "cancel",
        "status",
        "availability",
        "meet",
        "checkin",
        "privacy",
        "mydata",
        "delete",
    ]
)
CONTRACT_STAFF = frozenset(
    [
        "review",
        "pair",
        "unpair",
        "broadcast",
        "checkins_now",
        "stats",
        "report",
        "export",
        "staff",
        "cohort",
        "erase",
    ]
)


def commands(t: Translator, staff: bool) -> list[tuple[str, str]]:
    """The command menu (command, description) in a language."""
    listed = EVERYONE + STAFF if staff else EVERYONE
    return [(command, t.plain(description)) for command, description in listed]


def help_text(t: Translator, staff: bool) -> str:
    """The /help message."""
    lines = [
        t("Passerelle pairs entrepreneurs in Canada with entrepreneurs in partner countries."),
        "",
    ]
    lines += [f"/{command} — {t(description)}" for command, description in EVERYONE]
    if staff:
        lines += ["", t("<b>For program staff</b>")]
        lines += [f"/{command} — {t(description)}" for command, description in STAFF]
    return "\n".join(lines)
