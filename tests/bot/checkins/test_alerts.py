"""The alerts service on its own: rows, outbox messages per recipient and language, repeats,
the transaction it shares with its cause, and `Mark handled` (first one wins)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.checkins.alerts import REPEAT_AFTER, AlreadyHandled, Gone, Handled
from bot.checkins.triggers import Kind, Trigger
from bot.meetings.store import Answer
from tests.bot.checkins.conftest import (
    AWA,
    CHLOE,
    INES,
    NADIA,
    OTTO,
    SAM,
    World,
    add_checkin,
    alerts,
    outbox,
    put_in_cohort,
    raise_one,
    trigger,
)


def keyboard_of(body: dict[str, object]) -> list[list[list[str]]]:
    keyboard = body["keyboard"]
    assert isinstance(keyboard, list)
    return keyboard


async def test_a_low_rating_alerts_every_admin_in_her_language(world: World) -> None:
    checkin = await add_checkin(world, AWA, 2, "A budget for the shop", None)
    await raise_one(world, trigger(world, Kind.LOW_RATING, checkin))
    (row,) = await alerts(world.core)
    assert (row["user_id"], row["pair_id"], row["checkin_id"], row["kind"]) == (
        AWA,
        world.pair_id,
        checkin,
        "low_rating",
    )
    assert row["handled_at"] is None
    sent = dict(await outbox(world.core))
    assert set(sent) == {NADIA, INES}
    english, french = sent[NADIA]["text"], sent[INES]["text"]
    assert "<b>Awa</b> (@awa_d) rated her check-in 2/5." in english
    assert "Pair: Chloé (mentor) ↔ Awa (mentee)" in english
    assert "Worked on: A budget for the shop" in english
    assert "Her language: English. Her local time: 15:00 (Dakar)." in english
    assert "<b>Awa</b> (@awa_d) a noté son point d\u2019étape 2/5." in french
    assert "Sa langue\u00a0: English." in french
    labels = [[button[0] for button in row] for row in keyboard_of(sent[NADIA])]
    assert labels == [["Contact her"], ["Mark handled"]]
    assert keyboard_of(sent[NADIA])[0][0][2] == "https://t.me/awa_d"
    assert keyboard_of(sent[INES])[1][0] == ["Marquer comme traitée", f"al:h:{row['id']}"]


async def test_help_shows_her_words_and_the_mentor_opens_by_id(world: World) -> None:
    checkin = await add_checkin(world, CHLOE, 4, None, "Awa <never> answers")
    trigger = Trigger(Kind.HELP, CHLOE, world.pair_id, checkin_id=checkin)
    await raise_one(world, trigger)
    sent = dict(await outbox(world.core))
    english = sent[NADIA]["text"]
    assert "<b>Chloé</b> asked the program team for help." in english
    assert "Asked for help: Awa &lt;never&gt; answers" in english
    assert "Worked on: (skipped)" in english
    assert "Rating: 4/5" in english
    assert keyboard_of(sent[NADIA])[0][0][2] == f"tg://user?id={CHLOE}"


async def test_the_staff_member_in_charge_of_her_cohort_gets_it_in_spanish(world: World) -> None:
    await put_in_cohort(world, AWA, SAM)
    await raise_one(world, trigger(world, Kind.MISSED))
    sent = dict(await outbox(world.core))
    assert set(sent) == {NADIA, INES, SAM}
    assert "<b>Awa</b> (@awa_d) no respondió a 2 seguimientos seguidos." in sent[SAM]["text"]
    assert "Missed" not in sent[SAM]["text"]
    assert "missed 2 check-ins in a row" in sent[NADIA]["text"]


async def test_an_admin_in_charge_of_the_cohort_gets_it_once(world: World) -> None:
    await put_in_cohort(world, AWA, INES)
    await raise_one(world, trigger(world, Kind.MISSED))
    assert sorted(chat for chat, _ in await outbox(world.core)) == [NADIA, INES]


async def test_the_same_open_alert_is_not_repeated_within_a_day(world: World) -> None:
    first = await add_checkin(world, AWA, 1)
    await raise_one(world, trigger(world, Kind.LOW_RATING, first))
    world.clock.advance(timedelta(hours=3))
    await raise_one(world, trigger(world, Kind.LOW_RATING, await add_checkin(world, AWA, 2)))
    assert len(await alerts(world.core)) == 1
    await raise_one(world, trigger(world, Kind.HELP, first))  # another kind does alert
    await raise_one(world, Trigger(Kind.LOW_RATING, CHLOE, world.pair_id))  # another person too
    assert [row["kind"] for row in await alerts(world.core)] == ["low_rating", "help", "low_rating"]
    world.clock.advance(REPEAT_AFTER)
    await raise_one(world, trigger(world, Kind.LOW_RATING, first))
    assert len(await alerts(world.core)) == 4
    assert len(await outbox(world.core)) == 4 * 2


async def test_once_handled_the_next_trigger_alerts_again(world: World) -> None:
    await raise_one(world, trigger(world, Kind.MISSED))
    (row,) = await alerts(world.core)
    assert isinstance(await world.core.alerts.handle(NADIA, row["id"], None), Handled)
    await raise_one(world, trigger(world, Kind.MISSED))
    assert len(await alerts(world.core)) == 2


async def test_if_the_cause_rolls_back_there_is_no_alert(world: World) -> None:
    with pytest.raises(RuntimeError):
        async with world.core.db.write() as conn:
            await world.core.alerts.raise_alert(conn, trigger(world, Kind.MISSED))
            raise RuntimeError("the check-in answer could not be stored")
    assert await alerts(world.core) == []
    assert await outbox(world.core) == []


async def test_mark_handled_first_wins_and_the_others_are_told(world: World) -> None:
    await put_in_cohort(world, AWA, SAM)
    await raise_one(world, trigger(world, Kind.MISSED))
    (row,) = await alerts(world.core)
    await world.core.db.run("DELETE FROM outbox")
    won = await world.core.alerts.handle(INES, row["id"], None)
    assert isinstance(won, Handled) and won.facts.person.user_id == AWA
    lost = await world.core.alerts.handle(NADIA, row["id"], None)
    assert isinstance(lost, AlreadyHandled)
    assert lost.by_id == INES and lost.by is not None and lost.by.first_name == "Inès"
    (row,) = await alerts(world.core)
    assert row["handled_by"] == INES and row["handled_at"] == "2027-01-13T15:00:00Z"
    told = dict(await outbox(world.core))
    assert set(told) == {NADIA, SAM}
    assert told[NADIA]["text"] == "✅ Inès handled the alert about <b>Awa</b> (@awa_d)."
    assert told[NADIA]["keyboard"] == []
    assert "Inès" in told[SAM]["text"] and "Awa" in told[SAM]["text"]
    (audit,) = await world.core.db.fetchall("SELECT * FROM audit_log WHERE action LIKE 'alert.%'")
    assert (audit["actor_id"], audit["action"], audit["subject_id"]) == (
        INES,
        "alert.handled",
        AWA,
    )
    assert json.loads(audit["details"])["alert_id"] == row["id"]


async def test_staff_not_told_of_the_alert_and_forged_ids_change_nothing(world: World) -> None:
    await raise_one(world, trigger(world, Kind.MISSED))
    (row,) = await alerts(world.core)
    assert isinstance(await world.core.alerts.handle(OTTO, row["id"], None), Gone)
    assert isinstance(await world.core.alerts.handle(AWA, row["id"], None), Gone)
    assert isinstance(await world.core.alerts.handle(NADIA, row["id"] + 7, None), Gone)
    (row,) = await alerts(world.core)
    assert row["handled_by"] is None
    assert await world.core.db.fetchall("SELECT * FROM audit_log WHERE action LIKE 'alert.%'") == []


async def test_a_reported_no_show_alerts_with_the_meeting_time(world: World) -> None:
    start = world.clock.now() - timedelta(hours=2)
    async with world.core.db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO meetings(pair_id, mentor_id, mentee_id, proposer_id, status, start_at,"
            " end_at, code, created_at, booked_at)"
            " VALUES (?, ?, ?, ?, 'confirmed', ?, ?, 'abc', 'x', '2027-01-10T00:00:00Z')",
            (
                world.pair_id,
                CHLOE,
                AWA,
                CHLOE,
                "2027-01-13T13:00:00Z",
                "2027-01-13T14:00:00Z",
            ),
        )
    assert start.hour == 13 and cursor.lastrowid is not None
    answered = await world.core.followups.answer(AWA, cursor.lastrowid, Answer.NO_SHOW, None)
    assert getattr(answered, "recorded", False)
    (row,) = await alerts(world.core)
    assert (row["kind"], row["user_id"], row["checkin_id"]) == ("no_show", AWA, None)
    sent = dict(await outbox(world.core))
    assert (
        "<b>Awa</b> (@awa_d) reported that Chloé did not come to their meeting of"
        " Wednesday, January 13, 2027, 08:00." in sent[NADIA]["text"]
    )
    assert "mercredi 13 janvier 2027, 14:00" in sent[INES]["text"]
    # Seen again when handled (the row does not keep the meeting): the same time.
    handled = await world.core.alerts.handle(NADIA, row["id"], None)
    assert isinstance(handled, Handled)
    assert handled.facts.meeting_start is not None and handled.facts.meeting_start.hour == 13
    # Her answer stands; answering again raises nothing new.
    await world.core.followups.answer(AWA, cursor.lastrowid, Answer.NO_SHOW, None)
    assert len(await alerts(world.core)) == 1


async def test_held_meetings_raise_nothing(world: World) -> None:
    async with world.core.db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO meetings(pair_id, mentor_id, mentee_id, proposer_id, status, start_at,"
            " end_at, code, created_at, booked_at) VALUES (?, ?, ?, ?, 'confirmed',"
            " '2027-01-13T13:00:00Z', '2027-01-13T14:00:00Z', 'abc', 'x', '2027-01-10T00:00:00Z')",
            (world.pair_id, CHLOE, AWA, CHLOE),
        )
    assert cursor.lastrowid is not None
    await world.core.followups.answer(CHLOE, cursor.lastrowid, Answer.HELD, None)
    assert await alerts(world.core) == []


async def test_a_trigger_about_someone_not_in_the_pair_raises_nothing(world: World) -> None:
    await raise_one(world, Trigger(Kind.MISSED, NADIA, world.pair_id))
    await raise_one(world, Trigger(Kind.MISSED, AWA, world.pair_id + 1))
    await raise_one(world, Trigger(Kind.MISSED, 777, world.pair_id))
    assert await alerts(world.core) == []
    assert await outbox(world.core) == []


async def test_her_second_press_changes_nothing_and_tells_nobody_again(world: World) -> None:
    await raise_one(world, trigger(world, Kind.MISSED))
    (row,) = await alerts(world.core)
    assert isinstance(await world.core.alerts.handle(NADIA, row["id"], None), Handled)
    await world.core.db.run("DELETE FROM outbox")
    world.clock.advance(timedelta(minutes=5))
    assert isinstance(await world.core.alerts.handle(NADIA, row["id"], None), Handled)
    assert await outbox(world.core) == []
    (after,) = await alerts(world.core)
    assert after["handled_at"] == "2027-01-13T15:00:00Z"
    outcome = await world.core.alerts.outcome(INES, row["id"])
    assert isinstance(outcome, AlreadyHandled) and outcome.by_id == NADIA
    assert isinstance(await world.core.alerts.outcome(NADIA, row["id"]), Handled)
    assert isinstance(await world.core.alerts.outcome(OTTO, row["id"]), Gone)


async def test_a_missed_check_in_shows_no_answers_and_one_in_progress_no_skip(
    world: World,
) -> None:
    async with world.core.db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO checkins(user_id, pair_id, reason, status, opened_at, closed_at)"
            " VALUES (?, ?, 'cadence', 'missed', 'x', 'x')",
            (AWA, world.pair_id),
        )
        missed = cursor.lastrowid
        cursor = await conn.execute(
            "INSERT INTO checkins(user_id, pair_id, reason, status, rating, opened_at)"
            " VALUES (?, ?, 'cadence', 'open', 1, 'x')",
            (CHLOE, world.pair_id),
        )
        rated = cursor.lastrowid
    await raise_one(world, trigger(world, Kind.MISSED, missed))
    await raise_one(world, Trigger(Kind.LOW_RATING, CHLOE, world.pair_id, checkin_id=rated))
    (missed_alert, _), (low_alert, _) = (
        (body["text"], chat) for chat, body in (await outbox(world.core))[::2]
    )
    assert "Her latest check-in" not in missed_alert and "Worked on" not in missed_alert
    assert "Rating: 1/5" in low_alert
    assert "Worked on" not in low_alert and "Asked for help" not in low_alert
