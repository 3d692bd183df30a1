"""The /report chart: a PNG that opens, of the expected size, in the staff member's language."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from bot.runtime.i18n import catalogs
from bot.stats.checkins import (
    CheckinFigures,
    Fortnight,
    Group,
    Reason,
    Risk,
    Tally,
    Trend,
    Why,
    fortnight_days,
)
from bot.stats.report import SIZE, chart_of, figure, render

TODAY = date(2027, 6, 30)


def figures(at_risk: int = 3) -> CheckinFigures:
    """Six fortnights of figures, the second one with nothing due, and pairs at risk."""
    tallies = [Tally(8, 2, 30, 8), Tally(), Tally(5, 5, 12, 5), Tally(9, 1, 36, 9)]
    tallies += [Tally(7, 3, 21, 7), Tally(10, 0, 42, 10)]
    risks = tuple(
        Risk(
            n,
            f"Zoé {n}",
            "José Ñúñez $x$",
            (Reason(Why.LOW_RATING, "José Ñúñez $x$", 2), Reason(Why.ALERT, count=2)),
        )
        for n in range(min(at_risk, 12))
    )
    return CheckinFigures(
        zone="America/Toronto",
        today=TODAY,
        cohort=None,
        fortnights=tuple(
            Fortnight(first, last, tally)
            for (first, last), tally in zip(fortnight_days(TODAY), tallies, strict=True)
        ),
        overall=Group(sum(tallies, Tally()), Trend(3.0, 4.2)),
        cohorts=(),
        pairs=(),
        pairs_total=0,
        at_risk=risks,
        at_risk_total=at_risk,
    )


def test_the_chart_is_a_png_of_the_expected_size() -> None:
    png = render(chart_of(catalogs().get("en"), figures(at_risk=15)))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == SIZE
    width, height = SIZE
    # What Telegram accepts as a photo: 10 MB, width + height at most 10000, ratio at most 20.
    assert len(png) < 10_000_000 and width + height <= 10_000 and max(SIZE) / min(SIZE) <= 20


def test_labels_and_dates_are_in_the_staff_members_language() -> None:
    t = catalogs().get("fr")
    chart = chart_of(t, figures(at_risk=15))
    assert chart.title == "Points d\u2019étape\u00a0: tout le programme"
    assert chart.rate_axis == "Réponses (%)" and chart.rating_label == "Note moyenne"
    assert chart.fortnights[-1] == "17\u201330 juin"
    assert chart.number[0] == "80\u00a0%" and chart.number[-1] == "4,2"
    assert chart.risks[-1] == "… et 3 de plus"
    assert "José Ñúñez $x$ a donné 2/5 au dernier point d\u2019étape" in chart.risks[0]
    drawn = {
        text.get_text() for text in figure(chart).findobj(match=lambda o: hasattr(o, "get_text"))
    }  # type: ignore[attr-defined]
    for label in (chart.title, chart.rate_axis, chart.rating_axis, chart.fortnight_axis):
        assert label in drawn, label
    assert "17\u201330 juin" in drawn and chart.risk_title in drawn
