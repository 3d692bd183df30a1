"""Check-in figures from rows written straight into the tables, at an injected instant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core import Core, build_core
from bot.runtime.clock import FrozenClock
from bot.runtime.settings import Settings
from bot.stats import checkins
from bot.stats.checkins import (
    DOWN,
    FLAT,
    UP,
    Trend,
    Why,
    bucket_bounds,
    fortnight_days,
)
from tests.bot.stats.checkin_rows import alert, checkin, cohort, pair, person

NOW = datetime(2027, 6, 30, 16, 0, tzinfo=UTC)  # noon in Toronto
ZONE = "America/Toronto"
DAY = timedelta(days=1)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, db=tmp_path / "stats.db", admins=(1,))  # type: ignore[call-arg]
    built = await build_core(settings, FrozenClock(NOW))
    yield built
    await built.close()


async def a_pair(core: Core, first: int, cohort_code: str | None = None) -> tuple[int, int, int]:
    """A mentor and a mentee (ids first, first + 1) paired, with their pair id."""
    mentor = await person(core, first, f"Mentor{first}", cohort_code)
    mentee = await person(core, first + 1, f"Mentee{first}", cohort_code)
    return await pair(core, mentor, mentee), mentor, mentee


async def test_rate_average_and_trend_of_a_pair(core: Core) -> None:
    pair_id, ana, fatou = await a_pair(core, 10)
    # The fortnight before the latest: rated 3, and one missed.
    await checkin(core, pair_id, ana, NOW - 20 * DAY, "answered", 3)
    await checkin(core, pair_id, fatou, NOW - 20 * DAY, "missed")
    # The latest fortnight: rated 4 and 5; an open one does not count yet, a closed one never.
    await checkin(core, pair_id, ana, NOW - 6 * DAY, "answered", 4)
    await checkin(core, pair_id, fatou, NOW - 6 * DAY, "answered", 5)
    await checkin(core, pair_id, ana, NOW - 1 * DAY, "open")
    await checkin(core, pair_id, fatou, NOW - 2 * DAY, "closed")
    # Before the period (12 weeks): not counted.
    await checkin(core, pair_id, ana, NOW - 100 * DAY, "answered", 1)
    figures = await core.stats.checkins(ZONE)
    overall = figures.overall
    assert (overall.tally.answered, overall.tally.missed) == (3, 1)
    assert overall.tally.rate == 0.75 and overall.tally.average == 4.0
    assert (overall.trend.before, overall.trend.last, overall.trend.arrow) == (3.0, 4.5, UP)
    (shown,) = figures.pairs
    assert (shown.mentor, shown.mentee) == ("Mentor10", "Mentee10")
    assert shown.figures == overall
    assert [f.tally.due for f in figures.fortnights] == [0, 0, 0, 0, 2, 2]
    assert figures.fortnights[-1].last == date(2027, 6, 30)
    assert figures.at_risk_total == 0 and not figures.empty


def test_the_trend_arrow_compares_to_one_decimal() -> None:
    assert Trend(3.0, 3.04).arrow == FLAT
    assert Trend(3.0, 3.2).arrow == UP
    assert Trend(4.0, 2.5).arrow == DOWN
    assert Trend(None, 4.0).arrow is None


async def test_each_rule_that_puts_a_pair_at_risk(core: Core) -> None:
    low, m1, e1 = await a_pair(core, 10)
    await checkin(core, low, e1, NOW - 30 * DAY, "answered", 5)
    await checkin(core, low, e1, NOW - 5 * DAY, "answered", 2)
    await checkin(core, low, m1, NOW - 5 * DAY, "answered", 5)  # the other one is fine
    recovered, m2, _ = await a_pair(core, 20)
    await checkin(core, recovered, m2, NOW - 30 * DAY, "answered", 1)
    await checkin(core, recovered, m2, NOW - 5 * DAY, "answered", 4)
    alerted, m3, _ = await a_pair(core, 30)
    await alert(core, alerted, m3)
    await alert(core, alerted, m3)
    handled, m4, _ = await a_pair(core, 40)
    await alert(core, handled, m4, handled=True)
    await checkin(core, handled, m4, NOW - 5 * DAY, "answered", 4)
    missing, m5, e5 = await a_pair(core, 50)
    await checkin(core, missing, e5, NOW - 30 * DAY, "missed")
    await checkin(core, missing, e5, NOW - 16 * DAY, "missed")
    await checkin(core, missing, m5, NOW - 16 * DAY, "answered", 4)
    alternating, m6, e6 = await a_pair(core, 60)
    await checkin(core, alternating, m6, NOW - 40 * DAY, "missed")
    await checkin(core, alternating, e6, NOW - 26 * DAY, "missed")
    await checkin(core, alternating, m6, NOW - 12 * DAY, "answered", 4)
    silent, m7, e7 = await a_pair(core, 70)
    await checkin(core, silent, m7, NOW - 40 * DAY, "answered", 4)
    await checkin(core, silent, e7, NOW - 10 * DAY, "missed")
    await checkin(core, silent, m7, NOW - 2 * DAY, "open")
    ended_id = await pair(
        core, await person(core, 80, "Gone"), await person(core, 81, "Gone"), True
    )
    await checkin(core, ended_id, 80, NOW - 5 * DAY, "answered", 1)
    await alert(core, ended_id, 80)

    figures = await core.stats.checkins(ZONE)
    reasons = {
        risk.pair_id: {
            (reason.why, reason.who, reason.rating, reason.count) for reason in risk.reasons
        }
        for risk in figures.at_risk
    }
    assert reasons == {
        low: {(Why.LOW_RATING, "Mentee10", 2, 0)},
        alerted: {(Why.ALERT, "", 0, 2)},
        missing: {(Why.MISSED, "Mentee50", 0, 0)},
        silent: {(Why.SILENT, "", 0, 0)},
    }
    assert figures.at_risk_total == 4
    assert figures.at_risk[0].pair_id == low  # the lowest rating first among equals


async def test_the_latest_check_ins_go_by_when_asked_then_by_id(core: Core) -> None:
    # Each member's latest two due check-ins and latest rating, read in one pass per pair:
    # the order is opened_at, then id (rows written out of order, and two at one instant).
    twice, m1, e1 = await a_pair(core, 10)
    await checkin(core, twice, m1, NOW - 12 * DAY, "missed")
    await checkin(core, twice, m1, NOW - 40 * DAY, "answered", 5)
    await checkin(core, twice, m1, NOW - 26 * DAY, "missed")
    await checkin(core, twice, m1, NOW - 5 * DAY, "open")  # not due yet: not counted
    await checkin(core, twice, e1, NOW - 12 * DAY, "missed")
    await checkin(core, twice, e1, NOW - 26 * DAY, "answered", 4)
    await checkin(core, twice, e1, NOW - 40 * DAY, "missed")
    tie, m2, e2 = await a_pair(core, 20)
    await checkin(core, tie, m2, NOW - 12 * DAY, "answered", 5)
    await checkin(core, tie, m2, NOW - 12 * DAY, "answered", 2)  # the later id: the latest
    await checkin(core, tie, e2, NOW - 12 * DAY, "missed")
    await checkin(core, tie, e2, NOW - 12 * DAY, "missed")
    await checkin(core, tie, e2, NOW - 11 * DAY, "answered", 3, answered=NOW - 11 * DAY)
    before, m3, e3 = await a_pair(core, 30)
    await checkin(core, before, m3, NOW - 20 * DAY, "missed")
    await checkin(core, before, m3, NOW - 3 * DAY, "missed")
    await checkin(core, before, m3, NOW - 100 * DAY, "missed")  # before the period
    # A check-in asked before the period but answered in the last 28 days: not silent.
    await checkin(core, before, e3, NOW - 90 * DAY, "answered", 4, answered=NOW - 10 * DAY)
    # Her latest answer rated 1, then a check-in missed: the rating still counts.
    low, m4, _ = await a_pair(core, 40)
    await checkin(core, low, m4, NOW - 20 * DAY, "answered", 1)
    await checkin(core, low, m4, NOW - 6 * DAY, "missed")

    figures = await core.stats.checkins(ZONE)
    reasons = {
        risk.pair_id: {(reason.why, reason.who, reason.rating) for reason in risk.reasons}
        for risk in figures.at_risk
    }
    assert reasons == {
        twice: {(Why.MISSED, "Mentor10", 0)},
        tie: {(Why.LOW_RATING, "Mentor20", 2)},
        before: {(Why.MISSED, "Mentor30", 0)},
        low: {(Why.LOW_RATING, "Mentor40", 1)},
    }


async def test_fortnights_are_local_dates_across_a_dst_switch(core: Core) -> None:
    # Toronto moved its clocks forward on 14 March 2027: the latest fortnight, 7 to 20 March,
    # starts at midnight EST (05:00 UTC) and ends at midnight EDT (04:00 UTC).
    today = date(2027, 3, 20)
    assert fortnight_days(today, 2) == [
        (date(2027, 2, 21), date(2027, 3, 6)),
        (date(2027, 3, 7), date(2027, 3, 20)),
    ]
    assert bucket_bounds(today, ZoneInfo(ZONE), 2) == [
        "2027-02-21T05:00:00Z",
        "2027-03-07T05:00:00Z",
        "2027-03-21T04:00:00Z",
    ]
    clock = core.clock
    assert isinstance(clock, FrozenClock)
    clock.set(datetime(2027, 3, 21, 3, 59, tzinfo=UTC))  # 23:59 on 20 March in Toronto
    pair_id, ana, fatou = await a_pair(core, 10)
    await checkin(core, pair_id, ana, datetime(2027, 3, 7, 4, 30, tzinfo=UTC), "answered", 2)
    await checkin(core, pair_id, fatou, datetime(2027, 3, 7, 5, 0, tzinfo=UTC), "answered", 4)
    await checkin(core, pair_id, ana, datetime(2027, 3, 21, 3, 30, tzinfo=UTC), "answered", 5)
    figures = await core.stats.checkins(ZONE)
    assert figures.today == today
    *_, before, latest = figures.fortnights
    assert (before.first, before.last, before.tally.rated) == (
        date(2027, 2, 21),
        date(2027, 3, 6),
        1,
    )
    assert (latest.first, latest.last, latest.tally.average) == (date(2027, 3, 7), today, 4.5)
    # In Paris it is already 21 March: a new fortnight has begun there.
    paris = await core.stats.checkins("Europe/Paris")
    assert paris.today == date(2027, 3, 21)
    assert paris.fortnights[-1].tally.average == 5.0


async def test_a_cohort_limits_every_figure(core: Core) -> None:
    await cohort(core, "spring27", "Spring 2027")
    await cohort(core, "fall27", "Fall 2027")
    spring, s1, s2 = await a_pair(core, 10, "spring27")
    fall, f1, f2 = await a_pair(core, 20, "FALL27")  # codes compare in any case
    loose, l1, _ = await a_pair(core, 30)
    await checkin(core, spring, s1, NOW - 3 * DAY, "answered", 5, cohort="spring27")
    await checkin(core, spring, s2, NOW - 3 * DAY, "missed", cohort="spring27")
    await checkin(core, spring, s2, NOW - 17 * DAY, "missed", cohort="spring27")
    await checkin(core, fall, f1, NOW - 3 * DAY, "answered", 1, cohort="fall27")
    await checkin(core, fall, f2, NOW - 3 * DAY, "answered", 3, cohort="fall27")
    await checkin(core, loose, l1, NOW - 3 * DAY, "answered", 4)

    everyone = await core.stats.checkins(ZONE)
    assert everyone.overall.tally.due == 6
    assert {(c.code, c.name, c.figures.tally.due) for c in everyone.cohorts} == {
        ("fall27", "Fall 2027", 2),
        ("spring27", "Spring 2027", 3),
        (None, None, 1),
    }
    assert {risk.pair_id for risk in everyone.at_risk} == {spring, fall}

    chosen = await core.cohorts.get("SPRING27")
    assert chosen is not None and chosen.code == "spring27"
    limited = await core.stats.checkins(ZONE, chosen)
    assert (limited.overall.tally.answered, limited.overall.tally.missed) == (1, 2)
    assert [c.code for c in limited.cohorts] == ["spring27"]
    assert [p.pair_id for p in limited.pairs] == [spring]
    assert [risk.pair_id for risk in limited.at_risk] == [spring]
    assert [r.why for r in limited.at_risk[0].reasons] == [Why.MISSED]

    applications = await core.stats.figures(chosen)
    assert applications.applications == 2 and applications.active_pairs == 1
    assert (await core.stats.figures()).active_pairs == 3
    assert await core.cohorts.get("nope") is None
    assert [c.code for c in await core.cohorts.known()] == ["fall27", "spring27"]


async def test_no_check_in_yet_is_empty(core: Core) -> None:
    await a_pair(core, 10)
    figures = await core.stats.checkins(ZONE)
    assert figures.empty and figures.pairs == () and figures.at_risk == ()
    assert len(figures.fortnights) == 6


async def test_the_reads_use_the_check_in_indexes(core: Core) -> None:
    await cohort(core, "spring27", "Spring 2027")
    plans: list[str] = []
    with core.db.snapshot() as conn:
        original = conn.execute

        class Spy:
            """Runs each statement after recording its query plan."""

            def execute(self, sql: str, params: object = ()) -> object:
                plan = original(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()  # type: ignore[arg-type]
                if "FROM checkins" in sql:
                    plans.append(" | ".join(str(row[-1]) for row in plan))
                return original(sql, params)  # type: ignore[arg-type]

        for chosen in (None, await core.cohorts.get("spring27")):
            checkins.read_figures(Spy(), NOW, ZONE, chosen, {"spring27": "Spring 2027"})  # type: ignore[arg-type]
    assert plans
    for plan in plans:
        assert "checkins_cohort" in plan or "checkins_pair" in plan, plan
        assert "SCAN checkins" not in plan.replace("USING INDEX", "~"), plan
