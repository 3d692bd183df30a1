"""/review through the chat: the card, decisions told in the candidate's language, races."""

from __future__ import annotations

import asyncio
import json

from bot.emulator import Emulator
from bot.review.view import approved_text
from bot.runtime.people import Who
from tests.applicants import MENTEE, MENTOR, Answers, apply
from tests.conftest import Launch
from tests.e2e.paths import walk
from tests.harness import Person, Running, new_person

ZOE_PATH = (
    ("press", "I agree"),
    ("press", "Entrepreneur in a partner country"),
    ("press", "Senegal"),
    ("press", "1 to 3 years"),
    ("press", "Agri-food processing"),
    ("toggle", "French"),
    ("press", "Done"),
    ("press", "Yes"),
    ("send", "zoe@example.sn"),
    ("send", "Mes jus <b>bissap</b> & gingembre: je veux grandir."),
)


async def admin_of(emu: Emulator, name: str, language: str = "en") -> Person:
    """A person who has talked to the bot before it starts, to be made admin."""
    admin = new_person(emu, name, language)
    await emu.send_text(admin.uid, "hello")
    return admin


async def candidate(bot: Running, name: str, language: str, answers: Answers = MENTEE) -> Person:
    """A person whose application is completed through the services (fast)."""
    person = bot.person(name, language)
    user = bot.emu.user(person.uid)
    user.started = True
    await apply(bot.core, Who(person.uid, name, None, None, language), answers)
    return person


async def status_of(bot: Running, uid: int) -> dict[str, object]:
    row = await bot.core.db.fetchone("SELECT * FROM applications WHERE user_id = ?", (uid,))
    assert row is not None
    return dict(row)


async def audit_rows(bot: Running, action: str | None = None) -> list[dict[str, object]]:
    rows = await bot.core.db.fetchall("SELECT * FROM audit_log ORDER BY id")
    return [dict(r) for r in rows if action is None or r["action"] == action]


async def test_french_candidate_is_reviewed_and_approved(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    zoe = bot.person("Zoé <script>", "fr")
    fr = bot.core.t("fr")
    await zoe.send("/start", expect="Zoé")
    await walk(zoe, fr, ZOE_PATH)
    await zoe.press(fr.plain("Confirm"), expect="/status")
    notice = await emu.wait_for(admin.uid, contains="Zoé <script>")
    assert "Use /review to review pending applications." in notice.text

    card = await admin.send("/review", expect="waiting for review")
    assert "Zoé <script>" in card.text
    assert "Mes jus <b>bissap</b> & gingembre" in card.text
    assert "Senegal" in card.text and "zoe@example.sn" in card.text
    assert [label for row in card.buttons for label in row] == ["✅ Approve", "❌ Reject", "Next ➡️"]

    done = await admin.press("Approve", expect="no applications waiting")
    assert "no applications waiting" in done.text
    told = await emu.wait_for(zoe.uid, contains=approved_text(fr)[:40])
    assert told.text == approved_text(fr)
    closed = emu.chat(admin.uid)[-2]
    assert closed.message_id == card.message_id and "Approved by Claire" in closed.text
    assert not closed.buttons
    stored = await status_of(bot, zoe.uid)
    assert (stored["status"], stored["decided_by"]) == ("approved", admin.uid)
    (row,) = await audit_rows(bot, "review.approve")
    assert (row["actor_id"], row["subject_id"]) == (admin.uid, zoe.uid)


async def test_next_then_reject_with_a_typed_reason(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    ana = await candidate(bot, "Ana", "en", MENTOR)
    lucia = await candidate(bot, "Lucía", "es")
    first = await admin.send("/review", expect="2 applications waiting")
    assert "Ana" in first.text
    second = await admin.press("Next", expect="Lucía")
    assert "Ana" not in second.text
    prompt = await admin.toggle("Reject")  # the card asks for the reason in place
    assert "Type the reason" in prompt.text and "Lucía" in prompt.text
    assert prompt.buttons == [["Skip", "Cancel"]]
    restored = await admin.toggle("Cancel")
    assert restored.buttons[0] == ["✅ Approve", "❌ Reject"]
    assert await bot.core.inputs.get(admin.uid) is None
    await admin.toggle("Reject")
    reason = "Le <dossier> est incomplet & en retard"
    after = await admin.send(reason, expect="Ana")  # the next (and last) pending card
    assert "1 application waiting" in after.text
    closed = next(m for m in emu.bot_messages(admin.uid) if m.message_id == second.message_id)
    assert "Rejected by Claire" in closed.text and reason in closed.text and not closed.buttons
    es = bot.core.t("es")
    told = await emu.wait_for(lucia.uid, contains=reason)
    assert es.plain("We are sorry: your application to Passerelle was not accepted.") in told.text
    assert told.html is not None and "&lt;dossier&gt; est incomplet &amp; en retard" in told.html
    stored = await status_of(bot, lucia.uid)
    assert (stored["status"], stored["decision_note"]) == ("rejected", reason)
    (row,) = await audit_rows(bot, "review.reject")
    assert json.loads(str(row["details"])) == {"note": reason}
    assert await bot.core.inputs.get(admin.uid) is None

    await admin.toggle("Reject")
    done = await admin.press("Skip", expect="no applications waiting")
    assert "no applications waiting" in done.text
    told_ana = await emu.wait_for(ana.uid, contains="not accepted")
    assert "Message from the program team" not in told_ana.text
    assert (await status_of(bot, ana.uid))["decision_note"] is None


async def test_two_admins_deciding_at_once_decide_once(emu: Emulator, launch: Launch) -> None:
    claire = await admin_of(emu, "Claire")
    malik = await admin_of(emu, "Malik")
    bot = await launch(admins=(claire.uid, malik.uid))
    awa = await candidate(bot, "Awa", "fr")
    await claire.send("/review", expect="Awa")
    await malik.send("/review", expect="Awa")
    results = await asyncio.gather(claire.tap("Approve"), malik.tap("Reject"))
    stored = await status_of(bot, awa.uid)
    assert stored["status"] == "approved" and stored["decided_by"] == claire.uid
    assert [r["action"] for r in await audit_rows(bot)] == ["review.approve"]
    malik_result = results[1]
    if malik_result.text:  # Malik pressed after Claire decided: told at once
        assert "Already decided" in malik_result.text and malik_result.show_alert
    else:  # Malik was asked for a reason before Claire decided; his reason is refused
        notice = await malik.send("Pas assez d'expérience", expect="Already decided")
        assert "Claire approved" in notice.text
    await emu.wait_for(awa.uid, contains=approved_text(bot.core.t("fr"))[:30])
    assert not any("not accepted" in text for text in awa.texts())


async def test_two_admins_approving_at_once_approve_once(emu: Emulator, launch: Launch) -> None:
    claire = await admin_of(emu, "Claire")
    malik = await admin_of(emu, "Malik")
    bot = await launch(admins=(claire.uid, malik.uid))
    awa = await candidate(bot, "Awa", "fr")
    await claire.send("/review", expect="Awa")
    await malik.send("/review", expect="Awa")
    results = await asyncio.gather(claire.tap("Approve"), malik.tap("Approve"))
    notices = [r.text for r in results if r.text]
    assert len(notices) == 1 and "Already decided" in notices[0] and "approved" in notices[0]
    (row,) = await audit_rows(bot, "review.approve")
    stored = await status_of(bot, awa.uid)
    assert stored["status"] == "approved" and stored["decided_by"] == row["actor_id"]
    told = approved_text(bot.core.t("fr"))
    await emu.wait_for(awa.uid, contains=told[:30])
    assert sum(told[:30] in text for text in awa.texts()) == 1
    fr = bot.core.t("fr")
    assert sum(text == approved_text(fr) for text in awa.texts()) == 1
