"""The privacy notice (/privacy) and the version of the privacy texts people consent to.

VERSION names the privacy texts as they are now: the consent question of the application
(`dialogs/flows/application.toml`, step `consent`) and the notice below. Change either text
and bump VERSION (tests/bot/privacy/test_notice.py fails until you do): everyone who
consented to an older version is asked again at her next message.
"""

from __future__ import annotations

import datetime as dt

from babel.units import format_unit

from bot.runtime.i18n import N_, Html, Translator, escape

VERSION = "2026-12-03"

TITLE = N_("<b>Your privacy</b>")
KEPT = N_(
    "<b>What we keep</b>: your name and Telegram username, your answers to the application"
    " (contact e-mail, country or province, sector, languages, experience, motivation),"
    " your cohort, your pairing, your availability and meetings, your check-in answers,"
    " and the messages the bot sends you."
)
WHY = N_(
    "<b>Why</b>: to review your application, pair you with an entrepreneur and follow how"
    " the program goes for you."
)
WHO = N_(
    "<b>Who sees it</b>: program staff only. The person you are paired with sees your"
    " first name and what you share with her."
)
HOW_LONG = N_(
    "<b>How long</b>: an application that does not lead to the program is erased after"
    " {applicants}; a participant's data {participants} after her cohort ends (or, outside"
    " a cohort with an end date, after her pairing ends). Anonymous counts (no name, no"
    " answer) are kept for the program's statistics."
)
RIGHTS = N_(
    "<b>Your rights</b>: /mydata sends you everything we keep about you, /delete erases it."
    " You can start afresh later with /start."
)
OFFICER = N_("<b>Privacy officer</b>: {contact}")
NO_OFFICER = N_("<b>Privacy officer</b>: write to the program team through this bot.")
PARTS = (TITLE, KEPT, WHY, WHO, HOW_LONG, RIGHTS, OFFICER, NO_OFFICER)


def duration(t: Translator, period: dt.timedelta) -> str:
    """A retention period in words ("2 years", "18 months", "45 days"), never rounded."""
    days = period.days
    if days and days % 365 == 0:
        return str(format_unit(days // 365, "duration-year", locale=t.locale))
    if days and days % 30 == 0:
        return str(format_unit(days // 30, "duration-month", locale=t.locale))
    return str(format_unit(max(days, 1), "duration-day", locale=t.locale))


def notice(
    t: Translator, contact: str, applicants: dt.timedelta, participants: dt.timedelta
) -> str:
    """The privacy notice in the reader's language."""
    officer = t(OFFICER, contact=Html(escape(contact))) if contact else t(NO_OFFICER)
    return "\n\n".join(
        (
            t(TITLE),
            t(KEPT),
            t(WHY),
            t(WHO),
            t(
                HOW_LONG,
                applicants=duration(t, applicants),
                participants=duration(t, participants),
            ),
            t(RIGHTS),
            officer,
        )
    )
