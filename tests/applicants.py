"""Complete applications quickly through the services (no chat), for review, stats and export."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core import Core
from bot.onboarding import Application
from bot.people import Who
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
