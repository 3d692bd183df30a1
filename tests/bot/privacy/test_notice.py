"""The privacy texts carry a version: changing them without a new version fails here."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from bot.core import load_application_form
from bot.privacy.notice import PARTS, VERSION, duration, notice
from bot.runtime.i18n import catalogs

# The digest of the English privacy texts for each version. Changed a text? Bump VERSION in
# bot/privacy/notice.py and add its digest here: people are then asked to consent again.
DIGESTS = {"2026-12-02": "20d1e7890af42eaa", "2026-12-03": "264ccda78c7a2afb"}


def _digest() -> str:
    form = load_application_form(catalogs())
    texts = [form.by_id["consent"].prompt, *PARTS]
    return hashlib.sha256("\n\x1e\n".join(texts).encode()).hexdigest()[:16]


def test_the_version_names_the_texts_people_consent_to() -> None:
    assert DIGESTS.get(VERSION) == _digest(), (
        f"the privacy texts changed: bump VERSION and record {_digest()!r} for it"
    )


def test_the_notice_names_the_officer_and_the_periods_in_each_language() -> None:
    books = catalogs()
    for language, years, months in (
        ("en", "2 years", "18 months"),
        ("fr", "2 ans", "18 mois"),
        ("es", "2 años", "18 meses"),
    ):
        t = books.get(language)
        text = notice(
            t, "Amina <privacy@example.org>", dt.timedelta(days=730), dt.timedelta(days=540)
        )
        spaced = text.replace("\xa0", " ").replace("\u202f", " ")
        assert years in spaced and months in spaced, language
        assert "Amina &lt;privacy@example.org&gt;" in text
        assert "/mydata" in text and "/delete" in text
        bare = notice(t, "", dt.timedelta(days=730), dt.timedelta(days=365))
        assert "{contact}" not in bare and "Amina" not in bare
    assert duration(books.get("en"), dt.timedelta(days=45)) == "45 days"
    assert re.search(r"1\s+year", duration(books.get("en"), dt.timedelta(days=365)))
