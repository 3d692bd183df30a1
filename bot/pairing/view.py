"""Pairing texts and buttons in each person's language (no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from bot.onboarding.view import answer_text
from bot.pairing.matching import Suggestion
from bot.pairing.service import (
    MENTOR,
    OTHER_SECTOR,
    Ended,
    Issue,
    Paired,
    Participant,
    Problem,
    Refused,
    problem_mask,
)
from bot.runtime.callbacks import encode
from bot.runtime.i18n import Html, Translator, isolate
from bot.runtime.people import Person
from bot.runtime.replies import Button, Keyboard
from dialogs.loader import Form
from dialogs.steps import Step

NAMESPACE = "pr"
PAIR = "ok"
OVERRIDE = "ov"
PAIR_ALL = "all"
MORE = "more"
END = "end"
PER_PAGE = 10
MAX_TEXT = 3600  # the page's suggestions; its head and Telegram's 4,096 leave room
LABEL_NAME = 24


def pair_data(mentor_id: int, mentee_id: int) -> str:
    """Callback data of a suggestion's Pair button."""
    return encode(NAMESPACE, PAIR, mentor_id, mentee_id)


def override_data(mentor_id: int, mentee_id: int, issues: Sequence[Issue]) -> str:
    """Callback data of Pair anyway: the pair and the problems staff saw."""
    return encode(
        NAMESPACE, OVERRIDE, mentor_id, mentee_id, problem_mask(i.problem for i in issues)
    )


def pair_all_data(digest: str, cohort: str | None = None) -> str:
    """Callback data of Pair all: a digest of the list that was shown (and its cohort)."""
    if cohort is not None:
        return encode(NAMESPACE, PAIR_ALL, digest, cohort)
    return encode(NAMESPACE, PAIR_ALL, digest)


def more_data(digest: str, start: int, cohort: str | None = None) -> str:
    """Callback data of More: the list shown (its digest, its cohort) and where the next page
    starts."""
    if cohort is not None:
        return encode(NAMESPACE, MORE, digest, start, cohort)
    return encode(NAMESPACE, MORE, digest, start)


def end_data(pair_id: int) -> str:
    """Callback data of a button that ends one pair."""
    return encode(NAMESPACE, END, pair_id)


def staff_name(person: Person | Participant) -> str:
    """Full name and @username, escaped and isolated, as staff read it."""
    if isinstance(person, Participant):
        person = person.person
    name = f"<b>{isolate(person.display_name)}</b>"
    if person.username:
        name += f" (@{isolate(person.username)})"
    return name


def _short(person: Participant) -> str:
    name = person.person.first_name or person.person.display_name
    return name if len(name) <= LABEL_NAME else name[: LABEL_NAME - 1] + "…"


def role_name(t: Translator, role: str | None) -> str:
    """The translated name of a role."""
    return t("mentor") if role == MENTOR else t("mentee")


def sector_text(t: Translator, form: Form, person: Participant) -> str:
    """Her sector, translated (her own words for "Other"), escaped."""
    if person.sector == OTHER_SECTOR and person.sector_other:
        return isolate(person.sector_other)
    if person.sector is None:
        return "—"
    return answer_text(t, form, form.by_id[Step.SECTOR], person.sector)


def country_text(t: Translator, form: Form, person: Participant) -> str:
    """Where she works: her partner country, or her province in Canada; escaped."""
    if person.country is not None:
        return answer_text(t, form, form.by_id[Step.COUNTRY], person.country)
    if person.province is not None:
        province = answer_text(t, form, form.by_id[Step.PROVINCE], person.province)
        return t("{province}, Canada", province=Html(province))
    return t("Canada")


def languages_text(t: Translator, form: Form, codes: frozenset[str]) -> str:
    """Languages by their translated names, escaped."""
    return answer_text(t, form, form.by_id[Step.LANGUAGES], tuple(sorted(codes)))


def introduction(
    t: Translator, form: Form, me: Participant, other: Participant, now: dt.datetime
) -> str:
    """Introduces the other person of a new pair, in my language."""
    shared = me.languages & other.languages
    if me.role == MENTOR:
        head = t(
            "🤝 Good news: you are now the mentor of <b>{name}</b>!", name=other.person.first_name
        )
    else:
        head = t("🤝 Good news: <b>{name}</b> is now your mentor!", name=other.person.first_name)
    lines = [
        head,
        "",
        t("Sector: {sector}", sector=Html(sector_text(t, form, other))),
        t("Location: {place}", place=Html(country_text(t, form, other))),
        t(
            "Languages you share: {languages}",
            languages=Html(languages_text(t, form, shared) if shared else "—"),
        ),
        t(
            "Her local time now: {time} ({city})",
            time=t.time(now, other.timezone),
            city=t.zone_city(other.timezone),
        ),
        "",
        t(
            "Next: send /availability to give your weekly availability, "
            "then /meet to plan your first meeting."
        ),
    ]
    return "\n".join(lines)


def ended_notice(t: Translator, other: Participant) -> str:
    """Tells a person her pairing ended, in her language."""
    return t(
        "Your pairing with <b>{name}</b> has ended. Program staff will be in touch "
        "if there is a next step.",
        name=other.person.first_name,
    )


def issue_text(t: Translator, issue: Issue, people: Mapping[int, Person]) -> str:
    """One broken rule, for staff."""
    who = people.get(issue.user_id)
    name = Html(staff_name(who)) if who is not None else str(issue.user_id)
    problem = issue.problem
    if problem is Problem.SAME_PERSON:
        return t("It is the same person twice.")
    if problem is Problem.NOT_PARTICIPANT:
        return t("{name} has not completed an application.", name=name)
    if problem is Problem.SAME_ROLE:
        return t("Both have the same role: a pair is one mentor and one mentee.")
    if problem is Problem.ROLE_CHANGED:
        return t("Their roles changed since this button was shown.")
    if problem is Problem.ALREADY_PAIRED:
        return t("They are already paired together.")
    if problem is Problem.MENTEE_PAIRED:
        return t("{name} is already paired with another mentor. Use /unpair first.", name=name)
    if problem is Problem.REJECTED:
        return t("The application of {name} was rejected.", name=name)
    if problem is Problem.NOT_APPROVED:
        return t("The application of {name} is not approved.", name=name)
    if problem is Problem.MENTOR_FULL:
        return t("{name} has no place left (see /pair capacity).", name=name)
    return t("They have no working language in common.")


def refusal(t: Translator, refused: Refused, people: Mapping[int, Person]) -> tuple[str, Keyboard]:
    """Why a pairing was refused, with Pair anyway when every problem may be overridden."""
    check = refused.check
    if check is not None:
        head = t(
            "Cannot pair {mentor} (mentor) with {mentee} (mentee):",
            mentor=Html(staff_name(check.mentor)),
            mentee=Html(staff_name(check.mentee)),
        )
    else:
        head = t("Cannot pair them:")
    lines = [head, *(f"• {issue_text(t, issue, people)}" for issue in refused.issues)]
    keyboard: Keyboard = ()
    if check is not None and check.overridable:
        lines += ["", t("You can pair them anyway; the override is recorded.")]
        keyboard = (
            (
                Button(
                    t.plain("Pair anyway"),
                    override_data(check.mentor.user_id, check.mentee.user_id, refused.issues),
                ),
            ),
        )
    return "\n".join(lines), keyboard


def paired_text(t: Translator, paired: Paired) -> str:
    """Confirms a new pair to staff."""
    mentor = paired.mentor
    lines = [
        t(
            "✅ Paired {mentor} (mentor) with {mentee} (mentee).",
            mentor=Html(staff_name(mentor)),
            mentee=Html(staff_name(paired.mentee)),
        )
    ]
    if paired.overridden:
        lines.append(t("Override recorded."))
    left = paired.places_left
    lines.append(
        t.plural("The mentor has {count} place left.", "The mentor has {count} places left.", left)
    )
    return "\n".join(lines)


def ended_text(t: Translator, ended: Sequence[Ended]) -> str:
    """Confirms ended pairs to staff."""
    lines = [
        t(
            "Ended the pairing of {mentor} with {mentee}. Both were told.",
            mentor=Html(staff_name(item.mentor)),
            mentee=Html(staff_name(item.mentee)),
        )
        for item in ended
    ]
    return "\n".join(lines) or t("That pairing has already ended.")


def choose_end(
    t: Translator, mentor: Participant, mentees: Sequence[tuple[int, Participant]]
) -> tuple[str, Keyboard]:
    """Asks which of a mentor's pairs to end."""
    text = t(
        "{mentor} has several mentees. Which pairing should end?",
        mentor=Html(staff_name(mentor)),
    )
    keyboard = tuple(
        (Button(t.plain("End: {name}", name=_short(mentee)), end_data(pair_id)),)
        for pair_id, mentee in mentees
    )
    return text, keyboard


def reasons(
    t: Translator, form: Form, suggestion: Suggestion, mentor: Participant, mentee: Participant
) -> str:
    """Why a pair is suggested: languages, sector, destination, overlap; escaped."""
    fit = suggestion.compatibility
    parts = [
        t(
            "shared languages: {languages}",
            languages=Html(languages_text(t, form, fit.shared_languages)),
        )
    ]
    if fit.same_sector:
        parts.append(t("same sector ({sector})", sector=Html(sector_text(t, form, mentee))))
    if fit.destination_match and mentor.destination is None:
        parts.append(t("no destination preference"))
    elif fit.destination_match:
        parts.append(t("destination {country}", country=Html(country_text(t, form, mentee))))
    parts.append(t("{hours} waking hours in common", hours=t.number(round(fit.overlap_hours, 1))))
    return "; ".join(parts)


def _suggestion_block(
    t: Translator,
    form: Form,
    index: int,
    suggestion: Suggestion,
    people: Mapping[int, Participant],
) -> str:
    mentor, mentee = people[suggestion.mentor_id], people[suggestion.mentee_id]
    return (
        f"{t.number(index)}. {staff_name(mentor)} → {staff_name(mentee)}\n"
        f"   {reasons(t, form, suggestion, mentor, mentee)}"
    )


def searching(t: Translator, cohort: tuple[str, str] | None = None) -> str:
    """What /pair says at once, before the suggestions replace it (`cohort`: code, name)."""
    within = t("Cohort {name}:", name=cohort[1]) + "\n" if cohort is not None else ""
    return within + t("Looking for the best pairs among the approved people still to pair…")


def page_end(
    t: Translator,
    form: Form,
    suggestions: Sequence[Suggestion],
    people: Mapping[int, Participant],
    start: int,
) -> tuple[int, list[str]]:
    """Where the page beginning at `start` ends (exclusive), with its blocks: at most PER_PAGE
    suggestions, and as many as fit in MAX_TEXT (one at least)."""
    blocks: list[str] = []
    size = 0
    for index in range(start, min(len(suggestions), start + PER_PAGE)):
        block = _suggestion_block(t, form, index + 1, suggestions[index], people)
        if blocks and size + len(block) + 2 > MAX_TEXT:
            break
        blocks.append(block)
        size += len(block) + 2
    return start + len(blocks), blocks


def suggestion_page(
    t: Translator,
    form: Form,
    suggestions: Sequence[Suggestion],
    people: Mapping[int, Participant],
    digest: str,
    start: int = 0,
    cohort: tuple[str, str] | None = None,
) -> tuple[str, Keyboard]:
    """One page of the suggested pairs, from the `start`-th (0 first): a Pair button each,
    More (the next page, in place) while some are left, and Pair all (every suggestion).

    `cohort` (code, name): the suggestions are among that cohort's people only. Only the
    people of the page are rendered, however long the list.
    """
    within = t("Cohort {name}:", name=cohort[1]) + "\n" if cohort is not None else ""
    code = cohort[0] if cohort is not None else None
    if not suggestions:
        return (
            within
            + t(
                "No pair to suggest: there is no approved mentor with a free place and "
                "an approved unpaired mentee who share a working language."
            ),
            (),
        )
    start = max(0, min(start, len(suggestions) - 1))
    end, blocks = page_end(t, form, suggestions, people, start)
    head = within + t.plural(
        "{count} suggested pair (mentor → mentee):",
        "{count} suggested pairs (mentor → mentee):",
        len(suggestions),
    )
    if start > 0 or end < len(suggestions):
        head += "\n" + t(
            "Showing {first} to {last}.", first=t.number(start + 1), last=t.number(end)
        )
    buttons: list[tuple[Button, ...]] = []
    for index in range(start, end):
        suggestion = suggestions[index]
        mentor, mentee = people[suggestion.mentor_id], people[suggestion.mentee_id]
        label = t.plain(
            "{index}. Pair {mentor} + {mentee}",
            index=index + 1,
            mentor=_short(mentor),
            mentee=_short(mentee),
        )
        buttons.append((Button(label, pair_data(suggestion.mentor_id, suggestion.mentee_id)),))
    if end < len(suggestions):
        buttons.append((Button(t.plain("More ▸"), more_data(digest, end, code)),))
    buttons.append(
        (
            Button(
                t.plain("Pair all ({count})", count=t.number(len(suggestions))),
                pair_all_data(digest, code),
            ),
        )
    )
    return "\n\n".join([head, *blocks]), tuple(buttons)


def pair_all_text(t: Translator, done: Sequence[Paired], refused: Sequence[Refused]) -> str:
    """Reports what Pair all did."""
    lines = [t.plural("✅ {count} pair formed.", "✅ {count} pairs formed.", len(done))]
    lines += [f"• {staff_name(item.mentor)} → {staff_name(item.mentee)}" for item in done]
    if refused:
        lines.append(
            t.plural(
                "{count} suggestion is no longer possible.",
                "{count} suggestions are no longer possible.",
                len(refused),
            )
        )
    return "\n".join(lines)


def status_lines(t: Translator, me: Participant, partners: Sequence[Participant]) -> list[str]:
    """What /status says about her pair(s)."""
    names = t.join(isolate(p.person.first_name or p.person.display_name) for p in partners)
    if me.role == MENTOR:
        lines = [
            t("Your mentees: {names}.", names=Html(names))
            if partners
            else t("You have no mentee yet.")
        ]
        lines.append(
            t.plural(
                "You have {count} place left.", "You have {count} places left.", me.places_left
            )
        )
        return lines
    if partners:
        return [t("Your mentor: {names}.", names=Html(names))]
    return [t("You are not paired with a mentor yet.")]


def usage(t: Translator) -> str:
    """How to use /pair and /unpair."""
    return "\n".join(
        [
            t("<b>Pairing</b>"),
            t("/pair — suggested pairs for everyone unpaired"),
            t("/pair @mentor @mentee — pair two people (user ids or @usernames, either order)"),
            t("/pair capacity @mentor 2 — set how many mentees a mentor may have"),
            t("/pair dakar27 — suggested pairs within one cohort (its code)"),
            t("/unpair @person — end her pairing(s)"),
            t("/unpair @mentor @mentee — end one pairing"),
        ]
    )


def unknown_reference(t: Translator, reference: str) -> str:
    """A reference that names nobody."""
    return t(
        "I do not know {reference}. Give a Telegram user id or @username of someone "
        "who has applied.",
        reference=reference,
    )
