"""How staff management reads (no I/O): the staff list, outcomes of changes, invite links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.runtime.callbacks import encode
from bot.runtime.i18n import Html, Translator, isolate, isolate_plain
from bot.runtime.replies import Button, Keyboard
from bot.staff.service import (
    ADDED,
    ADMIN,
    CHANGED,
    CONFIGURED,
    LAST_ADMIN,
    NOT_STAFF,
    REMOVED,
    UNCHANGED,
)

NAMESPACE = "stf"
REMOVE = "rm"
INVITE = "inv"
MYSELF = "me"
DEMOTE = "st"
KEEP = "no"


@dataclass(frozen=True)
class Member:
    """A staff member as listed: id, role, name if known, and whether she can be removed here."""

    user_id: int
    role: str
    name: str | None
    username: str | None
    configured: bool


def role_name(t: Translator, role: str) -> str:
    """The translated name of a staff role."""
    return t("admin") if role == ADMIN else t("staff")


def who(member: Member) -> str:
    """A member's name, @username and id, escaped."""
    name = isolate(member.name) if member.name else f"#{member.user_id}"
    handle = f" (@{isolate(member.username)})" if member.username else ""
    return f"{name}{handle} · <code>{member.user_id}</code>"


def staff_list(t: Translator, members: Sequence[Member], actor_id: int) -> tuple[str, Keyboard]:
    """The /staff message: every member with her role, how to change them, and buttons."""
    lines = [t("<b>Program staff</b>")]
    lines += [f"• {who(m)} — {role_name(t, m.role)}" for m in members]
    lines += [
        "",
        t("/staff add @username (or user id) — add a staff member"),
        t("/staff admin @username (or user id) — make her an admin"),
        t("/staff remove @username (or user id) — remove a staff member"),
        t("/staff invite — a one-time link for a new staff member"),
    ]
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                t.plain("Remove {name}", name=isolate_plain((m.name or "#" + str(m.user_id))[:40])),
                encode(NAMESPACE, REMOVE, m.user_id),
            ),
        )
        for m in members
        if not m.configured and m.user_id != actor_id
    ]
    rows.append((Button(t.plain("🔗 Invite link"), encode(NAMESPACE, INVITE)),))
    return "\n".join(lines), tuple(rows)


def role_outcome(t: Translator, outcome: str, member: Member) -> str:
    """Tells the admin what a role change did."""
    name = who(member)
    role = role_name(t, member.role)
    if outcome in (ADDED, CHANGED):
        return t("{name} is now {role}.", name=Html(name), role=Html(role))
    if outcome == UNCHANGED:
        return t("{name} is already {role}.", name=Html(name), role=Html(role))
    if outcome == REMOVED:
        return t("{name} is no longer program staff.", name=Html(name))
    if outcome == NOT_STAFF:
        return t("{name} is not program staff.", name=Html(name))
    if outcome == CONFIGURED:
        return t(
            "{name} is an admin set in the configuration (PASSERELLE_ADMINS); change it there.",
            name=Html(name),
        )
    if outcome == LAST_ADMIN:
        return t(
            "{name} is the only admin: without her, nobody could manage program staff. "
            "Make someone else admin first (/staff admin).",
            name=Html(name),
        )
    raise ValueError(outcome)


def confirm_myself(t: Translator, remove: bool) -> tuple[str, Keyboard]:
    """Asks an admin to confirm that she removes herself from staff, or stops being admin."""
    if remove:
        text = t(
            "Remove yourself from program staff? You will no longer be able to use the staff "
            "commands, and only another admin can add you back."
        )
        label = t.plain("Yes, remove me")
    else:
        text = t(
            "Stop being an admin? You will stay program staff but will no longer be able to "
            "manage staff, and only another admin can make you admin again."
        )
        label = t.plain("Yes, stop being admin")
    keyboard = (
        (
            Button(label, encode(NAMESPACE, MYSELF, REMOVE if remove else DEMOTE)),
            Button(t.plain("Cancel"), encode(NAMESPACE, KEEP)),
        ),
    )
    return text, keyboard


def kept(t: Translator) -> str:
    """Says that nothing changed after an admin cancelled removing herself."""
    return t("Nothing changed: you are still an admin.")


def unknown_person(t: Translator, reference: str) -> str:
    """Says a @username or id is not known, and what to do instead."""
    return t(
        "I do not know {reference}. A @username works only for someone who has applied; "
        "use her Telegram user id, or send her an invite link with /staff invite.",
        reference=reference,
    )


def usage(t: Translator) -> str:
    """How /staff is used."""
    return t(
        "Use /staff add, /staff admin or /staff remove followed by a @username or a user id, "
        "or /staff invite."
    )


def invite_text(t: Translator, link: str) -> str:
    """The one-time invite link for a new staff member."""
    return t(
        "Send this link to the new staff member. It works once:\n{link}",
        link=link,
    )


def welcome(t: Translator, role: str) -> str:
    """Tells a person she became staff."""
    return t(
        "You are now {role} on Passerelle. Send /help to see the staff commands.",
        role=Html(role_name(t, role)),
    )


def goodbye(t: Translator) -> str:
    """Tells a person she is no longer staff."""
    return t("You are no longer program staff on Passerelle.")


def joined_notice(t: Translator, member: Member) -> str:
    """Tells the admin who made an invite link that it was used."""
    return t("{name} joined the program staff with your invite link.", name=Html(who(member)))


def invite_refused(t: Translator, used: bool) -> str:
    """Tells someone that an invite link cannot be used."""
    if used:
        return t("This invite link was already used. Please ask an admin for a new one.")
    return t("This invite link is not valid. Please ask an admin for a new one.")


def admins_only(t: Translator) -> str:
    """The refusal for staff who are not admins."""
    return t("Sorry, only admins can manage program staff.")
