"""Tests for the pairing-suggestion core (bot.pairing.matching)."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from bot.pairing.matching import (
    BASE_SCORE,
    DESTINATION_BONUS,
    MAX_SCORE,
    NO_PREFERENCE_BONUS,
    OVERLAP_BONUS_PER_HOUR,
    SAME_SECTOR_BONUS,
    MenteeProfile,
    MentorProfile,
    Suggestion,
    compatibility,
    suggest_pairs,
    waking_overlap_hours,
)

WINTER = date(2025, 1, 15)
SUMMER = date(2025, 7, 15)


def mentor(
    user_id: int,
    languages: str = "fr",
    sector: str = "technology",
    destination: str | None = "senegal",
    timezone: str = "America/Toronto",
    capacity: int = 4,
) -> MentorProfile:
    """Build a mentor; languages are given as a comma-separated string."""
    return MentorProfile(
        user_id, frozenset(languages.split(",")) - {""}, sector, destination, timezone, capacity
    )


def mentee(
    user_id: int,
    languages: str = "fr",
    sector: str = "technology",
    country: str = "senegal",
    timezone: str = "Africa/Dakar",
) -> MenteeProfile:
    """Build a mentee; languages are given as a comma-separated string."""
    return MenteeProfile(user_id, frozenset(languages.split(",")) - {""}, sector, country, timezone)


# --- waking-hours overlap ---------------------------------------------------


@pytest.mark.parametrize(
    ("tz_a", "tz_b", "on", "hours"),
    [
        ("America/Toronto", "Africa/Dakar", WINTER, 8.0),  # UTC-5 vs UTC+0
        ("America/Toronto", "Africa/Dakar", SUMMER, 9.0),  # UTC-4 vs UTC+0
        ("America/St_Johns", "Africa/Dakar", WINTER, 9.5),  # UTC-3:30
        ("America/St_Johns", "Africa/Dakar", SUMMER, 10.5),  # UTC-2:30
        ("America/St_Johns", "America/Toronto", WINTER, 11.5),
        ("America/St_Johns", "America/Toronto", SUMMER, 11.5),
        ("Asia/Manila", "America/Vancouver", WINTER, 5.0),  # 16 h apart, across midnight
        ("Asia/Manila", "America/Vancouver", SUMMER, 4.0),  # 15 h apart
        ("America/Regina", "America/Regina", SUMMER, 13.0),
        ("Africa/Kigali", "Africa/Kigali", WINTER, 13.0),
        ("America/Regina", "America/Winnipeg", WINTER, 13.0),  # no DST in Saskatchewan
        ("America/Regina", "America/Winnipeg", SUMMER, 12.0),
        ("America/La_Paz", "America/Guatemala", WINTER, 11.0),
    ],
)
def test_waking_overlap_hours(tz_a: str, tz_b: str, on: date, hours: float) -> None:
    assert waking_overlap_hours(tz_a, tz_b, on) == hours
    assert waking_overlap_hours(tz_b, tz_a, on) == hours


def test_overlap_across_a_dst_change_uses_that_date() -> None:
    # Canada springs forward on 2025-03-09; Dakar never changes.
    assert waking_overlap_hours("America/Toronto", "Africa/Dakar", date(2025, 3, 8)) == 8.0
    assert waking_overlap_hours("America/Toronto", "Africa/Dakar", date(2025, 3, 9)) == 9.0


def test_overlap_twelve_hours_apart_counts_both_ends_of_the_day() -> None:
    # Pacific/Kiritimati is UTC+14; Honolulu UTC-10: 24 h apart is the same clock time.
    assert waking_overlap_hours("Pacific/Kiritimati", "Pacific/Honolulu", WINTER) == 13.0
    # UTC+12 vs UTC+0: 1 h in the morning of one and 1 h in the evening of the other.
    assert waking_overlap_hours("Etc/GMT-12", "UTC", WINTER) == 2.0


def test_overlap_is_within_bounds_for_all_offsets() -> None:
    zones = ["UTC"] + [f"Etc/GMT{sign}{h}" for h in range(1, 13) for sign in "+-"]
    for a, b in itertools.product(zones, repeat=2):
        assert 0.0 <= waking_overlap_hours(a, b, WINTER) <= 13.0


# --- compatibility ------------------------------------------------------------


def test_compatibility_reasons_and_score() -> None:
    fit = compatibility(mentor(1, "fr,en"), mentee(2, "fr,es"), WINTER)
    assert fit is not None
    assert fit.shared_languages == frozenset({"fr"})
    assert fit.same_sector
    assert fit.destination_match
    assert fit.overlap_hours == 8.0
    assert fit.score == BASE_SCORE + SAME_SECTOR_BONUS + DESTINATION_BONUS + 8 * 2


def test_compatibility_without_sector_or_destination() -> None:
    fit = compatibility(
        mentor(1, "es", sector="health", destination="bolivia", timezone="America/Vancouver"),
        mentee(2, "es,en", sector="agrifood", country="guatemala", timezone="America/Guatemala"),
        WINTER,
    )
    assert fit is not None
    assert fit.shared_languages == frozenset({"es"})
    assert not fit.same_sector
    assert not fit.destination_match
    assert fit.overlap_hours == 11.0
    assert fit.score == BASE_SCORE + OVERLAP_BONUS_PER_HOUR * 11


def test_no_preference_is_a_match_worth_slightly_less() -> None:
    exact = compatibility(mentor(1, destination="senegal"), mentee(2), WINTER)
    open_ = compatibility(mentor(1, destination=None), mentee(2), WINTER)
    other = compatibility(mentor(1, destination="bolivia"), mentee(2), WINTER)
    assert exact is not None and open_ is not None and other is not None
    assert exact.destination_match and open_.destination_match and not other.destination_match
    assert exact.score - open_.score == DESTINATION_BONUS - NO_PREFERENCE_BONUS > 0
    assert open_.score > other.score


def test_shared_language_is_required() -> None:
    assert compatibility(mentor(1, "fr"), mentee(2, "es"), WINTER) is None
    assert compatibility(mentor(1, "fr,en"), mentee(2, ""), WINTER) is None
    assert suggest_pairs([mentor(1, "fr")], [mentee(2, "es"), mentee(3, "en")], WINTER) == []


def test_scores_are_positive_and_bounded() -> None:
    best = compatibility(mentor(1, timezone="Africa/Dakar"), mentee(2), WINTER)
    assert best is not None and best.score == MAX_SCORE
    # 12 h apart is the farthest two zones can be: 13 h waking windows still share 2 h.
    worst = compatibility(
        mentor(1, sector="x", destination="bolivia", timezone="Etc/GMT+6"),
        mentee(2, timezone="Etc/GMT-6"),
        WINTER,
    )
    assert worst is not None
    assert worst.overlap_hours == 2.0
    assert worst.score == BASE_SCORE + 2 * OVERLAP_BONUS_PER_HOUR > 0


# --- suggest_pairs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("mentors", "mentees"),
    [
        ([], []),
        ([], [mentee(10)]),
        ([mentor(1)], []),
        ([mentor(1, capacity=0), mentor(2, capacity=0)], [mentee(10), mentee(11)]),
    ],
)
def test_nothing_to_suggest(mentors: list[MentorProfile], mentees: list[MenteeProfile]) -> None:
    assert suggest_pairs(mentors, mentees, WINTER) == []


def test_capacity_is_respected_and_output_sorted() -> None:
    mentors = [mentor(1, capacity=2), mentor(2, capacity=1, sector="health")]
    mentees = [mentee(i) for i in range(10, 15)]
    pairs = suggest_pairs(mentors, mentees, WINTER)
    assert [p.mentor_id for p in pairs] == [1, 1, 2]
    assert len({p.mentee_id for p in pairs}) == 3
    assert pairs == sorted(pairs, key=lambda p: (p.mentor_id, -p.compatibility.score, p.mentee_id))


def test_each_suggestion_carries_its_reasons() -> None:
    mentors = [mentor(1, "en", destination="philippines", timezone="America/Vancouver")]
    mentees = [mentee(10, "en", country="philippines", timezone="Asia/Manila")]
    fit = compatibility(mentors[0], mentees[0], SUMMER)
    assert fit is not None and fit.destination_match and fit.overlap_hours == 4.0
    assert suggest_pairs(mentors, mentees, SUMMER) == [Suggestion(1, 10, fit)]


def test_better_fit_wins_a_single_place() -> None:
    mentors = [mentor(1, capacity=1, sector="agrifood")]
    mentees = [mentee(10, sector="technology"), mentee(11, sector="agrifood")]
    [pair] = suggest_pairs(mentors, mentees, WINTER)
    assert pair.mentee_id == 11 and pair.compatibility.same_sector


def test_more_pairs_beat_fewer_better_pairs() -> None:
    # Chain E10-M1=E11-M2=E12-M3: the two excellent pairs (=) outscore the three weak
    # pairs (-) together, but would leave two people unpaired.
    mentors = [
        mentor(1, "fr,en", timezone="Africa/Dakar", capacity=1),
        mentor(2, "fr,es", "health", "philippines", "Asia/Manila", capacity=1),
        mentor(3, "es", "other", "bolivia", "Africa/Dakar", capacity=1),
    ]
    mentees = [
        mentee(10, "en", "other", "rwanda", "Asia/Manila"),
        mentee(11, "fr"),
        mentee(12, "es", "health", "philippines", "Asia/Manila"),
    ]

    def score(i: int, j: int) -> float:
        fit = compatibility(mentors[i], mentees[j], WINTER)
        assert fit is not None
        return fit.score

    assert score(0, 1) + score(1, 2) > score(0, 0) + score(1, 1) + score(2, 2)
    pairs = suggest_pairs(mentors, mentees, WINTER)
    assert {(p.mentor_id, p.mentee_id) for p in pairs} == {(1, 10), (2, 11), (3, 12)}


def test_result_does_not_depend_on_input_order() -> None:
    rng = random.Random(7)
    mentors, mentees = random_case(rng, 6, 12)
    expected = suggest_pairs(mentors, mentees, WINTER)
    for _ in range(5):
        rng.shuffle(mentors)
        rng.shuffle(mentees)
        assert suggest_pairs(mentors, mentees, WINTER) == expected


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="mentor"):
        suggest_pairs([mentor(1), mentor(1)], [mentee(2)], WINTER)
    with pytest.raises(ValueError, match="mentee"):
        suggest_pairs([mentor(1)], [mentee(2), mentee(2)], WINTER)


# --- against brute force ----------------------------------------------------------

ZONES = ["America/Toronto", "America/St_Johns", "America/Vancouver", "Africa/Dakar",
         "Africa/Kigali", "America/La_Paz", "Asia/Manila"]  # fmt: skip
LANGUAGE_SETS = ["fr", "en", "es", "fr,en", "fr,es", "en,es", "fr,en,es"]
SECTORS = ["technology", "agrifood", "health"]
COUNTRIES = ["senegal", "bolivia", "philippines"]


def random_case(
    rng: random.Random, n_mentors: int, n_mentees: int
) -> tuple[list[MentorProfile], list[MenteeProfile]]:
    """Build a random small problem with capacities 0..2."""
    mentors = [
        mentor(
            user_id,
            rng.choice(LANGUAGE_SETS),
            rng.choice(SECTORS),
            rng.choice([None, *COUNTRIES]),
            rng.choice(ZONES),
            rng.randint(0, 2),
        )
        for user_id in rng.sample(range(1, 100), n_mentors)
    ]
    mentees = [
        mentee(
            user_id,
            rng.choice(LANGUAGE_SETS),
            rng.choice(SECTORS),
            rng.choice(COUNTRIES),
            rng.choice(ZONES),
        )
        for user_id in rng.sample(range(100, 200), n_mentees)
    ]
    return mentors, mentees


def brute_force(
    mentors: list[MentorProfile], mentees: list[MenteeProfile], on: date
) -> tuple[int, float]:
    """Return the best (number of pairs, total score) over every possible assignment."""
    options: list[list[tuple[int | None, float]]] = []
    for e in mentees:
        choices: list[tuple[int | None, float]] = [(None, 0.0)]
        for i, m in enumerate(mentors):
            fit = compatibility(m, e, on)
            if fit is not None:
                choices.append((i, fit.score))
        options.append(choices)
    best = (0, 0.0)
    for assignment in itertools.product(*options):
        load = [0] * len(mentors)
        for chosen, _ in assignment:
            if chosen is not None:
                load[chosen] += 1
        if any(load[i] > m.capacity for i, m in enumerate(mentors)):
            continue
        value = (sum(c is not None for c, _ in assignment), sum(s for _, s in assignment))
        best = max(best, value)
    return best


@pytest.mark.parametrize("seed", range(300))
def test_assignment_matches_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    on = rng.choice([WINTER, SUMMER])
    mentors, mentees = random_case(rng, rng.randint(0, 4), rng.randint(0, 5))
    pairs = suggest_pairs(mentors, mentees, on)

    by_id = {m.user_id: m for m in mentors}
    mentee_by_id = {e.user_id: e for e in mentees}
    assert len({p.mentee_id for p in pairs}) == len(pairs)
    for m in mentors:
        assert sum(p.mentor_id == m.user_id for p in pairs) <= m.capacity
    for p in pairs:
        assert p.compatibility == compatibility(by_id[p.mentor_id], mentee_by_id[p.mentee_id], on)

    count, total = brute_force(mentors, mentees, on)
    assert len(pairs) == count
    assert sum(p.compatibility.score for p in pairs) == pytest.approx(total)
