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
