"""Translations (gettext catalogs read from the .po files) and locale-aware formatting (babel)."""

from __future__ import annotations

import datetime as dt
import gettext
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_timezone_location
from babel.lists import format_list
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is translated later."""
    return message


class Html(str):
    """Text that is already safe HTML and must not be escaped again."""


def escape(text: str) -> str:
    """Escapes user text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


FSI, PDI, PDF = "\u2068", "\u2069", "\u202c"
_CLOSER_OF = {
    "\u202a": PDF,  # left-to-right embedding
    "\u202b": PDF,  # right-to-left embedding
    "\u202d": PDF,  # left-to-right override
    "\u202e": PDF,  # right-to-left override
    "\u2066": PDI,  # left-to-right isolate
    "\u2067": PDI,  # right-to-left isolate
    FSI: PDI,
}


def balance_bidi(text: str) -> str:
    """The text with its bidi controls balanced: a closer that closes nothing is dropped, and
    whatever is left open is closed at the end, so the text cannot reorder what follows it."""
    out: list[str] = []
    open_: list[str] = []
    for char in text:
        if char in _CLOSER_OF:
            open_.append(_CLOSER_OF[char])
            out.append(char)
        elif char == PDI and PDI in open_:
            while open_:  # a PDI also ends the embeddings opened inside its isolate
                closer = open_.pop()
                out.append(closer)
                if closer == PDI:
                    break
        elif char == PDF and open_ and open_[-1] == PDF:
            out.append(open_.pop())
        elif char not in (PDI, PDF):
            out.append(char)
    out.extend(reversed(open_))
    return "".join(out)


_REORDERING = frozenset(
    {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
)
"""Bidi classes that can move the text around them: right-to-left letters, Arabic digits and
the explicit controls. Text without them (Latin names, digits, punctuation) cannot reorder a
left-to-right line, and is left as it is so that it reads and searches the same."""


def isolate_plain(text: str) -> str:
    """Someone's own text (a name, an answer) for a plain-text place such as a button label:
    when it could reorder the line around it, between Unicode isolates (FSI ... PDI) with its
    own bidi controls balanced, so that its direction stays inside it."""
    if not any(unicodedata.bidirectional(char) in _REORDERING for char in text):
        return text
    return f"{FSI}{balance_bidi(text)}{PDI}"


def isolate(text: str) -> Html:
    """Someone's own text for an HTML message: escaped and isolated (see isolate_plain)."""
    return Html(escape(isolate_plain(text)))


def _render(template: str, params: Mapping[str, object], escape_params: bool) -> str:
    """Fills a template; a plain string parameter (someone's name, her words) is isolated, and
    escaped for HTML, so that it can neither break the markup nor reorder the line."""
    if not params:
        return template
    values = {
        key: value
        if isinstance(value, Html) or not isinstance(value, str)
        else escape(isolate_plain(value))
        if escape_params
        else isolate_plain(value)
        for key, value in params.items()
    }
    return template.format(**values)


class Translator:
    """One language's messages and formats; passed explicitly, never global."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._translations = translations

    def __call__(self, msgid: str, **params: object) -> str:
        """Translates a message for HTML output; string parameters are escaped and isolated."""
        return _render(self._translations.gettext(msgid), params, escape_params=True)

    def plain(self, msgid: str, **params: object) -> str:
        """Translates a message for plain-text places (button labels, alerts); string
        parameters are isolated."""
        return _render(self._translations.gettext(msgid), params, escape_params=False)

    def plural(self, singular: str, plural: str, count: int, **params: object) -> str:
        """Translates a message with plural forms; `{count}` is the formatted number."""
        template = self._translations.ngettext(singular, plural, count)
        return _render(template, {"count": self.number(count), **params}, escape_params=True)

    def number(self, value: float) -> str:
        """Formats a number in this locale."""
        return format_decimal(value, locale=self.locale)

    def datetime(self, instant: dt.datetime, timezone: str, fmt: str = "full_short") -> str:
        """Formats an instant in a person's own time zone ("Monday 3 March 2027, 14:00")."""
        zone = ZoneInfo(timezone)
        if fmt == "full_short":
            day = format_date(instant.astimezone(zone), "full", locale=self.locale)
            return f"{day}, {format_time(instant, 'HH:mm', tzinfo=zone, locale=self.locale)}"
        return format_datetime(instant, fmt, tzinfo=zone, locale=self.locale)

    def time(self, instant: dt.datetime, timezone: str) -> str:
        """Formats a time of day, 24-hour `HH:MM`, in a person's time zone."""
        return format_time(instant, "HH:mm", tzinfo=ZoneInfo(timezone), locale=self.locale)

    def zone_city(self, timezone: str) -> str:
        """The city that names a time zone, in this language ("Dakar", "Montréal")."""
        try:
            location = get_timezone_location(
                ZoneInfo(timezone), locale=self.locale, return_city=True
            )
        except (LookupError, ValueError):
            return timezone
        return str(location)

    def join(self, items: Iterable[str]) -> str:
        """Joins items as a list in this locale ("a, b and c")."""
        values = list(items)
        return format_list(values, locale=self.locale) if values else ""

    def language_name(self, code: str) -> str:
        """Names a language in itself ("Français"), capitalised."""
        name = Locale.parse(code).get_display_name(code) or code
        return name[:1].upper() + name[1:]


_UNESCAPE = re.compile(r'\\([\\abfnrtv"])')
_UNESCAPED = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_Key = str | tuple[str, int]


def _unquote(text: str) -> str:
    """A quoted .po string's value, unescaped as babel's read_po does."""
    if "\\" not in text:
        return text[1:-1]
    return _UNESCAPE.sub(lambda match: _UNESCAPED.get(match[1], match[1]), text[1:-1])


class _Translations(gettext.NullTranslations):
    """A catalog's translations: what gettext.GNUTranslations holds once babel has compiled
    the .po file (read_po, then write_mo without fuzzy entries), read without them: babel's
    general parser took a fifth of a second of every start for the two catalogs."""

    def __init__(self, messages: dict[_Key, str], plural: Callable[[int], int]) -> None:
        super().__init__()
        self._messages = messages
        self._plural = plural

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        found = self._messages.get((msgid1, self._plural(n)))
        if found is None:
            return msgid1 if n == 1 else msgid2
        return found


def _load(path: Path) -> tuple[gettext.NullTranslations, frozenset[str]]:
    """The translations of a .po file (as written by pybabel: no conflicts, no msgctxt
    looked up) and the msgids it translates completely, fuzzy ones left out."""
    messages: dict[_Key, str] = {}
    done: set[str] = set()
    plural, count = "(n != 1)", 2
    # The entry being read: its msgid (and msgid_plural), its msgstr[n], its context.
    ids: list[list[str]] = []
    strings: dict[int, list[str]] = {}
    context: list[str] | None = None
    current: list[str] | None = None  # where a continuation line goes
    fuzzy = obsolete = False

    def finish() -> None:
        nonlocal plural, count
        if not ids:
            return
        if obsolete:
            return
        msgid = "".join(map(_unquote, ids[0]))
        texts = {index: "".join(map(_unquote, parts)) for index, parts in strings.items()}
        if msgid == "" and len(ids) == 1 and context is None:  # the header
            for line in texts.get(0, "").splitlines():
                header, _, value = line.partition(":")
                if header.strip().lower() == "plural-forms":
                    for part in value.split(";"):
                        name, _, setting = part.partition("=")
                        if name.strip() == "plural":
                            plural = setting.strip()
                        elif name.strip() == "nplurals":
                            count = int(setting)
            return
        key = msgid if context is None else f"{''.join(map(_unquote, context))}\x04{msgid}"
        if len(ids) > 1:  # the catalog's number of forms, each untranslated one in English
            english = (msgid, "".join(map(_unquote, ids[1])))
            forms_ = [texts.get(index, "") for index in range(count)]
            if not fuzzy:
                messages.update(
                    ((key, index), text or english[min(index, 1)])
                    for index, text in enumerate(forms_)
                )
                if all(forms_):
                    done.add(msgid)
        elif not fuzzy and texts.get(0):
            messages[key] = texts[0]
            done.add(msgid)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            line, entering_obsolete = line[2:].lstrip(), True
        elif line.startswith("#"):  # a comment ends the entry before it, if any
            if ids:
                finish()
                ids, strings, context, current, fuzzy = [], {}, None, None, False
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in (flag.strip() for flag in line[2:].split(","))
            continue
        else:
            entering_obsolete = False
        if line.startswith('"'):
            if current is not None:
                current.append(line)
            continue
        keyword, _, text = line.partition(" ")
        text = text.strip()
        if keyword in ("msgid", "msgctxt") and ids:
            finish()
            ids, strings, context, fuzzy = [], {}, None, False
        obsolete = entering_obsolete
        if keyword in ("msgid", "msgid_plural"):
            current = [text]
            ids.append(current)
        elif keyword == "msgctxt":
            current = context = [text]
        elif keyword == "msgstr" or keyword.startswith("msgstr["):
            index = int(keyword[7:-1]) if keyword != "msgstr" else 0
            current = strings[index] = [text]
    finish()
    translations = _Translations(messages, gettext.c2py(plural))
    return translations, frozenset(done)


class Catalogs:
    """Every available language: English (the source) plus one catalog per folder."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self._translators: dict[str, Translator] = {
            SOURCE_LANGUAGE: Translator(SOURCE_LANGUAGE, gettext.NullTranslations())
        }
        self._translated: dict[str, frozenset[str]] = {}
        for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
            language = po.parent.parent.name
            translations, self._translated[language] = _load(po)
            self._translators[language] = Translator(language, translations)

    def has(self, language: str, msgid: str) -> bool:
        """Whether a language translates a msgid (English, the source, has them all)."""
        return language == SOURCE_LANGUAGE or msgid in self._translated.get(language, frozenset())

    @property
    def languages(self) -> tuple[str, ...]:
        """Language codes, English first."""
        return tuple(self._translators)

    def get(self, language: str) -> Translator:
        """Returns the translator for a language, English when unknown."""
        return self._translators.get(language) or self._translators[SOURCE_LANGUAGE]

    def resolve(self, language_code: str | None, default: str) -> str:
        """Picks a person's language from Telegram's language_code, else the default."""
        if language_code:
            base = language_code.replace("_", "-").split("-")[0].lower()
            if base in self._translators:
                return base
        return default


@cache
def catalogs() -> Catalogs:
    """The catalogs shipped in locales/, loaded once."""
    return Catalogs()
