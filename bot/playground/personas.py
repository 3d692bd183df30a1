"""Who the playground plays: the demo presets, personas, their usernames and time zones."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

NOT_ZONES = frozenset({"Factory", "localtime"})


@dataclass(frozen=True)
class Preset:
    """A demo persona: who she is and where she lives."""

    first_name: str
    language: str
    staff: bool
    zone: str
    label: str


PRESETS: tuple[Preset, ...] = (
    Preset("Nadia", "en", True, "America/Toronto", "Program staff (admin)"),
    Preset("Chloé", "fr", False, "America/Toronto", "Canadian mentor"),
    Preset("Awa", "fr", False, "Africa/Dakar", "Senegalese entrepreneur"),
    Preset("Lucía", "es", False, "America/La_Paz", "Bolivian entrepreneur"),
)


@dataclass(frozen=True)
class DemoCohort:
    """The demo's cohort, so that /cohort shows one with its link and settings."""

    code: str
    name: str
    cadence_days: int
    checkin_hour: int


# Made with the presets by their staff persona; the link `?start=pilot27` joins it.
DEMO_COHORT = DemoCohort("pilot27", "Pilot Quebec, Dakar, La Paz 2027", 14, 10)


@dataclass
class Persona:
    """What the playground knows about one emulated person beyond Telegram's view."""

    user_id: int
    staff: bool
    zone: str | None  # her phone's time zone, which the bot cannot see
    label: str
    read: int = 0  # the newest message of her chat she has seen


def same_name(a: str, b: str) -> bool:
    """Tells whether two first names are the same, whatever their case or Unicode form."""
    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC", b).casefold()


def username_for(first_name: str, taken: set[str]) -> str:
    """A Telegram-like @username derived from a first name, unique among `taken`."""
    ascii_name = unicodedata.normalize("NFKD", first_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_]", "", ascii_name.lower().replace(" ", "_"))[:24]
    if not slug or not slug[0].isalpha():
        slug = "user" + slug
    base = slug if len(slug) >= 5 else f"{slug}_demo"
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base}{n}", n + 1
    return name


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone name this machine knows, by its lower-case spelling."""
    return {name.lower(): name for name in available_timezones() - NOT_ZONES}


@cache
def zone_names() -> list[str]:
    """The zones a person picks from: regions and cities, and UTC."""
    names = (n for n in _zones().values() if "/" in n and not n.startswith(("Etc/", "SystemV/")))
    return sorted({*names, "UTC"})


def checked_zone(zone: str) -> str:
    """The IANA name of a typed time zone (any case), or ValueError naming it."""
    name = _zones().get(zone.strip().lower())
    if name is None:
        raise ValueError(f"unknown time zone {zone.strip()!r} (an IANA name, e.g. Africa/Dakar)")
    return name
