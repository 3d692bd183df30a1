"""Times bot.matching.suggest_pairs on 300 mentors x 1,000 mentees (seeded, realistic zones).

Run from the repository root: ``python benchmarks/bench_matching.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.pairing.matching import MenteeProfile, MentorProfile, suggest_pairs

CANADIAN_ZONES = [
    "America/St_Johns",
    "America/Halifax",
    "America/Moncton",
    "America/Toronto",
    "America/Winnipeg",
    "America/Regina",
    "America/Edmonton",
    "America/Vancouver",
    "America/Whitehorse",
]
# partner country id -> (zone, languages a mentee there may speak)
PARTNERS = {
    "senegal": ("Africa/Dakar", ["fr"]),
    "benin": ("Africa/Porto-Novo", ["fr"]),
    "cote_divoire": ("Africa/Abidjan", ["fr"]),
    "rwanda": ("Africa/Kigali", ["fr", "en"]),
    "bolivia": ("America/La_Paz", ["es"]),
    "guatemala": ("America/Guatemala", ["es"]),
    "philippines": ("Asia/Manila", ["en"]),
}
SECTORS = ["technology", "agrifood", "health", "education", "finance", "energy", "other"]
LIMIT_SECONDS = 2.0


def build(seed: int = 2024) -> tuple[list[MentorProfile], list[MenteeProfile]]:
    """Build 300 mentors (capacities 1..4) and 1,000 mentees."""
    rng = random.Random(seed)
    countries = list(PARTNERS)
    mentors = []
    for user_id in range(1, 301):
        languages = {rng.choice(["fr", "en"])}
        if rng.random() < 0.5:
            languages.add("en" if "fr" in languages else "fr")
        if rng.random() < 0.2:
            languages.add("es")
        mentors.append(
            MentorProfile(
                user_id=user_id,
                languages=frozenset(languages),
                sector=rng.choice(SECTORS),
                destination=None if rng.random() < 0.3 else rng.choice(countries),
                timezone=rng.choice(CANADIAN_ZONES),
                capacity=rng.randint(1, 4),
            )
        )
    mentees = []
    for user_id in range(10_001, 11_001):
        country = rng.choice(countries)
        zone, spoken = PARTNERS[country]
        languages = {rng.choice(spoken)}
        if rng.random() < 0.25:
            languages.add("en")
        mentees.append(
            MenteeProfile(
                user_id=user_id,
                languages=frozenset(languages),
                sector=rng.choice(SECTORS),
                country=country,
                timezone=zone,
            )
        )
    return mentors, mentees


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    mentors, mentees = build()
    on = date(2025, 1, 15)
    capacity = sum(m.capacity for m in mentors)

    suggest_pairs(mentors, mentees, on)  # warm-up: imports, zone data, caches
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        pairs = suggest_pairs(mentors, mentees, on)
        timings.append(time.perf_counter() - start)

    tracemalloc.start()
    suggest_pairs(mentors, mentees, on)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    total = sum(p.compatibility.score for p in pairs)
    print(f"machine: nproc={os.cpu_count()}, Python {platform.python_version()}")
    print(f"input: {len(mentors)} mentors (total capacity {capacity}) x {len(mentees)} mentees")
    print(f"result: {len(pairs)} pairs, total score {total:.1f}")
    print(f"runs: {runs}, median {statistics.median(timings):.3f} s, max {max(timings):.3f} s")
    print(f"peak traced memory: {peak / 2**20:.1f} MiB")
    return 0 if max(timings) < LIMIT_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
