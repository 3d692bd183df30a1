"""Named form rules evaluated on confirmation: each says whether the rule is triggered."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dialogs.runner_types import Value
from dialogs.steps import Step

Check = Callable[[Mapping[str, Value]], bool]

WORKING_LANGUAGES: Mapping[str, frozenset[str]] = {
    "benin": frozenset({"fr"}),
    "bolivia": frozenset({"es"}),
    "cote_divoire": frozenset({"fr"}),
    "guatemala": frozenset({"es"}),
    "philippines": frozenset({"en"}),
    "rwanda": frozenset({"fr", "en"}),
    "senegal": frozenset({"fr"}),
}


def languages_match_destination(answers: Mapping[str, Value]) -> bool:
    """True when a mentor's languages miss every working language of her destination."""
    destination = answers.get(Step.DESTINATION)
    languages = answers.get(Step.LANGUAGES)
    if not isinstance(destination, str) or destination not in WORKING_LANGUAGES:
        return False
    spoken = set(languages) if isinstance(languages, tuple) else set()
    return not spoken & WORKING_LANGUAGES[destination]


CHECKS: Mapping[str, Check] = {"languages_match_destination": languages_match_destination}
