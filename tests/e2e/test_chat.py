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


async def test_typing_a_buttons_label_counts_as_pressing_it(running: Running) -> None:
    zoe = running.person("Zoé", "fr")
    fr = running.core.t("fr")
    await zoe.send("/start", expect="Passerelle")
    form = running.core.form
    for typed, step in (
        ("j\u2019accepte", "role"),
        ("  bénévole ou ENTREPRENEURE au canada ", "residency"),
        ("OUI", "adult"),
        ("oui", "province"),
        ("quebec", "destination"),
        ("Senegal", "sector"),
        ("technologie", "experience"),
        ("7", "languages"),
    ):
        await zoe.send(typed, expect=fr(form.by_id[step].prompt)[:20])
    chosen = await zoe.send("français", expect=None)
    assert chosen.buttons[0] == ["✅ Français", "Anglais"]
    await zoe.send("terminé", expect=fr(form.by_id["commitment"].prompt_by_role["mentor"])[:20])
    await zoe.send("Oui", expect=fr(form.by_id["email"].prompt)[:20])
    await zoe.send("zoe@example.org", expect=None)
    await zoe.send("Je veux partager ce que j'ai appris.", expect=fr.plain("Confirm"))
    done = await zoe.send("confirmer", expect="/status")
    assert fr("You can check where it stands at any time with /status.") in done.text
    stored = await running.core.onboarding.get(zoe.uid)
    assert stored is not None and stored.status == "pending"
    typed_answers = {step: stored.state.answers[step] for step in ("consent", "role", "province")}
    assert typed_answers == {"consent": "agree", "role": "mentor", "province": "qc"}
    assert stored.state.answers["languages"] == ("fr",)
    assert stored.state.answers["destination"] == "senegal"
    after = await zoe.send("merci", expect=fr("Send /help to see what I can do."))
    assert fr("Send /help to see what I can do.") != "Send /help to see what I can do."
    assert after.text.endswith(fr("Send /help to see what I can do."))


async def test_typed_labels_of_the_summary_and_the_edit_menu(running: Running) -> None:
    awa = running.person("Awa", "en")
    t = running.core.t("en")
    await awa.send("/start")
    await walk(awa, t, MENTOR[:5])
    await awa.send("No preference", expect="sector")
    await walk(awa, t, MENTOR[6:])
    await awa.send("edit", expect="Which answer would you like to change?")
    await awa.send("partner country", expect="Please answer with one of the buttons")
    await awa.send("Email", expect="e-mail")
    await awa.send("awa.new@example.org", expect="confirm")
    await awa.send("CONFIRM", expect="/status")
    stored = await running.core.onboarding.get(awa.uid)
    assert stored is not None and stored.status == "pending"
    assert stored.state.answers["destination"] == "any"
    assert stored.state.answers["email"] == "awa.new@example.org"


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
