"""The application service: loads a person's form state, advances it, commits, then reports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.privacy.service import Privacy, Reason
from bot.runtime.clock import Clock
from bot.runtime.db import Database, Row
from bot.runtime.outbox import Tell, put_in
from bot.runtime.people import Person, Who, iso
from dialogs.loader import Form
from dialogs.runner import advance, settings_of, start
from dialogs.runner_types import (
    Begin,
    Declined,
    Event,
    FormState,
    Status,
    Submitted,
    Transition,
    Value,
)
from dialogs.steps import Step

IN_PROGRESS = "in_progress"
NOT_ELIGIBLE = "not_eligible"
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"


class AskedAs(StrEnum):
    """How the message that shows a step's buttons presents the step."""

    QUESTION = "question"  # the step itself
    HELLO = "hello"  # under "Hello {name}! 👋", on a new application
    WELCOME = "welcome"  # under "Welcome back!", on a resumed one
    REMINDER = "reminder"  # a one-line reminder of the buttons, instead of the step


@dataclass(frozen=True)
class Asked:
    """The bot's message that shows the current step with its buttons."""

    message_id: int
    asked_as: AskedAs = AskedAs.QUESTION


@dataclass(frozen=True)
class Application:
    """One person's application as stored."""

    user_id: int
    status: str
    active: bool
    state: FormState
    role: str | None
    outcome: str | None
    reasons: tuple[str, ...]
    cohort: str | None
    submitted_at: str | None
    decided_at: str | None
    decision_note: str | None
    asked: Asked | None = None


def _encode(value: Value) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)


def _decode(text: str) -> Value:
    value: Any = json.loads(text)
    return tuple(value) if isinstance(value, list) else value


def _form_status(status: str) -> Status:
    if status == IN_PROGRESS:
        return "in_progress"
    return "not_eligible" if status == NOT_ELIGIBLE else "submitted"


class Onboarding:
    """Runs the application questionnaire for one person at a time, durably."""

    def __init__(self, db: Database, clock: Clock, form: Form, privacy: Privacy) -> None:
        self.db = db
        self.clock = clock
        self.form = form
        self.privacy = privacy

    async def get(
        self, user_id: int, conn: aiosqlite.Connection | None = None
    ) -> Application | None:
        """Loads a person's application with her answers (inside a transaction, given `conn`)."""
        # One read for both (it runs for every answer): the answers come packed as one JSON
        # object of their stored JSON texts.
        rows = await self.db.rows(
            conn or self.db.reader,
            "SELECT a.*, (SELECT json_group_object(x.step, x.value) FROM answers x"
            " WHERE x.user_id = a.user_id) AS packed_answers"
            " FROM applications a WHERE a.user_id = ?",
            (user_id,),
        )
        if not rows:
            return None
        packed: dict[str, str] = json.loads(rows[0]["packed_answers"])
        answers = {step: _decode(text) for step, text in packed.items()}
        return self._application(rows[0], answers)

    def _application(self, row: Row, answers: dict[str, Value]) -> Application:
        draft = tuple(json.loads(row["draft"])) if row["draft"] else ()
        state = FormState(
            step=row["step"],
            round=row["round"],
            answers=answers,
            draft=draft,
            status=_form_status(row["status"]),
        )
        return Application(
            user_id=row["user_id"],
            status=row["status"],
            active=bool(row["active"]),
            state=state,
            role=row["role"],
            outcome=row["outcome"],
            reasons=tuple(json.loads(row["reasons"])),
            cohort=row["cohort"],
            submitted_at=row["submitted_at"],
            decided_at=row["decided_at"],
            decision_note=row["decision_note"],
            asked=Asked(row["asked_message"], AskedAs(row["asked_as"]))
            if row["asked_message"] is not None
            else None,
        )

    async def begin(
        self, person: Person, cohort: str | None, update_id: int | None
    ) -> tuple[Application, bool]:
        """Starts a new application (or a fresh one after 'not eligible'); True when new.

        A running application is resumed; it joins `cohort` if it has none yet.
        """
        current = await self.get(person.user_id)
        if current is not None and current.status not in (NOT_ELIGIBLE,):
            joins = cohort is not None and current.cohort is None
            if current.status == IN_PROGRESS and (not current.active or joins):
                async with self.db.write(update_id) as conn:
                    await conn.execute(
                        "UPDATE applications SET active = 1, cohort = coalesce(cohort, ?)"
                        " WHERE user_id = ?",
                        (cohort, person.user_id),
                    )
                current = await self.get(person.user_id)
                assert current is not None
            return current, False
        state = start(self.form)
        now = iso(self.clock)
        await self.db.transact(
            [
                ("DELETE FROM answers WHERE user_id = ?", (person.user_id,)),
                ("DELETE FROM applications WHERE user_id = ?", (person.user_id,)),
                (
                    "INSERT INTO applications(user_id, flow, status, step, round, active,"
                    " cohort, started_at, updated_at) VALUES (?, ?, ?, ?, 0, 1, ?, ?, ?)",
                    (person.user_id, self.form.id, IN_PROGRESS, state.step, cohort, now, now),
                ),
            ],
            update_id,
        )
        created = await self.get(person.user_id)
        assert created is not None
        return created, True

    async def record_asked(self, user_id: int, round_: int, asked: Asked) -> None:
        """Records which message shows the buttons of the step at `round_`, if still current."""
        await self.db.run(  # one statement: a transaction of its own, in one round trip
            "UPDATE applications SET asked_message = ?, asked_as = ?"
            " WHERE user_id = ? AND round = ? AND status = ?",
            (asked.message_id, asked.asked_as.value, user_id, round_, IN_PROGRESS),
        )

    async def pause(self, user_id: int) -> bool:
        """Stops the questionnaire, keeping every answer; False when none was running."""
        application = await self.get(user_id)
        if application is None or application.status != IN_PROGRESS or not application.active:
            return False
        async with self.db.write() as conn:
            await conn.execute("UPDATE applications SET active = 0 WHERE user_id = ?", (user_id,))
        return True

    async def handle(
        self,
        who: Who,
        application: Application,
        event: Event,
        update_id: int | None,
        tell: Tell[Application] | None = None,
    ) -> Transition:
        """Advances the form by one event and commits the result before anything is sent.

        When the event submits the application, `tell` renders what that owes staff (their
        notices), committed with the submission.
        """
        transition = advance(self.form, application.state, event)
        if isinstance(event, Begin) or transition.state == application.state:
            return transition
        submitted = any(isinstance(output, Submitted) for output in transition.outputs)
        if not self._needs_conn(application, transition) and not (submitted and tell):
            # Writes only, none needing an answer from the one before: one call to the
            # database thread for the whole transaction (most answers come this way).
            await self.db.transact(self._writes(who, application, transition), update_id)
            return transition
        async with self.db.write(update_id) as conn:
            await self._commit(conn, who, application, transition)
            if submitted and tell is not None:
                record = await self.get(application.user_id, conn)
                if record is not None:
                    await put_in(conn, self.clock, await tell(record))
        return transition

    @staticmethod
    def _needs_conn(application: Application, transition: Transition) -> bool:
        """Whether committing the transition takes more than `_writes` (the privacy service)."""
        declined = any(isinstance(output, Declined) for output in transition.outputs)
        consents = Step.CONSENT in transition.state.answers
        return declined or (consents and Step.CONSENT not in application.state.answers)

    async def _commit(
        self, conn: aiosqlite.Connection, who: Who, application: Application, transition: Transition
    ) -> None:
        user_id = application.user_id
        if any(isinstance(output, Declined) for output in transition.outputs):
            await self.privacy.erase_in(conn, user_id, Reason.CONSENT_REFUSED, user_id)
            return
        for sql, params in self._writes(who, application, transition):
            await conn.execute(sql, params)
        if self._needs_conn(application, transition):  # not declined: consent just given
            await self.privacy.record_consent(conn, user_id)

    def _writes(
        self, who: Who, application: Application, transition: Transition
    ) -> list[tuple[str, tuple[Any, ...]]]:
        """The statements that store a transition (but a refusal, and the consent's record)."""
        user_id = application.user_id
        state = transition.state
        now = iso(self.clock)
        writes: list[tuple[str, tuple[Any, ...]]] = []
        old, new = application.state.answers, state.answers
        for step in old.keys() - new.keys():
            writes.append(("DELETE FROM answers WHERE user_id = ? AND step = ?", (user_id, step)))
        for step, value in new.items():
            if old.get(step) != value:
                writes.append(
                    (
                        "INSERT INTO answers(user_id, step, value, answered_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT(user_id, step) DO UPDATE SET value = excluded.value,"
                        " answered_at = excluded.answered_at",
                        (user_id, step, _encode(value), now),
                    )
                )
        if Step.CONSENT in new and Step.CONSENT not in old:
            writes.append(
                (
                    "UPDATE people SET consented_at = ?, first_name = ?, last_name = ?,"
                    " username = ? WHERE user_id = ?",
                    (now, who.first_name, who.last_name, who.username, user_id),
                )
            )
        derived = settings_of(self.form, new)
        if "timezone" in derived and derived["timezone"] != settings_of(self.form, old).get(
            "timezone"
        ):
            writes.append(
                ("UPDATE people SET timezone = ? WHERE user_id = ?", (derived["timezone"], user_id))
            )
        status, outcome, reasons, submitted = IN_PROGRESS, None, "[]", None
        if state.status == "not_eligible":
            status = NOT_ELIGIBLE
        submit = next((o for o in transition.outputs if isinstance(o, Submitted)), None)
        if submit is not None:
            status, outcome, submitted = PENDING, submit.outcome, now
            reasons = json.dumps(list(submit.reasons), ensure_ascii=False)
        writes.append(  # a step left behind takes its message along (its caller closes it)
            (
                "UPDATE applications SET status = ?, step = ?, round = ?, draft = ?, role = ?,"
                " outcome = COALESCE(?, outcome), reasons = ?,"
                " submitted_at = COALESCE(?, submitted_at),"
                " asked_message = CASE WHEN round = ? THEN asked_message END,"
                " active = 1, updated_at = ? WHERE user_id = ?",
                (
                    status,
                    state.step,
                    state.round,
                    json.dumps(list(state.draft)) if state.draft else None,
                    derived.get(self.form.spec.role_key),
                    outcome,
                    reasons,
                    submitted,
                    state.round,
                    now,
                    user_id,
                ),
            )
        )
        return writes
