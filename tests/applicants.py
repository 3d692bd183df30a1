"""Applicants made quickly, without the chat: through the services, or stored directly."""

from __future__ import annotations

import json
from collections.abc import Mapping

from bot.core import Core
from bot.onboarding.service import Application
from bot.privacy.notice import VERSION as PRIVACY_VERSION
from bot.runtime.db import Database
from bot.runtime.people import Who
from dialogs.runner_types import CONFIRM, DONE, SUMMARY, Event, Press, Text

Answers = Mapping[str, str | tuple[str, ...]]

MENTOR: Answers = {
    "consent": "agree",
    "role": "mentor",
    "residency": "yes",
    "adult": "yes",
    "province": "qc",
    "destination": "senegal",
    "sector": "technology",
    "experience": "7",
    "languages": ("fr", "en"),
    "commitment": "yes",
    "email": "mentor@example.org",
    "motivation": "I want to share what I learned.",
}
MENTEE: Answers = {
    "consent": "agree",
    "role": "mentee",
    "country": "senegal",
    "business_age": "1to3",
    "sector": "agrifood",
    "languages": ("fr",),
    "commitment": "yes",
    "email": "mentee@example.sn",
    "motivation": "Je veux faire grandir mon entreprise de jus.",
}


async def apply(
    core: Core, who: Who, answers: Answers, overrides: Answers | None = None
) -> Application:
    """Creates the person and fills and confirms her application through Onboarding."""
    answers = {**answers, **(overrides or {})}
    person = await core.people.touch(who)
    record, _ = await core.onboarding.begin(person, None, None)
    while record.status == "in_progress":
        step = record.state.step
        assert step is not None
        events: list[Event]
        if step == SUMMARY:
            events = [Press(record.state.round, SUMMARY, CONFIRM)]
        elif core.form.by_id[step].kind == "multi":
            events = [Press(record.state.round, step, v) for v in (*answers[step], DONE)]
        elif core.form.by_id[step].kind == "choice":
            events = [Press(record.state.round, step, str(answers[step]))]
        else:
            events = [Text(str(answers[step]))]
        for event in events:
            current = await core.onboarding.get(who.user_id)
            assert current is not None
            await core.onboarding.handle(who, current, event, None)
        fresh = await core.onboarding.get(who.user_id)
        assert fresh is not None
        assert fresh.state.step != step or fresh.status != "in_progress", f"stuck at {step}"
        record = fresh
    return record


async def store_applicant(
    db: Database,
    user_id: int,
    role: str,
    *,
    first_name: str | None = None,
    username: str | None = None,
    language: str = "en",
    languages: tuple[str, ...] = ("fr",),
    status: str = "approved",
    sector: str = "technology",
    place: str = "senegal",
    capacity: int = 4,
) -> None:
    """Stores a person with a submitted application (a mentor's place is her destination)."""
    now = "2027-01-01T00:00:00Z"
    timezone = "America/Toronto" if role == "mentor" else "Africa/Dakar"
    answers: dict[str, object] = {"role": role, "languages": list(languages), "sector": sector}
    answers["destination" if role == "mentor" else "country"] = place
    if role == "mentor":
        answers["province"] = "qc"
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO people(user_id, first_name, username, language, timezone, consented_at,"
            " consent_version, created_at, updated_at, capacity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user_id,
                first_name or f"P{user_id}",
                username,
                language,
                timezone,
                now,
                PRIVACY_VERSION,
                now,
                now,
                capacity,
            ),
        )
        await conn.execute(
            "INSERT INTO applications(user_id, flow, status, role, started_at, submitted_at,"
            " updated_at) VALUES (?, 'application', ?, ?, ?, ?, ?)",
            (user_id, status, role, now, now, now),
        )
        for step, value in answers.items():
            await conn.execute(
                "INSERT INTO answers(user_id, step, value, answered_at) VALUES (?, ?, ?, ?)",
                (user_id, step, json.dumps(value), now),
            )
