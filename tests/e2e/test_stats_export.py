"""/stats and /export through the chat, after a few applications."""

from __future__ import annotations

import csv
import io
from collections import Counter

from bot.emulator import Emulator
from bot.runtime.people import Who
from bot.stats.service import FIXED_COLUMNS
from tests.applicants import MENTOR, apply
from tests.conftest import Launch
from tests.e2e.test_review import admin_of, audit_rows, candidate
from tests.harness import Running


async def cohort(bot: Running) -> dict[str, int]:
    """Three completed applications (one approved), one in progress, and one active pair."""
    mentor = await candidate(bot, "José Ñúñez", "es", MENTOR)
    fatou = await candidate(bot, "Fatou", "fr")
    rosa = bot.person("Rosa", "es")
    await apply(
        bot.core,
        Who(rosa.uid, "Rosa", None, None, "es"),
        {**MENTOR, "role": "mentee", "country": "bolivia", "business_age": "gt3"},
        {"motivation": '=HYPERLINK("x") quiero crecer', "languages": ("es", "en")},
    )
    late = bot.person("Léa", "fr")
    person = await bot.core.people.touch(Who(late.uid, "Léa", None, None, "fr"))
    await bot.core.onboarding.begin(person, None, None)
    await bot.core.review.decide(1, fatou.uid, approve=True)
    async with bot.core.db.write() as conn:
        await conn.execute(
            "INSERT INTO pairs(mentor_id, mentee_id, created_at, created_by)"
            " VALUES (?, ?, '2027-01-01T00:00:00Z', 1)",
            (mentor.uid, fatou.uid),
        )
    return {"mentor": mentor.uid, "fatou": fatou.uid, "rosa": rosa.uid, "lea": late.uid}


async def test_stats_show_the_figures(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    await cohort(bot)
    stats = await admin.send("/stats", expect="Program figures")
    lines = stats.text.splitlines()
    en = bot.core.t("en")
    languages = Counter(bot.core.catalogs.resolve(code, "en") for code in ("es", "fr", "es"))
    for code, count in languages.items():
        assert f"• {en.language_name(code)}: {count}" in lines
    for expected in (
        "4 applications in all",
        "• in progress: 1",
        "• waiting for review: 2",
        "• approved: 1",
        "• mentee: 2",
        "• mentor: 1",
        "• Canada: 1",
        "• Senegal: 1",
        "• Bolivia: 1",
        "1 active pair",
    ):
        assert expected in lines, (expected, lines)


async def test_export_is_a_csv_that_opens_with_accents(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    ids = await cohort(bot)
    message = await admin.send("/export", expect=None)
    assert message.document is not None
    assert message.document.filename == "applications-2027-01-11.csv"
    assert "4 applications" in message.text
    data = message.document.data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header = list(rows[0].keys())
    assert header == [*FIXED_COLUMNS, *(step.id for step in bot.core.form.steps)]
    by_id = {int(row["user_id"]): row for row in rows}
    assert set(by_id) == set(ids.values())
    jose = by_id[ids["mentor"]]
    assert jose["first_name"] == "José Ñúñez"
    assert jose["language"] == bot.core.catalogs.resolve("es", "en")
    assert jose["languages"] == "French; English" and jose["experience"] == "7"
    assert jose["province"] == "Quebec" and jose["status"] == "pending"
    fatou = by_id[ids["fatou"]]
    assert fatou["status"] == "approved" and fatou["decided_at"] == "2027-01-11T14:00:00Z"
    assert fatou["country"] == "Senegal" and fatou["motivation"].startswith("Je veux")
    rosa = by_id[ids["rosa"]]
    assert rosa["motivation"] == '\'=HYPERLINK("x") quiero crecer'  # never run as a formula
    assert rosa["languages"] == "English; Spanish"
    assert by_id[ids["lea"]]["status"] == "in_progress"
    (row,) = await audit_rows(bot, "export.applications")
    assert row["actor_id"] == admin.uid
