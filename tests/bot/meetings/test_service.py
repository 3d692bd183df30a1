"""The meetings service on its own: what each step stores, owes, schedules and refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiosqlite
from icalendar import Calendar

from bot.meetings.results import (
    Confirmed,
    Declined,
    Dropped,
    FollowedUp,
    Missing,
    Moved,
    NoSlot,
    Offered,
    Pending,
    Proposed,
    Stale,
    Unavailable,
    Upcoming,
)
from bot.meetings.store import Answer, Status
from bot.meetings.week import Part, Week
from tests.bot.meetings.conftest import (
    AWA,
    CHLOE,
    MONDAY,
    STRANGER,
    Pair,
    every_weekday,
    open_timers,
    outbox,
    save_week,
)

TUESDAY = datetime(2027, 1, 12, 13, tzinfo=UTC)  # 08:00 in Montreal, 13:00 in Dakar


async def offered(pair: Pair, user_id: int = CHLOE) -> Offered:
    found = await pair.core.meetings.situation(user_id, pair.id)
    assert isinstance(found, Offered), found
    return found


async def booked(pair: Pair, index: int = 1) -> Confirmed:
    """Chloé proposes the slot at `index` (Tuesday 08:00 by default), Awa accepts."""
    offer = (await offered(pair)).offer
    proposed = await pair.core.meetings.pick(CHLOE, offer.id, index, None)
    assert isinstance(proposed, Proposed)
    confirmed = await pair.core.meetings.accept(AWA, proposed.meeting.id, None)
    assert isinstance(confirmed, Confirmed)
    return confirmed


def calendar_of(body: dict[str, object]) -> tuple[str, object]:
    import base64

    data = base64.b64decode(str(body["content"]))
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return str(calendar["method"]), event


async def test_meet_offers_three_days_at_their_first_common_hour(pair: Pair) -> None:
    found = await offered(pair)
    assert found.offer.slots == (
        datetime(2027, 1, 11, 15, tzinfo=UTC),
        TUESDAY,
        datetime(2027, 1, 13, 13, tzinfo=UTC),
    )
    assert found.duo.me.name == "Chloé" and found.duo.other.name == "Awa"
    assert await outbox(pair.core) == [], "offering times owes nobody anything"


async def test_a_pick_asks_the_other_in_her_language_and_time(pair: Pair) -> None:
    offer = (await offered(pair)).offer
    result = await pair.core.meetings.pick(CHLOE, offer.id, 1, None)
    assert isinstance(result, Proposed) and result.meeting.start == TUESDAY
    ((chat, body),) = await outbox(pair.core)
    assert chat == AWA
    assert "Chloé proposes a meeting" in body["text"]
    assert "Tuesday, January 12, 2027, 13:00" in body["text"], "her time, in English"
    assert "08:00 for Chloé (Toronto)" in body["text"], "the other's time beside it"
    assert [b[0] for b in body["keyboard"][0]] == ["Accept", "Decline"]
    again = await pair.core.meetings.pick(CHLOE, offer.id, 0, None)
    assert isinstance(again, Stale), "an offer is used once"
    shown = await pair.core.meetings.situation(AWA, pair.id)
    assert isinstance(shown, Pending) and shown.meeting.id == result.meeting.id


async def test_accept_books_it_with_link_calendar_and_reminders_ahead_only(pair: Pair) -> None:
    confirmed = await booked(pair)
    meeting = confirmed.meeting
    assert meeting.status == Status.CONFIRMED and meeting.booked_at == MONDAY
    rows = await outbox(pair.core)
    assert [chat for chat, _ in rows[1:]] == [AWA, AWA, CHLOE, CHLOE]
    url = pair.core.meetings.url(meeting)
    assert url == f"https://meet.jit.si/passerelle-{meeting.code}"
    for _, body in rows[1:]:
        if "text" in body:
            assert url in body["text"]
        else:
            method, event = calendar_of(body)
            assert method == "REQUEST" and event["dtstart"].dt == TUESDAY
            assert int(event["sequence"]) == 0
            assert event["uid"] == f"meeting-{meeting.code}@passerelle"
    assert "Réunion confirmée avec Awa" in rows[3][1]["text"], "Chloé's in French"
    # Booked Monday 14:00 UTC for Tuesday 13:00: the 24-hour reminder's time has passed, so
    # it is skipped rather than sent at once; the 1-hour one is ahead.
    assert await open_timers(pair.core) == {
        f"meeting:{meeting.id}:0:reminder:3600": "2027-01-12T12:00:00Z",
        f"meeting:{meeting.id}:0:followup": "2027-01-12T14:00:00Z",
    }


async def test_only_the_person_asked_can_answer_and_only_once(pair: Pair) -> None:
    offer = (await offered(pair)).offer
    proposed = await pair.core.meetings.pick(CHLOE, offer.id, 1, None)
    assert isinstance(proposed, Proposed)
    meetings = pair.core.meetings
    assert isinstance(await meetings.accept(CHLOE, proposed.meeting.id, None), Stale)
    assert isinstance(await meetings.accept(STRANGER, proposed.meeting.id, None), Stale)
    assert isinstance(await meetings.decline(STRANGER, proposed.meeting.id, None), Stale)
    assert isinstance(await meetings.accept(AWA, proposed.meeting.id + 99, None), Stale)
    assert isinstance(await meetings.accept(AWA, proposed.meeting.id, None), Confirmed)
    assert isinstance(await meetings.accept(AWA, proposed.meeting.id, None), Stale)
    assert isinstance(await meetings.decline(AWA, proposed.meeting.id, None), Stale)


async def test_nobody_picks_from_someone_elses_offer(pair: Pair) -> None:
    offer = (await offered(pair)).offer
    assert isinstance(await pair.core.meetings.pick(AWA, offer.id, 0, None), Stale)
    assert isinstance(await pair.core.meetings.pick(STRANGER, offer.id, 0, None), Stale)
    assert isinstance(await pair.core.meetings.pick(CHLOE, offer.id, 3, None), Stale)
    assert isinstance(await pair.core.meetings.situation(STRANGER, pair.id), Stale)
    assert isinstance(await pair.core.meetings.more(AWA, offer.id), Stale)


async def test_a_time_that_no_longer_suits_both_is_not_proposed(pair: Pair) -> None:
    offer = (await offered(pair)).offer
    await save_week(pair.core, AWA, every_weekday(Part.EVENING))  # she changed her week
    result = await pair.core.meetings.pick(CHLOE, offer.id, 1, None)
    assert isinstance(result, Unavailable) and isinstance(result.now, NoSlot)
    assert await pair.core.db.fetchall("SELECT id FROM meetings") == []


async def test_the_soonest_slot_can_be_picked_for_half_its_notice(pair: Pair) -> None:
    offer = (await offered(pair)).offer
    assert offer.slots[0] == MONDAY + timedelta(hours=1)
    pair.clock.advance(timedelta(minutes=30))  # she took her time
    result = await pair.core.meetings.pick(CHLOE, offer.id, 0, None)
    assert isinstance(result, Proposed) and result.meeting.start == offer.slots[0]


async def test_a_slot_picked_too_late_is_refused_with_fresh_times(pair: Pair) -> None:
    offer = (await offered(pair)).offer
    pair.clock.advance(timedelta(minutes=31))
    result = await pair.core.meetings.pick(CHLOE, offer.id, 0, None)
    assert isinstance(result, Unavailable) and isinstance(result.now, Offered)
    assert offer.slots[0] not in result.now.offer.slots
    assert isinstance(await pair.core.meetings.pick(CHLOE, offer.id, 1, None), Stale), "used"


async def test_declining_offers_the_other_proposed_times(pair: Pair) -> None:
    offer = (await offered(pair)).offer
    proposed = await pair.core.meetings.pick(CHLOE, offer.id, 1, None)
    assert isinstance(proposed, Proposed)
    result = await pair.core.meetings.decline(AWA, proposed.meeting.id, None)
    assert isinstance(result, Declined) and isinstance(result.then, Offered)
    assert result.then.offer.slots == (offer.slots[0], offer.slots[2])
    assert result.then.offer.user_id == AWA
    chat, body = (await outbox(pair.core))[-1]
    assert chat == CHLOE and "Awa" in body["text"]
    more = await pair.core.meetings.more(AWA, result.then.offer.id)
    assert isinstance(more, Offered) and not set(more.offer.slots) & set(offer.slots[::2])
    again = await pair.core.meetings.pick(AWA, more.offer.id, 0, None)
    assert isinstance(again, Proposed) and again.meeting.proposer_id == AWA


async def test_reminders_fire_once_when_due_in_each_persons_words(pair: Pair) -> None:
    meeting = (await booked(pair)).meeting
    before = len(await outbox(pair.core))
    pair.clock.set(TUESDAY - timedelta(hours=1, seconds=1))
    assert await pair.core.timers.run_due() == 0
    pair.clock.set(TUESDAY - timedelta(minutes=40))  # the bot was down: 20 minutes late
    assert await pair.core.timers.run_due() == 1
    assert await pair.core.timers.run_due() == 0
    rows = (await outbox(pair.core))[before:]
    assert {chat for chat, _ in rows} == {CHLOE, AWA}
    texts = {chat: body["text"] for chat, body in rows}
    assert "in 40 minutes" in texts[AWA] and "dans 40 minutes" in texts[CHLOE]
    assert pair.core.meetings.url(meeting) in texts[AWA]
    expiry = await pair.core.db.fetchall(
        "SELECT DISTINCT expires_at FROM outbox WHERE id > ?", (before,)
    )
    assert [row[0] for row in expiry] == [TUESDAY.isoformat()], "pointless once it has begun"


async def test_a_reminder_due_after_the_meeting_began_is_not_sent(pair: Pair) -> None:
    await booked(pair)
    before = len(await outbox(pair.core))
    pair.clock.set(TUESDAY + timedelta(minutes=5))  # down across the reminder and the start
    await pair.core.timers.run_due()
    assert len(await outbox(pair.core)) == before


async def test_moving_bumps_the_sequence_and_moves_the_reminders(pair: Pair) -> None:
    meeting = (await booked(pair)).meeting
    moving = await pair.core.meetings.move(AWA, meeting.id)
    assert isinstance(moving, Offered) and moving.offer.moves == meeting.id
    assert TUESDAY not in moving.offer.slots
    before = len(await outbox(pair.core))
    result = await pair.core.meetings.pick(AWA, moving.offer.id, 1, None)
    assert isinstance(result, Moved) and result.before == TUESDAY
    new = result.meeting
    assert new.id == meeting.id and new.sequence == 1 and new.start == moving.offer.slots[1]
    timers = await open_timers(pair.core)
    assert all(key.startswith(f"meeting:{meeting.id}:1:") for key in timers), timers
    rows = (await outbox(pair.core))[before:]
    assert [chat for chat, _ in rows] == [CHLOE, CHLOE, AWA]
    assert "Awa a déplacé votre réunion" in rows[0][1]["text"]
    for _, body in rows[1:]:
        method, event = calendar_of(body)
        assert method == "REQUEST" and int(event["sequence"]) == 1
        assert event["uid"] == f"meeting-{meeting.code}@passerelle", "the same event, updated"
    old = await pair.core.meetings.pick(AWA, moving.offer.id, 0, None)
    assert isinstance(old, Stale), "the offer is used"
    pair.clock.set(TUESDAY - timedelta(minutes=30))
    before = len(await outbox(pair.core))
    await pair.core.timers.run_due()
    assert len(await outbox(pair.core)) == before, "no reminder for the old time"


async def test_cancelling_sends_both_a_cancel_and_stops_everything(pair: Pair) -> None:
    meeting = (await booked(pair)).meeting
    before = len(await outbox(pair.core))
    result = await pair.core.meetings.drop(CHLOE, meeting.id, None)
    assert isinstance(result, Dropped) and result.meeting.status == Status.CANCELLED
    rows = (await outbox(pair.core))[before:]
    assert [chat for chat, _ in rows] == [AWA, AWA, CHLOE]
    assert "Chloé cancelled your meeting" in rows[0][1]["text"]
    for _, body in rows[1:]:
        method, event = calendar_of(body)
        assert (method, str(event["status"])) == ("CANCEL", "CANCELLED")
        assert int(event["sequence"]) == 1
    assert await open_timers(pair.core) == {}
    assert isinstance(await pair.core.meetings.drop(AWA, meeting.id, None), Stale)
    assert isinstance(await pair.core.meetings.move(AWA, meeting.id), Stale)
    assert isinstance(await pair.core.meetings.situation(CHLOE, pair.id), Offered)


async def test_the_proposer_can_withdraw_before_an_answer(pair: Pair) -> None:
    offer = (await offered(pair)).offer
    proposed = await pair.core.meetings.pick(CHLOE, offer.id, 1, None)
    assert isinstance(proposed, Proposed)
    assert isinstance(await pair.core.meetings.drop(AWA, proposed.meeting.id, None), Stale)
    result = await pair.core.meetings.drop(CHLOE, proposed.meeting.id, None)
    assert isinstance(result, Dropped) and result.meeting.status == Status.WITHDRAWN
    assert isinstance(await pair.core.meetings.accept(AWA, proposed.meeting.id, None), Stale)


async def test_upcoming_meeting_is_shown_until_it_ends(pair: Pair) -> None:
    meeting = (await booked(pair)).meeting
    pair.clock.set(TUESDAY + timedelta(minutes=30))
    found = await pair.core.meetings.situation(AWA, pair.id)
    assert isinstance(found, Upcoming) and found.meeting.id == meeting.id
    assert isinstance(await pair.core.meetings.drop(AWA, meeting.id, None), Stale), "it began"


async def test_no_common_time_tells_both_once_a_day(pair: Pair) -> None:
    await save_week(pair.core, AWA, every_weekday(Part.MORNING))  # 08-12 Dakar = 03-07 Montreal
    found = await pair.core.meetings.situation(CHLOE, pair.id)
    assert isinstance(found, NoSlot) and found.miss is not None
    ((chat, body),) = await outbox(pair.core)
    assert chat == AWA and "Chloé tried to plan a meeting" in body["text"]
    await pair.core.meetings.situation(CHLOE, pair.id)
    assert len(await outbox(pair.core)) == 1, "not told again the same day"
    pair.clock.advance(timedelta(days=1, minutes=1))
    await pair.core.meetings.situation(CHLOE, pair.id)
    assert len(await outbox(pair.core)) == 2


async def test_missing_availability_asks_the_other_person(pair: Pair) -> None:
    await save_week(pair.core, AWA, Week())
    found = await pair.core.meetings.situation(CHLOE, pair.id)
    assert isinstance(found, Missing) and not found.mine
    ((chat, body),) = await outbox(pair.core)
    assert chat == AWA and "/availability" in body["text"]
    mine = await pair.core.meetings.situation(AWA, pair.id)
    assert isinstance(mine, Missing) and mine.mine


async def test_a_clock_change_before_the_meeting_is_announced_a_week_before(pair: Pair) -> None:
    everyday = Week((1 << 21) - 1)
    await save_week(pair.core, CHLOE, everyday)
    await save_week(pair.core, AWA, everyday)
    pair.clock.set(datetime(2027, 3, 5, 12, tzinfo=UTC))  # nine days before the switch
    offer = (await offered(pair)).offer
    meeting = (await booked_at(pair, offer.id, datetime(2027, 3, 15, 12, tzinfo=UTC))).meeting
    timers = await open_timers(pair.core)
    assert timers[f"meeting:{meeting.id}:0:clocks"] == "2027-03-08T12:00:00Z"
    before = len(await outbox(pair.core))
    pair.clock.set(datetime(2027, 3, 8, 12, tzinfo=UTC))
    await pair.core.timers.run_due()
    rows = (await outbox(pair.core))[before:]
    texts = {chat: body["text"] for chat, body in rows}
    assert "Toronto changes its clocks on Sunday, March 14, 2027" in texts[AWA]
    assert "Monday, March 15, 2027, 12:00" in texts[AWA] and "08:00 for Chloé" in texts[AWA]
    assert "Dakar a 4 heures d\u2019avance sur vous." in texts[CHLOE]


async def booked_at(pair: Pair, offer_id: int, start: datetime) -> Confirmed:
    """Books a given start through a stored offer of it (the service checks it fits)."""
    async with pair.core.db.write() as conn:
        await conn.execute(
            "UPDATE meeting_offers SET slots = ? WHERE id = ?",
            (f'["{start.strftime("%Y-%m-%dT%H:%M:%SZ")}"]', offer_id),
        )
    proposed = await pair.core.meetings.pick(CHLOE, offer_id, 0, None)
    assert isinstance(proposed, Proposed), proposed
    confirmed = await pair.core.meetings.accept(AWA, proposed.meeting.id, None)
    assert isinstance(confirmed, Confirmed)
    return confirmed


async def test_no_clock_notice_when_no_clock_changes(pair: Pair) -> None:
    meeting = (await booked(pair)).meeting
    assert f"meeting:{meeting.id}:0:clocks" not in await open_timers(pair.core)


async def test_follow_up_is_asked_at_the_end_and_recorded_per_side(pair: Pair) -> None:
    meeting = (await booked(pair)).meeting
    seen: list[FollowedUp] = []

    async def hook(conn: aiosqlite.Connection, answered: FollowedUp) -> None:
        seen.append(answered)

    pair.core.followups.after_answer(hook)
    assert isinstance(await pair.core.followups.answer(AWA, meeting.id, Answer.HELD, None), Stale)
    before = len(await outbox(pair.core))
    pair.clock.set(meeting.end)
    await pair.core.timers.run_due()
    rows = (await outbox(pair.core))[before:]
    assert {chat for chat, _ in rows} >= {CHLOE, AWA}
    question = next(body for chat, body in rows if chat == AWA and "take place" in body["text"])
    assert [row[0][0] for row in question["keyboard"]] == [
        "Yes",
        "No, we rescheduled",
        "The other person did not come",
    ]
    held = await pair.core.followups.answer(CHLOE, meeting.id, Answer.HELD, None)
    absent = await pair.core.followups.answer(AWA, meeting.id, Answer.NO_SHOW, None)
    assert isinstance(absent, FollowedUp) and absent.absent == CHLOE
    again = await pair.core.followups.answer(AWA, meeting.id, Answer.HELD, None)
    assert isinstance(again, FollowedUp) and not again.recorded and again.answer == Answer.NO_SHOW
    assert isinstance(held, FollowedUp)
    assert [s.answer for s in seen] == [Answer.HELD, Answer.NO_SHOW], "hooks run once an answer"
    stranger = await pair.core.followups.answer(STRANGER, meeting.id, Answer.HELD, None)
    assert isinstance(stranger, Stale)
    (record,) = await pair.core.followups.records()
    assert (record.held, record.cancelled) == (1, 0)
    assert (record.mentor_absent, record.mentee_absent) == (1, 0), "Awa says Chloé did not come"
