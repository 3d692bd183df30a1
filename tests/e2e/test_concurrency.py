"""Fifty people applying at the same time: served concurrently, never mixed up."""

from __future__ import annotations

import asyncio

from tests.harness import Person, Running

COUNTRIES = ("Benin", "Bolivia", "Senegal", "Rwanda", "Guatemala")


async def _apply(person: Person, index: int) -> None:
    name = f"Person{index:02d}"
    hello = await person.send("/start", expect=name, timeout=20)
    assert hello.buttons
    await person.press("I agree", expect="describes you", timeout=20)
    await person.press("Entrepreneur in a partner country", expect="country", timeout=20)
    await person.press(COUNTRIES[index % len(COUNTRIES)], expect="How long", timeout=20)


async def test_fifty_people_at_once_without_cross_talk(running: Running) -> None:
    people = [running.person(f"Person{i:02d}") for i in range(50)]
    await asyncio.gather(*(_apply(person, i) for i, person in enumerate(people)))
    for index, person in enumerate(people):
        texts = person.texts()
        assert f"Person{index:02d}" in texts[0]
        assert not any(
            f"Person{other:02d}" in " ".join(texts) for other in range(50) if other != index
        )
        stored = await running.core.onboarding.get(person.uid)
        assert stored is not None
        assert stored.state.answers["country"] == COUNTRIES[index % len(COUNTRIES)].lower()
        assert stored.state.step == "business_age"
    assert not [error for error in running.emu.errors if error[1] != 429]
