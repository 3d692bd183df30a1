"""How check-in figures read (no I/O): the /stats section and the words of the /report chart."""

from __future__ import annotations

from babel.dates import format_interval
from babel.numbers import format_decimal, format_percent

from bot.runtime.i18n import N_, Html, Translator, escape
from bot.stats.checkins import (
    FORTNIGHT_DAYS,
    FORTNIGHTS,
    SILENT_DAYS,
    CheckinFigures,
    Group,
    Reason,
    Risk,
    Tally,
    Trend,
    Why,
)

SHOWN_IN_STATS = 8  # pairs (and pairs at risk) listed in /stats; the rest are counted

LOW_RATING = N_("{name} rated {rating}/5 in the latest check-in")
MISSED_TWO = N_("{name} missed two check-ins in a row")
SILENT = N_("no check-in answered in {days} days")
TREND = N_("{arrow} from {before} to {last}")
PAIR = N_("{mentor} and {mentee}")


def percent(t: Translator, rate: float) -> str:
    """A rate as a whole percentage in the reader's locale ("83 %")."""
    return format_percent(rate, locale=t.locale)


def rating(t: Translator, value: float) -> str:
    """An average rating to one decimal in the reader's locale ("3,5")."""
    return format_decimal(value, "0.0", locale=t.locale)


def trend_text(t: Translator, trend: Trend, html: bool = True) -> str:
    """ "↗ from 3.5 to 4.1", or nothing without both fortnights rated."""
    if trend.arrow is None or trend.before is None or trend.last is None:
        return ""
    say = t if html else t.plain
    before, last = rating(t, trend.before), rating(t, trend.last)
    return say(TREND, arrow=Html(trend.arrow), before=Html(before), last=Html(last))


def tally_text(t: Translator, tally: Tally) -> str:
    """ "83 % answered (25 of 30 check-ins)" and the average rating, in one line of HTML."""
    parts = []
    if tally.rate is not None:
        rate, answered = Html(percent(t, tally.rate)), Html(t.number(tally.answered))
        answers = t.plural(
            "{rate} answered ({answered} of {count} check-in)",
            "{rate} answered ({answered} of {count} check-ins)",
            tally.due,
            rate=rate,
            answered=answered,
        )
        parts.append(answers)
    if tally.average is not None:
        parts.append(t("average rating {rating}/5", rating=Html(rating(t, tally.average))))
    return " · ".join(parts)


def group_text(t: Translator, group: Group) -> str:
    """A cohort's or a pair's figures with the trend of its rating."""
    trend = trend_text(t, group.trend)
    figures = tally_text(t, group.tally) or t("nothing due yet")
    return f"{figures}, {trend}" if trend else figures


def pair_name(t: Translator, mentor: str, mentee: str, html: bool = True) -> str:
    """ "Ana and Fatou" (names escaped for HTML)."""
    return (t if html else t.plain)(PAIR, mentor=mentor, mentee=mentee)


def reason_text(t: Translator, reason: Reason, html: bool = True) -> str:
    """Why a pair is at risk, in a few words."""
    say = t if html else t.plain
    if reason.why == Why.LOW_RATING:
        return say(LOW_RATING, name=reason.who, rating=Html(t.number(reason.rating)))
    if reason.why == Why.MISSED:
        return say(MISSED_TWO, name=reason.who)
    if reason.why == Why.SILENT:
        return say(SILENT, days=Html(t.number(SILENT_DAYS)))
    return t.plural("{count} alert not handled", "{count} alerts not handled", reason.count)


def risk_text(t: Translator, risk: Risk, html: bool = True) -> str:
    """A pair at risk and every reason."""
    reasons = t.join(reason_text(t, reason, html) for reason in risk.reasons)
    name = pair_name(t, risk.mentor, risk.mentee, html)
    if html:
        return t("{pair}: {reasons}", pair=Html(name), reasons=Html(reasons))
    return t.plain("{pair}: {reasons}", pair=Html(name), reasons=Html(reasons))


def period_text(t: Translator, figures: CheckinFigures) -> str:
    """The period the figures cover, as babel writes a range of dates in the reader's locale."""
    return format_interval(figures.first_day, figures.today, "yMMMd", locale=t.locale)


def cohort_label(t: Translator, code: str | None, name: str | None) -> str:
    """A cohort as staff know it ("Spring 2027 (spring27)"), or "No cohort"."""
    if code is None:
        return t("No cohort")
    return t("{name} ({code})", name=name or code, code=code)


def more_text(t: Translator, count: int) -> str:
    """ "… and 3 more"."""
    return t.plural("… and {count} more", "… and {count} more", count)


def checkins_text(t: Translator, figures: CheckinFigures) -> str:
    """The check-in section of /stats."""
    lines = [
        t(
            "<b>Check-ins</b>, last {weeks} weeks ({period})",
            weeks=Html(t.number(FORTNIGHTS * FORTNIGHT_DAYS // 7)),
            period=Html(period_text(t, figures)),
        )
    ]
    overall = figures.overall
    if not overall.tally.due and not figures.at_risk_total:
        lines.append(t("No check-in was answered or missed in this period yet."))
        return "\n".join(lines)
    lines.append(group_text(t, overall))
    lines.append(
        t(
            "<i>Response rate: answered ÷ (answered + missed), open check-ins count once"
            " closed. Trend: the latest {days} days against the {days} before.</i>",
            days=Html(t.number(FORTNIGHT_DAYS)),
        )
    )
    if figures.cohort is None and len(figures.cohorts) > 1:
        lines += ["", t("<b>By cohort</b>")]
        lines += [
            "• "
            + t(
                "{pair}: {figures}",
                pair=Html(cohort_label(t, c.code, c.name)),
                figures=Html(group_text(t, c.figures)),
            )
            for c in figures.cohorts
        ]
    if figures.pairs:
        lines += ["", t("<b>By pair</b>, lowest ratings first")]
        for pair in figures.pairs[:SHOWN_IN_STATS]:
            name = pair_name(t, pair.mentor, pair.mentee)
            text = t(
                "{pair}: {figures}", pair=Html(name), figures=Html(group_text(t, pair.figures))
            )
            lines.append("• " + text)
        if figures.pairs_total > SHOWN_IN_STATS:
            lines.append(more_text(t, figures.pairs_total - SHOWN_IN_STATS))
    lines.append("")
    if not figures.at_risk_total:
        lines.append(t("No pair at risk."))
        return "\n".join(lines)
    lines.append(
        t.plural(
            "⚠️ <b>{count} pair at risk</b>", "⚠️ <b>{count} pairs at risk</b>", figures.at_risk_total
        )
    )
    lines += ["• " + risk_text(t, risk) for risk in figures.at_risk[:SHOWN_IN_STATS]]
    if figures.at_risk_total > SHOWN_IN_STATS:
        lines.append(more_text(t, figures.at_risk_total - SHOWN_IN_STATS))
    lines.append(
        t(
            "<i>At risk: a latest rating of 1 or 2, an alert not handled, two check-ins missed"
            " in a row, or nothing answered in {days} days.</i>",
            days=Html(t.number(SILENT_DAYS)),
        )
    )
    return "\n".join(lines)


def cohort_line(t: Translator, code: str, name: str) -> str:
    """The line that says figures are limited to a cohort."""
    return t("Cohort: <b>{cohort}</b>", cohort=Html(cohort_label(t, code, name)))


def drawing(t: Translator) -> str:
    """What /report says at once, while it adds up the figures and draws them."""
    return t(
        "⏳ Drawing the check-in chart of the last {weeks} weeks…",
        weeks=Html(t.number(FORTNIGHTS * FORTNIGHT_DAYS // 7)),
    )


def no_chart(t: Translator, figures: CheckinFigures) -> str:
    """Why /report sends no chart: nothing was due in the period."""
    return t(
        "No check-in was answered or missed in the last {weeks} weeks ({period}): there is"
        " nothing to chart yet.",
        weeks=Html(t.number(FORTNIGHTS * FORTNIGHT_DAYS // 7)),
        period=Html(period_text(t, figures)),
    )


def report_caption(t: Translator, figures: CheckinFigures, title: str) -> str:
    """The chart's caption: what it covers, its dates' zone, and the figures at a glance."""
    lines = [
        f"📈 <b>{escape(title)}</b>",
        t(
            "{period} (dates in {city} time)",
            period=Html(period_text(t, figures)),
            city=t.zone_city(figures.zone),
        ),
        group_text(t, figures.overall),
    ]
    return "\n".join(lines)
