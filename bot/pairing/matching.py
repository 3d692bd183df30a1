"""Pairing suggestions: mentor-mentee compatibility and an optimal assignment within capacities.

Pure code: no I/O, no Telegram, no translation. Reasons are returned as values
(shared languages, same sector, destination match, overlap hours) for the caller
to render in each person's language.

A pair is compatible only when mentor and mentee share at least one language.
The score of a compatible pair is the sum of:

- ``BASE_SCORE`` = 100, for any compatible pair;
- ``SAME_SECTOR_BONUS`` = 30 when both chose the same sector;
- ``DESTINATION_BONUS`` = 30 when the mentee's country is the mentor's destination, or
  ``NO_PREFERENCE_BONUS`` = 20 when the mentor has no preferred destination: that counts
  as a destination match in the reasons, but a mentor who asked for the mentee's
  country is preferred to one who did not mind;
- ``OVERLAP_BONUS_PER_HOUR`` = 2 per hour of shared waking time (0 to 13 hours).

The highest possible score, ``MAX_SCORE``, is 186.

Waking hours are 08:00-21:00 local time, every day. The overlap of two people is the
number of hours in a day during which both are awake, using each zone's UTC offset
at local noon of the reference date (so daylight saving time is taken into account).
As waking hours repeat daily, zones far apart can share time across midnight UTC
(Asia/Manila and America/Vancouver share 4 to 5 hours), and two 13-hour windows in a
24-hour day always share at least 2 hours: scores lie between 104 and ``MAX_SCORE``.

``suggest_pairs`` maximizes first the number of pairs, then the total score. A fixed
base alone cannot guarantee that order (two pairs scoring 186 outweigh three scoring
100), so the solver adds to every compatible pair a priority weight larger than the
largest possible total score of all pairs in the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # imported where used: numpy costs every start a quarter of a second
    import numpy as np
    from numpy.typing import NDArray

Language = str  # "fr" | "en" | "es"

BASE_SCORE = 100.0
SAME_SECTOR_BONUS = 30.0
DESTINATION_BONUS = 30.0
NO_PREFERENCE_BONUS = 20.0
OVERLAP_BONUS_PER_HOUR = 2.0

WAKING_START = time(8, 0)
WAKING_END = time(21, 0)

_DAY_SECONDS = 24 * 3600
_WAKING_SECONDS = (WAKING_END.hour - WAKING_START.hour) * 3600 + (
    WAKING_END.minute - WAKING_START.minute
) * 60
MAX_OVERLAP_HOURS = _WAKING_SECONDS / 3600
MAX_SCORE = (
    BASE_SCORE
    + SAME_SECTOR_BONUS
    + max(DESTINATION_BONUS, NO_PREFERENCE_BONUS)
    + OVERLAP_BONUS_PER_HOUR * MAX_OVERLAP_HOURS
)


@dataclass(frozen=True)
class MentorProfile:
    """A mentor as seen by the pairing: languages, sector, destination, zone, places left."""

    user_id: int
    languages: frozenset[str]
    sector: str
    destination: str | None
    timezone: str
    capacity: int


@dataclass(frozen=True)
class MenteeProfile:
    """A mentee as seen by the pairing: languages, sector, country and zone."""

    user_id: int
    languages: frozenset[str]
    sector: str
    country: str
    timezone: str


@dataclass(frozen=True)
class Compatibility:
    """How well a mentor and a mentee fit, with the reasons behind the score."""

    score: float
    shared_languages: frozenset[str]
    same_sector: bool
    destination_match: bool
    overlap_hours: float


@dataclass(frozen=True)
class Suggestion:
    """One suggested pair and why."""

    mentor_id: int
    mentee_id: int
    compatibility: Compatibility


@lru_cache(maxsize=4096)
def _utc_offset_seconds(tz: str, on: date) -> int:
    """Return the UTC offset of a zone at local noon on a date, in seconds."""
    offset = datetime.combine(on, time(12, 0), tzinfo=ZoneInfo(tz)).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _circular_overlap_seconds(offset_a: int, offset_b: int) -> int:
    """Return the daily overlap of two waking windows whose zones have these UTC offsets."""
    shift = (offset_a - offset_b) % _DAY_SECONDS
    return max(0, _WAKING_SECONDS - shift) + max(0, shift + _WAKING_SECONDS - _DAY_SECONDS)


def waking_overlap_hours(tz_a: str, tz_b: str, on: date) -> float:
    """Return the hours a day both zones spend within 08:00-21:00 local, at that date's offsets."""
    seconds = _circular_overlap_seconds(
        _utc_offset_seconds(tz_a, on), _utc_offset_seconds(tz_b, on)
    )
    return seconds / 3600


def _destination_bonus(destination: str | None, country: str) -> float:
    """Return the destination part of the score."""
    if destination is None:
        return NO_PREFERENCE_BONUS
    return DESTINATION_BONUS if destination == country else 0.0


def compatibility(mentor: MentorProfile, mentee: MenteeProfile, on: date) -> Compatibility | None:
    """Return the compatibility of a mentor and a mentee, or None when they share no language."""
    shared = mentor.languages & mentee.languages
    if not shared:
        return None
    same_sector = mentor.sector == mentee.sector
    overlap = waking_overlap_hours(mentor.timezone, mentee.timezone, on)
    score = (
        BASE_SCORE
        + (SAME_SECTOR_BONUS if same_sector else 0.0)
        + _destination_bonus(mentor.destination, mentee.country)
        + OVERLAP_BONUS_PER_HOUR * overlap
    )
    return Compatibility(
        score=score,
        shared_languages=shared,
        same_sector=same_sector,
        destination_match=mentor.destination is None or mentor.destination == mentee.country,
        overlap_hours=overlap,
    )


class _Codes:
    """Interns strings as small integers so comparisons can be vectorised."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        return self._codes.setdefault(value, len(self._codes))

    def values(self) -> list[str]:
        return list(self._codes)


def _score_matrix(
    mentors: Sequence[MentorProfile], mentees: Sequence[MenteeProfile], on: date
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Return the scores (mentors x mentees) and which pairs share a language."""
    import numpy as np

    languages, sectors, places, zones = _Codes(), _Codes(), _Codes(), _Codes()
    mentor_sector = np.array([sectors(m.sector) for m in mentors], dtype=np.int64)
    mentee_sector = np.array([sectors(e.sector) for e in mentees], dtype=np.int64)
    no_preference = np.array([m.destination is None for m in mentors], dtype=np.bool_)
    mentor_place = np.array(
        [-1 if m.destination is None else places(m.destination) for m in mentors], dtype=np.int64
    )
    mentee_place = np.array([places(e.country) for e in mentees], dtype=np.int64)
    mentor_zone = np.array([zones(m.timezone) for m in mentors], dtype=np.int64)
    mentee_zone = np.array([zones(e.timezone) for e in mentees], dtype=np.int64)
    mentor_langs = [[languages(lang) for lang in m.languages] for m in mentors]
    mentee_langs = [[languages(lang) for lang in e.languages] for e in mentees]

    n_languages = len(languages.values())
    speaks_mentor = np.zeros((len(mentors), n_languages), dtype=np.float64)
    for row, codes in enumerate(mentor_langs):
        speaks_mentor[row, codes] = 1.0
    speaks_mentee = np.zeros((len(mentees), n_languages), dtype=np.float64)
    for row, codes in enumerate(mentee_langs):
        speaks_mentee[row, codes] = 1.0
    shares_language = (speaks_mentor @ speaks_mentee.T) > 0

    offsets = [_utc_offset_seconds(tz, on) for tz in zones.values()]
    zone_overlap = np.array(
        [[_circular_overlap_seconds(a, b) / 3600 for b in offsets] for a in offsets],
        dtype=np.float64,
    )

    same_sector = mentor_sector[:, None] == mentee_sector[None, :]
    destination = np.where(
        no_preference[:, None],
        NO_PREFERENCE_BONUS,
        np.where(mentor_place[:, None] == mentee_place[None, :], DESTINATION_BONUS, 0.0),
    )
    scores = (
        BASE_SCORE
        + np.where(same_sector, SAME_SECTOR_BONUS, 0.0)
        + destination
        + OVERLAP_BONUS_PER_HOUR * zone_overlap[mentor_zone[:, None], mentee_zone[None, :]]
    )
    return scores, shares_language


def _require_unique_ids(user_ids: Sequence[int], role: str) -> None:
    """Raise ValueError when a user id appears twice."""
    if len(set(user_ids)) != len(user_ids):
        raise ValueError(f"duplicate {role} user_id")


def suggest_pairs(
    mentors: Sequence[MentorProfile], mentees: Sequence[MenteeProfile], on: date
) -> list[Suggestion]:
    """Return an optimal set of pairs: most pairs first, then highest total score."""
    _require_unique_ids([m.user_id for m in mentors], "mentor")
    _require_unique_ids([e.user_id for e in mentees], "mentee")
    # Sorting by id makes the result independent of the input order.
    open_mentors = sorted((m for m in mentors if m.capacity > 0), key=lambda m: m.user_id)
    candidates = sorted(mentees, key=lambda e: e.user_id)
    if not open_mentors or not candidates:
        return []

    import numpy as np

    scores, compatible = _score_matrix(open_mentors, candidates, on)
    mentor_rows = np.flatnonzero(compatible.any(axis=1))
    mentee_cols = np.flatnonzero(compatible.any(axis=0))
    if mentor_rows.size == 0:
        return []
    scores = scores[np.ix_(mentor_rows, mentee_cols)]
    compatible = compatible[np.ix_(mentor_rows, mentee_cols)]

    capacities = np.array([open_mentors[i].capacity for i in mentor_rows], dtype=np.int64)
    capacities = np.minimum(capacities, mentee_cols.size)
    slot_mentor = np.repeat(np.arange(mentor_rows.size), capacities)
    max_pairs = min(int(slot_mentor.size), int(mentee_cols.size))
    priority = (max_pairs + 1) * MAX_SCORE
    weights = np.where(compatible, scores + priority, 0.0)[slot_mentor]
    # Imported here: scipy takes a third of a second to import, and only /pair needs it.
    from scipy.optimize import linear_sum_assignment

    slots, columns = linear_sum_assignment(weights, maximize=True)

    suggestions: list[Suggestion] = []
    for slot, column in zip(slots.tolist(), columns.tolist(), strict=True):
        mentor_index = int(slot_mentor[slot])
        if not compatible[mentor_index, column]:
            continue
        mentor = open_mentors[int(mentor_rows[mentor_index])]
        mentee = candidates[int(mentee_cols[column])]
        fit = compatibility(mentor, mentee, on)
        assert fit is not None
        suggestions.append(Suggestion(mentor.user_id, mentee.user_id, fit))
    suggestions.sort(key=lambda s: (s.mentor_id, -s.compatibility.score, s.mentee_id))
    return suggestions
