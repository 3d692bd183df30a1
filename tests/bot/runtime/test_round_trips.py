"""Reads the bot spares on most updates still see every change that matters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime.clock import FrozenClock
from bot.runtime.db import Database
from bot.runtime.i18n import catalogs
from bot.runtime.inbox import Inbox
from bot.runtime.inputs import PendingInputs
from bot.runtime.outbox import SENT, Outbox, put_in
from bot.runtime.people import People, Who
from bot.runtime.replies import Send
from tests.harness import START


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "passerelle.db")
    await database.open()
    yield database
    await database.close()


async def test_an_input_is_seen_once_expected_after_none_was(db: Database) -> None:
    inputs = PendingInputs(db, FrozenClock(START))
    assert await inputs.get(7) is None
    assert await inputs.get(7) is None  # remembered: no read
    await inputs.expect(7, "reason", {"id": 3}, ["cancel"])
    pending = await inputs.get(7)
    assert pending is not None and pending.kind == "reason" and pending.buttons == ("cancel",)
    assert await inputs.clear(7)
    assert await inputs.get(7) is None
    await inputs.expect(7, "again", {})
    again = await inputs.get(7)
    assert again is not None and again.kind == "again"


async def test_a_read_overlapping_an_expect_is_not_remembered_as_none(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = PendingInputs(db, FrozenClock(START))
    # The read finds nothing, then the expect commits before the read's answer is taken:
    # "nothing awaited" must not be remembered from it. The read is held between its query
    # and its answer so that the overlap happens on every run, whatever the threads do.
    queried = asyncio.Event()
    expected = asyncio.Event()
    fetchone = db.fetchone

    async def held(*args: object) -> object:
        row = await fetchone(*args)  # type: ignore[arg-type]
        queried.set()
        await expected.wait()
        return row

    monkeypatch.setattr(db, "fetchone", held)
    reading = asyncio.ensure_future(inputs.get(8))
    await queried.wait()
    monkeypatch.setattr(db, "fetchone", fetchone)
    await inputs.expect(8, "reason", {})
    expected.set()
    assert await reading is None
    pending = await inputs.get(8)
    assert pending is not None and pending.kind == "reason"


async def test_inbox_says_whether_another_update_waits_behind(db: Database) -> None:
    inbox = Inbox(db)
    assert await inbox.put([]) == []
    assert await inbox.put([(1, 5, {"update_id": 1}), (2, 6, {}), (3, 5, {})]) == [5, 6]
    assert await inbox.put([(1, 5, {"update_id": 1})]) == [5]  # delivered again: kept once
    first = await inbox.next(5)
    assert first is not None and (first.update_id, first.body, first.more) == (
        1,
        {"update_id": 1},
        True,
    )
    await inbox.done(1)
    last = await inbox.next(5)
    assert last is not None and (last.update_id, last.more) == (3, False)
    only = await inbox.next(6)
    assert only is not None and (only.update_id, only.more) == (2, False)
    rows = await db.fetchall("SELECT update_id FROM inbox ORDER BY 1")
    assert [row["update_id"] for row in rows] == [1, 2, 3]


async def test_the_staff_check_is_asked_only_when_her_consent_does_not_decide(
    db: Database,
) -> None:
    people = People(db, FrozenClock(START), catalogs(), "en")
    asked: list[int] = []

    async def staff() -> bool:
        asked.append(1)
        return True

    who = Who(9, "Awa", "Diop", "awa")
    person = await people.touch(who, keep_names=staff)
    assert len(asked) == 1 and person.first_name == "Awa"
    await db.run("UPDATE people SET consented_at = ? WHERE user_id = 9", (START.isoformat(),))
    renamed = await people.touch(Who(9, "Awa-Marie", "Diop", "awa"), keep_names=staff)
    assert len(asked) == 1, "her consent keeps her names: no staff check"
    assert renamed.first_name == "Awa-Marie"
    plain = await people.touch(Who(10, "Ana", None, None), keep_names=False)
    assert plain.first_name == ""


async def test_the_outbox_is_looked_at_again_once_anything_was_put_in(db: Database) -> None:
    outbox = Outbox(db, FrozenClock(START))
    assert not outbox.nothing_new(), "never looked yet"
    assert await outbox.claim() == []
    assert outbox.nothing_new()
    await outbox.put([Send(7, "hello")])
    assert not outbox.nothing_new()
    (parcel,) = await outbox.claim()
    assert parcel.message == Send(7, "hello")
    assert not outbox.nothing_new(), "it found something"
    await outbox.settle(parcel.id, SENT)
    assert await outbox.claim() == []
    assert outbox.nothing_new()


async def test_an_empty_look_during_a_write_does_not_count(db: Database) -> None:
    outbox = Outbox(db, FrozenClock(START))
    async with db.write() as conn:
        await put_in(conn, FrozenClock(START), [Send(7, "not committed yet")])
        assert await outbox.claim() == []  # the reader cannot see it yet
        assert not outbox.nothing_new()
    (parcel,) = await outbox.claim()
    assert parcel.message == Send(7, "not committed yet")
