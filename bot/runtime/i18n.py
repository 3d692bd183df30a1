"""Translations (gettext catalogs read with babel) and locale-aware formatting."""

from __future__ import annotations

import datetime as dt
import gettext
import html
import io
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_timezone_location
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
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


def _load(path: Path) -> tuple[gettext.NullTranslations, frozenset[str]]:
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
    translations = gettext.GNUTranslations(buffer)
    translations.add_fallback(gettext.NullTranslations())
    return translations, done


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
