"""Free-text input a person was asked for outside the questionnaire (e.g. a rejection reason)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.i18n import Translator
from bot.runtime.people import iso

# How long the bot waits for the typed text. A reason typed within minutes answers the prompt;
# text typed later ("ok thanks, see you tomorrow") is most likely about something else, and
# taking it as the answer would send it to someone (a rejected candidate) as if it were meant.
INPUT_LIFETIME = dt.timedelta(minutes=10)
LIFETIME_MINUTES = int(INPUT_LIFETIME.total_seconds() // 60)
MAX_KNOWN_NONE = 100_000  # people remembered as awaited for nothing (then forgotten at once)


@dataclass(frozen=True)
class PendingInput:
    """What the bot is waiting for this person to type, and the buttons that belong to it."""

    kind: str
    payload: dict[str, Any]
    buttons: tuple[str, ...] = ()
    expired: bool = False


class PendingInputs:
    """One awaited free-text input per person, stored so a restart keeps it.

    It ends when answered, when the person uses any command or presses any button other than
    its own (`buttons`, e.g. Skip and Cancel of the prompt), and after INPUT_LIFETIME.
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # People with no awaited input, as last read: most updates come from them, and several
        # handlers ask on each. Rows are only ever added by `expect` (deleting one elsewhere
        # keeps this true), which forgets her here before and after it writes; a read that
        # overlapped any `expect` does not record its answer.
        self._none: set[int] = set()
        self._expects = 0

    async def get(self, user_id: int) -> PendingInput | None:
        """The input the person was asked for, if any (`expired` once its time is over)."""
        if user_id in self._none:
            return None
        expects = self._expects
        row = await self.db.fetchone(
            "SELECT kind, payload, created_at FROM pending_inputs WHERE user_id = ?", (user_id,)
        )
        if row is None:
            if expects == self._expects:
                if len(self._none) >= MAX_KNOWN_NONE:
                    self._none.clear()
                self._none.add(user_id)
            return None
        stored = json.loads(row["payload"])
        buttons = tuple(str(data) for data in stored.pop("_buttons", ()))
        created = dt.datetime.strptime(row["created_at"], "%Y-%m-%dT%H:%M:%SZ")
        expired = self.clock.now() - created.replace(tzinfo=dt.UTC) >= INPUT_LIFETIME
        return PendingInput(row["kind"], stored, buttons, expired)

    async def expect(
        self, user_id: int, kind: str, payload: dict[str, Any], buttons: Sequence[str] = ()
    ) -> None:
        """Records that the next text from this person answers `kind`; `buttons` keep it open."""
        stored = json.dumps({**payload, "_buttons": list(buttons)})
        self._forget(user_id)
        try:
            async with self.db.write() as conn:
                await conn.execute(
                    "INSERT INTO pending_inputs(user_id, kind, payload, created_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET kind = excluded.kind,"
                    " payload = excluded.payload, created_at = excluded.created_at",
                    (user_id, kind, stored, iso(self.clock)),
                )
        finally:
            self._forget(user_id)

    def _forget(self, user_id: int) -> None:
        """She may be awaited for something now: the next `get` reads."""
        self._expects += 1
        self._none.discard(user_id)

    async def interrupt(self, user_id: int, button: str | None = None) -> PendingInput | None:
        """Ends the awaited input on a command or a foreign button; returns what was ended."""
        pending = await self.get(user_id)
        if pending is None or (button is not None and button in pending.buttons):
            return None
        await self.clear(user_id)
        return pending

    async def clear(self, user_id: int) -> bool:
        """Forgets the awaited input; True when there was one."""
        async with self.db.write() as conn:
            cursor = await conn.execute("DELETE FROM pending_inputs WHERE user_id = ?", (user_id,))
            return cursor.rowcount > 0


def too_late(t: Translator, command: str) -> str:
    """The answer to text typed after the question it answers expired: it is not used."""
    return t(
        "That came more than {minutes} minutes after the question, so it was not used."
        " Send {command} to go on.",
        minutes=LIFETIME_MINUTES,
        command=command,
    )
