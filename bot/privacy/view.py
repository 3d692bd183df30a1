"""What the privacy commands say (pure: replies as values)."""

from __future__ import annotations

import datetime as dt

from bot.privacy.notice import VERSION, notice
from bot.privacy.service import Due
from bot.runtime.callbacks import encode
from bot.runtime.i18n import N_, Translator, isolate
from bot.runtime.people import Person
from bot.runtime.replies import Button, Keyboard
from bot.runtime.settings import Settings

NAMESPACE = "privacy"
AGREE, REFUSE, DELETE, KEEP, ERASE, SPARE = "agree", "refuse", "delete", "keep", "erase", "spare"
# A confirmation button works for this long after it was shown: an old message's Delete,
# pressed by mistake weeks later, must not erase anything.
CONFIRM_LIFETIME = dt.timedelta(minutes=10)

ERASED_TEXT = N_(
    "Everything we kept about you has been erased. If you want to apply again later, send /start."
)


def minute(instant: dt.datetime) -> int:
    """An instant as whole minutes since the epoch (small enough for callback data)."""
    return int(instant.timestamp() // 60)


def fresh(issued: int, now: dt.datetime) -> bool:
    """Whether a confirmation shown at `issued` (minutes) may still be used."""
    age = minute(now) - issued
    return 0 <= age <= CONFIRM_LIFETIME.total_seconds() // 60


def privacy_text(t: Translator, settings: Settings) -> str:
    """The /privacy notice."""
    return notice(
        t,
        settings.privacy_contact,
        settings.retention_applicants,
        settings.retention_participants,
    )


def retention_text(t: Translator, due: Due, zone: str) -> str:
    """What staff see below the notice: the version and whose data retention erases next."""
    lines = [
        t("<b>For program staff</b>"),
        t("Version of the privacy texts: {version}", version=VERSION),
        t.plural(
            "Due for erasure now: {count} application that never led to a pairing.",
            "Due for erasure now: {count} applications that never led to a pairing.",
            due.applicants,
        ),
        t.plural(
            "Due for erasure now: {count} former participant.",
            "Due for erasure now: {count} former participants.",
            due.participants,
        ),
    ]
    if due.next_at is not None:
        lines.append(t("Next erasure run: {when}", when=t.datetime(due.next_at, zone)))
    return "\n".join(lines)


def reconsent(t: Translator, settings: Settings) -> tuple[str, Keyboard]:
    """Asks someone who consented to older privacy texts to consent again."""
    intro = t(
        "We have updated how Passerelle looks after your data. Please read the notice below:"
        " to go on, we need your agreement again."
    )
    keyboard = (
        (
            Button(t.plain("I agree"), encode(NAMESPACE, AGREE)),
            Button(t.plain("I do not agree"), encode(NAMESPACE, REFUSE)),
        ),
    )
    return f"{intro}\n\n{privacy_text(t, settings)}", keyboard


def delete_question(t: Translator, now: dt.datetime) -> tuple[str, Keyboard]:
    """/delete: what erasing means, with Delete and Keep."""
    text = t(
        "Do you want us to erase everything we keep about you: your application, your answers,"
        " your pairing and your messages? Your pairing ends and the person you are paired with"
        " is told that you left the program. This cannot be undone."
    )
    keyboard = (
        (
            Button(t.plain("Delete"), encode(NAMESPACE, DELETE, minute(now))),
            Button(t.plain("Keep"), encode(NAMESPACE, KEEP)),
        ),
    )
    return text, keyboard


def erase_question(t: Translator, person: Person, now: dt.datetime) -> tuple[str, Keyboard]:
    """/erase <id>: asks the admin to confirm erasing someone."""
    text = t(
        "Erase everything kept about {name} (id {id})? Her pairings end and her pairs are told"
        " that she left the program. This cannot be undone.",
        name=isolate(person.display_name),
        id=str(person.user_id),
    )
    keyboard = (
        (
            Button(t.plain("Erase"), encode(NAMESPACE, ERASE, person.user_id, minute(now))),
            Button(t.plain("Keep"), encode(NAMESPACE, SPARE)),
        ),
    )
    return text, keyboard
