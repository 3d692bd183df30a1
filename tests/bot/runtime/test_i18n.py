"""Translations and locale-aware formatting, as a person reading a message would see them."""

from __future__ import annotations

import gettext
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.runtime.i18n import LOCALES_DIR, Catalogs, Html, Translator, _load, catalogs, escape

TINY_FR = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Language: fr\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

msgid "Hello {name}"
msgstr "Bonjour {name}"

msgid "{count} meeting this week"
msgid_plural "{count} meetings this week"
msgstr[0] "{count} rencontre cette semaine"
msgstr[1] "{count} rencontres cette semaine"

msgid "Not translated yet"
msgstr ""

#, fuzzy
msgid "Still a draft"
msgstr "Encore un brouillon"
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Catalogs:
    """Catalogs read from a temporary locales folder holding one small French file."""
    directory = tmp_path_factory.mktemp("locales")
    folder = directory / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(TINY_FR, encoding="utf-8")
    return Catalogs(directory)


@pytest.fixture(scope="module")
def shipped() -> Catalogs:
    return catalogs()


# --- Choosing a language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "default", "expected"),
    [
        ("fr", "en", "fr"),
        ("fr-CA", "en", "fr"),
        ("fr_CA", "en", "fr"),
        ("FR-ca", "en", "fr"),
        ("es-419", "en", "es"),
        ("es", "fr", "es"),
        ("en-GB", "fr", "en"),
        ("pt-BR", "en", "en"),
        ("pt-BR", "fr", "fr"),
        ("de", "es", "es"),
        (None, "en", "en"),
        (None, "fr", "fr"),
        ("", "es", "es"),
    ],
)
def test_resolve_picks_the_base_language_else_the_default(
    shipped: Catalogs, code: str | None, default: str, expected: str
) -> None:
    assert shipped.resolve(code, default) == expected


def test_english_comes_first_then_the_catalogs(shipped: Catalogs, tiny: Catalogs) -> None:
    assert shipped.languages == ("en", "es", "fr")
    assert tiny.languages == ("en", "fr")
    assert tiny.resolve("es-419", "en") == "en"


def test_an_unknown_language_gets_the_english_translator(shipped: Catalogs) -> None:
    translator = shipped.get("pt")

    assert translator.language == "en"
    assert translator("Yes") == "Yes"


def test_shipped_catalogs_translate(shipped: Catalogs) -> None:
    assert shipped.get("fr")("Yes") == "Oui"
    assert shipped.get("es")("Yes") != "Yes"
    assert shipped.get("en")("Yes") == "Yes"


# --- Missing strings and plurals ----------------------------------------------------------


def test_a_string_missing_from_a_catalog_falls_back_to_english(tiny: Catalogs) -> None:
    fr = tiny.get("fr")

    assert fr("Hello {name}", name="Ana") == "Bonjour Ana"
    assert fr("Never heard of it") == "Never heard of it"
    assert fr("Not translated yet") == "Not translated yet"
    assert fr("Still a draft") == "Still a draft"  # fuzzy translations are not used


def test_has_tells_which_strings_a_language_translates(tiny: Catalogs) -> None:
    assert tiny.has("fr", "Hello {name}")
    assert tiny.has("fr", "{count} meeting this week")
    assert not tiny.has("fr", "Not translated yet")
    assert not tiny.has("fr", "Still a draft")
    assert not tiny.has("fr", "Never heard of it")
    assert not tiny.has("es", "Hello {name}")
    assert tiny.has("en", "anything at all")


@pytest.mark.parametrize(
    ("count", "french", "english"),
    [
        (0, "0 rencontre cette semaine", "0 meetings this week"),
        (1, "1 rencontre cette semaine", "1 meeting this week"),
        (2, "2 rencontres cette semaine", "2 meetings this week"),
    ],
)
def test_plural_forms_follow_each_language(
    tiny: Catalogs, count: int, french: str, english: str
) -> None:
    singular, plural = "{count} meeting this week", "{count} meetings this week"

    assert tiny.get("fr").plural(singular, plural, count) == french
    assert tiny.get("en").plural(singular, plural, count) == english


def test_plural_formats_the_count_in_the_locale(tiny: Catalogs) -> None:
    fr = tiny.get("fr")

    text = fr.plural("{count} meeting this week", "{count} meetings this week", 1500)

    assert text == f"{fr.number(1500)} rencontres cette semaine"
    assert fr.number(1500) not in ("1500", "1,500")
    assert tiny.get("en").number(1500) == "1,500"


# --- Escaping -----------------------------------------------------------------------------


def test_string_parameters_are_escaped_for_html() -> None:
    t = Translator("en", gettext.NullTranslations())

    assert t("Hello {name}", name="<b>Ana</b> & co") == "Hello &lt;b&gt;Ana&lt;/b&gt; &amp; co"
    assert t("Hello {name}", name='O\'Brien "Jo"') == 'Hello O\'Brien "Jo"'
    assert t("Hello {name}", name=Html("<b>Ana</b>")) == "Hello <b>Ana</b>"
    assert t("{n} answers", n=3) == "3 answers"
    assert t("Hello {name}", name="{n}") == "Hello {n}"  # user text is not a template
    assert t("<b>Bold</b> stays") == "<b>Bold</b> stays"


def test_plain_does_not_escape(tiny: Catalogs) -> None:
    fr = tiny.get("fr")

    assert fr.plain("Hello {name}", name="<b>Ana</b>") == "Bonjour <b>Ana</b>"
    assert fr("Hello {name}", name="<b>Ana</b>") == "Bonjour &lt;b&gt;Ana&lt;/b&gt;"


def test_plural_escapes_parameters(tiny: Catalogs) -> None:
    text = tiny.get("en").plural("{count} note by {who}", "{count} notes by {who}", 2, who="<i>")

    assert text == "2 notes by &lt;i&gt;"


def test_escape_leaves_quotes() -> None:
    assert escape("a < b > c & 'd' \"e\"") == "a &lt; b &gt; c &amp; 'd' \"e\""


# --- Dates and times in a person's time zone ----------------------------------------------

WINTER = datetime(2027, 1, 15, 15, 0, tzinfo=UTC)
SUMMER = datetime(2027, 7, 15, 15, 0, tzinfo=UTC)


def test_the_same_utc_hour_is_a_different_local_hour_across_dst(shipped: Catalogs) -> None:
    en = shipped.get("en")

    assert en.time(WINTER, "America/Toronto") == "10:00"
    assert en.time(SUMMER, "America/Toronto") == "11:00"
    assert en.time(WINTER, "America/Regina") == en.time(SUMMER, "America/Regina") == "09:00"
    assert en.time(WINTER, "America/St_Johns") == "11:30"
    assert en.time(SUMMER, "Africa/Dakar") == "15:00"


def test_the_clocks_skip_an_hour_when_dst_starts(shipped: Catalogs) -> None:
    en = shipped.get("en")

    assert en.time(datetime(2027, 3, 14, 6, 30, tzinfo=UTC), "America/Toronto") == "01:30"
    assert en.time(datetime(2027, 3, 14, 7, 30, tzinfo=UTC), "America/Toronto") == "03:30"


@pytest.mark.parametrize(
    ("language", "winter", "summer"),
    [
        ("en", "Friday, January 15, 2027, 10:00", "Thursday, July 15, 2027, 11:00"),
        ("fr", "vendredi 15 janvier 2027, 10:00", "jeudi 15 juillet 2027, 11:00"),
        ("es", "viernes, 15 de enero de 2027, 10:00", "jueves, 15 de julio de 2027, 11:00"),
    ],
)
def test_dates_name_days_and_months_in_the_persons_language(
    shipped: Catalogs, language: str, winter: str, summer: str
) -> None:
    t = shipped.get(language)

    assert t.datetime(WINTER, "America/Toronto") == winter
    assert t.datetime(SUMMER, "America/Toronto") == summer


def test_the_date_is_the_local_date_not_the_utc_date(shipped: Catalogs) -> None:
    early = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # still 28 February in Toronto

    assert shipped.get("fr").datetime(early, "America/Toronto") == "dimanche 28 février 2027, 21:00"
    assert "1 mars" in shipped.get("fr").datetime(early, "Africa/Dakar")


def test_other_datetime_formats_use_the_time_zone_too(shipped: Catalogs) -> None:
    fr = shipped.get("fr")

    assert fr.datetime(WINTER, "America/Toronto", "short") == "15/01/2027 10:00"


def test_lists_and_language_names(shipped: Catalogs) -> None:
    assert shipped.get("en").join(["French", "English", "Spanish"]) == (
        "French, English, and Spanish"
    )
    assert shipped.get("fr").join(["a", "b"]) == "a et b"
    assert shipped.get("es").join([]) == ""
    assert shipped.get("en").language_name("fr") == "Français"
    assert shipped.get("en").language_name("es") == "Español"


# --- someone's own text inside ours ----------------------------------------------------------


def test_right_to_left_text_is_isolated_and_escaped() -> None:
    from bot.runtime.i18n import isolate, isolate_plain

    assert isolate("Awa <3") == "Awa &lt;3"  # nothing that can reorder: left as it is
    assert isolate("سلمى") == "\u2068سلمى\u2069"
    assert isolate("Zoé\u202e & co") == "\u2068Zoé\u202e &amp; co\u202c\u2069"
    assert isolate_plain("x\u2069y") == "\u2068xy\u2069"  # a closer that closes nothing goes
    assert isolate_plain("\u2067a\u202bb\u2069c") == "\u2068\u2067a\u202bb\u202c\u2069c\u2069"


def test_isolated_text_has_balanced_bidi_controls() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from bot.runtime.i18n import isolate_plain

    openers = {"\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068"}

    @given(st.text(alphabet="aب\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
    def balanced(text: str) -> None:
        depth: list[str] = []
        for char in isolate_plain(text):
            if char in openers:
                depth.append("\u2069" if char in "\u2066\u2067\u2068" else "\u202c")
            elif char in ("\u202c", "\u2069"):
                assert depth and depth.pop() == char
        assert depth == []

    balanced()


# --- Reading .po files as babel does --------------------------------------------------------

EDGES_ES = r"""
# A translator's comment.
msgid ""
msgstr ""
"Language: es\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: handlers/a.py:1
#, python-format
msgid "Line one\n"
"line two with a \"quote\", a \\ and a\ttab"
msgstr ""
"Línea uno\n"
"línea dos con una \"comilla\", una \\ y un\ttab"

#: handlers/b.py:2
#, fuzzy, python-format
#| msgid "Old text"
msgid "Fuzzy after the flags"
msgstr "Borrador"

#, fuzzy
#: handlers/c.py:3
msgid "Fuzzy before the location"
msgstr "Borrador también"

msgid "{count} pair"
msgid_plural "{count} pairs"
msgstr[0] "{count} pareja"
msgstr[1] ""

msgid "{count} day"
msgid_plural "{count} days"
msgstr[0] "{count} día"
msgstr[1] "{count} días"

#, fuzzy
msgid "{count} hour"
msgid_plural "{count} hours"
msgstr[0] "{count} hora"
msgstr[1] "{count} horas"

msgctxt "menu"
msgid "Open"
msgstr "Abrir"

msgid "Open"
msgstr "Abierto"

msgid ""
"Starts on "
"the next line"
msgstr ""
"Empieza en "
"la línea siguiente"

#~ msgid "Gone"
#~ msgstr "Ido"

msgid "Untranslated"
msgstr ""
"""


def _babel(path: Path) -> tuple[gettext.NullTranslations, frozenset[str]]:
    """How the catalogs were read before: babel's read_po, compiled with write_mo."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    done = frozenset(
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
        and message.string
        and not message.fuzzy
        and all(message.string if isinstance(message.string, tuple) else (message.string,))
    )
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer), done


def _po_files(tmp_path: Path) -> list[Path]:
    edges = tmp_path / "messages.po"
    edges.write_text(EDGES_ES, encoding="utf-8")
    return [*sorted(LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")), edges]


def test_a_po_file_reads_as_babel_compiles_it(tmp_path: Path) -> None:
    """Every msgid of the shipped catalogs (and of a file of odd cases: escapes, fuzzy flags
    before or after other comments, partial and fuzzy plurals, a context, obsolete entries)
    translates, in every plural form, exactly as babel's compiled catalog did, and the same
    msgids count as translated."""
    for path in _po_files(tmp_path):
        expected, expected_done = _babel(path)
        translations, done = _load(path)
        assert done == expected_done, path
        with path.open("rb") as handle:
            entries = [message.id for message in read_po(handle) if message.id]
        assert entries, path
        for msgid in [*entries, "Gone", "Not in the file"]:
            if isinstance(msgid, str):
                assert translations.gettext(msgid) == expected.gettext(msgid), (path, msgid)
            else:
                for n in (0, 1, 2, 5, 21, 101):
                    assert translations.ngettext(msgid[0], msgid[1], n) == expected.ngettext(
                        msgid[0], msgid[1], n
                    ), (path, msgid, n)
    translations, done = _load(tmp_path / "messages.po")
    assert translations.gettext("Open") == "Abierto"
    assert translations.ngettext("{count} pair", "{count} pairs", 2) == "{count} pairs"
    assert "{count} day" in done and "{count} pair" not in done
    assert "Fuzzy before the location" not in done and "Gone" not in done
