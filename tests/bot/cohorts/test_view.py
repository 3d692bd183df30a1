"""How cohorts read (no I/O): every button fits Telegram's 64 bytes with the longest code, and
the cadence and pause read naturally in each language."""

from __future__ import annotations

from datetime import date

from bot.cohorts.service import Listed
from bot.cohorts.store import Cohort
from bot.cohorts.view import card, listing
from bot.pairing.view import pair_all_data
from bot.runtime.callbacks import CALLBACK_DATA_LIMIT
from bot.runtime.i18n import catalogs

LONGEST = "x" * 32


def cohort(code: str = LONGEST, **changes: object) -> Cohort:
    values: dict[str, object] = {
        "code": code,
        "name": "Dakar <spring> & co",
        "cadence_days": 14,
        "checkin_hour": 9,
        "paused_from": None,
        "paused_until": None,
        "ends_on": None,
        "staff_id": None,
        "created_by": 1,
        "created_at": "2027-01-01T00:00:00Z",
        **changes,
    }
    return Cohort(**values)  # type: ignore[arg-type]


def test_every_button_fits_with_the_longest_code() -> None:
    t = catalogs().get("en")
    paused = cohort(paused_from=date(2027, 1, 1), paused_until=date(2027, 2, 1))
    text, keyboard = card(t, Listed(paused, 3, 1), "https://t.me/b?start=x", None, date(2027, 1, 5))
    datas = [button.data for row in keyboard for button in row]
    assert len(datas) == 7  # five settings, Resume, All cohorts
    _, more = listing(t, [Listed(paused, 0, 0)], {LONGEST: "link"}, {}, date(2027, 1, 5))
    datas += [button.data for row in more for button in row]
    datas.append(pair_all_data("0123456789ab", LONGEST))
    assert all(len(data.encode()) <= CALLBACK_DATA_LIMIT for data in datas)
    assert "&lt;spring&gt; &amp; co" in text  # a name is escaped


def test_the_cohort_reads_in_each_language() -> None:
    books = catalogs()
    today = date(2027, 7, 10)
    paused = cohort(
        paused_from=date(2027, 7, 1), paused_until=date(2027, 8, 15), ends_on=date(2027, 12, 20)
    )
    expected = {
        "en": ("every 14 days at 09:00", "paused until August 15, 2027", "Ends on December 20"),
        "fr": ("tous les 14 jours à 09:00", "15 août 2027", "le 20 décembre 2027"),
        "es": ("cada 14 días a las 09:00", "pausa hasta el 15 de agosto de 2027", "20 de dic"),
    }
    for language, parts in expected.items():
        text, _ = card(books.get(language), Listed(paused, 2, 1), "link", None, today)
        for part in parts:
            assert part in text, (language, part, text)
    for language, members, approved, line in (
        ("en", 1, 1, "1 person applied with this link (1 approved)."),
        ("fr", 1, 1, "1 personne a candidaté avec ce lien (1 approuvée)."),
        ("fr", 3, 2, "3 personnes ont candidaté avec ce lien (2 approuvées)."),
        ("es", 3, 1, "3 personas presentaron su solicitud con este enlace (1 aprobada)."),
    ):
        text, _ = card(books.get(language), Listed(paused, members, approved), "l", None, today)
        assert line in text, (language, text)
    later, _ = card(books.get("en"), Listed(paused, 2, 1), "link", None, date(2027, 9, 1))
    assert "paused" not in later  # the pause is over: it is no longer shown
