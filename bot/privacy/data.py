"""Where personal data lives: each holding names its tables, what /mydata shows of them and how
/delete erases them.

Every table of the schema is either in a holding or in NO_PERSONAL_DATA (a test checks it), so
a capability that adds a table must say here what of it is personal. Erasing runs every
holding's `erase` in one transaction, in order, the profile last (its row cascades to the
answers, the application and the consent history). What must survive for statistics is kept
without anyone's identity: pair rows with the erased side set to 0, and counts in
`anonymous_counts`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from bot.runtime.db import Database, Row
from bot.runtime.i18n import N_, Catalogs, Translator
from bot.runtime.outbox import put_in
from bot.runtime.people import iso
from bot.runtime.replies import Send

ERASED = 0  # what an erased person's id becomes where a row must stay (pairs)
PARTNER_LEFT = N_(
    "One of your pairings has ended: the person you were paired with is no longer taking part"
    " in the program. Program staff will be in touch about what comes next."
)
NO_PERSONAL_DATA = frozenset({"schema_migrations", "anonymous_counts", "timers", "sqlite_sequence"})


@dataclass
class Erasure:
    """One person's erasure in progress, inside its write transaction."""

    conn: aiosqlite.Connection
    user_id: int
    now: datetime
    catalogs: Catalogs
    default_language: str
    clock: Any
    told: list[int] = field(default_factory=list)

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Reads inside the transaction."""
        return await Database.rows(self.conn, sql, params)

    async def translator(self, user_id: int) -> Translator:
        """The language of someone the erasure owes a message."""
        found = await self.rows("SELECT language FROM people WHERE user_id = ?", (user_id,))
        return self.catalogs.get(found[0]["language"] if found else self.default_language)

    async def tell(self, user_id: int, msgid: str, **params: object) -> None:
        """Owes someone else a notice in her own language, committed with the erasure."""
        text = (await self.translator(user_id))(msgid, **params)
        await put_in(self.conn, self.clock, [Send(user_id, text)])
        self.told.append(user_id)


Export = Callable[[aiosqlite.Connection, int], Awaitable[Any]]
Erase = Callable[[Erasure], Awaitable[None]]


@dataclass(frozen=True)
class Holding:
    """A part of the schema that holds personal data."""

    section: str  # its key in the /mydata document
    tables: tuple[str, ...]
    export: Export
    erase: Erase


async def _rows(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> list[Row]:
    return await Database.rows(conn, sql, params)


def _decoded(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


async def _export_profile(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await _rows(
        conn,
        "SELECT user_id, first_name, last_name, username, language, timezone, unreachable,"
        " capacity, consented_at, consent_version, created_at, updated_at"
        " FROM people WHERE user_id = ?",
        (user_id,),
    )
    if not rows:
        return None
    row = dict(rows[0])
    row["unreachable"] = bool(row["unreachable"])
    return row


async def _erase_profile(erasure: Erasure) -> None:
    # Last: the row cascades to answers, applications and consents.
    await erasure.conn.execute("DELETE FROM people WHERE user_id = ?", (erasure.user_id,))


async def _export_application(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await _rows(
        conn,
        "SELECT flow, status, step, role, outcome, reasons, cohort, started_at, submitted_at,"
        " decided_at, decision_note, updated_at FROM applications WHERE user_id = ?",
        (user_id,),
    )
    if not rows:
        return None
    application = dict(rows[0])
    application["reasons"] = _decoded(application["reasons"])
    answers = await _rows(
        conn, "SELECT step, value, answered_at FROM answers WHERE user_id = ?", (user_id,)
    )
    application["answers"] = {
        row["step"]: {"value": _decoded(row["value"]), "answered_at": row["answered_at"]}
        for row in answers
    }
    return application


async def _count(erasure: Erasure, kind: str, key: str | None) -> None:
    if key is None:
        return
    await erasure.conn.execute(
        "INSERT INTO anonymous_counts(kind, key, count) VALUES (?, ?, 1)"
        " ON CONFLICT(kind, key) DO UPDATE SET count = count + 1",
        (kind, key),
    )


async def _erase_application(erasure: Erasure) -> None:
    """Keeps what the statistics count of her application, as anonymous counts."""
    rows = await erasure.rows(
        "SELECT a.status, a.role, a.submitted_at, p.language,"
        " (SELECT value FROM answers WHERE user_id = a.user_id AND step = 'country') AS country"
        " FROM applications a JOIN people p ON p.user_id = a.user_id WHERE a.user_id = ?",
        (erasure.user_id,),
    )
    if rows:
        row = rows[0]
        await _count(erasure, "application.status", row["status"])
        if row["submitted_at"] is not None:
            country = "canada" if row["role"] == "mentor" else None
            if country is None and row["country"] is not None:
                country = str(_decoded(row["country"]))
            await _count(erasure, "submitted.role", row["role"])
            await _count(erasure, "submitted.country", country)
            await _count(erasure, "submitted.language", row["language"])
    for table in ("answers", "applications"):
        await erasure.conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (erasure.user_id,))


async def _export_consents(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await _rows(
        conn, "SELECT version, given, at FROM consents WHERE user_id = ? ORDER BY id", (user_id,)
    )
    return [{"version": r["version"], "given": bool(r["given"]), "at": r["at"]} for r in rows]


async def _erase_consents(erasure: Erasure) -> None:
    await erasure.conn.execute("DELETE FROM consents WHERE user_id = ?", (erasure.user_id,))


async def _export_pairs(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await _rows(
        conn,
        "SELECT x.id, x.mentor_id, x.mentee_id, x.created_at, x.ended_at,"
        " o.first_name AS other_name FROM pairs x LEFT JOIN people o ON o.user_id ="
        " CASE WHEN x.mentor_id = ? THEN x.mentee_id ELSE x.mentor_id END"
        " WHERE x.mentor_id = ? OR x.mentee_id = ? ORDER BY x.id",
        (user_id, user_id, user_id),
    )
    return [
        {
            "pair_id": row["id"],
            "my_role": "mentor" if row["mentor_id"] == user_id else "mentee",
            "paired_with": row["other_name"] or None,
            "created_at": row["created_at"],
            "ended_at": row["ended_at"],
        }
        for row in rows
    ]


async def _erase_pairs(erasure: Erasure) -> None:
    """Ends her pairings (the other person is told in general terms); keeps them anonymous."""
    user_id = erasure.user_id
    active = await erasure.rows(
        "SELECT mentor_id, mentee_id FROM pairs WHERE ended_at IS NULL"
        " AND (mentor_id = ? OR mentee_id = ?)",
        (user_id, user_id),
    )
    for row in active:
        other = row["mentee_id"] if row["mentor_id"] == user_id else row["mentor_id"]
        await erasure.tell(other, PARTNER_LEFT)
    stamp = iso(erasure.clock)
    await erasure.conn.execute(
        "UPDATE pairs SET ended_at = ?, ended_by = ? WHERE ended_at IS NULL"
        " AND (mentor_id = ? OR mentee_id = ?)",
        (stamp, ERASED, user_id, user_id),
    )
    for column in ("mentor_id", "mentee_id", "created_by", "ended_by"):
        await erasure.conn.execute(
            f"UPDATE pairs SET {column} = ? WHERE {column} = ?", (ERASED, user_id)
        )


async def _export_messages(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await _rows(
        conn,
        "SELECT created_at, status, sent_at, body FROM outbox WHERE chat_id = ? ORDER BY id",
        (user_id,),
    )
    messages = []
    for row in rows:
        body = _decoded(row["body"])
        content = body.get("text") or body.get("document") if isinstance(body, dict) else None
        messages.append(
            {
                "created_at": row["created_at"],
                "status": row["status"],
                "sent_at": row["sent_at"],
                "content": content or "",
            }
        )
    return messages


async def _erase_messages(erasure: Erasure) -> None:
    await erasure.conn.execute("DELETE FROM outbox WHERE chat_id = ?", (erasure.user_id,))


async def _export_updates(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await _rows(
        conn,
        "SELECT update_id, received_at, done_at, body FROM inbox WHERE person = ?"
        " ORDER BY update_id",
        (user_id,),
    )
    return [
        {
            "update_id": row["update_id"],
            "received_at": row["received_at"],
            "handled_at": row["done_at"],
            "content": _decoded(row["body"]),
        }
        for row in rows
    ]


async def _erase_updates(erasure: Erasure) -> None:
    """Forgets her updates; those not handled yet (sent after this one) stay queued."""
    await erasure.conn.execute(
        "DELETE FROM inbox WHERE person = ? AND done_at IS NOT NULL", (erasure.user_id,)
    )
    # The update being handled keeps its id (so a redelivery is not applied twice), not its
    # content.
    await erasure.conn.execute(
        "UPDATE inbox SET body = '{}', person = ? WHERE person = ? AND applied_at IS NOT NULL",
        (ERASED, erasure.user_id),
    )


async def _export_inputs(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await _rows(
        conn, "SELECT kind, created_at FROM pending_inputs WHERE user_id = ?", (user_id,)
    )
    return [dict(row) for row in rows]


async def _erase_inputs(erasure: Erasure) -> None:
    await erasure.conn.execute("DELETE FROM pending_inputs WHERE user_id = ?", (erasure.user_id,))


async def _export_audit(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await _rows(
        conn,
        "SELECT at, action FROM audit_log WHERE subject_id = ? OR actor_id = ? ORDER BY id",
        (user_id, user_id),
    )
    return [dict(row) for row in rows]


async def _erase_audit(erasure: Erasure) -> None:
    """Keeps what staff did, without whom it was about (details may name her)."""
    await erasure.conn.execute(
        "UPDATE audit_log SET subject_id = NULL, details = '{}' WHERE subject_id = ?",
        (erasure.user_id,),
    )
    await erasure.conn.execute(  # another's entry that names her (a pair's other side)
        "UPDATE audit_log SET details = '{}' WHERE details != '{}' AND instr(details, ?) > 0"
        " AND EXISTS (SELECT 1 FROM json_tree(audit_log.details) WHERE atom = ?)",
        (str(erasure.user_id), erasure.user_id),  # only details holding her digits are parsed
    )
    await erasure.conn.execute(
        "UPDATE audit_log SET actor_id = ?, details = '{}' WHERE actor_id = ?",
        (ERASED, erasure.user_id),
    )


async def _export_staff(conn: aiosqlite.Connection, user_id: int) -> Any:
    rows = await _rows(conn, "SELECT role, added_at FROM staff WHERE user_id = ?", (user_id,))
    return dict(rows[0]) if rows else None


async def _erase_staff(erasure: Erasure) -> None:
    await erasure.conn.execute("DELETE FROM staff WHERE user_id = ?", (erasure.user_id,))
    for column in ("created_by", "used_by"):
        await erasure.conn.execute(
            f"UPDATE staff_invites SET {column} = ? WHERE {column} = ?",
            (ERASED, erasure.user_id),
        )
    await erasure.conn.execute(
        "UPDATE staff SET added_by = ? WHERE added_by = ?", (ERASED, erasure.user_id)
    )


HOLDINGS: tuple[Holding, ...] = (
    Holding("application", ("applications", "answers"), _export_application, _erase_application),
    Holding("pairs", ("pairs",), _export_pairs, _erase_pairs),
    Holding("messages_to_you", ("outbox",), _export_messages, _erase_messages),
    Holding("your_messages", ("inbox",), _export_updates, _erase_updates),
    Holding("awaited_input", ("pending_inputs",), _export_inputs, _erase_inputs),
    Holding("staff_actions", ("audit_log",), _export_audit, _erase_audit),
    Holding("staff_role", ("staff", "staff_invites"), _export_staff, _erase_staff),
    Holding("consents", ("consents",), _export_consents, _erase_consents),
    Holding("profile", ("people",), _export_profile, _erase_profile),
)
