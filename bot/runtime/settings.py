"""Settings read from the environment and a `.env` file, validated once at start."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Language = Literal["en", "fr", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "fr", "es")

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret_token


def parse_duration(text: str) -> timedelta:
    """Parses a lead time such as `24h`, `90m`, `30s` or `2d`."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 24h, 90m, 30s or 2d")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


class Settings(BaseSettings):
    """Everything configurable about one running bot."""

    model_config = SettingsConfigDict(
        env_prefix="PASSERELLE_", env_file=".env", extra="ignore", frozen=True
    )

    token: str = ""
    api_url: str = "https://api.telegram.org/bot"
    db: Path = Path("passerelle.db")
    admins: Annotated[tuple[int, ...], NoDecode] = ()
    default_language: Language = "en"
    reminders: Annotated[tuple[timedelta, ...], NoDecode] = (
        timedelta(hours=24),
        timedelta(hours=1),
    )
    meeting_url: str = "https://meet.jit.si/passerelle-{code}"
    poll_timeout: int = Field(default=25, ge=0, le=50)
    # Dates and times are shown to each person in her own zone; staff usually never answer
    # the questionnaire (which sets it), so theirs is the program's zone: the NGO's, Montreal.
    timezone: str = "America/Toronto"
    # Privacy: who answers for it (a name and an e-mail address, shown by /privacy), and how
    # long data is kept: applications that never led to a pairing, and a participant's data
    # once her last pairing has ended.
    privacy_contact: str = ""
    retention_applicants: timedelta = timedelta(days=730)
    retention_participants: timedelta = timedelta(days=365)
    # Check-ins: the cadence and local hour of a cohort that does not set its own, and of
    # participants in no cohort. The hour is the participant's own local time.
    checkin_days: int = Field(default=14, ge=1, le=90)
    checkin_hour: int = Field(default=10, ge=8, le=20)
    # Webhook mode (`passerelle run --webhook`): the public HTTPS URL Telegram calls (a reverse
    # proxy in front), the local address and path the bot listens on behind it, and the secret
    # Telegram sends with each call (a fresh random one at each start when not given).
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1:8081"
    webhook_path: str = ""
    webhook_secret: str = ""

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return tuple(int(part) for part in parts)
            except ValueError:
                raise ValueError("must be comma-separated Telegram user ids") from None
        return value

    @field_validator("reminders", mode="before")
    @classmethod
    def _split_reminders(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(parse_duration(part) for part in value.split(",") if part.strip())
        return value

    @field_validator("retention_applicants", "retention_participants", mode="before")
    @classmethod
    def _retention(cls, value: object) -> object:
        period = parse_duration(value) if isinstance(value, str) else value
        if isinstance(period, timedelta) and period < timedelta(days=1):
            raise ValueError("must be at least 1d")
        return period

    @field_validator("privacy_contact")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if len(value) > 200 or "\n" in value:
            raise ValueError("must be one line of at most 200 characters")
        return value.strip()

    @field_validator("api_url")
    @classmethod
    def _api_url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "must be an http:// or https:// URL such as https://api.telegram.org/bot"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as America/Toronto") from None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_is_https(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme != "https" or not parts.hostname):
            raise ValueError("must be the public https:// URL Telegram calls")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, such as 127.0.0.1:8081")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if value and not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: str) -> str:
        if value and not _SECRET.match(value):
            raise ValueError("must be 1 to 256 characters among A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def listen(self) -> tuple[str, int]:
        """The webhook's local host and port."""
        host, _, port = self.webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def hook_path(self) -> str:
        """The local path of the webhook: the setting, else the public URL's path."""
        return self.webhook_path or urlsplit(self.webhook_url).path or "/"

    @field_validator("meeting_url")
    @classmethod
    def _meeting_url_has_code(cls, value: str) -> str:
        if "{code}" not in value:
            raise ValueError("must contain {code}")
        return value


class SettingsError(Exception):
    """Invalid configuration, with a message naming the variable."""


def load_settings(**overrides: object) -> Settings:
    """Builds the settings or raises SettingsError naming the offending variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        variable = f"PASSERELLE_{field.upper()}"
        reason = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"invalid {variable}: {reason}") from None
