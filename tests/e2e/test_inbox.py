"""The inbox: an update that keeps failing is parked with an apology; nobody else waits."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.runtime.people import Person as Stored
from bot.runtime.people import Who
from tests.conftest import Launch

SECRET = "my secret answer 4242"


async def test_an_update_that_keeps_failing_is_parked_with_an_apology(
    launch: Launch, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = await launch()
    awa, lucia = running.person("Awa", "fr"), running.person("Lucía", "es")
    await awa.send("/help", expect="/start")
    touch = running.core.people.touch
    calls = 0

    async def broken(who: Who, keep_names: bool = False) -> Stored:
        nonlocal calls
        if who.user_id == awa.uid and calls < 3:
            calls += 1
            raise RuntimeError(f"cannot handle {SECRET}")
        return await touch(who, keep_names=keep_names)

    monkeypatch.setattr(running.core.people, "touch", broken)
    caplog.set_level(logging.INFO)
    await awa.emu.send_text(awa.uid, SECRET)
    await lucia.send("/help", expect="/start")  # she is not held up meanwhile
    apology = await running.emu.wait_for(awa.uid, contains="Toutes nos excuses", timeout=10)
    assert "réessayer" in apology.text
    rows = await running.core.db.fetchall(
        "SELECT update_id, attempts, parked_at, last_error FROM inbox WHERE person = ?"
        " AND parked_at IS NOT NULL",
        (awa.uid,),
    )
    assert len(rows) == 1 and rows[0]["attempts"] == 3
    assert rows[0]["last_error"] == "RuntimeError"
    logged = caplog.text
    assert str(rows[0]["update_id"]) in logged
    assert SECRET not in logged, "the log names the update, never what she typed"

    await awa.send("/help", expect="/start")  # her next message is handled as usual
    await asyncio.sleep(0.2)
    assert calls == 3
