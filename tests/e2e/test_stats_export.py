"""/stats and /export through the chat, after a few applications."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bot.emulator import Emulator
from bot.runtime.clock import FrozenClock
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
    for expected in (
        "4 applications in all",
        "• 1 in progress",
        "• 2 waiting for review",
        "• 1 approved",
        "• 2 mentees",
        "• 1 mentor",
        "• Canada: 1",
        "• Senegal: 1",
        "• Bolivia: 1",
        "• Spanish: 2",
        "• French: 1",
        "1 active pair",
    ):
        assert expected in lines, (expected, lines)


async def test_stats_read_naturally_in_french_and_spanish(emu: Emulator, launch: Launch) -> None:
    claire = await admin_of(emu, "Claire", "fr")
    lucia = await admin_of(emu, "Lucía", "es")
    bot = await launch(admins=(claire.uid, lucia.uid))
    await cohort(bot)
    french = (await claire.send("/stats", expect="Chiffres")).text.splitlines()
    for expected in (
        "• 1 en cours",
        "• 2 en attente d'examen",
        "• 1 approuvée",
        "• 2 mentorées",
        "• 1 mentore",
        "• Sénégal\u00a0: 1",
        "• Espagnol\u00a0: 2",
    ):
        assert expected in french, (expected, french)
    spanish = (await lucia.send("/stats", expect="Cifras")).text.splitlines()
    for expected in ("• 2 pendientes de revisión", "• 2 mentoreadas", "• Español: 2"):
        assert expected in spanish, (expected, spanish)


async def test_export_is_a_csv_that_opens_with_accents(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    ids = await cohort(bot)
    message = await admin.send("/export", expect="4 applications")
    assert admin.texts()[-2] == "⏳ Writing the CSV file…"  # said at once, before the file
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


async def test_export_guards_every_formula_start(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    names = ("-2+3+cmd|' /C calc'!A0", "+1", "@SUM(A1)", "=1", "\t=1")
    ids = {}
    for name in names:
        person = bot.person(name, "en")
        await apply(bot.core, Who(person.uid, name, "-5", None, "en"), MENTOR)
        ids[person.uid] = name
    message = await admin.send("/export", expect="applications")
    assert message.document is not None
    rows = list(csv.DictReader(io.StringIO(message.document.data.decode("utf-8-sig"))))
    for row in rows:
        assert row["first_name"] == "'" + ids[int(row["user_id"])]
        assert row["last_name"] == "'-5"


async def test_export_file_is_named_after_the_staff_members_day(
    emu: Emulator, launch: Launch
) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    clock = bot.core.clock
    assert isinstance(clock, FrozenClock)
    clock.set(datetime(2027, 1, 12, 2, 0, tzinfo=UTC))  # still the 11th in Toronto
    message = await admin.send("/export", expect="applications")
    assert message.document is not None
    assert message.document.filename == "applications-2027-01-11.csv"
