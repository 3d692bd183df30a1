"""How applications read to staff (no I/O): the notice, the review card, the decisions."""

from __future__ import annotations

import datetime as dt

from babel import Locale

from bot.onboarding.service import APPROVED, REJECTED, Application
from bot.onboarding.view import answer_text, summary_lines
from bot.runtime.callbacks import encode
from bot.runtime.i18n import Html, Translator, escape, isolate, isolate_plain
from bot.runtime.people import Person
from bot.runtime.replies import Button, Keyboard
from dialogs.loader import Form
from dialogs.steps import Step

REVIEW = "rv"
APPROVE = "a"
REJECT = "r"
NEXT = "n"
SKIP = "s"
CANCEL = "c"


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


def language_label(t: Translator, code: str) -> str:
    """A language named in the reader's language, as written mid-sentence ("espagnol")."""
    try:
        name = Locale.parse(code).get_display_name(t.locale)
    except (ValueError, TypeError):
        name = None
    return escape(name or code)


def capitalised(text: str) -> str:
    """The text with a capital first letter (at the start of a line)."""
    return text[:1].upper() + text[1:]


def place(t: Translator, form: Form, record: Application) -> str:
    """The country (mentee) or province and destination (mentor), translated."""
    answers = record.state.answers
    parts = []
    for step_id in (Step.COUNTRY, Step.PROVINCE, Step.DESTINATION):
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
        t("📝 New application from <b>{name}</b>", name=isolate(person.display_name)),
        t("Role: {role}", role=Html(role_label(t, record.role))),
        t("Location: {place}", place=Html(place(t, form, record))),
        t("Outcome: <b>{outcome}</b>", outcome=Html(outcome_label(t, record.outcome))),
    ]
    if record.reasons:
        lines.append(reasons_block(t, record))
    lines.append(t("Use /review to review pending applications."))
    return "\n".join(lines)


def username_line(person: Person) -> str:
    """`@username` of a person, escaped, or nothing."""
    return f" (@{isolate(person.username)})" if person.username else ""


def _instant(stamp: str) -> dt.datetime:
    return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def review_card(
    t: Translator,
    form: Form,
    person: Person,
    record: Application,
    waiting: int | None,
    timezone: str,
) -> tuple[str, Keyboard]:
    """One pending application for staff: who, outcome and reasons, every answer, and buttons."""
    lines = []
    if waiting is not None:
        lines += [
            t.plural(
                "🗂 {count} application waiting for review.",
                "🗂 {count} applications waiting for review.",
                waiting,
            ),
            "",
        ]
    lines += [
        f"<b>{isolate(person.display_name)}</b>"
        + username_line(person)
        + f" · <code>{person.user_id}</code>",
        t("Role: {role}", role=Html(role_label(t, record.role))),
        t("Location: {place}", place=Html(place(t, form, record))),
        t("Language: {language}", language=Html(language_label(t, person.language))),
    ]
    if record.submitted_at:
        when = f"{t.datetime(_instant(record.submitted_at), timezone)} ({t.zone_city(timezone)})"
        lines.append(t("Submitted: {when}", when=when))
    lines.append(t("Outcome: <b>{outcome}</b>", outcome=Html(outcome_label(t, record.outcome))))
    if record.reasons:
        lines.append(reasons_block(t, record))
    lines += ["", *summary_lines(t, form, record.state.answers)]
    keyboard = (
        (
            Button(t.plain("✅ Approve"), encode(REVIEW, APPROVE, record.user_id)),
            Button(t.plain("❌ Reject"), encode(REVIEW, REJECT, record.user_id)),
        ),
        (Button(t.plain("Next ➡️"), encode(REVIEW, NEXT, record.user_id)),),
    )
    return "\n".join(lines), keyboard


def reason_prompt(t: Translator, person: Person) -> tuple[str, Keyboard]:
    """Asks the staff member for the reason sent with a rejection."""
    text = t(
        "You are rejecting the application of <b>{name}</b>. Type the reason to send her "
        "(it is sent as you write it), or press Skip to reject without a reason.",
        name=isolate(person.display_name),
    )
    keyboard = (
        (
            Button(t.plain("Skip"), encode(REVIEW, SKIP, person.user_id)),
            Button(t.plain("Cancel"), encode(REVIEW, CANCEL, person.user_id)),
        ),
    )
    return text, keyboard


def not_sent(t: Translator, minutes: int) -> str:
    """Says a rejection prompt ended without sending anything (plain text, also for an alert)."""
    return t.plural(
        "Nothing was sent to the candidate: I wait for a reason for {count} minute at most, "
        "and stop waiting when you use another command or button. To reject the application, "
        "press ❌ Reject again.",
        "Nothing was sent to the candidate: I wait for a reason for {count} minutes at most, "
        "and stop waiting when you use another command or button. To reject the application, "
        "press ❌ Reject again.",
        minutes,
    )


def decision_line(t: Translator, status: str | None, by: str, note: str | None) -> str:
    """Says who decided what, under a review card."""
    if status == APPROVED:
        line = t("✅ Approved by {name}.", name=isolate(by))
    elif status == REJECTED:
        line = t("❌ Rejected by {name}.", name=isolate(by))
    elif status is None:
        return t("This application no longer exists.")
    else:
        return t("This application is no longer waiting for review.")
    if note:
        line += "\n" + t("Reason: {reason}", reason=isolate(note))
    return line


def already_decided(t: Translator, status: str | None, by: str) -> str:
    """The notice for a decision that someone else already took (plain text, for an alert)."""
    if status == APPROVED:
        return t.plain("Already decided: {name} approved this application.", name=isolate_plain(by))
    if status == REJECTED:
        return t.plain("Already decided: {name} rejected this application.", name=isolate_plain(by))
    if status is None:
        return t.plain("This application no longer exists.")
    return t.plain("This application is no longer waiting for review.")


def approved_text(t: Translator) -> str:
    """Tells the candidate, in her language, that she was accepted."""
    return t(
        "🎉 Good news: your application to Passerelle was approved. Welcome to the program! "
        "Program staff will write to you here about the next steps."
    )


def rejected_text(t: Translator, reason: str | None) -> str:
    """Tells the candidate, in her language, that she was not accepted (with the reason)."""
    text = t("We are sorry: your application to Passerelle was not accepted.")
    if reason:
        text += "\n\n" + t("<b>Message from the program team:</b> {reason}", reason=reason)
    return text + "\n\n" + t("Thank you for your interest in the program.")


def nothing_pending(t: Translator) -> str:
    """Says the review queue is empty."""
    return t("There are no applications waiting for review. 🎉")
