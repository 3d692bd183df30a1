"""How /stats reads (no I/O): program figures in the staff member's language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from bot.onboarding.service import APPROVED, IN_PROGRESS, NOT_ELIGIBLE, PENDING, REJECTED
from bot.review.view import capitalised, language_label
from bot.runtime.i18n import Html, Translator, escape
from bot.stats.service import MENTOR_COUNTRY, Figures
from dialogs.loader import Form
from dialogs.steps import Step

MENTOR = "mentor"

STATUSES = (IN_PROGRESS, NOT_ELIGIBLE, PENDING, APPROVED, REJECTED)


def status_count(t: Translator, status: str, count: int) -> str:
    """How many applications are in a status ("2 waiting for review"), with plural forms."""
    if status == IN_PROGRESS:
        return t.plural("{count} in progress", "{count} in progress", count)
    if status == NOT_ELIGIBLE:
        return t.plural("{count} not eligible", "{count} not eligible", count)
    if status == PENDING:
        return t.plural("{count} waiting for review", "{count} waiting for review", count)
    if status == APPROVED:
        return t.plural("{count} approved", "{count} approved", count)
    return t.plural("{count} rejected", "{count} rejected", count)


def role_count(t: Translator, role: str, count: int) -> str:
    """How many mentors or mentees ("1 mentor", "3 mentees")."""
    if role == MENTOR:
        return t.plural("{count} mentor", "{count} mentors", count)
    return t.plural("{count} mentee", "{count} mentees", count)


def _block(
    t: Translator, title: str, counts: Counter[str], label: Callable[[str], str]
) -> list[str]:
    if not counts:
        return []
    ordered = sorted(counts.items(), key=lambda item: (-item[1], label(item[0])))
    return [
        "",
        title,
        *(
            "• " + t("{label}: {count}", label=Html(label(key)), count=t.number(count))
            for key, count in ordered
        ),
    ]


def country_name(t: Translator, form: Form, code: str) -> str:
    """The translated name of a country code (mentors count under Canada)."""
    if code == MENTOR_COUNTRY:
        return t("Canada")
    option = form.option(Step.COUNTRY, code)
    return escape(t.plain(option.label)) if option is not None else escape(code)


def stats_text(t: Translator, form: Form, figures: Figures) -> str:
    """The /stats message."""
    lines = [
        t("📊 <b>Program figures</b>"),
        "",
        t.plural(
            "<b>{count}</b> application in all",
            "<b>{count}</b> applications in all",
            figures.applications,
        ),
    ]
    lines += [
        f"• {status_count(t, status, figures.by_status[status])}"
        for status in STATUSES
        if figures.by_status[status]
    ]
    roles = sorted(figures.by_role.items(), key=lambda item: (-item[1], item[0]))
    if roles:
        lines += ["", t("<b>Completed applications by role</b>")]
        lines += [f"• {role_count(t, role, count)}" for role, count in roles]
    lines += _block(
        t,
        t("<b>By country</b>"),
        figures.by_country,
        lambda code: country_name(t, form, code),
    )
    lines += _block(
        t,
        t("<b>By language</b>"),
        figures.by_language,
        lambda code: capitalised(language_label(t, code)),
    )
    lines += [
        "",
        t.plural("<b>{count}</b> active pair", "<b>{count}</b> active pairs", figures.active_pairs),
    ]
    return "\n".join(lines)
