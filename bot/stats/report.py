"""The /report chart (no I/O): check-in figures in, a PNG out.

`chart_of` puts the figures into words in the staff member's language (dates in her zone were
already fixed by the figures' fortnights); `render` draws them with matplotlib's Agg canvas,
never a GUI backend nor pyplot's global state, so it may run in a worker thread.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_interval

from bot.runtime.i18n import Html, Translator
from bot.stats.checkins import SHOWN_PAIRS, CheckinFigures
from bot.stats.checkins_view import more_text, percent, period_text, rating, risk_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 10.0, 13.0, 100  # 1000 x 1300 pixels: a photo Telegram shows whole
SIZE = (int(WIDTH * DPI), int(HEIGHT * DPI))
RISKS_DRAWN = SHOWN_PAIRS
UPPER_LEFT, LOWER_LEFT = 2, 3  # matplotlib's legend location codes
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"))
_LOCK = threading.Lock()  # one figure drawn at a time: the font cache is shared


@dataclass(frozen=True)
class Chart:
    """What the chart shows, every word already in the staff member's language."""

    title: str
    subtitle: str
    fortnights: tuple[str, ...]  # the x labels (babel: "Sep 9 - 22"), oldest first
    rates: tuple[float | None, ...]  # response rate per fortnight, 0..1
    counts: tuple[str, ...]  # "25/30" under each bar ("" when none was due)
    ratings: tuple[float | None, ...]  # average rating per fortnight, 1..5
    rate_label: str
    rate_axis: str
    rating_label: str
    rating_axis: str
    fortnight_axis: str
    risk_title: str
    risks: tuple[str, ...]  # one line per pair at risk ("Ana and Fatou: ..."), then "… and 3 more"
    number: tuple[str, ...]  # rates and ratings as written in her locale, bars then points

    @property
    def labels(self) -> tuple[str, ...]:
        """Every word the chart shows (tests read the language from here)."""
        return (
            self.title,
            self.subtitle,
            *self.fortnights,
            self.rate_label,
            self.rate_axis,
            self.rating_label,
            self.rating_axis,
            self.fortnight_axis,
            self.risk_title,
            *self.risks,
        )


def chart_of(t: Translator, figures: CheckinFigures) -> Chart:
    """The chart of the figures in a staff member's language."""
    cohort = figures.cohort
    title = (
        t.plain("Check-ins: {cohort}", cohort=Html(cohort_label_plain(t, cohort.code, cohort.name)))
        if cohort is not None
        else t.plain("Check-ins: the whole program")
    )
    rates = tuple(f.tally.rate for f in figures.fortnights)
    ratings = tuple(f.tally.average for f in figures.fortnights)
    risks = [risk_text(t, risk, html=False) for risk in figures.at_risk[:RISKS_DRAWN]]
    if figures.at_risk_total > len(risks):
        risks.append(more_text(t, figures.at_risk_total - len(risks)))
    return Chart(
        title=title,
        subtitle=period_text(t, figures),
        fortnights=tuple(
            format_interval(f.first, f.last, "MMMd", locale=t.locale) for f in figures.fortnights
        ),
        rates=rates,
        counts=tuple(
            f"{t.number(f.tally.answered)}/{t.number(f.tally.due)}" if f.tally.due else ""
            for f in figures.fortnights
        ),
        ratings=ratings,
        rate_label=t.plain("Response rate"),
        rate_axis=t.plain("Answered (%)"),
        rating_label=t.plain("Average rating"),
        rating_axis=t.plain("Rating (1 to 5)"),
        fortnight_axis=t.plain("Fortnight"),
        risk_title=t.plain("Pairs at risk: {count}", count=Html(t.number(figures.at_risk_total)))
        if figures.at_risk_total
        else t.plain("No pair at risk"),
        risks=tuple(risks),
        number=(
            *(percent(t, r) if r is not None else "" for r in rates),
            *(rating(t, r) if r is not None else "" for r in ratings),
        ),
    )


def cohort_label_plain(t: Translator, code: str, name: str) -> str:
    """A cohort's name and code for plain text."""
    return t.plain("{name} ({code})", name=name, code=code)


def _config_dir() -> None:
    """Gives matplotlib a writable cache for its font list (built on first use): a fresh
    machine or a CI runner may have no writable home, and then every start rebuilds it."""
    if "MPLCONFIGDIR" not in os.environ:
        home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        if not os.access(home if home.exists() else home.parent, os.W_OK):
            folder = Path(tempfile.gettempdir()) / f"passerelle-matplotlib-{os.getuid()}"
            folder.mkdir(exist_ok=True)
            os.environ["MPLCONFIGDIR"] = str(folder)


def _plain(text: str) -> str:
    """Text as matplotlib draws it: no bidi controls (it would draw them as boxes)."""
    return text.translate(_BIDI_CONTROLS)


def figure(chart: Chart) -> Figure:
    """The chart as a matplotlib figure (not drawn yet)."""
    _config_dir()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    grid = fig.add_gridspec(3, 1, height_ratios=(3, 3, 3.4), hspace=0.45, top=0.9, bottom=0.03)
    fig.suptitle(_plain(chart.title), fontsize=18, fontweight="bold", y=0.975)
    fig.text(0.5, 0.935, _plain(chart.subtitle), ha="center", fontsize=12, color="#555555")
    positions = list(range(len(chart.fortnights)))
    labels = [_plain(label) for label in chart.fortnights]
    count = len(chart.fortnights)

    bars = fig.add_subplot(grid[0])
    heights = [100 * r if r is not None else 0.0 for r in chart.rates]
    bars.bar(positions, heights, color="#2a7ab9", label=_plain(chart.rate_label), width=0.6)
    for x, height, text, tally in zip(
        positions, heights, chart.number[:count], chart.counts, strict=True
    ):
        if text:
            bars.text(x, height + 2, _plain(text), ha="center", va="bottom", fontsize=11)
            bars.text(x, 3, _plain(tally), ha="center", va="bottom", fontsize=9, color="white")
    bars.set_ylim(0, 115)
    bars.set_yticks([0, 25, 50, 75, 100])
    bars.set_ylabel(_plain(chart.rate_axis))
    bars.set_xticks(positions, labels)
    bars.set_xlabel(_plain(chart.fortnight_axis))
    bars.legend(loc=UPPER_LEFT, fontsize=10)
    bars.spines[["top", "right"]].set_visible(False)

    line = fig.add_subplot(grid[1])
    points = [r if r is not None else math.nan for r in chart.ratings]
    line.plot(
        positions,
        points,
        marker="o",
        markersize=8,
        linewidth=2.5,
        color="#d9822b",
        label=_plain(chart.rating_label),
    )
    for x, value, text in zip(positions, points, chart.number[count:], strict=True):
        if text:
            line.text(x, value + 0.2, _plain(text), ha="center", va="bottom", fontsize=11)
    line.set_ylim(0.5, 5.7)
    line.set_yticks([1, 2, 3, 4, 5])
    line.set_xlim(-0.5, count - 0.5)
    line.set_ylabel(_plain(chart.rating_axis))
    line.set_xticks(positions, labels)
    line.set_xlabel(_plain(chart.fortnight_axis))
    line.legend(loc=LOWER_LEFT, fontsize=10)
    line.grid(axis="y", alpha=0.3)
    line.spines[["top", "right"]].set_visible(False)

    risks = fig.add_subplot(grid[2])
    risks.axis("off")
    risks.set_title(_plain(chart.risk_title), loc="left", fontsize=14, fontweight="bold")
    step = 1 / (RISKS_DRAWN + 1)
    for index, text in enumerate(chart.risks):
        shown = _plain(text)
        shown = shown if len(shown) <= 110 else shown[:109] + "…"
        risks.text(0.0, 1 - (index + 0.5) * step, shown, fontsize=10.5, va="center")
    return fig


def render(chart: Chart) -> bytes:
    """The chart as PNG bytes (SIZE pixels)."""
    _config_dir()
    import matplotlib

    with _LOCK, matplotlib.rc_context({"text.parse_math": False}), warnings.catch_warnings():
        # A letter the font lacks (a name in another script) is drawn as a box, not an error.
        warnings.filterwarnings("ignore", category=UserWarning, module=r"matplotlib\.")
        fig = figure(chart)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
