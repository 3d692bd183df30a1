"""Check-in figures for staff (/stats and /report), read in a worker thread.

Definitions (the /stats text says them briefly too):

- A check-in counts in the fortnight it was asked (`opened_at`). Fortnights are consecutive
  14-day buckets of local dates in the staff member's zone, the latest ending today: across a
  daylight-saving switch a bucket is 14 calendar days, not 336 hours.
- Response rate = answered / (answered + missed). Open check-ins count once they close; the
  ones closed without an answer being due (`closed`) never count.
- Average rating: over the answered check-ins. Its trend compares the latest fortnight with
  the one before (↗, ↘ or → when equal to one decimal).
- A pair at risk is an active pair with any of: a member whose latest answered check-in is
  rated 2 or less; an alert about it that nobody marked handled; a member who missed her
  latest two check-ins in a row; no check-in answered in the last 28 days although one was
  missed in that time.

Every figure covers the last FORTNIGHTS fortnights. Limited to a cohort, check-ins count by
the cohort they were asked in (`checkins.cohort`, index checkins_cohort), pairs by their
members' cohort (`applications.cohort`) and their check-ins through index checkins_pair.
SQLite aggregates per pair and fortnight; Python only adds those rows up.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.checkins.triggers import LOW_RATING_AT_MOST
from bot.cohorts.store import Cohort

FORTNIGHTS = 6  # the period of every figure: 12 weeks
FORTNIGHT_DAYS = 14
SILENT_DAYS = 28
MAX_OPEN_DAYS = 90  # a check-in is open until the next one is due: the longest cadence
SHOWN_PAIRS = 12  # the pairs (and pairs at risk) whose details are kept, worst first
UP, DOWN, FLAT = "↗", "↘", "→"


@dataclass(frozen=True)
class Tally:
    """Check-ins answered and missed, and the ratings of the answered ones."""

    answered: int = 0
    missed: int = 0
    rating_sum: int = 0
    rated: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.answered + other.answered,
            self.missed + other.missed,
            self.rating_sum + other.rating_sum,
            self.rated + other.rated,
        )

    @property
    def due(self) -> int:
        """Check-ins that were owed an answer (answered or missed)."""
        return self.answered + self.missed

    @property
    def rate(self) -> float | None:
        """answered / (answered + missed), None when none was due."""
        return self.answered / self.due if self.due else None

    @property
    def average(self) -> float | None:
        """The average rating of the answered check-ins, None when none is rated."""
        return self.rating_sum / self.rated if self.rated else None


@dataclass(frozen=True)
class Trend:
    """The average rating of the fortnight before the latest, and of the latest."""

    before: float | None
    last: float | None

    @property
    def arrow(self) -> str | None:
        """↗, ↘ or → (equal to one decimal); None without both averages."""
        if self.before is None or self.last is None:
            return None
        before, last = round(self.before, 1), round(self.last, 1)
        return UP if last > before else DOWN if last < before else FLAT


@dataclass(frozen=True)
class Fortnight:
    """One 14-day bucket of local dates (both ends included) and its check-ins."""

    first: date
    last: date
    tally: Tally


@dataclass(frozen=True)
class Group:
    """The figures of a cohort or of a pair."""

    tally: Tally
    trend: Trend


@dataclass(frozen=True)
class CohortFigures:
    """One cohort's figures (code None: check-ins of people in no cohort)."""

    code: str | None
    name: str | None
    figures: Group


@dataclass(frozen=True)
class PairFigures:
    """One active pair's figures, with its members' names."""

    pair_id: int
    mentor: str
    mentee: str
    figures: Group


class Why(StrEnum):
    """What puts a pair at risk."""

    LOW_RATING = "low_rating"  # a member's latest answered check-in is rated 2 or less
    ALERT = "alert"  # an alert about the pair that nobody marked handled
    MISSED = "missed"  # a member missed her latest two check-ins
    SILENT = "silent"  # nothing answered in SILENT_DAYS, though a check-in was missed


@dataclass(frozen=True)
class Reason:
    """One reason a pair is at risk: about a member (`who`), or the count of open alerts."""

    why: Why
    who: str = ""
    rating: int = 0
    count: int = 0


@dataclass(frozen=True)
class Risk:
    """An active pair at risk, and why."""

    pair_id: int
    mentor: str
    mentee: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class CheckinFigures:
    """Everything /stats and /report show about check-ins, over the last fortnights."""

    zone: str
    today: date
    cohort: Cohort | None
    fortnights: tuple[Fortnight, ...]  # oldest first, the latest ends today
    overall: Group
    cohorts: tuple[CohortFigures, ...]
    pairs: tuple[PairFigures, ...]  # at most SHOWN_PAIRS, lowest average rating first
    pairs_total: int  # active pairs with a check-in due in the period
    at_risk: tuple[Risk, ...]  # at most SHOWN_PAIRS, most reasons first
    at_risk_total: int

    @property
    def first_day(self) -> date:
        """The first local date of the period."""
        return self.fortnights[0].first

    @property
    def empty(self) -> bool:
        """Whether no check-in was asked in the period (nothing to chart)."""
        return not any(f.tally.due or f.tally.rated for f in self.fortnights) and not (
            self.at_risk_total
        )


def stamp(instant: datetime) -> str:
    """An instant as stored (ISO 8601 UTC, seconds)."""
    return instant.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def fortnight_days(today: date, count: int = FORTNIGHTS) -> list[tuple[date, date]]:
    """The first and last local dates of `count` fortnights, oldest first, the last ending
    today."""
    spans = []
    for k in reversed(range(count)):
        last = today - timedelta(days=FORTNIGHT_DAYS * k)
        spans.append((last - timedelta(days=FORTNIGHT_DAYS - 1), last))
    return spans


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local date starts in a zone (at a switch, the first valid instant)."""
    local = datetime.combine(day, time(0), zone)
    # 00:00 may not exist on a spring-forward day: normalise through UTC.
    return local.astimezone(ZoneInfo("UTC"))


def bucket_bounds(today: date, zone: ZoneInfo, count: int = FORTNIGHTS) -> list[str]:
    """The stored-form instants where each fortnight starts, oldest first, then the end."""
    spans = fortnight_days(today, count)
    starts = [stamp(midnight(first, zone)) for first, _ in spans]
    return [*starts, stamp(midnight(spans[-1][1] + timedelta(days=1), zone))]


def _bucket_sql(bounds: list[str]) -> tuple[str, list[str]]:
    """A CASE expression giving a check-in's fortnight (0 = oldest) from its opened_at."""
    cases = " ".join(
        f"WHEN opened_at >= ? THEN {index}" for index in reversed(range(len(bounds) - 1))
    )
    return f"CASE {cases} END", list(reversed(bounds[:-1]))


_TALLY = (
    "SUM(status = 'answered'), SUM(status = 'missed'),"
    " COALESCE(SUM(CASE WHEN status = 'answered' THEN rating END), 0),"
    " SUM(status = 'answered' AND rating IS NOT NULL)"
)


# A check-in's place in its member's order, `opened_at, id` (the latest is the greatest: " "
# sorts before any character of a stamp, ids are written with 13 digits), then its status
# and rating: "2026-11-20T15:00:00Z 1000000004242 answered 4".
_ORDER = "c.opened_at || ' ' || (1000000000000 + c.id)"
_MEMBER = (
    "MAX(CASE WHEN c.user_id = p.{who} AND c.status IN ('answered', 'missed')"
    f" THEN {_ORDER} || ' ' || c.status || ' ' || COALESCE(c.rating, '') END) AS {{who}}_due"
)
# When a member's latest due check-in was missed, the one before it ("~" sorts after any
# status: the latest's own key is not before it) and her latest answered one's rating.
_SECOND = (
    "CASE WHEN {who}_due LIKE '% missed %' THEN (SELECT c.status FROM checkins c"
    " WHERE c.pair_id = g.pair_id AND c.user_id = g.{who}"
    " AND c.status IN ('answered', 'missed') AND c.opened_at >= :since AND c.opened_at < :until"
    f" AND {_ORDER} || '~' < {{who}}_due"
    " ORDER BY c.opened_at DESC, c.id DESC LIMIT 1) END"
)
_RATED = (
    "CASE WHEN {who}_due LIKE '% missed %' THEN (SELECT c.rating FROM checkins c"
    " WHERE c.pair_id = g.pair_id AND c.user_id = g.{who} AND c.status = 'answered'"
    " AND c.opened_at >= :since AND c.opened_at < :until"
    " ORDER BY c.opened_at DESC, c.id DESC LIMIT 1) END"
)
_PER_PAIR = (
    "SELECT pair_id, mentor_id, mentee_id, last_answered, missed_recently,"
    " answered, missed, rating_sum, rated, last_sum, last_rated, before_sum, before_rated,"
    f" mentor_id_due, {_SECOND.format(who='mentor_id')}, {_RATED.format(who='mentor_id')},"
    f" mentee_id_due, {_SECOND.format(who='mentee_id')}, {_RATED.format(who='mentee_id')}"
    " FROM (SELECT p.id AS pair_id, p.mentor_id, p.mentee_id,"
    " MAX(c.answered_at) AS last_answered,"
    " SUM(c.status = 'missed' AND c.opened_at >= :recent) AS missed_recently,"
    " SUM(c.status = 'answered') AS answered, SUM(c.status = 'missed') AS missed,"
    " COALESCE(SUM(CASE WHEN c.status = 'answered' THEN c.rating END), 0) AS rating_sum,"
    " SUM(c.status = 'answered' AND c.rating IS NOT NULL) AS rated,"
    " SUM(CASE WHEN c.status = 'answered' AND c.opened_at >= :last THEN c.rating END)"
    " AS last_sum,"
    " SUM(c.status = 'answered' AND c.rating IS NOT NULL AND c.opened_at >= :last)"
    " AS last_rated,"
    " SUM(CASE WHEN c.status = 'answered' AND c.opened_at >= :before AND c.opened_at < :last"
    " THEN c.rating END) AS before_sum,"
    " SUM(c.status = 'answered' AND c.rating IS NOT NULL AND c.opened_at >= :before"
    " AND c.opened_at < :last) AS before_rated,"
    f" {_MEMBER.format(who='mentor_id')}, {_MEMBER.format(who='mentee_id')}"
    " FROM pairs p JOIN checkins c ON c.pair_id = p.id"
    " WHERE p.ended_at IS NULL{in_cohort} AND c.opened_at >= :since AND c.opened_at < :until"
    " GROUP BY p.id) g"
)


def _tally(row: tuple[int, ...] | sqlite3.Row) -> Tally:
    return Tally(*(int(value or 0) for value in row))


def _group(by_bucket: dict[int, Tally], count: int) -> Group:
    total = sum(by_bucket.values(), Tally())
    last, before = by_bucket.get(count - 1, Tally()), by_bucket.get(count - 2, Tally())
    return Group(total, Trend(before.average, last.average))


@dataclass
class _PairData:
    total: Tally = field(default_factory=Tally)
    last: Tally = field(default_factory=Tally)  # the latest fortnight's (ratings only)
    before: Tally = field(default_factory=Tally)  # the fortnight before it (ratings only)
    last_answered: str = ""
    missed_recently: bool = False

    def group(self) -> Group:
        return Group(self.total, Trend(self.before.average, self.last.average))


def _active_pairs(conn: sqlite3.Connection, cohort: Cohort | None) -> dict[int, tuple[int, int]]:
    """The active pairs in scope: id -> (mentor id, mentee id)."""
    sql = "SELECT id, mentor_id, mentee_id FROM pairs p WHERE ended_at IS NULL"
    params: list[object] = []
    if cohort is not None:
        member = (
            "EXISTS (SELECT 1 FROM applications a WHERE a.user_id = p.{0}"
            " AND lower(a.cohort) = lower(?))"
        )
        sql += f" AND ({member.format('mentor_id')} OR {member.format('mentee_id')})"
        params += [cohort.code, cohort.code]
    return {row[0]: (row[1], row[2]) for row in conn.execute(sql, params)}


def _names(conn: sqlite3.Connection, ids: set[int]) -> dict[int, str]:
    """Display names (first and last name, else #id) of people by id."""
    names = {user_id: f"#{user_id}" for user_id in ids}
    listed = sorted(ids)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for user_id, first, last in conn.execute(
            f"SELECT user_id, first_name, last_name FROM people WHERE user_id IN ({marks})", chunk
        ):
            full = " ".join(part for part in (first, last) if part)
            names[user_id] = full or f"#{user_id}"
    return names


def read_figures(
    conn: sqlite3.Connection,
    now: datetime,
    zone_name: str,
    cohort: Cohort | None,
    cohorts: dict[str, str],
    count: int = FORTNIGHTS,
) -> CheckinFigures:
    """The check-in figures as of `now`, fortnights in `zone_name` (runs in a worker thread).

    `cohorts` names the known cohorts (code -> name); program-wide, check-ins are read per
    cohort code and for no cohort, so that the checkins_cohort index bounds every read to
    the period (a check-in's cohort is a code of the `cohorts` table, or NULL: one with a
    code the table does not know would be left out of the cohort sums, not of its pair's).
    """
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    spans = fortnight_days(today, count)
    bounds = bucket_bounds(today, zone, count)
    since, until = bounds[0], bounds[-1]
    bucket, bucket_params = _bucket_sql(bounds)

    # Per cohort and fortnight, on index checkins_cohort (cohort, opened_at).
    if cohort is not None:
        scope, scope_params = "cohort = ?", [cohort.code]
    else:
        codes = sorted(cohorts)
        marks = ",".join("?" * len(codes))
        scope = f"(cohort IN ({marks}) OR cohort IS NULL)" if codes else "cohort IS NULL"
        scope_params = codes
    by_cohort: dict[str | None, dict[int, Tally]] = defaultdict(dict)
    # GROUP BY 1, 2: by cohort (or pair) and fortnight.
    for code, index, *counts in conn.execute(
        f"SELECT cohort, {bucket}, {_TALLY} FROM checkins"
        f" WHERE {scope} AND opened_at >= ? AND opened_at < ? GROUP BY 1, 2",
        [*bucket_params, *scope_params, since, until],
    ):
        by_cohort[code][index] = by_cohort[code].get(index, Tally()) + _tally(counts)
    totals: dict[int, Tally] = defaultdict(Tally)
    for buckets in by_cohort.values():
        for index, tally in buckets.items():
            totals[index] += tally
    fortnights = tuple(
        Fortnight(first, last, totals.get(index, Tally()))
        for index, (first, last) in enumerate(spans)
    )
    cohort_figures = tuple(
        sorted(
            (
                CohortFigures(code, cohorts.get(code) if code else None, _group(buckets, count))
                for code, buckets in by_cohort.items()
            ),
            key=lambda c: (c.code is None, (c.name or "").lower(), c.code or ""),
        )
    )

    # Per active pair, in one pass over its check-ins of the period (index checkins_pair):
    # its tally, the last two fortnights' ratings (its trend), its latest answer and recent
    # misses, and each member's latest due and latest answered check-in (the greatest
    # `opened_at, id` key, the status or rating appended), never a per-member lookup.
    active = _active_pairs(conn, cohort)
    recent = stamp(now - timedelta(days=SILENT_DAYS))
    in_cohort = (
        " AND (EXISTS (SELECT 1 FROM applications a WHERE a.user_id = p.mentor_id"
        " AND lower(a.cohort) = lower(:cohort)) OR EXISTS (SELECT 1 FROM applications a"
        " WHERE a.user_id = p.mentee_id AND lower(a.cohort) = lower(:cohort)))"
        if cohort is not None
        else ""
    )
    pairs: dict[int, _PairData] = {}
    latest: dict[tuple[int, int], list[str]] = {}
    latest_rating: dict[tuple[int, int], int | None] = {}
    named = {
        "since": since,
        "until": until,
        "recent": recent,
        "last": bounds[-2],  # where the latest fortnight starts
        "before": bounds[-3] if count > 1 else bounds[-2],  # and the one before it
    }
    if cohort is not None:
        named["cohort"] = cohort.code
    for row in conn.execute(_PER_PAIR.format(in_cohort=in_cohort), named):
        pair_id, mentor_id, mentee_id, last_answered, missed_recently = row[:5]
        data = pairs[pair_id] = _PairData()
        data.total = _tally(row[5:9])
        data.last = Tally(0, 0, int(row[9] or 0), int(row[10] or 0))
        data.before = Tally(0, 0, int(row[11] or 0), int(row[12] or 0))
        data.last_answered = last_answered or ""
        data.missed_recently = bool(missed_recently)
        for member, due, second, rated in ((mentor_id, *row[13:16]), (mentee_id, *row[16:19])):
            if due is None:  # no check-in due in the period
                continue
            status, rating = due.rsplit(" ", 2)[1:]
            latest[(pair_id, member)] = [status, *([second] if second else [])]
            if status == "answered":
                latest_rating[(pair_id, member)] = int(rating) if rating else None
            else:
                latest_rating[(pair_id, member)] = rated
    # Answers after the period's end cannot exist; answers of check-ins asked before it can
    # (one stays open until the next is due: MAX_OPEN_DAYS at most). Only a pair that would
    # be silent otherwise is looked at again.
    oldest = stamp(midnight(spans[0][0], zone) - timedelta(days=MAX_OPEN_DAYS))
    silent = sorted(
        pair_id
        for pair_id, data in pairs.items()
        if data.missed_recently and data.last_answered < recent
    )
    for start in range(0, len(silent), 500):
        chunk = silent[start : start + 500]
        for pair_id, last_answered in conn.execute(
            f"SELECT pair_id, MAX(answered_at) FROM checkins WHERE pair_id IN"
            f" ({','.join('?' * len(chunk))}) AND opened_at >= ? AND opened_at < ?"
            " AND answered_at >= ? GROUP BY pair_id",
            [*chunk, oldest, since, recent],
        ):
            data = pairs[pair_id]
            data.last_answered = max(data.last_answered, last_answered or "")

    open_alerts: dict[int, int] = defaultdict(int)
    for pair_id, alerts in conn.execute(
        "SELECT pair_id, COUNT(*) FROM checkin_alerts WHERE handled_at IS NULL GROUP BY pair_id"
    ):
        open_alerts[pair_id] += alerts

    # Reasons, by member id (names are read for the pairs shown only).
    found: dict[int, list[tuple[Why, int, int, int]]] = {}
    for pair_id, (mentor_id, mentee_id) in active.items():
        reasons: list[tuple[Why, int, int, int]] = []
        for member in (mentor_id, mentee_id):
            rating = latest_rating.get((pair_id, member))
            if rating is not None and rating <= LOW_RATING_AT_MOST:
                reasons.append((Why.LOW_RATING, member, rating, 0))
        if open_alerts.get(pair_id):
            reasons.append((Why.ALERT, 0, 0, open_alerts[pair_id]))
        for member in (mentor_id, mentee_id):
            statuses = latest.get((pair_id, member), [])
            if statuses == ["missed", "missed"]:
                reasons.append((Why.MISSED, member, 0, 0))
        seen = pairs.get(pair_id)
        if seen is not None and seen.missed_recently and seen.last_answered < recent:
            reasons.append((Why.SILENT, 0, 0, 0))
        if reasons:
            found[pair_id] = reasons

    def severity(pair_id: int) -> tuple[int, int, int]:
        ratings = [r[2] for r in found[pair_id] if r[0] == Why.LOW_RATING]
        return (-len(found[pair_id]), min(ratings, default=6), pair_id)

    shown_risks = sorted(found, key=severity)[:SHOWN_PAIRS]
    with_figures = [(pair_id, data.group()) for pair_id, data in pairs.items() if pair_id in active]
    with_figures = [(pair_id, group) for pair_id, group in with_figures if group.tally.due]
    with_figures.sort(
        key=lambda item: (
            item[1].tally.average if item[1].tally.average is not None else 6.0,
            item[1].tally.rate if item[1].tally.rate is not None else 2.0,
            item[0],
        )
    )
    shown_pairs = with_figures[:SHOWN_PAIRS]
    ids = {m for p in [*shown_risks, *(p for p, _ in shown_pairs)] for m in active[p]}
    names = _names(conn, ids)
    risks = tuple(
        Risk(
            pair_id,
            names[active[pair_id][0]],
            names[active[pair_id][1]],
            tuple(
                Reason(why, names.get(who, ""), rating, alerts)
                for why, who, rating, alerts in found[pair_id]
            ),
        )
        for pair_id in shown_risks
    )
    return CheckinFigures(
        zone=zone_name,
        today=today,
        cohort=cohort,
        fortnights=fortnights,
        overall=_group(totals, count),
        cohorts=cohort_figures,
        pairs=tuple(
            PairFigures(pair_id, names[active[pair_id][0]], names[active[pair_id][1]], group)
            for pair_id, group in shown_pairs
        ),
        pairs_total=len(with_figures),
        at_risk=risks,
        at_risk_total=len(found),
    )
