"""The questionnaire as a person sees it in her chat: button layout, typed labels, short
reminders, and answered questions closed in place."""

from __future__ import annotations

import logging

import pytest

from bot.emulator import Emulator, EmuMessage
from bot.onboarding.service import Asked, AskedAs
from bot.runtime.people import Who
from dialogs.runner_types import Press
from tests.conftest import Launch
from tests.e2e.paths import MENTEE, MENTOR, walk
from tests.harness import Person, Running


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
    languages = zoe.last()
    mark = running.emu.mark()
    await running.emu.send_text(zoe.uid, "français")  # toggles, in place
    chosen = await running.emu.wait_for(
        zoe.uid, predicate=lambda m: m.message_id == languages.message_id, since=mark
    )
    assert chosen.buttons[0] == ["✅ Français", "Anglais"]
    assert zoe.last().message_id == languages.message_id
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
    after = await running.core.onboarding.get(zoe.uid)
    assert before is not None and after is not None and after.state == before.state
    assert len([text for text in zoe.texts() if "Passerelle" in text]) == 1  # said once
    await zoe.press("J'accepte", expect=fr("Which of these describes you?"))


def keyboards(person: Person) -> list[EmuMessage]:
    """Her chat's bot messages that show buttons."""
    return [m for m in person.emu.bot_messages(person.uid) if m.buttons]


async def closed(person: Person, message: EmuMessage, text: str | None = None) -> EmuMessage:
    """Waits until a message has lost its buttons (and, given `text`, reads it)."""
    return await person.emu.wait_for(
        person.uid,
        predicate=lambda m: (
            m.message_id == message.message_id
            and not m.buttons
            and (text is None or m.text == text)
        ),
    )


async def test_answered_questions_are_closed_in_place(running: Running) -> None:
    maria = running.person("María", "fr")
    fr = running.core.t("fr")
    form = running.core.form
    consent = await maria.send("/start", expect="Passerelle")
    asked = {step: message for step, message in [("consent", consent)]}
    for kind, label in MENTEE:
        before = maria.last()
        if kind == "press":
            await maria.press(fr.plain(label))
        elif kind == "toggle":
            await maria.toggle(fr.plain(label))
        else:
            await maria.send(label)
        if kind != "toggle" and before.buttons:
            asked[label] = before
    summary = maria.last()
    await maria.press(fr.plain("Confirm"), expect="/status")
    await closed(maria, summary)
    consent_text = (await closed(maria, consent)).text
    assert consent_text.startswith(fr.plain("Hello {name}! 👋", name="María"))  # kept
    assert consent_text.endswith(fr.plain(form.by_id["consent"].prompt) + "\n\n✓ J'accepte")
    country = await closed(maria, asked["Bolivia"])
    assert country.text.endswith(f"{fr.plain(form.by_id['country'].prompt)}\n\n✓ Bolivie")
    languages = await closed(maria, asked["Done"])
    assert languages.text.endswith("\n\n✓ Espagnol")
    await closed(maria, asked["1 to 3 years"], None)
    assert keyboards(maria) == [], "after one application no keyboard looks live"
    assert not running.emu.errors, running.emu.errors


async def test_only_the_current_question_shows_buttons(running: Running) -> None:
    ana = running.person("Ana", "en")
    consent = await ana.send("/start", expect="Passerelle")
    first = await ana.send("hello", expect="Please answer with one of the buttons")
    await closed(ana, consent, consent.text)  # its text stays, its buttons moved on
    second = await ana.send("hello again", expect="Please answer with one of the buttons")
    await closed(ana, first)
    assert keyboards(ana) == [second]
    role = await ana.press("I agree", expect="describes you")
    assert (await closed(ana, second)).text == "✓ I agree"
    assert consent.text.endswith("Do you agree?")  # the question itself is not repeated
    assert keyboards(ana) == [role]
    await ana.send("/status")  # her updates are handled in order: the press's are all done
    stored = await running.core.onboarding.get(ana.uid)
    assert stored is not None and stored.asked is not None
    assert stored.asked.message_id == role.message_id


async def test_switching_language_moves_the_buttons_to_the_question_in_her_language(
    running: Running,
) -> None:
    ana = running.person("Ana", "en")
    fr = running.core.t("fr")
    await ana.send("/start")
    role = await ana.press("I agree", expect="describes you")
    await ana.send("/language", expect="language")
    french = await ana.press("Français", expect=fr("Which of these describes you?"))
    await closed(ana, role, role.text)  # still English, without buttons
    await ana.send(
        "Entrepreneure dans un pays partenaire",
        expect=fr("In which country is your business?")[:15],
    )
    answered = await closed(ana, french)
    assert answered.text.endswith("✓ Entrepreneure dans un pays partenaire")


async def test_the_question_to_close_is_remembered_across_a_restart(
    emu: Emulator, launch: Launch
) -> None:
    running = await launch()
    awa = running.person("Awa")
    await awa.send("/start")
    province = await walk(awa, running.core.t("en"), MENTOR[:4])
    await running.shutdown()
    restarted = await launch()
    await awa.send("quebec", expect="partner country")
    assert (await closed(awa, province)).text.endswith("\n\n✓ Quebec")
    assert await restarted.core.onboarding.get(awa.uid) is not None


async def test_a_closing_edit_that_fails_changes_nothing(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    ana = running.person("Ana", "en")
    await ana.send("/start")
    gone = running.emu.fault(
        "editMessageText", ana.uid, status=400, description="message to edit not found"
    )
    await walk(ana, running.core.t("en"), MENTOR[:5])
    assert gone.hits >= 4
    assert "went wrong" not in " ".join(ana.texts())
    stored = await running.core.onboarding.get(ana.uid)
    assert stored is not None and stored.state.answers["province"] == "qc"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_a_crash_between_an_answer_and_its_edit_breaks_nothing(running: Running) -> None:
    """The answer is committed, then the bot dies before it closes the question or asks the
    next one: the old buttons just say so, and /start goes on from the next question."""
    ana = running.person("Ana", "en")
    consent = await ana.send("/start", expect="Passerelle")
    await ana.send("/status")  # her updates are handled in order: /start's are all done
    record = await running.core.onboarding.get(ana.uid)
    assert record is not None and record.asked == Asked(consent.message_id, AskedAs.HELLO)
    who = Who(ana.uid, "Ana")
    await running.core.onboarding.handle(
        who, record, Press(record.state.round, "consent", "agree"), None
    )
    stale = await ana.tap("I agree", consent.message_id)
    assert "no longer active" in (stale.text or "")
    await ana.send("/start", expect="describes you")
    await walk(ana, running.core.t("en"), MENTOR[1:])
    await ana.press("Confirm", expect="/status")
    stored = await running.core.onboarding.get(ana.uid)
    assert stored is not None and stored.status == "pending"
