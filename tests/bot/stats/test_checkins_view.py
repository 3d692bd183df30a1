"""The check-in section of /stats: within one Telegram message however many pairs there are."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.runtime.i18n import catalogs
from bot.runtime.split import TEXT_LIMIT, visible_length
from bot.stats.checkins import SHOWN_PAIRS, Group, PairFigures, Tally, Trend
from bot.stats.checkins_view import SHOWN_IN_STATS, checkins_text
from tests.bot.stats.test_report import figures


def test_a_long_list_of_pairs_ends_with_how_many_more() -> None:
    many = replace(
        figures(at_risk=SHOWN_PAIRS),
        at_risk_total=500,
        pairs=tuple(
            PairFigures(n, "Ana " * 10, "Fatou " * 10, Group(Tally(3, 1, 9, 3), Trend(2.0, 3.5)))
            for n in range(SHOWN_PAIRS)
        ),
        pairs_total=700,
    )
    text = checkins_text(catalogs().get("en"), many)
    assert visible_length(text) < TEXT_LIMIT
    assert f"… and {700 - SHOWN_IN_STATS} more" in text
    assert f"… and {500 - SHOWN_IN_STATS} more" in text
    assert "⚠️ <b>500 pairs at risk</b>" in text
    assert len(re.findall("^• Zoé", text, re.MULTILINE)) == SHOWN_IN_STATS
    assert "75% answered (3 of 4 check-ins) · average rating 3.0/5, ↗ from 2.0 to 3.5" in text


def test_names_are_escaped_and_words_translated() -> None:
    text = checkins_text(catalogs().get("es"), figures(at_risk=1))
    assert "José Ñúñez $x$ valoró con 2/5 el último seguimiento y 2 alertas sin atender" in text
    assert "<b>Seguimientos</b>, últimas 12 semanas" in text
    hostile = replace(
        figures(at_risk=1),
        at_risk=(replace(figures(at_risk=1).at_risk[0], mentor="<i>Eve</i>"),),
    )
    assert "&lt;i&gt;Eve&lt;/i&gt; y José" in checkins_text(catalogs().get("es"), hostile)
