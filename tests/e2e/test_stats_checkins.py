"""/stats and /report through the chat: check-in figures, the chart as a photo, a cohort limit."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

from bot.emulator import Emulator
from bot.stats.report import SIZE
from tests.bot.stats.checkin_rows import alert, checkin, cohort, pair, person
from tests.conftest import Launch
from tests.e2e.test_review import admin_of
from tests.harness import Running

DAY = timedelta(days=1)
CHART = 60.0  # seconds: the first chart of a fresh machine also builds matplotlib's font cache


async def two_cohorts(bot: Running) -> dict[str, int]:
    """A spring pair doing well, a fall pair at risk (a rating of 2, an open alert)."""
    await cohort(bot.core, "spring27", "Spring 2027")
    await cohort(bot.core, "fall27", "Fall 2027")
    ana = await person(bot.core, 900, "Ana", "spring27")
    awa = await person(bot.core, 901, "Awa <b>", "spring27")
    ben = await person(bot.core, 902, "Ben", "fall27")
    fatou = await person(bot.core, 903, "Fatou", "fall27")
    spring, fall = await pair(bot.core, ana, awa), await pair(bot.core, ben, fatou)
    now = bot.core.clock.now()
    for days, rating in ((20, 4), (6, 5)):
        await checkin(
            bot.core, spring, ana, now - days * DAY, "answered", rating, cohort="spring27"
        )
        await checkin(
            bot.core, spring, awa, now - days * DAY, "answered", rating, cohort="spring27"
        )
    await checkin(bot.core, fall, ben, now - 20 * DAY, "answered", 4, cohort="fall27")
    await checkin(bot.core, fall, fatou, now - 20 * DAY, "missed", cohort="fall27")
    await checkin(bot.core, fall, fatou, now - 6 * DAY, "answered", 2, cohort="fall27")
    await alert(bot.core, fall, fatou)
    return {"spring": spring, "fall": fall}


async def test_stats_show_check_ins_and_pairs_at_risk(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    await two_cohorts(bot)
    checkins = await admin.send("/stats", expect="Check-ins")
    (first,) = [m for m in emu.bot_messages(admin.uid) if "Program figures" in m.text]
    assert first.message_id < checkins.message_id  # the figures do not wait for check-ins
    assert "2 active pairs" in first.text.splitlines() and "Meetings" in first.text
    text = checkins.text
    lines = text.splitlines()
    assert "86% answered (6 of 7 check-ins) · average rating 4.0/5, → from 4.0 to 4.0" in lines
    fall = "67% answered (2 of 3 check-ins) · average rating 3.0/5, ↘ from 4.0 to 2.0"
    assert f"• Fall 2027 (fall27): {fall}" in lines and f"• Ben and Fatou: {fall}" in lines
    assert "⚠️ 1 pair at risk" in lines
    assert (
        "• Ben and Fatou: Fatou rated 2/5 in the latest check-in and 1 alert not handled" in lines
    )
    assert "Ana and Awa <b>:" in text  # names are escaped: shown as typed


async def test_stats_of_one_cohort(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire", "fr")
    bot = await launch(admins=(admin.uid,))
    await two_cohorts(bot)
    text = (await admin.send("/stats SPRING27", expect="Points d\u2019étape")).text
    (first,) = [m.text for m in emu.bot_messages(admin.uid) if "Chiffres" in m.text]
    assert first.startswith("Cohorte\u00a0: Spring 2027 (spring27)\n")
    assert "2 candidatures au total" in first and "1 jumelage actif" in first
    assert "100\u00a0% de réponses (4 sur 4 points d\u2019étape)" in text
    assert "Fatou" not in text and "Aucun jumelage à risque." in text
    unknown = await admin.send("/stats winter", expect="cohorte")
    assert unknown.text == (
        "Il n'y a pas de cohorte «\u00a0winter\u00a0». Cohortes existantes\u00a0:"
        " Fall 2027 (fall27) et Spring 2027 (spring27)."
    )


async def test_report_sends_the_chart_as_a_photo(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Lucía", "es")
    bot = await launch(admins=(admin.uid,))
    await two_cohorts(bot)
    message = await admin.send("/report fall27", expect="📈", timeout=CHART)
    drawing = emu.bot_messages(admin.uid)[-2]
    assert (
        drawing.text == "⏳ Estoy dibujando el gráfico de seguimientos de las últimas 12 semanas…"
    )
    assert message.photo and message.photo_file_id is not None
    stored = emu.state.files[message.photo_file_id]
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "PNG" and image.size == SIZE
    assert message.text.startswith("📈 Seguimientos: Fall 2027 (fall27)\n")
    assert "(fechas en hora de Toronto)" in message.text
    assert "67\u00a0% de respuesta (2 de 3 seguimientos)" in message.text


async def test_report_without_check_ins_says_so(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    await cohort(bot.core, "spring27", "Spring 2027")
    reply = await admin.send("/report", expect="nothing to chart")
    assert reply.document is None and not reply.photo
    unknown = await admin.send("/report nope", expect="cohort")
    assert "Known cohorts: Spring 2027 (spring27)." in unknown.text


async def test_report_and_stats_are_for_staff_only(emu: Emulator, launch: Launch) -> None:
    admin = await admin_of(emu, "Claire")
    bot = await launch(admins=(admin.uid,))
    await two_cohorts(bot)
    eve = bot.person("Eve")
    for command in ("/report", "/report fall27", "/stats fall27"):
        reply = await eve.send(command, expect=None)
        assert reply.text == "Sorry, this is for program staff only."
        assert not reply.photo
