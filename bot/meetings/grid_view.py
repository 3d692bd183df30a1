"""How /availability reads (no I/O): the grid with its toggles, and the saved week in words."""

from __future__ import annotations

from babel.dates import get_day_names

from bot.meetings.availability import Grid
from bot.meetings.week import DAYS, HOURS, Part, Week, cell
from bot.runtime.callbacks import encode
from bot.runtime.i18n import N_, Html, Translator
from bot.runtime.replies import Button, Keyboard

NAMESPACE = "av"
CELL, DAY, SAVE = "c", "d", "ok"
CHECK = "✅"

PART_LABELS = {
    Part.MORNING: N_("Morning"),
    Part.AFTERNOON: N_("Afternoon"),
    Part.EVENING: N_("Evening"),
}
PART_PLURALS = {
    Part.MORNING: N_("mornings"),
    Part.AFTERNOON: N_("afternoons"),
    Part.EVENING: N_("evenings"),
}
DAY_PLURALS = (
    N_("Mondays"),
    N_("Tuesdays"),
    N_("Wednesdays"),
    N_("Thursdays"),
    N_("Fridays"),
    N_("Saturdays"),
    N_("Sundays"),
)
WEEKDAYS, WEEKEND = tuple(range(5)), (5, 6)


def day_name(t: Translator, day: int) -> str:
    """The name of a weekday in this language, capitalised ("Monday", "Lundi", "Lunes")."""
    name = str(get_day_names("wide", locale=t.locale)[day])
    return name[:1].upper() + name[1:]


def hours_label(part: Part) -> str:
    """A part's local hours, "08:00-12:00" with an en dash."""
    start, end = HOURS[part]
    return f"{start:02d}:00\u2013{end:02d}:00"


def grid_keyboard(t: Translator, grid: Grid) -> Keyboard:
    """One row per day, its name then its three toggles (✅ when selected); Done last."""
    rows: list[tuple[Button, ...]] = []
    for day in range(DAYS):
        buttons = [Button(day_name(t, day), encode(NAMESPACE, DAY, grid.round, day))]
        for part in Part:
            label = t.plain(PART_LABELS[part])
            if grid.week.has(day, part):
                label = f"{CHECK} {label}"
            buttons.append(Button(label, encode(NAMESPACE, CELL, grid.round, cell(day, part))))
        rows.append(tuple(buttons))
    rows.append((Button(t.plain("Done"), encode(NAMESPACE, SAVE, grid.round)),))
    return tuple(rows)


def grid_text(t: Translator, grid: Grid) -> str:
    """The text above the grid."""
    return "\n".join(
        [
            t("🗓 <b>Your weekly availability</b>"),
            t(
                "In your local time ({city}): mornings {morning}, afternoons {afternoon},"
                " evenings {evening}.",
                city=t.zone_city(grid.zone),
                morning=hours_label(Part.MORNING),
                afternoon=hours_label(Part.AFTERNOON),
                evening=hours_label(Part.EVENING),
            ),
            t("Tap the times that usually suit you (✅ = available), then Done."),
        ]
    )


def _days(t: Translator, days: tuple[int, ...]) -> Html:
    if len(days) == DAYS:
        return Html(t("every day"))
    if days == WEEKDAYS:
        return Html(t("weekdays"))
    if days == WEEKEND:
        return Html(t("weekends"))
    return Html(t.join(t(DAY_PLURALS[day]) for day in days))


def week_in_words(t: Translator, week: Week) -> Html:
    """The saved week as people say it: "Mondays and Wednesdays, mornings; Fridays, evenings"."""
    said = ""
    for days, parts in week.groups():
        group = t(
            "{days}, {parts}",
            days=_days(t, days),
            parts=Html(t.join(t(PART_PLURALS[part]) for part in parts)),
        )
        said = t("{previous}; {next}", previous=Html(said), next=Html(group)) if said else group
    return Html(said)


def saved_text(t: Translator, week: Week, zone: str) -> str:
    """The confirmation of a saved week, in words, with how many hours it makes."""
    if week.empty:
        return t(
            "✅ Saved: no availability for now. Nobody can plan a meeting with you until you"
            " add some with /availability."
        )
    return "\n".join(
        [
            t("✅ <b>Availability saved</b>"),
            t(
                "You are usually free: {week} (your local time, {city}).",
                week=week_in_words(t, week),
                city=t.zone_city(zone),
            ),
            t.plural("That is {count} hour a week.", "That is {count} hours a week.", week.hours()),
            t("Send /meet to find a time with your pair."),
        ]
    )
