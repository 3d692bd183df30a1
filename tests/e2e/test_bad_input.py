"""Bad input never crashes a flow, never changes what it should not, and is always answered."""

from __future__ import annotations

import json

from bot.emulator import Emulator
from tests.applicants import store_applicant
from tests.conftest import Launch
from tests.e2e.paths import MENTOR, walk
from tests.e2e.test_review import admin_of
from tests.harness import Running


async def state_of(running: Running, uid: int) -> tuple[object, ...]:
    row = await running.core.db.fetchone(
        "SELECT step, round, status FROM applications WHERE user_id = ?", (uid,)
    )
    answers = await running.core.db.fetchall(
        "SELECT step, value FROM answers WHERE user_id = ? ORDER BY step", (uid,)
    )
    assert row is not None
    return (*tuple(row), tuple((a["step"], a["value"]) for a in answers))


async def test_text_where_a_button_is_expected_asks_again(running: Running) -> None:
    ana = running.person("Ana")
    await ana.send("/start")
    before = await state_of(running, ana.uid)
    for text in ("yes", "🙂🙂🙂", "مرحبا بالعالم", "<b>not a tag</b> & co", "x" * 4096):
        again = await ana.send(text, expect="buttons")
        assert again.buttons[0][0] == "I agree"
    assert await state_of(running, ana.uid) == before


async def test_invalid_typed_answers_ask_again_with_a_hint(running: Running) -> None:
    ana = running.person("Ana")
    t = running.core.t("en")
    await ana.send("/start")
    await walk(ana, t, MENTOR[:7])
    for junk in ("seven", "-1", "61", "5.5", "٣"):
        hint = await ana.send(junk, expect="whole number")
        assert "between 0 and 60" in hint.text
    await ana.send("12", expect="languages")
    none_chosen = await ana.press("Done", expect="at least one")
    assert none_chosen.buttons
    await ana.toggle("Spanish")
    await ana.toggle("English")
    untoggled = await ana.toggle("Spanish")
    assert untoggled.buttons[0] == ["French", "✅ English", "Spanish"]
    await ana.press("Done", expect="commit")
    await ana.press("Yes", expect="e-mail")
    for junk in ("not an email", "a@b", "<x>@y.org", "a" * 250 + "@example.org"):
        await ana.send(junk, expect="does not look like")
    await ana.send("ana@example.org", expect="why")
    short = await ana.send("too short", expect="between 10 and 1000")
    assert short.text
    stored = await running.core.onboarding.get(ana.uid)
    assert stored is not None
    assert stored.state.answers["experience"] == 12
    assert stored.state.answers["languages"] == ("en",)
    assert "motivation" not in stored.state.answers


async def test_stale_and_forged_buttons_change_nothing(running: Running) -> None:
    ana = running.person("Ana")
    await ana.send("/start")
    consent = ana.last()
    disagree = consent.inline_buttons[1]["callback_data"]
    await ana.press("I agree", expect="describes you")
    role_question = ana.last()
    before = await state_of(running, ana.uid)
    # an older client still shows the consent question's buttons (Passerelle closed it)
    old = await running.emu.press_data(ana.uid, consent.message_id, disagree)
    assert "no longer active" in (old.text or "")
    forged = [
        "q:1:role:admin",
        "q:99:role:mentor",
        "q:1:summary:confirm",
        "q:1:edit:email",
        "q:x:role:mentor",
        "q:1:role",
        "lang:de",
        "zz:1",
        "q:-1:role:mentor",
        "q:1:role:mentor:extra",
    ]
    for data in forged:
        answer = await running.emu.press_data(ana.uid, role_question.message_id, data)
        assert answer.answered, data
    assert await state_of(running, ana.uid) == before
    assert await running.core.people.get(ana.uid) is not None
    await ana.press("Entrepreneur in a partner country", expect="country")


async def test_html_in_names_and_answers_is_shown_escaped(running: Running) -> None:
    zoe = running.person("<b>Zoé</b> & <i>co")
    t = running.core.t("en")
    hello = await zoe.send("/start", expect="Hello")
    assert "<b>Zoé</b> & <i>co" in hello.text
    actions = list(MENTOR)
    actions[-1] = ("send", "I <3 entrepreneurs & <script>alert(1)</script> &amp; more")
    summary = await walk(zoe, t, tuple(actions))
    assert "I <3 entrepreneurs & <script>alert(1)</script> &amp; more" in summary.text
    stored = await running.core.db.fetchone(
        "SELECT value FROM answers WHERE user_id = ? AND step = 'motivation'", (zoe.uid,)
    )
    assert stored is not None
    assert (
        json.loads(stored["value"]) == "I <3 entrepreneurs & <script>alert(1)</script> &amp; more"
    )
    assert not running.emu.errors, running.emu.errors


async def test_people_never_see_each_other(running: Running) -> None:
    awa, ana = running.person("Awa"), running.person("Ana")
    await awa.send("/start")
    await ana.send("/start")
    await walk(awa, running.core.t("en"), MENTOR)
    assert not any("awa@example.org" in text for text in ana.texts())
    awa_round = (await running.core.onboarding.get(awa.uid)).state.round  # type: ignore[union-attr]
    answer = await running.emu.press_data(
        ana.uid, ana.last().message_id, f"q:{awa_round}:summary:confirm"
    )
    assert answer.answered and "no longer active" in (answer.text or "")
    awa_app = await running.core.onboarding.get(awa.uid)
    assert awa_app is not None and awa_app.status == "in_progress"


async def test_invisible_answers_are_refused_and_right_to_left_text_stays_in_its_place(
    emu: Emulator, launch: Launch
) -> None:
    admin = await admin_of(emu, "Nadia")
    running = await launch(admins=(admin.uid,))
    zoe = running.person("Zoé \u202eoc &", "en", username="zoe_rtl")
    t = running.core.t("en")
    await zoe.send("/start")
    actions = list(MENTOR[:-1])
    actions[6] = ("press", "Other")
    actions.insert(7, ("send", "\u202eboissons \u0628\u064a\u0633\u0627\u0628"))
    await walk(zoe, t, tuple(actions))
    hint = await zoe.send("\u200b" * 12, expect="between 10 and 1000")
    assert hint.buttons == []
    await zoe.send("\u200b\u2060 \ufeff", expect="between 10 and 1000")
    await zoe.send("\u202eI want to grow my juice business", expect="confirm")
    await zoe.press("Confirm", expect="/status")
    stored = await running.core.onboarding.get(zoe.uid)
    assert stored is not None
    assert stored.state.answers["motivation"] == "\u202eI want to grow my juice business"
    card = await admin.send("/review", expect="Motivation")
    for line in card.text.splitlines():
        for opener, closer in (("\u202e", "\u202c"), ("\u2068", "\u2069")):
            assert line.count(opener) == line.count(closer), repr(line)
    assert "\u2068\u202eI want to grow my juice business\u202c\u2069" in card.text
    assert "\u2068\u202eboissons \u0628\u064a\u0633\u0627\u0628\u202c\u2069" in card.text
    assert "\u2068Zoé \u202eoc &\u202c\u2069" in card.text


async def test_right_to_left_names_cannot_reorder_staff_lists_or_introductions(
    emu: Emulator, launch: Launch
) -> None:
    boss = await admin_of(emu, "Boss")
    running = await launch(admins=(boss.uid,))
    salma, awa = running.person("سلمى\u202e", "en"), running.person("Awa", "fr")
    for person, role, name in ((salma, "mentor", "سلمى\u202e"), (awa, "mentee", "Awa")):
        emu.user(person.uid).started = True
        await store_applicant(running.core.db, person.uid, role, first_name=name)
    isolated = "\u2068سلمى\u202e\u202c\u2069"
    suggestions = await boss.send("/pair", expect="suggested")
    assert isolated in suggestions.text
    await boss.press("Pair", expect="Paired")
    introduction = await emu.wait_for(awa.uid, contains="🤝")
    assert isolated in introduction.text
    for text in (suggestions.text, introduction.text):
        for line in text.splitlines():
            assert line.count("\u202e") == line.count("\u202c"), repr(line)
            assert line.count("\u2068") == line.count("\u2069"), repr(line)
