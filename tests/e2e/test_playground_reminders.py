"""`passerelle playground --reminders 60s,20s`: a demo meeting starts in minutes, so its
reminders come a minute or two after it is booked (checked on the timers, not by waiting)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.meetings.week import FULL, Week
from bot.playground import Playground
from tests.e2e.meetings_helpers import enrol, pair_up, save_week
from tests.harness import Person


def daytime_zone(now: datetime) -> str:
    """A fixed-offset IANA zone where it is now between 10:00 and 17:59 (grids end at 21:00)."""
    for hours in range(-12, 13):
        if 10 <= (now.hour + hours) % 24 < 18:
            return f"Etc/GMT{'-' if hours >= 0 else '+'}{abs(hours)}"  # POSIX signs are reversed
    raise AssertionError("unreachable")


async def test_a_demo_meeting_is_reminded_within_two_minutes_of_booking(tmp_path: Path) -> None:
    play = Playground(db=tmp_path / "play.db", reminders="60s,20s")
    await play.start("127.0.0.1", 0)
    try:
        core = play.core
        assert core is not None
        now = datetime.now(UTC)
        zone = daytime_zone(now)
        chloe = Person(play.emu, play.emu.add_user("Chloé", "fr"))
        awa = Person(play.emu, play.emu.add_user("Awa", "en"))
        await enrol(core.db, chloe, "mentor", "fr", zone)
        await enrol(core.db, awa, "mentee", "en", zone)
        await pair_up(core, chloe, awa)
        for person in (chloe, awa):
            await save_week(core.db, person, Week(FULL))
        asked = datetime.now(UTC)
        offer = await chloe.send("/meet", expect="Awa")
        offered = datetime.now(UTC)  # the offer was computed between the two
        await chloe.tap(offer.buttons[0][0])
        await play.emu.wait_for(awa.uid, contains="proposes a meeting")
        await awa.tap("Accept")
        await play.emu.wait_for(awa.uid, contains="You accepted")
        (start,) = await core.db.fetchone("SELECT start_at FROM meetings") or ("",)
        begins = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert asked + timedelta(minutes=2) <= begins < offered + timedelta(minutes=3)
        rows = await core.db.fetchall(
            "SELECT id, due_at FROM timers WHERE kind = 'meeting.reminder' ORDER BY due_at"
        )
        dues = [datetime.strptime(r["due_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
                for r in rows]  # fmt: skip
        assert [r["id"].rsplit(":", 1)[1] for r in rows] == ["60", "20"]
        assert asked + timedelta(minutes=1) <= dues[0] < offered + timedelta(minutes=2)
        assert dues[1] == begins - timedelta(seconds=20), "then 40 s later"
    finally:
        await play.stop()
