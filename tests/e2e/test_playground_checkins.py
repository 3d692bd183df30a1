"""The playground lets one try check-ins: a demo staff persona starts a round with
/checkins_now, a demo pair answers it, and /checkin starts one at any time."""

from __future__ import annotations

from pathlib import Path

from bot.playground import Playground
from tests.e2e.meetings_helpers import DAKAR, MONTREAL, enrol, pair_up
from tests.harness import Person


async def test_a_demo_pair_answers_a_staff_round_and_checkin(tmp_path: Path) -> None:
    play = Playground(db=tmp_path / "play.db", reminders="60s,20s")
    await play.start("127.0.0.1", 0)
    try:
        core = play.core
        assert core is not None
        nadia = await play.add_persona("Nadia", "en", True, "America/Toronto")
        staff = Person(play.emu, nadia.user_id)
        chloe = Person(play.emu, play.emu.add_user("Chloé", "fr"))
        awa = Person(play.emu, play.emu.add_user("Awa", "en"))
        await enrol(core.db, chloe, "mentor", "fr", MONTREAL)
        await enrol(core.db, awa, "mentee", "en", DAKAR)
        await pair_up(core, chloe, awa)

        reply = await staff.send("/checkins_now", expect="Check-in round started")
        assert "2 check-ins were sent" in reply.text
        await play.emu.wait_for(awa.uid, contains="How is your mentoring with Chloé going?")
        await awa.press("5", expect="What did you work on")
        await awa.press("Skip", expect="Do you need help")
        await awa.press("No", expect="Thank you!")
        await play.emu.wait_for(chloe.uid, contains="Comment se passe votre mentorat avec Awa")
        await chloe.send("/checkin", expect="Comment se passe votre mentorat avec Awa")

        rows = await core.db.fetchall("SELECT user_id, status FROM checkins ORDER BY id")
        assert [(r["user_id"], r["status"]) for r in rows] == [
            (chloe.uid, "open"),
            (awa.uid, "answered"),
        ]
    finally:
        await play.stop()
