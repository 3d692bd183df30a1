"""Nothing answered is lost: kill -9 at any moment, redelivered updates applied once."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import Emulator, EmuMessage
from bot.emulator.objects import message_api
from tests.conftest import Launch
from tests.e2e.paths import MENTOR, walk
from tests.harness import Person, new_person, start_process

MOTIVATION = "I want to share what I learned with other women."
START_REPLIES = ("Welcome back", "Hello", "Your application")  # how /start's answer begins
STEP_ACTIONS: dict[str, list[tuple[str, str]]] = {
    "consent": [("press", "I agree")],
    "role": [("press", "Canadian volunteer or entrepreneur")],
    "residency": [("press", "Yes")],
    "adult": [("press", "Yes")],
    "province": [("press", "Quebec")],
    "destination": [("press", "Senegal")],
    "sector": [("press", "Technology")],
    "experience": [("send", "7")],
    "languages": [("toggle", "French"), ("press", "Done")],
    "commitment": [("press", "Yes")],
    "email": [("send", "awa@example.org")],
    "motivation": [("send", MOTIVATION)],
    "summary": [("press", "Confirm")],
}


async def test_a_redelivered_update_is_not_applied_twice(
    emu: Emulator, launch: Launch, tmp_path: Path
) -> None:
    """A crash after the answer was committed, before it was done and confirmed to Telegram.

    At the restart the inbox still holds the update (committed, not done) and Telegram
    delivers it again through getUpdates: it is applied once, and she is asked the current
    question again once.
    """
    running = await launch()
    awa = running.person("Awa")
    await awa.send("/start")
    await walk(awa, running.core.t("en"), MENTOR[:-2])
    before = emu.mark()
    await awa.send("awa@example.org", expect="why do you want")
    typed = next(m for m in emu.chat(awa.uid) if m.version > before and not m.from_bot)
    await running.shutdown()
    db = tmp_path / "passerelle.db"
    with sqlite3.connect(db) as conn:  # as a kill -9 before the update was done leaves it
        (update_id,) = conn.execute(
            "SELECT update_id FROM inbox WHERE person = ? ORDER BY update_id DESC LIMIT 1",
            (awa.uid,),
        ).fetchone()
        redelivered = {
            "update_id": update_id,
            "message": message_api(emu.state, typed, emu.api.bot),
        }
        conn.execute(
            "UPDATE inbox SET done_at = NULL, body = ? WHERE update_id = ?",
            (json.dumps(redelivered), update_id),
        )
    assert redelivered["message"]["text"] == "awa@example.org"
    emu.state.updates.append(redelivered)  # Telegram had no confirmation: it sends it again

    running = await launch()
    await emu.wait_for(awa.uid, contains="why do you want", since=0, timeout=5)
    for _ in range(50):
        if not emu.pending_updates():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # time enough for a second, wrong answer to show up
    stored = await running.core.onboarding.get(awa.uid)
    assert stored is not None
    assert stored.state.answers["email"] == "awa@example.org"
    assert "motivation" not in stored.state.answers
    assert stored.state.step == "motivation"
    asks = [text for text in awa.texts() if "why do you want" in text]
    assert len(asks) == 2, "the replay shows the current question again, nothing more"


def _db_state(db: Path, uid: int) -> tuple[str | None, dict[str, Any], list[str]]:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT step, draft FROM applications WHERE user_id = ?", (uid,)
        ).fetchone()
        answers = dict(conn.execute("SELECT step, value FROM answers WHERE user_id = ?", (uid,)))
    if row is None:
        return "consent", {}, []
    return row[0], {k: json.loads(v) for k, v in answers.items()}, json.loads(row[1] or "[]")


async def _act(person: Person, kind: str, label: str) -> None:
    if kind == "send":
        await person.emu.send_text(person.uid, label)
    else:
        await person.emu.press(person.uid, label, timeout=0.5)


def _answered(newest: int, toggle: bool, message: EmuMessage) -> bool:
    """Whether a message is the bot's answer to an action: a new message, or a toggle's edit
    (a late edit that closes an earlier question is not the answer to this one)."""
    return message.message_id > newest or (toggle and bool(message.buttons))


@pytest.mark.slow
async def test_kill_9_at_any_moment_loses_nothing(emu: Emulator, tmp_path: Path) -> None:
    db = tmp_path / "passerelle.db"
    rng = random.Random(20261122)
    awa = new_person(emu, "Awa")
    process = await start_process(emu, db)
    await awa.send("/start", expect="agree")
    kills = 0
    try:
        for _ in range(40):
            step, answers, draft = _db_state(db, awa.uid)
            if step is None:
                break
            for kind, label in STEP_ACTIONS[step]:
                if kind == "toggle" and "fr" in draft:
                    continue
                before = awa.emu.mark()
                newest = awa.emu.chat(awa.uid)[-1].message_id
                await _act(awa, kind, label)
                if rng.random() < 0.5:
                    await asyncio.sleep(rng.uniform(0, 0.08))
                    process.send_signal(signal.SIGKILL)
                    await process.wait()
                    kills += 1
                    process = await start_process(emu, db)
                    # Its answer comes after whatever the replayed updates answer (one worker,
                    # in order): only then is the newest keyboard the current question's.
                    mark = awa.emu.mark()
                    await awa.emu.send_text(awa.uid, "/start")
                    await awa.emu.wait_for(
                        awa.uid,
                        predicate=lambda m: m.text.startswith(START_REPLIES),
                        since=mark,
                        timeout=10,
                    )
                    break
                await awa.emu.wait_for(
                    awa.uid,
                    since=before,
                    predicate=partial(_answered, newest, kind == "toggle"),
                    timeout=5,
                )
        step, answers, _ = _db_state(db, awa.uid)
        assert step is None, f"application not finished, at {step}"
        assert kills >= 5
        assert answers == {
            "consent": "agree",
            "role": "mentor",
            "residency": "yes",
            "adult": "yes",
            "province": "qc",
            "destination": "senegal",
            "sector": "technology",
            "experience": 7,
            "languages": ["fr"],
            "commitment": "yes",
            "email": "awa@example.org",
            "motivation": MOTIVATION,
        }
        with sqlite3.connect(db) as conn:
            status = conn.execute("SELECT status FROM applications").fetchall()
        assert status == [("pending",)]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 10)
