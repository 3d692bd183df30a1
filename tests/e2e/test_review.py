"""/review through the chat: the card, decisions told in the candidate's language, races."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from bot.emulator import Emulator, EmuMessage
from bot.review.view import approved_text
from bot.runtime.clock import FrozenClock
from bot.runtime.people import Who
from tests.applicants import MENTEE, MENTOR, Answers, apply
from tests.conftest import Launch
from tests.e2e.paths import MENTEE as MENTEE_PATH
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
    closed = shown(emu, admin, second)
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


def shown(emu: Emulator, person: Person, sent: EmuMessage) -> EmuMessage:
    """A bot message as the person sees it now (after any edits)."""
    return next(m for m in emu.bot_messages(person.uid) if m.message_id == sent.message_id)


def frozen(bot: Running) -> FrozenClock:
    clock = bot.core.clock
    assert isinstance(clock, FrozenClock)
    return clock


async def test_a_reason_typed_after_ten_minutes_is_not_sent(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    lucia = await candidate(bot, "Lucía", "es")
    card = await admin.send("/review", expect="Lucía")
    await admin.toggle("Reject")
    frozen(bot).advance(timedelta(minutes=11))
    told = await admin.send("ok thanks, see you tomorrow", expect="Nothing was sent")
    assert "press ❌ Reject again" in told.text
    restored = shown(emu, admin, card)
    assert restored.buttons[0] == ["✅ Approve", "❌ Reject"]
    assert await bot.core.inputs.get(admin.uid) is None

    await admin.toggle("Reject")
    frozen(bot).advance(timedelta(minutes=11))
    mark = emu.mark()
    late = await admin.tap("Skip", message_id=card.message_id)  # the expired prompt's Skip
    await emu.wait_for(
        admin.uid,
        predicate=lambda m: m.message_id == card.message_id and "✅ Approve" in str(m.buttons),
        since=mark,
    )
    assert late.show_alert and "Nothing was sent" in (late.text or "")
    assert (await status_of(bot, lucia.uid))["status"] == "pending"
    assert not any("not accepted" in text for text in lucia.texts())

    prompt = await admin.toggle("Reject")  # the card's Reject works again
    assert "Type the reason" in prompt.text
    await admin.send("Dossier incomplet", expect="no applications waiting")
    told_lucia = await emu.wait_for(lucia.uid, contains="Dossier incomplet")
    assert "see you tomorrow" not in told_lucia.text


async def test_a_command_or_another_button_ends_the_reason_prompt(
    emu: Emulator, launch: Launch
) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    ana = await candidate(bot, "Ana", "en", MENTOR)
    card = await admin.send("/review", expect="Ana")
    await admin.toggle("Reject")
    await admin.send("/stats", expect="Program figures")
    restored = shown(emu, admin, card)
    assert (
        restored.buttons[0] == ["✅ Approve", "❌ Reject"]
        and "Type the reason" not in restored.text
    )
    assert await bot.core.inputs.get(admin.uid) is None
    await admin.send("ok thanks, see you tomorrow")  # ordinary text now, not a reason
    assert (await status_of(bot, ana.uid))["status"] == "pending"
    assert await audit_rows(bot) == []

    other = await admin.send("/review", expect="Ana")
    await admin.toggle("Reject")
    await admin.tap("Next", message_id=card.message_id)  # a button that is not the prompt's
    assert await bot.core.inputs.get(admin.uid) is None
    reopened = shown(emu, admin, other)
    assert reopened.buttons[0] == ["✅ Approve", "❌ Reject"]
    await admin.send("ok thanks, see you tomorrow")
    assert (await status_of(bot, ana.uid))["status"] == "pending"
    assert not any("not accepted" in text for text in ana.texts())


async def test_already_decided_names_the_other_admin_safely(emu: Emulator, launch: Launch) -> None:
    nadia = await admin_of(emu, "Nadia <3 & co")
    malik = await admin_of(emu, "Malik")
    bot = await launch(admins=(nadia.uid, malik.uid))
    awa = await candidate(bot, "Awa", "fr")
    await malik.send("/review", expect="Awa")
    card = await nadia.send("/review", expect="Awa")
    await nadia.press("Approve", expect="no applications waiting")
    closed = shown(emu, nadia, card)
    assert "Approved by Nadia <3 & co" in closed.text
    notice = await malik.press("Approve", expect="Already decided")
    assert notice.text == "Already decided: Nadia <3 & co approved this application."
    listing = await malik.send("/staff", expect="Program staff")
    assert "• Nadia <3 & co · " in listing.text and "Remove" not in str(listing.buttons)
    assert (await status_of(bot, awa.uid))["decided_by"] == nadia.uid


async def test_the_card_shows_times_in_the_staff_members_zone(
    emu: Emulator, launch: Launch
) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    await candidate(bot, "Awa", "fr")  # submitted at 14:00 UTC, 09:00 in Toronto (EST)
    card = await admin.send("/review", expect="Awa")
    assert "Submitted: Monday, January 11, 2027, 09:00 (Toronto)" in card.text
    assert "UTC" not in card.text
    async with bot.core.db.write() as conn:
        await conn.execute(
            "UPDATE people SET timezone = 'Africa/Dakar', language = 'fr' WHERE user_id = ?",
            (admin.uid,),
        )
    mine = await admin.send("/review", expect="Awa")
    assert "lundi 11 janvier 2027, 14:00 (Dakar)" in mine.text


async def test_the_program_zone_is_a_setting(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,), timezone="America/La_Paz")
    await candidate(bot, "Awa", "fr")
    card = await admin.send("/review", expect="Awa")
    assert "10:00 (La Paz)" in card.text


async def test_staff_texts_read_naturally_in_french_and_spanish(
    emu: Emulator, launch: Launch
) -> None:
    claire = await admin_of(emu, "Claire", "fr")
    bot = await launch(admins=(claire.uid,))
    lucia = bot.person("Lucía", "es")
    es = bot.core.t("es")
    await lucia.send("/start")
    await walk(lucia, es, MENTEE_PATH)
    await lucia.press(es.plain("Confirm"), expect="/status")
    notice = await emu.wait_for(claire.uid, contains="Lucía")
    assert "Rôle\u00a0: mentorée" in notice.text and "Role:" not in notice.text
    status = await lucia.send("/status", expect="solicitud")
    assert "elegible" not in status.text and "(" not in status.text
    assert "cumple con los requisitos" in status.text
    card = await claire.send("/review", expect="Lucía")
    assert "Langue\u00a0: espagnol" in card.text  # a language named mid-sentence, in French
    assert "lundi 11 janvier 2027, 09:00 (Toronto)" in card.text
    await claire.toggle("Refuser")
    too_long = await claire.send("x" * 1001, expect="caractères")
    assert "1\u202f000 caractères" in too_long.text
