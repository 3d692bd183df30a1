"""The questionnaire as a person sees it in her chat: button layout, typed labels, short
reminders, and answered questions closed in place."""

from __future__ import annotations

from tests.e2e.paths import MENTOR, walk
from tests.harness import Running


async def test_long_choice_lists_use_columns_where_labels_are_short(running: Running) -> None:
    zoe = running.person("Zoé", "fr")
    fr = running.core.t("fr")
    await zoe.send("/start")
    provinces = await walk(zoe, fr, MENTOR[:4])
    assert provinces.buttons[:3] == [
        ["Colombie-Britannique"],
        ["Alberta", "Saskatchewan"],
        ["Manitoba", "Ontario"],
    ]
    assert ["Terre-Neuve-et-Labrador"] in provinces.buttons
    assert len(provinces.buttons) < 13
    destinations = await zoe.press(
        "Québec", expect=fr("Which partner country would you like to work with?")
    )
    assert destinations.buttons == [
        ["Bénin", "Bolivie"],
        ["Côte d'Ivoire", "Guatemala"],
        ["Philippines", "Rwanda"],
        ["Sénégal"],
        ["Aucune préférence"],
    ]


async def test_unrelated_text_gets_a_short_reminder_with_the_buttons(running: Running) -> None:
    zoe = running.person("Zoé", "fr")
    fr = running.core.t("fr")
    consent = await zoe.send("/start", expect="Passerelle")
    before = await running.core.onboarding.get(zoe.uid)
    reminder = await zoe.send("bonjour ?", expect=None)
    assert reminder.text == fr.plain("Please answer with one of the buttons below.")
    assert reminder.buttons == consent.buttons
    assert await running.core.onboarding.get(zoe.uid) == before
    assert len([text for text in zoe.texts() if "Passerelle" in text]) == 1  # said once
    await zoe.press("J'accepte", expect=fr("Which of these describes you?"))
