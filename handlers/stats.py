"""/stats and /export: program figures and the applications as a CSV file, for staff."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.cohorts.service import valid_code
from bot.meetings.notice_view import meeting_figures
from bot.runtime.arguments import ECHO
from bot.runtime.people import local_zone
from bot.runtime.replies import Response, SendDocument
from bot.stats.view import stats_text
from handlers.base import Context, Deps, respond, staff_only, turn


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Adds /stats and /export."""
    core = deps.core

    async def stats(update: Update, context: Context) -> None:
        """Shows the program figures at a glance, meetings of each pair included."""
        now = await turn(deps, update)
        response = Response()
        figures = stats_text(now.t, core.form, await core.stats.figures())
        meetings = meeting_figures(now.t, await core.followups.records())
        response.send(now.chat_id, f"{figures}\n\n{meetings}")
        await respond(deps, update, response)

    async def export(update: Update, context: Context) -> None:
        """Sends every application (or one cohort's: /export CODE) as a CSV file, and records
        the export in the audit log."""
        now = await turn(deps, update)
        args = context.args or []
        cohort = await core.cohorts.get(args[0]) if len(args) == 1 and valid_code(args[0]) else None
        if args and cohort is None:
            shown = " ".join(args)[:ECHO]
            text = now.t("No cohort has the code {code}.", code=shown)
            more = now.t("Send /export for every application, or /export CODE for one cohort.")
            await respond(deps, update, Response.text(now.chat_id, f"{text}\n{more}"))
            return
        code = cohort.code if cohort is not None else None
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
    app.add_handler(CommandHandler("export", staff_only(deps, export), private))
