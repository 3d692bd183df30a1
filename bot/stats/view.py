"""How /stats reads (no I/O): program figures in the staff member's language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from bot.onboarding.service import APPROVED, IN_PROGRESS, NOT_ELIGIBLE, PENDING, REJECTED
from bot.review.view import role_label
from bot.runtime.i18n import N_, Translator, escape
from bot.stats.service import MENTOR_COUNTRY, Figures
from dialogs.loader import Form

STATUS_LABELS = {
    IN_PROGRESS: N_("in progress"),
    NOT_ELIGIBLE: N_("not eligible"),
    PENDING: N_("waiting for review"),
    APPROVED: N_("approved"),
    REJECTED: N_("rejected"),
}


def _block(
    t: Translator, title: str, counts: Counter[str], label: Callable[[str], str]
) -> list[str]:
    if not counts:
        return []
    ordered = sorted(counts.items(), key=lambda item: (-item[1], label(item[0])))
    return ["", title, *(f"• {label(key)}: {t.number(count)}" for key, count in ordered)]


def country_name(t: Translator, form: Form, code: str) -> str:
    """The translated name of a country code (mentors count under Canada)."""
    if code == MENTOR_COUNTRY:
        return t("Canada")
    option = form.option("country", code)
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
        f"• {t(STATUS_LABELS[status])}: {t.number(figures.by_status[status])}"
        for status in STATUS_LABELS
        if figures.by_status[status]
    ]
    lines += _block(
        t, t("<b>Completed applications by role</b>"), figures.by_role, lambda r: role_label(t, r)
    )
    lines += _block(
        t,
        t("<b>By country</b>"),
        figures.by_country,
        lambda code: country_name(t, form, code),
    )
    lines += _block(t, t("<b>By language</b>"), figures.by_language, t.language_name)
    lines += [
        "",
        t.plural("<b>{count}</b> active pair", "<b>{count}</b> active pairs", figures.active_pairs),
    ]
    return "\n".join(lines)
