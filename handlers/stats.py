"""/stats, /report and /export: program figures, the check-in chart and the applications as a
CSV file, for staff."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.meetings.notice_view import meeting_figures
from bot.runtime.people import local_zone
from bot.runtime.replies import Response, SendDocument
from bot.stats.checkins_view import (
    checkins_text,
    cohort_line,
    drawing,
    no_chart,
    report_caption,
)
from bot.stats.view import stats_text
from handlers.base import Context, Deps, respond, staff_only, turn
from handlers.cohorts import named_cohort


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds /stats, /report and /export."""
    core = deps.core

    async def stats(update: Update, context: Context) -> None:
        """Shows the program figures at a glance (of one cohort, given its code): applications,
        meetings of each pair and check-ins."""
        now = await turn(deps, update)
        found, cohort = await named_cohort(deps, now, update, context.args or [])
        if not found:
            return
        zone = local_zone(now.person, core.settings.timezone)
        records = await core.followups.records()
        if cohort is not None:
            members = await core.cohorts.members(cohort.code)
            records = [r for r in records if {r.mentor.user_id, r.mentee.user_id} & members]
        parts = [
            stats_text(now.t, core.form, await core.stats.figures(cohort)),
            meeting_figures(now.t, records),
        ]
        if cohort is not None:
            parts.insert(0, cohort_line(now.t, cohort.code, cohort.name))
        await respond(deps, update, Response.text(now.chat_id, "\n\n".join(parts)))
        # Check-ins next, in a message of their own: at 100,000 people they take a second or
        # two to add up, and the figures above should not wait for them.
        checkins = checkins_text(now.t, await core.stats.checkins(zone, cohort))
        await respond(deps, update, Response.text(now.chat_id, checkins))

    async def report(update: Update, context: Context) -> None:
        """Sends the check-in chart (of one cohort, given its code) as a photo."""
        now = await turn(deps, update)
        found, cohort = await named_cohort(deps, now, update, context.args or [])
        if not found:
            return
        await respond(deps, update, Response.text(now.chat_id, drawing(now.t)))
        zone = local_zone(now.person, core.settings.timezone)
        figures = await core.stats.checkins(zone, cohort)
        if figures.empty:
            await respond(deps, update, Response.text(now.chat_id, no_chart(now.t, figures)))
            return
        png, title = await core.stats.chart(now.t, figures)
        name = f"checkins-{figures.today:%Y-%m-%d}.png"
        caption = report_caption(now.t, figures, title)
        reply = SendDocument(now.chat_id, name, png, caption, photo=True)
        await respond(deps, update, Response(replies=[reply]))

    async def export(update: Update, context: Context) -> None:
        """Sends every application (or one cohort's: /export CODE) as a CSV file, and records
        the export in the audit log."""
        now = await turn(deps, update)
        found, cohort = await named_cohort(deps, now, update, context.args or [])
        if not found:
            return
        code = cohort.code if cohort is not None else None
        # At 100,000 applications the file takes seconds: say so at once.
        await respond(deps, update, Response.text(now.chat_id, now.t("⏳ Writing the CSV file…")))
        content, rows = await core.stats.export(
            now.t, now.person.user_id, now.update_id, cohort=code
        )
        zone = ZoneInfo(local_zone(now.person, core.settings.timezone))
        day = f"{core.clock.now().astimezone(zone):%Y-%m-%d}"
        name = f"applications-{code}-{day}.csv" if code else f"applications-{day}.csv"
        caption = now.t.plural("{count} application", "{count} applications", rows)
        response = Response(replies=[SendDocument(now.chat_id, name, content, caption)])
        await respond(deps, update, response)

    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("stats", staff_only(deps, stats), private))
    app.add_handler(CommandHandler("report", staff_only(deps, report), private))
    app.add_handler(CommandHandler("export", staff_only(deps, export), private))
