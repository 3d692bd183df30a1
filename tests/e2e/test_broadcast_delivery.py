"""The broadcast runner's rules through the real bot and the emulator's limits: 429, 403,
5xx and timeouts, a restart in the middle, Stop, and a message in several parts."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.emulator import Emulator
from tests.conftest import Launch
from tests.e2e.broadcasting import (
    compose,
    limited_emu,  # noqa: F401 (the emu of these tests)
    received,
    seed_people,
    sql,
)
from tests.harness import Person, Running, new_person, start_bot


async def _until(check: object, timeout: float = 20.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _broadcast(
    emu: Emulator, launch: Launch, db: Path, people: int
) -> tuple[Person, list[int]]:
    nadia = new_person(emu, "Nadia")
    uids = await seed_people(db, emu, people)
    await launch(admins=(nadia.uid,))
    return nadia, uids


async def test_a_403_is_reported_unreachable_not_retried_and_left_out_next_time(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, uids = await _broadcast(emu, launch, db, 30)
    blocked = uids[:4]
    for uid in blocked:
        emu.block(uid)
    await compose(nadia, "Everyone", "First announcement")
    await nadia.tap("Send now")
    report = await emu.wait_for(nadia.uid, contains="finished", timeout=20)
    assert "Delivered: 26" in report.text and "account): 4" in report.text
    assert received(emu, uids[4:], "First announcement") == {uid: 1 for uid in uids[4:]}
    tries = [params for method, params in emu.requests if method == "sendMessage"]
    for uid in blocked:
        assert sum(1 for p in tries if str(p.get("chat_id")) == str(uid)) == 1, "no retry"
    assert sorted(
        row[0] for row in sql(db, "SELECT user_id FROM people WHERE unreachable = 1")
    ) == (sorted(blocked))
    menu = await nadia.send("/broadcast", expect="Who should receive it")
    assert "Everyone · 26" in str(menu.buttons), menu.buttons
    await Person(emu, blocked[0]).send("/help", expect="/start")  # she writes again
    menu = await nadia.send("/broadcast", expect="Who should receive it")
    assert "Everyone · 27" in str(menu.buttons), "reachable again once she writes"


async def test_a_429_pauses_all_sending_for_its_retry_after(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, uids = await _broadcast(emu, launch, db, 20)
    await compose(nadia, "Everyone", "Paused announcement")
    emu.fault("sendMessage", status=429, retry_after=3, times=1)
    pressed = datetime.now(UTC)
    await nadia.tap("Send now")
    await emu.wait_for(nadia.uid, contains="finished", timeout=30)
    waits = sorted((m.date - pressed).total_seconds() for u in uids for m in emu.bot_messages(u))
    assert len(waits) == 20
    in_flight = [wait for wait in waits if wait < 2.9]
    assert len(in_flight) <= 2 and max(in_flight, default=0) < 0.3, (
        "only what was already on its way when the 429 came went out during the pause",
        waits,
    )
    assert [code for _, code, _ in emu.errors].count(429) == 1, "no 429 but the injected one"


async def test_5xx_and_timeouts_are_retried_and_nobody_gets_it_twice(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, uids = await _broadcast(emu, launch, db, 12)
    await compose(nadia, "Everyone", "Retried announcement")
    emu.fault("sendMessage", uids[0], status=502, times=2)
    emu.fault("sendMessage", uids[1], hang=True, times=1, seconds=8)  # past PTB's 5 s
    await nadia.tap("Send now")
    report = await emu.wait_for(nadia.uid, contains="finished", timeout=40)
    assert "Delivered: 12" in report.text
    assert received(emu, uids, "Retried announcement") == {uid: 1 for uid in uids}
    assert sql(db, "SELECT attempts FROM broadcast_recipients WHERE user_id = ?", (uids[0],)) == [
        (2,)
    ]


async def test_a_restart_in_the_middle_resumes_where_it_stopped(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia = new_person(emu, "Nadia")
    uids = await seed_people(db, emu, 120)
    bot: Running = await start_bot(emu, db, admins=(nadia.uid,))
    try:
        await compose(nadia, "Everyone", "Resumed announcement")
        await nadia.tap("Send now")
        await _until(lambda: sum(received(emu, uids, "Resumed").values()) >= 30)
    finally:
        await bot.shutdown()
    halfway = sum(received(emu, uids, "Resumed").values())
    assert halfway < 120
    bot = await start_bot(emu, db, admins=(nadia.uid,))
    try:
        report = await emu.wait_for(nadia.uid, contains="finished", timeout=30)
    finally:
        await bot.shutdown()
    assert "Delivered: 120" in report.text
    assert received(emu, uids, "Resumed announcement") == {uid: 1 for uid in uids}


async def test_stop_sends_nothing_more_and_reports_what_was_not_sent(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, uids = await _broadcast(emu, launch, db, 150)
    await compose(nadia, "Everyone", "Stopped announcement")
    await nadia.tap("Send now")
    progress = await emu.wait_for(nadia.uid, contains="of 150 sent", timeout=10)
    assert "Stop" in str(progress.buttons)
    await _until(lambda: sum(received(emu, uids, "Stopped").values()) >= 20)
    await nadia.tap("Stop", progress.message_id)
    report = await emu.wait_for(nadia.uid, contains="stopped.", timeout=10)
    delivered = sum(received(emu, uids, "Stopped announcement").values())
    assert f"Delivered: {delivered}" in report.text
    assert f"(stopped): {150 - delivered}" in report.text
    assert delivered < 150
    await asyncio.sleep(1.0)
    assert sum(received(emu, uids, "Stopped announcement").values()) == delivered
    assert sql(db, "SELECT status FROM broadcasts") == [("stopped",)]


async def test_a_part_that_failed_is_sent_again_without_the_parts_before_it(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, uids = await _broadcast(emu, launch, db, 6)
    await compose(nadia, "Everyone", "Round table soon")
    await nadia.toggle("Add event")
    await nadia.send("Round table", expect="When is it")
    await nadia.send("2027-01-20 10:00-11:30", expect="Where is it")
    await nadia.send("https://meet.jit.si/round-table", expect="Preview")
    emu.fault("sendDocument", uids[0], status=502, times=1)
    await nadia.tap("Send now")
    await emu.wait_for(nadia.uid, contains="finished", timeout=20)
    for uid in uids:
        texts = [m for m in emu.bot_messages(uid) if "Round table soon" in m.text]
        calendars = [m for m in emu.bot_messages(uid) if m.document is not None]
        assert (len(texts), len(calendars)) == (1, 1), uid


async def test_a_second_429_on_one_row_pauses_that_chat_only_and_progress_shows_the_rate(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, uids = await _broadcast(emu, launch, db, 120)
    await compose(nadia, "Everyone", "Throttled announcement")
    slow = uids[0]  # the first row sent: its 429s come first
    emu.fault("sendMessage", slow, status=429, retry_after=2, times=2)
    pressed = datetime.now(UTC)
    await nadia.tap("Send now")
    await emu.wait_for(nadia.uid, contains="finished", timeout=30)
    others = sorted(
        (m.date - pressed).total_seconds() for u in uids[1:] for m in emu.bot_messages(u)
    )
    [hers] = [(m.date - pressed).total_seconds() for m in emu.bot_messages(slow)]
    assert len(others) == 119 and hers >= 3.9, "her chat waited out both pauses"
    after_pause = [wait for wait in others if wait >= 2.5]
    gaps = [b - a for a, b in itertools.pairwise(after_pause)]
    assert after_pause and max(gaps) < 1.0, "the others went on during her second pause"
    shown = [p.get("text", "") for method, p in emu.requests if method == "editMessageText"]
    assert any("messages a second, about" in text and "left" in text for text in shown)


async def test_someone_answering_the_questionnaire_meanwhile_gets_each_reply_within_a_second(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    db = tmp_path / "passerelle.db"
    nadia, uids = await _broadcast(emu, launch, db, 300)
    await compose(nadia, "Everyone", "Busy announcement")
    await nadia.tap("Send now")
    await _until(lambda: sum(received(emu, uids, "Busy").values()) >= 20)
    awa = new_person(emu, "Awa")
    steps = ("/start", "I agree", "partner country", "Senegal", "1 to 3 years", "Technology")
    waits = []
    for index, step in enumerate(steps):
        started = time.monotonic()
        await (awa.send(step) if index == 0 else awa.press(step))
        waits.append(time.monotonic() - started)
    assert sum(received(emu, uids, "Busy").values()) < 300, "she answered during the broadcast"
    assert max(waits) < 1.0, waits
