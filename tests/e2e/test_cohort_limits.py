"""/pair and /export limited to one cohort through the chat: only its people are suggested and
paired, only its applications are exported; unknown codes get a clear answer."""

from __future__ import annotations

import csv
import io
import json

from bot.emulator import Emulator
from tests.conftest import Launch
from tests.e2e.test_pairing import enrol, plain
from tests.harness import Person, Running, new_person


async def in_cohort(bot: Running, code: str | None, *people: Person) -> None:
    async with bot.core.db.write() as conn:
        for person in people:
            await conn.execute(
                "UPDATE applications SET cohort = ? WHERE user_id = ?", (code, person.uid)
            )


async def two_cohorts(bot: Running, boss: Person) -> dict[str, Person]:
    """Dakar: a mentor and two mentees; La Paz: a mentor and a mentee; one without cohort."""
    await boss.send("/cohort new Dakar27 Dakar", expect="created")
    await boss.send("/cohort new lapaz27 La Paz", expect="created")
    people = {
        name: bot.person(name, "en", username=f"{name.lower()}_cl")
        for name in ("Ada", "Cy", "Eli", "Bo", "Dee", "Gus")
    }
    for name in ("Ada", "Bo"):
        await enrol(bot, people[name], "mentor", languages=("fr", "es"))
    for name in ("Cy", "Eli", "Dee", "Gus"):
        await enrol(bot, people[name], "mentee", languages=("fr", "es"))
    await in_cohort(bot, "dakar27", people["Ada"], people["Cy"], people["Eli"])
    await in_cohort(bot, "LAPAZ27", people["Bo"], people["Dee"])
    return people


async def test_pair_with_a_cohort_code_suggests_and_pairs_only_its_people(
    emu: Emulator, launch: Launch
) -> None:
    boss = new_person(emu, "Boss")
    bot = await launch(admins=(boss.uid,))
    people = await two_cohorts(bot, boss)
    listing = await boss.send("/pair DAKAR27", expect="suggested")
    assert listing.text.startswith("Cohort Dakar:")
    assert "Ada" in listing.text
    for outsider in ("Bo", "Dee", "Gus"):
        assert outsider not in listing.text
    await boss.press("Pair all", expect="formed")
    pairs = await bot.core.db.fetchall("SELECT mentor_id, mentee_id FROM pairs")
    ids = {person.uid for person in people.values()}
    assert pairs and all(r["mentor_id"] == people["Ada"].uid for r in pairs)
    assert {r["mentee_id"] for r in pairs} <= {people["Cy"].uid, people["Eli"].uid}
    assert {r["mentee_id"] for r in pairs} <= ids
    # Everyone else is still to pair; /pair alone and /pair a b work as before.
    everyone = await boss.send("/pair", expect="suggested")
    assert "Gus" in everyone.text and not everyone.text.startswith("Cohort")
    told = await boss.send("/pair nowhere", expect="There is no cohort")
    assert "There is no cohort “nowhere”. Known cohorts: Dakar (Dakar27) and La Paz" in plain(
        told.text
    )
    await boss.send("/pair @bo_cl", expect="/pair capacity")
    await boss.send("/pair @bo_cl @dee_cl", expect="Paired")


async def test_pair_all_of_a_cohort_checks_the_list_again(emu: Emulator, launch: Launch) -> None:
    boss = new_person(emu, "Boss")
    bot = await launch(admins=(boss.uid,))
    people = await two_cohorts(bot, boss)
    listing = await boss.send("/pair lapaz27", expect="suggested")
    await in_cohort(bot, None, people["Dee"])  # Dee leaves the cohort meanwhile
    changed = await boss.tap("Pair all", message_id=listing.message_id)
    assert changed.show_alert and "changed" in (changed.text or "")
    assert await bot.core.db.fetchall("SELECT * FROM pairs") == []


async def test_more_pages_stay_within_the_cohort(emu: Emulator, launch: Launch) -> None:
    boss = new_person(emu, "Boss")
    bot = await launch(admins=(boss.uid,))
    people = await two_cohorts(bot, boss)
    inside = []
    for index in range(11):
        mentor, mentee = bot.person(f"Mentor{index}", "en"), bot.person(f"Mentee{index}", "en")
        await enrol(bot, mentor, "mentor", languages=("fr",))
        await enrol(bot, mentee, "mentee", languages=("fr",))
        inside += [mentor, mentee]
    await in_cohort(bot, "DAKAR27", *inside)
    listing = await boss.send("/pair dakar27", expect="13 suggested pairs")
    assert listing.text.startswith("Cohort Dakar:") and "Showing 1 to 10." in listing.text
    page = await boss.toggle("More ▸")
    assert page.message_id == listing.message_id
    assert page.text.startswith("Cohort Dakar:") and "Showing 11 to 13." in page.text
    for outsider in ("Bo", "Dee", "Gus"):
        assert outsider not in listing.text and outsider not in page.text
    await boss.press("Pair all (13)", expect="13 pairs formed")
    pairs = await bot.core.db.fetchall("SELECT mentor_id, mentee_id FROM pairs")
    cohort = {p.uid for p in inside} | {people[name].uid for name in ("Ada", "Cy", "Eli")}
    assert len(pairs) == 13
    assert all({r["mentor_id"], r["mentee_id"]} <= cohort for r in pairs)


async def test_export_with_a_cohort_code_has_only_its_rows(emu: Emulator, launch: Launch) -> None:
    boss = new_person(emu, "Boss")
    bot = await launch(admins=(boss.uid,))
    people = await two_cohorts(bot, boss)
    message = await boss.send("/export dakar27", expect="3 applications")
    assert message.document is not None
    assert message.document.filename == "applications-Dakar27-2027-01-11.csv"
    rows = list(csv.DictReader(io.StringIO(message.document.data.decode("utf-8-sig"))))
    assert {int(row["user_id"]) for row in rows} == {
        people[name].uid for name in ("Ada", "Cy", "Eli")
    }
    everything = await boss.send("/export", expect="6 applications")
    assert everything.document is not None
    audit = await bot.core.db.fetchall(
        "SELECT details FROM audit_log WHERE action = 'export.applications' ORDER BY id"
    )
    assert [json.loads(r["details"]) for r in audit] == [
        {"rows": 3, "cohort": "Dakar27"},
        {"rows": 6},
    ]
    told = await boss.send("/export nowhere", expect="There is no cohort")
    assert plain(told.text) == (
        "There is no cohort “nowhere”. Known cohorts: Dakar (Dakar27) and La Paz (lapaz27)."
    )
    assert told.document is None
