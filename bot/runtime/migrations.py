"""The ordered, recorded list of schema migrations; each runs atomically with its record."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema step, applied once in a transaction together with its record."""

    version: int
    name: str
    statements: tuple[str, ...]


def _packed(user_id: str) -> str:
    """Migration 16's packed answers of the application of `user_id` (an SQL expression): the
    steps joined by commas, GS (char 29), then each step's value joined by US (char 31), in the
    same order; NULL without answers.

    A value that is a JSON string with nothing to unescape and no control character (what
    json.dumps writes for an e-mail address, a motivation, an option's id) is kept as the cell
    /export writes for it as typed text: its text, after a ' when it starts like a formula
    (bot/stats/service.py `guard`), in double quotes when it holds a comma (it holds no double
    quote). Any other value (a list, a number, a string with escapes) is RS (char 30) then its
    JSON text, rendered by /export itself. Option ids are plain (`[a-z0-9_]`): an option's id
    is its own cell, and /export finds its label by it.
    """
    value = "x.value"
    text = f"substr({value}, 2, length({value}) - 2)"
    plain = (
        f"{value} GLOB '\"*\"' AND length({value}) > 1 AND instr({value}, '\\') = 0"
        f" AND instr({text}, '\"') = 0 AND instr({value}, char(9)) = 0"
        f" AND instr({value}, char(10)) = 0 AND instr({value}, char(13)) = 0"
    )
    quote = f"CASE WHEN instr({value}, ',') THEN '\"' ELSE '' END"
    guard = f"CASE WHEN substr({value}, 2, 1) IN ('=', '+', '-', '@') THEN '''' ELSE '' END"
    as_json = f"char(30) || {value}"
    cell = f"CASE WHEN {plain} THEN {quote} || {guard} || {text} || {quote} ELSE {as_json} END"
    return (
        f"(SELECT group_concat(x.step, ',') || char(29) || group_concat({cell}, char(31))"
        f" FROM answers x WHERE x.user_id = {user_id})"
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "people, applications and answers",
        (
            """CREATE TABLE people (
                user_id INTEGER PRIMARY KEY,
                first_name TEXT NOT NULL DEFAULT '',
                last_name TEXT,
                username TEXT,
                language TEXT NOT NULL,
                language_chosen INTEGER NOT NULL DEFAULT 0,
                timezone TEXT,
                unreachable INTEGER NOT NULL DEFAULT 0,
                consented_at TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX people_username ON people(lower(username))",
            """CREATE TABLE applications (
                user_id INTEGER PRIMARY KEY REFERENCES people(user_id) ON DELETE CASCADE,
                flow TEXT NOT NULL,
                status TEXT NOT NULL,
                step TEXT,
                round INTEGER NOT NULL DEFAULT 0,
                active INTEGER NOT NULL DEFAULT 1,
                editing INTEGER NOT NULL DEFAULT 0,
                draft TEXT,
                role TEXT,
                outcome TEXT,
                reasons TEXT NOT NULL DEFAULT '[]',
                cohort TEXT,
                started_at TEXT NOT NULL,
                submitted_at TEXT,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX applications_status ON applications(status, submitted_at)",
            """CREATE TABLE answers (
                user_id INTEGER NOT NULL REFERENCES people(user_id) ON DELETE CASCADE,
                step TEXT NOT NULL,
                value TEXT NOT NULL,
                answered_at TEXT NOT NULL,
                PRIMARY KEY (user_id, step)
            )""",
            """CREATE TABLE processed_updates (
                update_id INTEGER PRIMARY KEY,
                at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
            )""",
        ),
    ),
    Migration(
        2,
        "staff, audit log, review decisions and pairs",
        (
            """CREATE TABLE staff (
                user_id INTEGER PRIMARY KEY,
                role TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
                added_by INTEGER,
                added_at TEXT NOT NULL
            )""",
            """CREATE TABLE staff_invites (
                code TEXT PRIMARY KEY,
                role TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
                created_by INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                used_by INTEGER,
                used_at TEXT
            )""",
            """CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                actor_id INTEGER NOT NULL,
                action TEXT NOT NULL,
                subject_id INTEGER,
                details TEXT NOT NULL DEFAULT '{}'
            )""",
            "ALTER TABLE applications ADD COLUMN decided_at TEXT",
            "ALTER TABLE applications ADD COLUMN decided_by INTEGER",
            "ALTER TABLE applications ADD COLUMN decision_note TEXT",
            "ALTER TABLE people ADD COLUMN capacity INTEGER NOT NULL DEFAULT 4",
            """CREATE TABLE pairs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                mentor_id INTEGER NOT NULL,
                mentee_id INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                created_by INTEGER NOT NULL,
                override INTEGER NOT NULL DEFAULT 0,
                ended_at TEXT,
                ended_by INTEGER
            )""",
            "CREATE UNIQUE INDEX pairs_active_mentee ON pairs(mentee_id) WHERE ended_at IS NULL",
            "CREATE INDEX pairs_mentor ON pairs(mentor_id) WHERE ended_at IS NULL",
            """CREATE TABLE pending_inputs (
                user_id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        3,
        "outbox of messages to send in the background",
        (
            """CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                chat_id INTEGER NOT NULL,
                body TEXT NOT NULL,
                created_at TEXT NOT NULL,
                sent_at TEXT
            )""",
            "CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at IS NULL",
        ),
    ),
    Migration(
        4,
        "durable inbox, leased outbox with retries, the update that formed or ended a pair",
        (
            # The inbox replaces processed_updates: a row is written when Telegram hands the
            # update over, marked applied in the transaction of its effects, done once handled.
            """CREATE TABLE inbox (
                update_id INTEGER PRIMARY KEY,
                person INTEGER NOT NULL,
                body TEXT NOT NULL,
                received_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                applied_at TEXT,
                done_at TEXT,
                parked_at TEXT,
                last_error TEXT
            )""",
            "CREATE INDEX inbox_open ON inbox(person, update_id) WHERE done_at IS NULL",
            "CREATE INDEX inbox_done ON inbox(done_at) WHERE done_at IS NOT NULL",
            """INSERT INTO inbox(update_id, person, body, received_at, applied_at, done_at)
                SELECT update_id, 0, '{}', at, at, at FROM processed_updates""",
            "DROP TABLE processed_updates",
            "ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'",
            "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE outbox ADD COLUMN not_before TEXT",
            "ALTER TABLE outbox ADD COLUMN expires_at TEXT",
            "ALTER TABLE outbox ADD COLUMN lease_owner TEXT",
            "ALTER TABLE outbox ADD COLUMN lease_until TEXT",
            "ALTER TABLE outbox ADD COLUMN error TEXT",
            "UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL",
            "DROP INDEX outbox_unsent",
            "CREATE INDEX outbox_pending ON outbox(id) WHERE status = 'pending'",
            "ALTER TABLE pairs ADD COLUMN created_update INTEGER",
            "ALTER TABLE pairs ADD COLUMN ended_update INTEGER",
        ),
    ),
    Migration(
        5,
        "durable timers",
        (
            """CREATE TABLE timers (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                subject INTEGER,
                due_at TEXT NOT NULL,
                payload TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL,
                done_at TEXT,
                cancelled_at TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                next_try_at TEXT
            )""",
            "CREATE INDEX timers_open ON timers(due_at)"
            " WHERE done_at IS NULL AND cancelled_at IS NULL",
        ),
    ),
    Migration(
        6,
        "weekly availability, meeting offers, meetings and their follow-up answers;"
        " timers awaiting a retry indexed",
        (
            # cells: the saved grid, bit day * 3 + part (Monday morning = bit 0); draft: the
            # grid being edited in the message whose buttons carry `round`.
            """CREATE TABLE availability (
                user_id INTEGER PRIMARY KEY,
                cells INTEGER NOT NULL DEFAULT 0,
                draft INTEGER NOT NULL DEFAULT 0,
                round INTEGER NOT NULL DEFAULT 0,
                saved_at TEXT,
                updated_at TEXT NOT NULL
            )""",
            # The times shown to one person of a pair, for her to pick from (slots: a JSON
            # list of UTC starts; moves: the confirmed meeting a pick would move).
            """CREATE TABLE meeting_offers (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                pair_id INTEGER NOT NULL,
                user_id INTEGER NOT NULL,
                slots TEXT NOT NULL,
                moves INTEGER,
                created_at TEXT NOT NULL,
                used_at TEXT
            )""",
            "CREATE INDEX meeting_offers_open ON meeting_offers(pair_id) WHERE used_at IS NULL",
            """CREATE TABLE meetings (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                pair_id INTEGER NOT NULL,
                mentor_id INTEGER NOT NULL,
                mentee_id INTEGER NOT NULL,
                proposer_id INTEGER NOT NULL,
                status TEXT NOT NULL CHECK (status IN
                    ('proposed', 'confirmed', 'declined', 'withdrawn', 'cancelled')),
                start_at TEXT NOT NULL,
                end_at TEXT NOT NULL,
                offered TEXT NOT NULL DEFAULT '[]',
                code TEXT NOT NULL UNIQUE,
                sequence INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                booked_at TEXT,
                closed_at TEXT,
                closed_by INTEGER
            )""",
            "CREATE INDEX meetings_pair ON meetings(pair_id, status, start_at)",
            # Timers awaiting a retry, for Timers.next_due (timers_open is in due order).
            "CREATE INDEX timers_retrying ON timers(next_try_at)"
            " WHERE next_try_at IS NOT NULL AND done_at IS NULL AND cancelled_at IS NULL",
            """CREATE TABLE meeting_answers (
                meeting_id INTEGER NOT NULL REFERENCES meetings(id),
                user_id INTEGER NOT NULL,
                answer TEXT NOT NULL CHECK (answer IN ('held', 'rescheduled', 'no_show')),
                answered_at TEXT NOT NULL,
                PRIMARY KEY (meeting_id, user_id)
            )""",
        ),
    ),
    Migration(
        7,
        "broadcasts: drafts and versions, one row per recipient, answers to events",
        (
            """CREATE TABLE broadcasts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                created_by INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                audience TEXT NOT NULL,
                audience_value TEXT,
                status TEXT NOT NULL CHECK (status IN
                    ('draft', 'scheduled', 'sending', 'stopped', 'done', 'cancelled')),
                media_kind TEXT CHECK (media_kind IN ('photo', 'document')),
                media_file_id TEXT,
                event_title TEXT,
                event_start TEXT,
                event_end TEXT,
                event_place TEXT,
                scheduled_at TEXT,
                started_at TEXT,
                finished_at TEXT,
                total INTEGER NOT NULL DEFAULT 0,
                control_chat INTEGER,
                control_message INTEGER
            )""",
            "CREATE INDEX broadcasts_open ON broadcasts(status) WHERE finished_at IS NULL",
            """CREATE TABLE broadcast_versions (
                broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
                language TEXT NOT NULL,
                position INTEGER NOT NULL,
                html TEXT NOT NULL,
                plain TEXT NOT NULL,
                PRIMARY KEY (broadcast_id, language)
            )""",
            """CREATE TABLE broadcast_recipients (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                    ('pending', 'sent', 'unreachable', 'failed', 'stopped')),
                parts INTEGER NOT NULL DEFAULT 0,
                attempts INTEGER NOT NULL DEFAULT 0,
                not_before TEXT,
                lease_owner TEXT,
                lease_until TEXT,
                error TEXT,
                sent_at TEXT,
                rsvp TEXT CHECK (rsvp IN ('going', 'not_going')),
                rsvp_at TEXT,
                UNIQUE (broadcast_id, user_id)
            )""",
            "CREATE INDEX broadcast_recipients_pending ON broadcast_recipients(broadcast_id, id)"
            " WHERE status = 'pending'",
            "CREATE INDEX broadcast_recipients_person ON broadcast_recipients(user_id)",
        ),
    ),
    Migration(
        8,
        "the message that shows the current question's buttons, to close it once answered",
        (
            # Set once the question is delivered (Telegram gives its id); cleared in the
            # transaction that moves the form on, which then closes it (a cosmetic edit).
            "ALTER TABLE applications ADD COLUMN asked_message INTEGER",
            "ALTER TABLE applications ADD COLUMN asked_as TEXT NOT NULL DEFAULT 'question'",
        ),
    ),
    Migration(
        9,
        "indexes for program scale",
        (
            # Pairs formed or ended by one update (a replay, Pair all) without a scan.
            "CREATE INDEX pairs_created_update ON pairs(created_update)"
            " WHERE created_update IS NOT NULL",
            "CREATE INDEX pairs_ended_update ON pairs(ended_update) WHERE ended_update IS NOT NULL",
            # The courier's "an older row of this chat still waits" check, per chat: it read
            # every older pending row of every chat for each row it claimed.
            "CREATE INDEX outbox_pending_chat ON outbox(chat_id, id) WHERE status = 'pending'",
            # Open timers of one kind (the housekeeping check at start) among thousands of
            # reminders.
            "CREATE INDEX timers_open_kind ON timers(kind)"
            " WHERE done_at IS NULL AND cancelled_at IS NULL",
        ),
    ),
    Migration(
        10,
        "consent history, consent versions and the anonymous counts left by erasures",
        (
            """CREATE TABLE consents (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id INTEGER NOT NULL REFERENCES people(user_id) ON DELETE CASCADE,
                version TEXT NOT NULL,
                given INTEGER NOT NULL,
                at TEXT NOT NULL
            )""",
            "CREATE INDEX consents_person ON consents(user_id, id)",
            "ALTER TABLE people ADD COLUMN consent_version TEXT",
            """INSERT INTO consents(user_id, version, given, at)
                SELECT user_id, 'before-versions', 1, consented_at FROM people
                WHERE consented_at IS NOT NULL""",
            "UPDATE people SET consent_version = 'before-versions' WHERE consented_at IS NOT NULL",
            """CREATE TABLE anonymous_counts (
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (kind, key)
            )""",
        ),
    ),
    Migration(
        11,
        "cohorts, check-ins and the alerts they raise",
        (
            # A cohort is known by its deep-link code: `/start <code>` stores it in
            # applications.cohort, which is how people belong to one.
            """CREATE TABLE cohorts (
                code TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                cadence_days INTEGER NOT NULL DEFAULT 14 CHECK (cadence_days BETWEEN 1 AND 90),
                checkin_hour INTEGER NOT NULL DEFAULT 10 CHECK (checkin_hour BETWEEN 8 AND 20),
                paused_from TEXT,
                paused_until TEXT,
                ends_on TEXT,
                staff_id INTEGER,
                created_by INTEGER NOT NULL,
                created_at TEXT NOT NULL
            )""",
            # One row per check-in asked of one person: the form's place (step, round, the
            # message showing its buttons) and her answers in typed columns.
            """CREATE TABLE checkins (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id INTEGER NOT NULL REFERENCES people(user_id) ON DELETE CASCADE,
                pair_id INTEGER NOT NULL,
                cohort TEXT,
                reason TEXT NOT NULL CHECK (reason IN ('cadence', 'meeting', 'asked', 'staff')),
                status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'missed', 'closed')),
                step TEXT,
                round INTEGER NOT NULL DEFAULT 0,
                asked_message INTEGER,
                asked_as TEXT NOT NULL DEFAULT 'question',
                rating INTEGER CHECK (rating BETWEEN 1 AND 5),
                worked_on TEXT,
                needs_help INTEGER,
                help_text TEXT,
                opened_at TEXT NOT NULL,
                reminded_at TEXT,
                answered_at TEXT,
                closed_at TEXT
            )""",
            "CREATE UNIQUE INDEX checkins_open ON checkins(user_id) WHERE status = 'open'",
            "CREATE INDEX checkins_pair ON checkins(pair_id, opened_at)",
            "CREATE INDEX checkins_cohort ON checkins(cohort, opened_at)",
            # What staff were alerted to, and who handled it (`Mark handled`, first one wins).
            """CREATE TABLE checkin_alerts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id INTEGER NOT NULL REFERENCES people(user_id) ON DELETE CASCADE,
                pair_id INTEGER NOT NULL,
                checkin_id INTEGER,
                kind TEXT NOT NULL CHECK (kind IN ('low_rating', 'help', 'missed', 'no_show')),
                created_at TEXT NOT NULL,
                handled_by INTEGER,
                handled_at TEXT
            )""",
            "CREATE INDEX checkin_alerts_open ON checkin_alerts(created_at)"
            " WHERE handled_at IS NULL",
        ),
    ),
    Migration(
        12,
        "check-ins: one open per person and pair, and when its first question went out",
        (
            # A mentor with several mentees has one check-in per pair; she answers them one at
            # a time (the oldest open one first), the next one's question going out once the
            # one before it is answered or closed (shown_at says it went out).
            "DROP INDEX checkins_open",
            "CREATE UNIQUE INDEX checkins_open ON checkins(user_id, pair_id) WHERE status = 'open'",
            "ALTER TABLE checkins ADD COLUMN shown_at TEXT",
        ),
    ),
    Migration(
        13,
        "start-up indexes: each person's open check-in dates, and every pair of a person",
        (
            # Checkins._open_due and the start-up search for the members of active pairs with
            # no date scheduled (Checkins.schedule_missing): by kind alone, each look-up read
            # every open check-in date (100,000 of them with 50,000 pairs).
            "CREATE INDEX timers_open_checkin_due"
            " ON timers(subject, json_extract(payload, '$.pair_id'))"
            " WHERE kind = 'checkin.due' AND done_at IS NULL AND cancelled_at IS NULL",
            # Every pair a person was ever in, ended ones included (pairs_mentor and
            # pairs_active_mentee hold active pairs only): erasing a person, and anything else
            # asking for all of her pairs, no longer scans every pair.
            "CREATE INDEX pairs_of_mentor ON pairs(mentor_id)",
            "CREATE INDEX pairs_of_mentee ON pairs(mentee_id)",
        ),
    ),
    Migration(
        14,
        "applications: their answers packed in one column (the /export CSV reads it)",
        (
            # step, US, JSON value, US, step... (JSON escapes every control character, so US
            # never occurs inside a value), in no particular order; NULL: no answer. Triggers
            # keep it in every write that changes an answer, in that write's transaction: the
            # /export of 100,000 applications reads one row each instead of ten answers.
            "ALTER TABLE applications ADD COLUMN answers_packed TEXT",
            *(
                f"""CREATE TRIGGER answers_packed_{event.lower()} AFTER {event} ON answers
                BEGIN
                    UPDATE applications SET answers_packed = (
                        SELECT group_concat(x.step || char(31) || x.value, char(31))
                        FROM answers x WHERE x.user_id = applications.user_id
                    ) WHERE user_id = {who}.user_id;
                END"""
                for event, who in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
            ),
            # (An answer's user_id never changes; an application begun again after its answers
            # were kept reads them.)
            """CREATE TRIGGER answers_packed_application AFTER INSERT ON applications
            BEGIN
                UPDATE applications SET answers_packed = (
                    SELECT group_concat(x.step || char(31) || x.value, char(31))
                    FROM answers x WHERE x.user_id = NEW.user_id
                ) WHERE user_id = NEW.user_id;
            END""",
            """UPDATE applications SET answers_packed = (
                SELECT group_concat(x.step || char(31) || x.value, char(31))
                FROM answers x WHERE x.user_id = applications.user_id
            )""",
        ),
    ),
    Migration(
        15,
        "erasing one person reads her rows by index, not every row of each table",
        (
            # Retention erases people by the hundred: at 100,000 people each erasure scanned
            # the inbox, the outbox and the audit log (190 ms each, 93 s a batch; the pairs
            # are looked up by person since migration 13).
            "CREATE INDEX inbox_person ON inbox(person)",
            "CREATE INDEX outbox_chat ON outbox(chat_id)",
            "CREATE INDEX audit_log_actor ON audit_log(actor_id)",
            "CREATE INDEX audit_log_subject ON audit_log(subject_id) WHERE subject_id IS NOT NULL",
        ),
    ),
    Migration(
        16,
        "applications: their typed answers packed as the /export CSV writes them",
        (
            *(
                f"DROP TRIGGER answers_packed_{event}"
                for event in ("insert", "update", "delete", "application")
            ),
            *(
                f"""CREATE TRIGGER answers_packed_{event.lower()} AFTER {event} ON answers
                BEGIN
                    UPDATE applications SET answers_packed = {_packed("applications.user_id")}
                    WHERE user_id = {who}.user_id;
                END"""
                for event, who in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
            ),
            f"""CREATE TRIGGER answers_packed_application AFTER INSERT ON applications
            BEGIN
                UPDATE applications SET answers_packed = {_packed("NEW.user_id")}
                WHERE user_id = NEW.user_id;
            END""",
            f"UPDATE applications SET answers_packed = {_packed('applications.user_id')}",
        ),
    ),
    Migration(
        17,
        "a person's check-ins, meetings and pairs, and a cohort's members, read by index",
        (
            # At 100,000 people with a year of check-ins and meetings, erasing 25 participants
            # held the writer 6-18 s: her check-ins were scanned three times (her counts,
            # their deletion, and people's ON DELETE CASCADE), her meetings five.
            "CREATE INDEX checkins_person ON checkins(user_id)",
            "CREATE INDEX checkin_alerts_person ON checkin_alerts(user_id)",
            "CREATE INDEX meetings_mentor ON meetings(mentor_id)",
            "CREATE INDEX meetings_mentee ON meetings(mentee_id)",
            "CREATE INDEX meeting_answers_person ON meeting_answers(user_id)",
            "CREATE INDEX meeting_offers_person ON meeting_offers(user_id)",
            # Who made or ended a pair (staff, or the person when she was erased).
            "CREATE INDEX pairs_created_by ON pairs(created_by)",
            "CREATE INDEX pairs_ended_by ON pairs(ended_by) WHERE ended_by IS NOT NULL",
            # A cohort's members (bot.cohorts.store.members_of), for staff commands given a code
            # and for moving check-in dates when a cohort's cadence changes.
            "CREATE INDEX applications_cohort ON applications(lower(cohort))",
        ),
    ),
)
