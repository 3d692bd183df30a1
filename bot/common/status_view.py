"""What /status tells a person about her application and her pairs."""

from __future__ import annotations

from bot.core import Core
from bot.onboarding.service import APPROVED, IN_PROGRESS, NOT_ELIGIBLE, PENDING, REJECTED
from bot.pairing.view import status_lines
from bot.runtime.i18n import Html, Translator
from bot.runtime.people import Person


async def status_text(core: Core, t: Translator, person: Person) -> str:
    """Describes where the person's application stands."""
    record = await core.onboarding.get(person.user_id)
    if record is None:
        return t("You have not applied yet. Send /start to apply to the program.")
    if record.status == IN_PROGRESS:
        step = core.form.by_id.get(record.state.step or "")
        where = t(step.name) if step else t("the summary")
        answered = len(record.state.answers)
        return (
            t.plural(
                "Your application is in progress: {count} answer so far. Next: {where}.",
                "Your application is in progress: {count} answers so far. Next: {where}.",
                answered,
                where=Html(where),
            )
            + "\n"
            + t("Send /start to continue it.")
        )
    if record.status == NOT_ELIGIBLE:
        return t("Your last application ended as not eligible. Send /start to apply again.")
    lines = []
    if record.status == PENDING and record.outcome == "eligible":
        lines.append(
            t(
                "Your application is complete and meets the program's criteria. "
                "It is waiting for review by program staff."
            )
        )
    elif record.status == PENDING:
        lines.append(
            t(
                "Your application is complete and waiting for review by program staff, "
                "who will look at some of your answers more closely."
            )
        )
    elif record.status == APPROVED:
        lines.append(t("Your application was approved. Welcome to the program!"))
    elif record.status == REJECTED:
        lines.append(t("Your application was not accepted."))
    lines += await _pair_lines(core, t, person)
    return "\n".join(lines)


async def _pair_lines(core: Core, t: Translator, person: Person) -> list[str]:
    """Her pair(s): names, and for a mentor how many places are left (approved or paired)."""
    me = await core.pairing.participant(person.user_id)
    if me is None:
        return []
    partners = await core.pairing.partners(person.user_id)
    if me.status != APPROVED and not partners:
        return []
    return status_lines(t, me, partners)
