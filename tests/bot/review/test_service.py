"""Review, staff-role and export services against a real database (no chat)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core import Core, build_core
from bot.runtime.clock import FrozenClock
from bot.runtime.db import DuplicateUpdate
from bot.runtime.people import Who
from bot.runtime.settings import Settings
from bot.staff.service import (
    ADDED,
    ADMIN,
    CHANGED,
    CONFIGURED,
    JOINED,
    NOT_STAFF,
    REMOVED,
    STAFF,
    UNCHANGED,
    UNKNOWN,
    USED,
)
from tests.applicants import MENTEE, MENTOR, apply
from tests.harness import START

ADMIN_ID = 1


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, db=tmp_path / "t.db", admins=(ADMIN_ID,))  # type: ignore[call-arg]
    built = await build_core(settings, FrozenClock(START))
    yield built
    await built.close()


async def audit_actions(core: Core) -> list[str]:
    return [r["action"] for r in await core.db.fetchall("SELECT action FROM audit_log")]


async def test_queue_is_oldest_first_and_next_wraps(core: Core) -> None:
    clock = core.clock
    assert isinstance(clock, FrozenClock)
    await apply(core, Who(30, "C"), MENTEE)
    clock.set(START.replace(hour=15))
    await apply(core, Who(10, "A"), MENTOR)
    clock.set(START.replace(hour=13))
    await apply(core, Who(20, "B"), MENTEE)
    assert await core.review.waiting() == 3
    oldest = await core.review.oldest()
    assert oldest is not None and oldest.user_id == 20
    nexts = [await core.review.after(uid) for uid in (20, 30, 10, 99)]
    assert [a.user_id if a else None for a in nexts] == [30, 10, 20, 20]
    await core.review.decide(ADMIN_ID, 30, approve=True)
    await core.review.decide(ADMIN_ID, 10, approve=True)
    assert await core.review.after(20) is None


async def _walk(core: Core, start: int, steps: int) -> list[int | None]:
    """The user ids Next shows, one press after another, from `start`."""
    seen: list[int | None] = []
    current = start
    for _ in range(steps):
        following = await core.review.after(current)
        seen.append(following.user_id if following else None)
        if following is None:
            break
        current = following.user_id
    return seen


async def test_next_pages_through_ties_in_user_id_order_and_wraps_at_the_end(core: Core) -> None:
    for uid in (44, 11, 33, 22):  # one instant: the tie is broken by user id
        await apply(core, Who(uid, f"P{uid}"), MENTEE)
    first = await core.review.oldest()
    assert first is not None and first.user_id == 11
    assert await _walk(core, 11, 5) == [22, 33, 44, 11, 22]
    assert await core.review.waiting() == 4


async def test_next_skips_what_another_staff_member_decided_meanwhile(core: Core) -> None:
    for uid in (1, 2, 3, 4):
        await apply(core, Who(uid + 100, f"P{uid}"), MENTEE)
    await core.review.decide(ADMIN_ID, 102, approve=True)  # the one after 101, decided
    following = await core.review.after(101)
    assert following is not None and following.user_id == 103
    await core.review.decide(ADMIN_ID, 103, approve=False)  # the card being read, decided
    restarted = await core.review.after(103)  # no longer pending: back to the oldest
    assert restarted is not None and restarted.user_id == 101
    await core.review.decide(ADMIN_ID, 104, approve=True)  # the last one: wrap past the end
    wrapped = await core.review.after(101)
    assert wrapped is None  # 101 is the only one left, and never follows itself
    assert await core.review.waiting() == 1


async def test_an_empty_queue_has_no_oldest_and_no_next(core: Core) -> None:
    assert await core.review.oldest() is None
    assert await core.review.after(5) is None
    assert await core.review.waiting() == 0


async def test_a_decision_is_taken_once_and_audited(core: Core) -> None:
    await apply(core, Who(5, "Awa"), MENTEE)
    await core.inputs.expect(ADMIN_ID, "review_reason", {"user_id": 5})
    first = await core.review.decide(ADMIN_ID, 5, False, "  Trop tôt <b>  ", update_id=100)
    assert first.applied and first.status == "rejected" and first.note == "Trop tôt <b>"
    assert await core.inputs.get(ADMIN_ID) is None
    second = await core.review.decide(2, 5, True, None, update_id=101)
    assert not second.applied and second.status == "rejected" and second.decided_by == ADMIN_ID
    with pytest.raises(DuplicateUpdate):
        await core.review.decide(ADMIN_ID, 5, True, None, update_id=100)
    record = await core.onboarding.get(5)
    assert record is not None and record.status == "rejected"
    assert record.decision_note == "Trop tôt <b>"
    assert await audit_actions(core) == ["review.reject"]
    gone = await core.review.decide(ADMIN_ID, 404, True)
    assert not gone.applied and gone.status is None


async def test_roles_change_and_configured_admins_stay(core: Core) -> None:
    staff = core.staff
    assert await staff.set_role(ADMIN_ID, 7, STAFF) == ADDED
    assert await staff.set_role(ADMIN_ID, 7, STAFF) == UNCHANGED
    assert await staff.set_role(ADMIN_ID, 7, ADMIN) == CHANGED
    assert await staff.role(7) == ADMIN and 7 in await staff.admins()
    assert await staff.set_role(7, ADMIN_ID, STAFF) == CONFIGURED
    assert await staff.remove(7, ADMIN_ID) == CONFIGURED
    assert await staff.remove(ADMIN_ID, 7) == REMOVED
    assert await staff.remove(ADMIN_ID, 7) == NOT_STAFF
    assert await staff.role(7) is None
    assert await audit_actions(core) == ["staff.staff", "staff.admin", "staff.remove"]


async def test_an_invite_works_once_and_never_demotes(core: Core) -> None:
    staff = core.staff
    code = await staff.invite(ADMIN_ID)
    assert (await staff.accept(8, code)).outcome == JOINED
    used = await staff.accept(9, code)
    assert (used.outcome, used.created_by) == (USED, ADMIN_ID)
    assert (await staff.accept(9, "nope")).outcome == UNKNOWN
    assert await staff.role(8) == STAFF and await staff.role(9) is None
    await staff.set_role(ADMIN_ID, 8, ADMIN)
    assert (await staff.accept(8, await staff.invite(ADMIN_ID))).outcome == JOINED
    assert await staff.role(8) == ADMIN
    rows = await core.db.fetchall("SELECT details FROM audit_log WHERE action = 'staff.join'")
    assert json.loads(rows[0]["details"]) == {"invited_by": ADMIN_ID, "role": STAFF}
