"""Workers take a person's updates from memory once her inbox is known, never one twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update

from bot.runtime.db import Database
from bot.runtime.inbox import Entry, Inbox
from handlers.inbox import Workers

PERSON = 42


def raw(update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": PERSON, "type": "private"},
            "from": {"id": PERSON, "is_bot": False, "first_name": "Awa"},
            "text": f"text {update_id}",
        },
    }


class Harness:
    def __init__(self, db: Database) -> None:
        self.inbox = Inbox(db)
        self.handled: list[int] = []
        self.reads = 0
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        next_ = self.inbox.next

        async def counted(person: int) -> Entry | None:
            self.reads += 1
            return await next_(person)

        self.inbox.next = counted  # type: ignore[method-assign]
        app = SimpleNamespace(bot=None, process_update=self.process)
        self.workers = Workers(app, self.inbox, self.nothing, self.nothing)  # type: ignore[arg-type]

    async def nothing(self, update: Update) -> None:
        pass

    async def process(self, update: Update) -> None:
        self.handled.append(update.update_id)
        self.entered.set()
        await self.release.wait()

    async def store(self, *update_ids: int, tell: bool = True) -> list[Update]:
        """What the poller does: stores a batch, then remembers it and wakes her worker."""
        batch = [(u, PERSON, raw(u)) for u in update_ids]
        people, fresh = await self.inbox.store(batch)
        updates = [Update.de_json(raw(u), None) for u in update_ids]
        if tell:
            self.tell(updates, fresh, people)
        return updates

    def tell(self, updates: list[Update], fresh: bool, people: list[int]) -> None:
        self.workers.remember(updates, fresh)
        for person in people:
            self.workers.wake(person)

    async def settled(self) -> None:
        """Waits until her worker has nothing left to do."""
        while self.workers._tasks:
            await asyncio.gather(*self.workers._tasks.values())

    async def open_rows(self) -> list[int]:
        rows = await self.inbox.db.fetchall(
            "SELECT update_id FROM inbox WHERE done_at IS NULL ORDER BY 1"
        )
        return [row[0] for row in rows]


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    db = Database(tmp_path / "passerelle.db")
    await db.open()
    yield Harness(db)
    await db.close()


async def test_updates_stored_after_her_inbox_was_read_empty_come_from_memory(
    harness: Harness,
) -> None:
    await harness.store(1)
    await harness.settled()
    assert harness.handled == [1] and harness.reads == 1
    await harness.store(2, 3)
    await harness.settled()
    await harness.store(4)
    await harness.settled()
    assert harness.handled == [1, 2, 3, 4]
    assert harness.reads == 1  # only the first look at her inbox
    assert await harness.open_rows() == []


async def test_an_update_stored_while_hers_is_handled_is_taken_after_it(
    harness: Harness,
) -> None:
    harness.release.clear()
    await harness.store(1)
    await harness.entered.wait()  # the worker holds update 1, read from the inbox
    await harness.store(2)
    harness.release.set()
    await harness.settled()
    assert harness.handled == [1, 2] and harness.reads == 1
    assert await harness.open_rows() == []


async def test_an_update_stored_before_makes_her_worker_read_the_inbox(
    harness: Harness,
) -> None:
    await harness.store(1)
    await harness.settled()
    await harness.store(1)  # Telegram delivers it again: not fresh
    await harness.settled()
    assert harness.handled == [1] and harness.reads == 2
    await harness.store(2)  # her inbox was read empty again: from memory
    await harness.settled()
    assert harness.handled == [1, 2] and harness.reads == 2


async def test_an_update_read_before_it_was_told_is_not_handled_twice(
    harness: Harness,
) -> None:
    # The update is on disk and her worker reads it (woken as at a start) before the
    # poller tells the workers it stored it: told afterwards, it must not run again.
    updates = await harness.store(1, tell=False)
    harness.workers.wake(PERSON)
    await harness.settled()
    assert harness.handled == [1]
    harness.tell(updates, True, [PERSON])
    await harness.settled()
    assert harness.handled == [1]
    await harness.store(2)
    await harness.settled()
    assert harness.handled == [1, 2] and harness.reads == 1


async def test_updates_forgotten_past_the_bound_are_read_from_the_inbox(
    harness: Harness,
) -> None:
    await harness.store(1)
    await harness.settled()
    await harness.store(2)  # remembered as fresh, then forgotten before her worker runs
    harness.workers._parsed.clear()
    await harness.settled()
    assert harness.handled == [1, 2] and harness.reads == 2
    assert await harness.open_rows() == []
