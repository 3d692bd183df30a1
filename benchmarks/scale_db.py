"""A generated program-scale database: 100,000 people, ~1,000,000 answers, thousands of pairs.

The schema comes from the project's own migrations (`Database.open`); the rows are written
with `executemany` in big transactions (synchronous off while building: it is a throwaway
file). The file is cached in the temp folder, keyed by the schema version, this generator's
version and the number of people, so a rerun starts at once:

    python benchmarks/scale_db.py [--people 100000] [--fresh]

What it holds (seeded, so every build is the same), for 100,000 people:

| applications | count | answers each |
|---|---|---|
| pending review | 50 % | complete (11 or 12) |
| in progress | 30 % | the first 2 to 8 steps |
| approved | 8 % (2,000 mentors, 6,000 mentees) | complete |
| rejected | 7 % | complete |
| not eligible | 5 % | complete |

Pairs: 5,000 active (1,700 mentors, each full at 2 to 4 mentees), 1,000 ended; 300 approved
mentors with free places and 1,000 approved unpaired mentees (what `/pair` suggests from, as
bench_matching.py). Also 10 staff, an audit log of every decision and pair, 60,000 handled
inbox rows and 40,000 sent outbox rows.

Other capabilities (meetings, check-ins, broadcasts) add their rows in `EXTENSIONS` below:
one function each, given the connection, the seeded random generator and the people.
Check-ins (`_checkins`): four cohorts over the active pairs' people, and a check-in every 14
days for each member of each active pair over the program's months (24 fortnights up to
CHECKINS_NOW: 240,000 rows; 80 % answered with a rating, 15 % missed, 5 % closed), the
ended pairs' members' over their pair's months (July to September), and an open alert for
one active pair in 50.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_matching import PARTNERS  # noqa: E402
from bot.runtime.db import Database  # noqa: E402
from bot.runtime.migrations import MIGRATIONS  # noqa: E402

GENERATOR_VERSION = 2  # 2: cohorts and check-ins (_checkins)
FIRST_ID = 7_000_000_000  # far from the emulator's own user ids (1001 up)
STAFF_IDS = tuple(range(6_000_000_001, 6_000_000_011))
LANGUAGES = (("en", 0.4), ("fr", 0.4), ("es", 0.2))
PROVINCES = {
    "qc": "America/Toronto",
    "on": "America/Toronto",
    "bc": "America/Vancouver",
    "ab": "America/Edmonton",
    "ns": "America/Halifax",
    "mb": "America/Winnipeg",
}
SECTORS = ("technology", "agrifood", "agriculture", "forestry", "ecotourism", "marketing")
STAMP = "2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00Z"


@dataclass(frozen=True)
class Person:
    """One generated person: what the extensions need to know of her."""

    user_id: int
    role: str
    status: str
    language: str
    timezone: str


Extension = Callable[[sqlite3.Connection, random.Random, list[Person]], None]


def cache_path(people: int) -> Path:
    """Where the database for this schema, generator version and size is kept.

    The schema is named by its last version and a digest of every migration's statements:
    two branches that each add their own migration 16 do not share a file.
    """
    schema = max(m.version for m in MIGRATIONS)
    digest = hashlib.sha256(repr([(m.version, m.statements) for m in MIGRATIONS]).encode())
    name = f"passerelle-scale-s{schema}-{digest.hexdigest()[:8]}-g{GENERATOR_VERSION}-{people}.db"
    return Path(tempfile.gettempdir()) / name


def _stamp(rng: random.Random, months: tuple[int, int] = (1, 10)) -> str:
    return STAMP.format(
        month=rng.randint(*months),
        day=rng.randint(1, 28),
        hour=rng.randint(0, 23),
        minute=rng.randint(0, 59),
    )


def _answers(rng: random.Random, role: str, n: int) -> tuple[dict[str, object], str]:
    """A complete application's answers (in questionnaire order) and the person's zone."""
    given: dict[str, object] = {"consent": "agree", "role": role}
    languages = [code for code, share in LANGUAGES if rng.random() < share + 0.3] or ["fr"]
    if role == "mentor":
        province = rng.choice(list(PROVINCES))
        zone = PROVINCES[province]
        given |= {
            "residency": "yes",
            "adult": "yes",
            "province": province,
            "destination": rng.choice([*PARTNERS, "any"]),
        }
    else:
        country = rng.choice(list(PARTNERS))
        zone, spoken = PARTNERS[country]
        languages = sorted(set(languages) | {rng.choice(spoken)})
        given |= {"country": country, "business_age": rng.choice(["lt1", "1to3", "gt3"])}
    given["sector"] = rng.choice(SECTORS) if rng.random() < 0.85 else "other"
    if given["sector"] == "other":
        given["sector_other"] = "Crafts and textile"
    if role == "mentor":
        given["experience"] = str(rng.randint(0, 30))
    given |= {
        "languages": languages,
        "commitment": "yes",
        "email": f"person{n}@example.org",
        "motivation": "I want to share what I learnt and grow with a partner entrepreneur.",
    }
    return given, zone


def _statuses(count: int) -> list[str]:
    shares = (("pending", 0.5), ("in_progress", 0.3), ("rejected", 0.07), ("not_eligible", 0.05))
    statuses = [status for status, share in shares for _ in range(int(count * share))]
    return statuses + ["approved"] * (count - len(statuses))


def _people(conn: sqlite3.Connection, rng: random.Random, count: int) -> list[Person]:
    """People, their applications and answers; returns who they are."""
    statuses = _statuses(count)
    rng.shuffle(statuses)
    approved_seen = 0
    people: list[Person] = []
    person_rows, application_rows, answer_rows = [], [], []
    for n, status in enumerate(statuses):
        user_id = FIRST_ID + n
        if status == "approved":  # the first quarter of the approved are mentors
            role = "mentor" if approved_seen < count * 0.08 / 4 else "mentee"
            approved_seen += 1
        else:
            role = "mentor" if rng.random() < 0.5 else "mentee"
        language = rng.choices([c for c, _ in LANGUAGES], [s for _, s in LANGUAGES])[0]
        given, zone = _answers(rng, role, n)
        if status == "in_progress":
            given = dict(list(given.items())[: rng.randint(len(given) // 2 + 1, len(given) - 1)])
        created = _stamp(rng, (1, 6))
        submitted = None if status == "in_progress" else _stamp(rng, (6, 10))
        decided = _stamp(rng, (10, 11)) if status in ("approved", "rejected") else None
        person_rows.append(
            (user_id, f"Name{n}", f"Family{n}", f"user{n}", language, zone, created, created)
        )
        outcome = {"not_eligible": "not_eligible", "in_progress": None}.get(status, "eligible")
        application_rows.append(
            (
                user_id,
                status,
                None if status != "in_progress" else list(given)[-1],
                role,
                outcome,
                submitted,
                decided,
                STAFF_IDS[0] if decided else None,
                created,
                submitted or created,
            )
        )
        answer_rows += [
            (user_id, step, json.dumps(value, ensure_ascii=False), created)
            for step, value in given.items()
        ]
        people.append(Person(user_id, role, status, language, zone))
    conn.executemany(
        "INSERT INTO people(user_id, first_name, last_name, username, language, timezone,"
        " consented_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row[:6], row[6], row[6], row[7]) for row in person_rows],
    )
    conn.executemany(
        "INSERT INTO applications(user_id, flow, status, step, role, outcome, submitted_at,"
        " decided_at, decided_by, started_at, updated_at)"
        " VALUES (?, 'application', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        application_rows,
    )
    conn.executemany(
        "INSERT INTO answers(user_id, step, value, answered_at) VALUES (?, ?, ?, ?)", answer_rows
    )
    return people


def _pairs(conn: sqlite3.Connection, rng: random.Random, people: list[Person]) -> None:
    """5,000 active pairs (mentors full), 1,000 ended; 300 open mentors, 1,000 open mentees."""
    mentors = [p for p in people if p.status == "approved" and p.role == "mentor"]
    mentees = [p for p in people if p.status == "approved" and p.role == "mentee"]
    scale = len(people) / 100_000
    open_mentors = max(1, int(300 * scale))
    open_mentees = max(1, int(1_000 * scale))
    full, free = mentors[: len(mentors) - open_mentors], mentors[len(mentors) - open_mentors :]
    to_pair = mentees[: len(mentees) - open_mentees]
    rows, capacities = [], []
    index = 0
    for mentor in full:
        take = min(rng.randint(2, 4), len(to_pair) - index)
        if take <= 0:
            break
        for mentee in to_pair[index : index + take]:
            rows.append((mentor.user_id, mentee.user_id, _stamp(rng, (10, 11)), None))
        index += take
        capacities.append((take, mentor.user_id))
    capacities += [(rng.randint(1, 4), mentor.user_id) for mentor in free]
    for _ in range(int(1_000 * scale)):  # ended pairs, between people paired or not now
        mentor, mentee = rng.choice(mentors), rng.choice(mentees)
        rows.append((mentor.user_id, mentee.user_id, _stamp(rng, (7, 8)), _stamp(rng, (9, 9))))
    conn.executemany(
        "INSERT INTO pairs(mentor_id, mentee_id, created_at, created_by, ended_at, ended_by)"
        f" VALUES (?, ?, ?, {STAFF_IDS[0]}, ?, CASE WHEN ?4 IS NULL THEN NULL"
        f" ELSE {STAFF_IDS[0]} END)",
        rows,
    )
    conn.executemany("UPDATE people SET capacity = ? WHERE user_id = ?", capacities)
    conn.execute(
        "INSERT INTO audit_log(at, actor_id, action, subject_id, details)"
        " SELECT created_at, created_by, 'pair.create', mentee_id,"
        " json_object('pair_id', id, 'mentor_id', mentor_id, 'mentee_id', mentee_id)"
        " FROM pairs"
    )


def _staff_and_history(conn: sqlite3.Connection, rng: random.Random, count: int) -> None:
    """Staff, decisions in the audit log, handled inbox rows and sent outbox rows."""
    conn.executemany(
        "INSERT INTO staff(user_id, role, added_by, added_at) VALUES (?, 'staff', ?, ?)",
        [(uid, STAFF_IDS[0], _stamp(rng)) for uid in STAFF_IDS],
    )
    conn.execute(
        "INSERT INTO audit_log(at, actor_id, action, subject_id, details)"
        " SELECT decided_at, decided_by, CASE status WHEN 'approved' THEN 'review.approve'"
        " ELSE 'review.reject' END, user_id, '{}' FROM applications WHERE decided_at IS NOT NULL"
    )
    inbox = int(count * 0.6)
    conn.executemany(
        "INSERT INTO inbox(update_id, person, body, received_at, applied_at, done_at)"
        " VALUES (?, ?, '{}', ?, ?, ?)",
        [
            (900_000_000 + n, FIRST_ID + rng.randrange(count), s, s, s)
            for n in range(inbox)
            for s in (_stamp(rng, (11, 11)),)
        ],
    )
    conn.executemany(
        "INSERT INTO outbox(chat_id, body, created_at, sent_at, status)"
        " VALUES (?, ?, ?, ?, 'sent')",
        [
            (FIRST_ID + rng.randrange(count), '{"text": "Welcome!", "keyboard": []}', s, s)
            for _ in range(int(count * 0.4))
            for s in (_stamp(rng),)
        ],
    )


COHORTS = ("spring26", "summer26", "fall26", "winter26")
CHECKINS_NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # the latest check-ins are before it
CHECKIN_FORTNIGHTS = 24  # the program's months, January to November


def _iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def _checkins(conn: sqlite3.Connection, rng: random.Random, people: list[Person]) -> None:
    """Cohorts, a check-in per member of each pair every fortnight, and some open alerts."""
    for code in COHORTS:
        conn.execute(
            "INSERT INTO cohorts(code, name, created_by, created_at) VALUES (?, ?, ?, ?)",
            (code, code.capitalize(), STAFF_IDS[0], "2026-01-05T12:00:00Z"),
        )
    rows, alerts, cohorts = [], [], []
    pairs = conn.execute("SELECT id, mentor_id, mentee_id, created_at, ended_at FROM pairs")
    for pair_id, mentor, mentee, created_at, ended_at in pairs.fetchall():
        code = COHORTS[pair_id % len(COHORTS)]
        if ended_at is None:
            cohorts += [(code, mentor), (code, mentee)]
            last, count = CHECKINS_NOW, CHECKIN_FORTNIGHTS
        else:  # an ended pair's check-ins, over its own months
            start = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            end = datetime.strptime(ended_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            last, count = end, max(0, (end - start).days // 14)
        for member in (mentor, mentee):
            for k in range(count):
                opened = last - timedelta(days=14 * k + 1, hours=rng.randint(0, 23))
                status = rng.choices(("answered", "missed", "closed"), (80, 15, 5))[0]
                rating = rng.choices((1, 2, 3, 4, 5), (3, 7, 20, 40, 30))[0]
                answered = _iso(opened + timedelta(hours=5)) if status == "answered" else None
                closed = _iso(opened + timedelta(days=13)) if status != "answered" else None
                rated = rating if answered else None
                rows.append((member, pair_id, code, status, rated, _iso(opened), answered, closed))
        if ended_at is None and rng.random() < 0.02:
            alerts.append((mentee, pair_id, _iso(CHECKINS_NOW - timedelta(days=3))))
    conn.executemany("UPDATE applications SET cohort = ? WHERE user_id = ?", cohorts)
    rows.sort(key=lambda row: row[5])  # inserted in the order they were asked
    conn.executemany(
        "INSERT INTO checkins(user_id, pair_id, cohort, reason, status, rating, opened_at,"
        " answered_at, closed_at) VALUES (?, ?, ?, 'cadence', ?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO checkin_alerts(user_id, pair_id, kind, created_at) VALUES (?, ?, 'help', ?)",
        alerts,
    )


# Meetings, check-ins and broadcasts: each adds its generator here (see the module docstring).
EXTENSIONS: list[Extension] = [_checkins]


def build(path: Path, people: int = 100_000, seed: int = 13) -> None:
    """Creates the database at `path` through the migrations, then fills it."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

    async def migrate() -> None:
        db = Database(path)
        await db.open()
        await db.close()

    asyncio.run(migrate())
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        generated = _people(conn, rng, people)
        _pairs(conn, rng, generated)
        _staff_and_history(conn, rng, people)
        for extend in EXTENSIONS:
            extend(conn, rng, generated)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def ensure(people: int = 100_000, fresh: bool = False) -> Path:
    """The cached database for this size, built first if missing (or if `fresh`)."""
    path = cache_path(people)
    if fresh or not path.exists():
        partial = path.with_suffix(".partial")
        started = time.perf_counter()
        build(partial, people)
        partial.replace(path)
        print(f"built {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def main() -> None:
    """Builds (or finds) the database and prints its path and row counts."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="build again even if cached")
    args = parser.parse_args()
    path = ensure(args.people, args.fresh)
    conn = sqlite3.connect(path)
    tables = (
        *("people", "applications", "answers", "pairs", "audit_log", "inbox", "outbox"),
        *("cohorts", "checkins", "checkin_alerts"),
    )
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    conn.close()
    print(path, f"{path.stat().st_size / 2**20:.0f} MiB", counts)


if __name__ == "__main__":
    main()
