"""Onboarding end to end: the real bot over HTTP against the emulator, as candidates use it."""

from __future__ import annotations

import json

from bot.emulator import Emulator
from tests.conftest import Launch
from tests.e2e.paths import MENTEE, MENTOR, MENTOR_START, walk
from tests.harness import Running, new_person


async def answers_of(running: Running, uid: int) -> dict[str, object]:
    rows = await running.core.db.fetchall(
        "SELECT step, value FROM answers WHERE user_id = ?", (uid,)
    )
    return {row["step"]: json.loads(row["value"]) for row in rows}


async def application(running: Running, uid: int) -> dict[str, object]:
    row = await running.core.db.fetchone("SELECT * FROM applications WHERE user_id = ?", (uid,))
    assert row is not None
    return dict(row)


async def test_english_mentor_is_eligible_and_admin_is_told(emu: Emulator, launch: Launch) -> None:
    admin = new_person(emu, "Claire", "fr")
    await emu.send_text(admin.uid, "hello")  # the admin has talked to the bot before
    running = await launch(admins=(admin.uid,))
    awa = running.person("Awa", "en", username="awa_t")
    t = running.core.t("en")
    await awa.send("/start", expect="agree")
    summary = await walk(awa, t, MENTOR)
    assert "Summary" in summary.text or "application" in summary.text
    assert "awa@example.org" in summary.text and "Quebec" in summary.text
    done = await awa.press("Confirm", expect="/status")
    assert "criteria" in done.text
    closed = await emu.wait_for(
        awa.uid, predicate=lambda m: m.message_id == summary.message_id and not m.buttons
    )
    assert "awa@example.org" in closed.text
    stored = await application(running, awa.uid)
    assert (stored["status"], stored["outcome"], stored["role"]) == (
        "pending",
        "eligible",
        "mentor",
    )
    answers = await answers_of(running, awa.uid)
    assert answers["languages"] == ["fr"] and answers["experience"] == 7
    person = await running.core.people.get(awa.uid)
    assert person is not None and person.timezone == "America/Toronto"
    assert person.first_name == "Awa" and person.username == "awa_t"
    notice = await emu.wait_for(admin.uid, contains="Awa")
    french = running.core.t("fr")
    assert french.plain("eligible") in notice.text
    assert french("Use /review to review pending applications.") in notice.text


async def test_spanish_mentee_applies_in_spanish(running: Running) -> None:
    maria = running.person("María", "es-419")
    t = running.core.t("es")
    consent = await maria.send("/start", expect="María")
    assert consent.buttons[0][0] == t.plain("I agree")
    assert t(running.core.form.by_id["consent"].prompt)[:40] in consent.text
    summary = await walk(maria, t, MENTEE)
    assert t.plain("Bolivia") in summary.text
    assert await maria.press(t.plain("Confirm"), expect="/status")
    stored = await application(running, maria.uid)
    assert (stored["status"], stored["outcome"], stored["role"]) == (
        "pending",
        "eligible",
        "mentee",
    )
    person = await running.core.people.get(maria.uid)
    assert person is not None and person.timezone == "America/La_Paz" and person.language == "es"
    assert all("Canadian" not in text for text in maria.texts())


async def test_french_mentor_needs_review_with_reasons(emu: Emulator, launch: Launch) -> None:
    admin = new_person(emu, "Sam", "en")
    await emu.send_text(admin.uid, "hi")
    running = await launch(admins=(admin.uid,))
    zoe = running.person("Zoé", "fr-CA")
    t = running.core.t("fr")
    await zoe.send("/start")
    actions = list(MENTOR)
    actions[5] = ("press", "Bolivia")  # destination whose working language is Spanish
    actions[7] = ("send", "1")  # fewer than 2 years of experience
    await walk(zoe, t, tuple(actions))
    done = await zoe.press(t.plain("Confirm"), expect="/status")
    assert (
        t(
            "Thank you! Your application is complete. Program staff will look at it more "
            "closely and write to you here."
        )
        in done.text
    )
    stored = await application(running, zoe.uid)
    assert stored["outcome"] == "needs_review"
    reasons = json.loads(str(stored["reasons"]))
    assert reasons == [
        "Fewer than 2 years of experience.",
        "Her languages do not include the working language of the partner country she chose.",
    ]
    notice = await emu.wait_for(admin.uid, contains="Zoé")
    assert "needs review" in notice.text and "Fewer than 2 years" in notice.text


async def test_each_not_eligible_rule_names_its_criterion(running: Running) -> None:
    t = running.core.t("en")
    cases = {
        "residency": ((*MENTOR_START, ("press", "No")), "citizens and permanent residents"),
        "adult": ((*MENTOR_START, ("press", "Yes"), ("press", "No")), "18 or older"),
        "commitment": ((*MENTEE[:6], ("press", "Done"), ("press", "No")), "5 to 6 months"),
    }
    for name, (actions, criterion) in cases.items():
        person = running.person(f"Nina {name}")
        await person.send("/start")
        ended = await walk(person, t, actions)
        assert "not eligible" in ended.text and criterion in ended.text and "/start" in ended.text
        stored = await application(running, person.uid)
        assert stored["status"] == "not_eligible"
        await person.send("hello?", expect="Send /start to apply again")
        again = await person.send("/start", expect="agree")
        assert again.buttons, "after a mistake /start begins a new application"


async def test_declining_consent_erases_everything(running: Running) -> None:
    lea = running.person("Léa")
    await lea.send("/start")
    ended = await lea.press("I do not agree", expect="erased")
    assert "/start" in ended.text
    assert await running.core.people.get(lea.uid) is None
    assert await running.core.onboarding.get(lea.uid) is None


async def test_edit_from_the_summary_changes_one_answer(running: Running) -> None:
    awa = running.person("Awa")
    t = running.core.t("en")
    await awa.send("/start")
    await walk(awa, t, MENTOR)
    menu = await awa.press("Edit", expect="change")
    labels = [label for row in menu.buttons for label in row]
    assert "Email" in labels and "Sector" in labels and "Consent" not in labels
    await awa.press("Email", expect="e-mail")
    summary = await awa.send("awa.new@example.org", expect="confirm")
    assert "awa.new@example.org" in summary.text and "awa@example.org" not in summary.text
    await awa.press("Confirm", expect="/status")
    assert (await answers_of(running, awa.uid))["email"] == "awa.new@example.org"


async def test_editing_the_role_asks_the_other_branch(running: Running) -> None:
    awa = running.person("Awa")
    t = running.core.t("en")
    await awa.send("/start")
    await walk(awa, t, MENTOR)
    await awa.press("Edit")
    await awa.press("Role", expect="describes you")
    await awa.press("Entrepreneur in a partner country", expect="business")
    await awa.press("Senegal", expect="How long")
    summary = await awa.press("More than 3 years", expect="confirm")
    assert "Senegal" in summary.text and "Quebec" not in summary.text
    answers = await answers_of(running, awa.uid)
    assert "province" not in answers and "experience" not in answers
    assert answers["business_age"] == "gt3"
    person = await running.core.people.get(awa.uid)  # her time zone follows the new answer
    assert person is not None and person.timezone == "Africa/Dakar"


async def test_cancel_keeps_answers_and_start_resumes(running: Running) -> None:
    ana = running.person("Ana")
    t = running.core.t("en")
    await ana.send("/start")
    await walk(ana, t, MENTOR[:5])
    stopped = await ana.send("/cancel", expect="kept")
    assert "/start" in stopped.text
    paused = await ana.send("Senegal", expect="paused")
    assert "/start" in paused.text
    assert "destination" not in await answers_of(running, ana.uid)
    question = await ana.send("/start", expect="Welcome back")
    assert "partner country" in question.text and question.buttons
    await ana.press("Senegal", expect="sector")
    assert (await answers_of(running, ana.uid))["destination"] == "senegal"


async def test_status_and_help(running: Running) -> None:
    ana = running.person("Ana")
    none_yet = await ana.send("/status", expect="/start")
    assert "not applied" in none_yet.text
    await ana.send("/start")
    await walk(ana, running.core.t("en"), MENTOR[:3])
    status = await ana.send("/status", expect="in progress")
    assert "3 answers" in status.text and "Adult" in status.text
    help_text = await ana.send("/help", expect="/language")
    assert "/review" not in help_text.text and "/status" in help_text.text


async def test_language_switch_asks_the_current_step_again(running: Running) -> None:
    ana = running.person("Ana", "en")
    fr = running.core.t("fr")
    await ana.send("/start")
    await walk(ana, running.core.t("en"), MENTOR_START)
    await ana.send("/language", expect="language")
    again = await ana.press(
        "Français", expect=fr("Are you a Canadian citizen or permanent resident?")[:20]
    )
    assert [fr.plain("Yes"), fr.plain("No")] == again.buttons[0]
    await ana.press(fr.plain("Yes"), expect=fr("Are you 18 or older?")[:10])
    person = await running.core.people.get(ana.uid)
    assert person is not None and person.language == "fr"
    menu = running.emu.effective_commands(ana.uid)
    assert any(c["description"] == fr.plain("What this bot can do") for c in menu)


async def test_commands_are_registered_in_three_languages(running: Running) -> None:
    for code in ("en", "fr", "es"):
        commands = running.emu.commands(code)
        names = [command["command"] for command in commands]
        assert names[:3] == ["start", "help", "language"] and "review" not in names
        t = running.core.t(code)
        assert commands[1]["description"] == t.plain("What this bot can do")
    assert (
        running.emu.commands("fr")[1]["description"] != running.emu.commands("en")[1]["description"]
    )


async def test_staff_start_shows_the_staff_commands_not_an_application(
    emu: Emulator, launch: Launch
) -> None:
    admin = new_person(emu, "Claire", "fr")
    running = await launch(admins=(admin.uid,))
    t = running.core.t("fr")
    welcome = await admin.send("/start", expect="/review")
    assert t("Hello {name}! You are program staff.", name="Claire") in welcome.text
    assert not welcome.buttons
    assert await running.core.onboarding.get(admin.uid) is None
