"""How applications read to staff (no I/O): the completion notice and the review card."""

from __future__ import annotations

from bot.i18n import Html, Translator, escape
from bot.onboarding import Application
from bot.onboarding_view import answer_text
from bot.people import Person
from dialogs.loader import Form

OUTCOME_LABELS = {
    "eligible": "eligible",
    "needs_review": "needs review",
    "not_eligible": "not eligible",
}


def outcome_label(t: Translator, outcome: str | None) -> str:
    """The translated name of an outcome."""
    if outcome == "eligible":
        return t("eligible")
    if outcome == "needs_review":
        return t("needs review")
    return t("not eligible")


def role_label(t: Translator, role: str | None) -> str:
    """The translated name of a participant role."""
    if role == "mentor":
        return t("mentor")
    if role == "mentee":
        return t("mentee")
    return "—"


def place(t: Translator, form: Form, record: Application) -> str:
    """The country (mentee) or province and destination (mentor), translated."""
    answers = record.state.answers
    parts = []
    for step_id in ("country", "province", "destination"):
        value = answers.get(step_id)
        step = form.by_id.get(step_id)
        if step is not None and value is not None:
            parts.append(answer_text(t, form, step, value))
    return " → ".join(parts) or "—"


def reasons_block(t: Translator, record: Application) -> str:
    """The reasons an application needs review, one per line."""
    return "\n".join(f"• {t(reason)}" for reason in record.reasons)


def completed_notice(t: Translator, form: Form, person: Person, record: Application) -> str:
    """Tells an admin that an application was completed."""
    lines = [
        t("📝 New application from <b>{name}</b>", name=person.display_name),
        t("Role: {role}", role=Html(role_label(t, record.role))),
        t("Country: {place}", place=Html(place(t, form, record))),
        t("Outcome: <b>{outcome}</b>", outcome=Html(outcome_label(t, record.outcome))),
    ]
    if record.reasons:
        lines.append(reasons_block(t, record))
    lines.append(t("Use /review to review pending applications."))
    return "\n".join(lines)


def username_line(person: Person) -> str:
    """`@username` of a person, escaped, or nothing."""
    return f" (@{escape(person.username)})" if person.username else ""
