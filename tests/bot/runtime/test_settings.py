"""Settings from the environment: parsed once, and errors name the variable to fix."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from bot.runtime.settings import SettingsError, load_settings, parse_duration


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No PASSERELLE_* variable and no stray .env: each test sets what it needs."""
    for name in list(os.environ):
        if name.startswith("PASSERELLE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = load_settings()

    assert settings.admins == ()
    assert settings.default_language == "en"
    assert settings.reminders == (timedelta(hours=24), timedelta(hours=1))
    assert "{code}" in settings.meeting_url
    assert settings.db == Path("passerelle.db")
    assert settings.timezone == "America/Toronto"


@pytest.mark.parametrize(
    ("value", "admins"),
    [("123", (123,)), ("1, 2,3", (1, 2, 3)), (" 5 ,, 6 ,", (5, 6)), ("", ())],
)
def test_admins_are_comma_separated_user_ids(
    monkeypatch: pytest.MonkeyPatch, value: str, admins: tuple[int, ...]
) -> None:
    monkeypatch.setenv("PASSERELLE_ADMINS", value)

    assert load_settings().admins == admins


@pytest.mark.parametrize("value", ["alice", "1;2", "1,bob", "1.5"])
def test_invalid_admins_name_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PASSERELLE_ADMINS", value)

    with pytest.raises(SettingsError, match="PASSERELLE_ADMINS"):
        load_settings()


@pytest.mark.parametrize(
    ("value", "reminders"),
    [
        ("24h,1h", (timedelta(hours=24), timedelta(hours=1))),
        ("90m", (timedelta(minutes=90),)),
        ("2d", (timedelta(days=2),)),
        ("30s", (timedelta(seconds=30),)),
        (" 2d , 90m ", (timedelta(days=2), timedelta(minutes=90))),
    ],
)
def test_reminders_are_lead_times(
    monkeypatch: pytest.MonkeyPatch, value: str, reminders: tuple[timedelta, ...]
) -> None:
    monkeypatch.setenv("PASSERELLE_REMINDERS", value)

    assert load_settings().reminders == reminders


@pytest.mark.parametrize("value", ["24", "h", "1x", "1.5h", "-1h", "1 hour", "24h;1h", "1h,2w"])
def test_invalid_reminders_name_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PASSERELLE_REMINDERS", value)

    with pytest.raises(SettingsError, match="PASSERELLE_REMINDERS"):
        load_settings()


def test_parse_duration_directly() -> None:
    assert parse_duration("45m") == timedelta(minutes=45)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_supported_default_language(monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    monkeypatch.setenv("PASSERELLE_DEFAULT_LANGUAGE", language)

    assert load_settings().default_language == language


@pytest.mark.parametrize("language", ["de", "fr-CA", "", "FRENCH"])
def test_an_invalid_default_language_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    monkeypatch.setenv("PASSERELLE_DEFAULT_LANGUAGE", language)

    with pytest.raises(SettingsError, match="PASSERELLE_DEFAULT_LANGUAGE"):
        load_settings()


def test_a_meeting_url_without_code_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_MEETING_URL", "https://meet.example.org/room")

    with pytest.raises(SettingsError, match="PASSERELLE_MEETING_URL"):
        load_settings()


@pytest.mark.parametrize("value", ["Africa/Dakar", "America/La_Paz", "UTC"])
def test_an_iana_time_zone(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PASSERELLE_TIMEZONE", value)

    assert load_settings().timezone == value


@pytest.mark.parametrize("value", ["Toronto", "America/Nowhere", "", "../etc/passwd", "EST5EDT "])
def test_an_unknown_time_zone_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PASSERELLE_TIMEZONE", value)

    with pytest.raises(SettingsError, match="PASSERELLE_TIMEZONE"):
        load_settings()


def test_a_meeting_url_with_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_MEETING_URL", "https://meet.example.org/{code}")

    assert load_settings().meeting_url.format(code="abc") == "https://meet.example.org/abc"


def test_an_out_of_range_poll_timeout_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_POLL_TIMEOUT", "51")

    with pytest.raises(SettingsError, match="PASSERELLE_POLL_TIMEOUT"):
        load_settings()


def test_overrides_are_validated_like_the_environment() -> None:
    with pytest.raises(SettingsError, match="PASSERELLE_DEFAULT_LANGUAGE"):
        load_settings(default_language="de")
    assert load_settings(admins="7,8").admins == (7, 8)


def test_a_dot_env_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "PASSERELLE_ADMINS=11,12\nPASSERELLE_DEFAULT_LANGUAGE=fr\nUNRELATED=1\n", encoding="utf-8"
    )
    assert load_settings().admins == (11, 12)

    monkeypatch.setenv("PASSERELLE_DEFAULT_LANGUAGE", "es")
    settings = load_settings()

    assert settings.default_language == "es"
    assert settings.admins == (11, 12)


def test_settings_are_frozen() -> None:
    settings = load_settings()

    with pytest.raises(ValueError):
        settings.admins = (1,)


@pytest.mark.parametrize("value", ["notaurl", "api.telegram.org/bot", "ftp://host/bot", "http://"])
def test_an_api_url_that_is_not_http_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PASSERELLE_API_URL", value)

    with pytest.raises(SettingsError, match="PASSERELLE_API_URL: must be an http"):
        load_settings()


@pytest.mark.parametrize("value", ["https://api.telegram.org/bot", "http://127.0.0.1:8081/bot"])
def test_an_http_api_url(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PASSERELLE_API_URL", value)

    assert load_settings().api_url == value
