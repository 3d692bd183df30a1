"""Alerts as staff read them: names escaped and isolated, the reader's zone, the buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.checkins.alert_view import (
    AlertFacts,
    Answers,
    alert_keyboard,
    alert_text,
    already_handled,
    contact_url,
    handled_notice,
    handled_text,
)
from bot.checkins.triggers import Kind
from bot.runtime.i18n import FSI, PDI, catalogs
from bot.runtime.people import Person

BOOKS = catalogs()
CREATED = datetime(2027, 3, 29, 9, 30, tzinfo=UTC)


def person(
    user_id: int, first: str, last: str | None = None, username: str | None = None
) -> Person:
    return Person(user_id, first, last, username, "fr", "Africa/Dakar", False, True, 4)


MENTOR = person(1, "Chloé", "Tremblay")
MENTEE = person(2, "<Awa>", "Diop & co", "awa_d")


def facts(kind: Kind, answers: Answers | None = None, **more: object) -> AlertFacts:
    return AlertFacts(
        alert_id=42,
        kind=kind,
        created_at=CREATED,
        person=MENTEE,
        other=MENTOR,
        person_is_mentor=False,
        zone="Africa/Dakar",
        answers=answers,
        **more,  # type: ignore[arg-type]
    )


def test_her_name_and_words_are_escaped_and_right_to_left_text_isolated() -> None:
    t = BOOKS.get("en")
    help_text = "مساعدة <please>"
    text = alert_text(t, facts(Kind.HELP, Answers(3, "Pricing", True, help_text)), "UTC")
    assert "<b>&lt;Awa&gt; Diop &amp; co</b> (@awa_d) asked the program team for help." in text
    assert f"Asked for help: {FSI}مساعدة &lt;please&gt;{PDI}" in text
    assert "Pair: Chloé Tremblay (mentor) ↔ &lt;Awa&gt; Diop &amp; co (mentee)" in text
    assert "Rating: 3/5" in text and "Worked on: Pricing" in text
    assert "Her language: Français. Her local time: 09:30 (Dakar)." in text


def test_the_meeting_is_dated_in_the_readers_zone_and_language() -> None:
    start = datetime(2027, 3, 28, 13, 0, tzinfo=UTC)
    seen = facts(Kind.NO_SHOW, meeting_start=start)
    english = alert_text(BOOKS.get("en"), seen, "America/Toronto")
    assert "did not come to their meeting of Sunday, March 28, 2027, 09:00." in english
    spanish = alert_text(BOOKS.get("es"), seen, "Europe/Madrid")
    assert "no asistió a su reunión del domingo, 28 de marzo de 2027, 15:00." in spanish
    assert "Answers" not in english and "check-in" not in english


def test_missed_check_ins_use_plural_forms() -> None:
    text = alert_text(BOOKS.get("fr"), facts(Kind.MISSED), "Europe/Paris")
    assert "n\u2019a pas répondu à 2 points d\u2019étape d\u2019affilée." in text


def test_contact_opens_her_chat_by_username_else_by_id() -> None:
    assert contact_url(MENTEE) == "https://t.me/awa_d"
    assert contact_url(MENTOR) == "tg://user?id=1"
    keyboard = alert_keyboard(BOOKS.get("es"), facts(Kind.MISSED))
    (contact,), (handled,) = keyboard
    assert (contact.label, contact.url, contact.data) == ("Contactarla", "https://t.me/awa_d", "")
    assert (handled.label, handled.data, handled.url) == ("Marcar como atendida", "al:h:42", "")


def test_handled_shows_who_without_buttons() -> None:
    t = BOOKS.get("en")
    seen = facts(Kind.MISSED)
    assert handled_text(t, seen, "UTC", True, None).endswith("\n\n✅ Handled by you.")
    nadia = person(9, "Nadia", "Benali")
    assert handled_text(t, seen, "UTC", False, nadia).endswith("✅ Handled by Nadia Benali.")
    assert handled_notice(t, seen, nadia) == (
        "✅ Nadia Benali handled the alert about <b>&lt;Awa&gt; Diop &amp; co</b> (@awa_d)."
    )
    assert already_handled(BOOKS.get("fr"), nadia) == "Déjà traitée par Nadia Benali."
    assert already_handled(t, None) == "Already handled by another staff member."
