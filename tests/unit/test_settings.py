"""Settings from the environment: a missing or malformed one is named in one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.settings import Settings, SettingsError

GOOD = {
    "SECRET_KEY": "a-long-enough-secret-key",
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": "b" * 32,
    "HOTLINE_NUMBER": "+33561000000",
    "PUBLIC_BASE_URL": "https://hotline.example.org",
}


def test_good_environment_gives_defaults_for_the_optional_settings(tmp_path: Path) -> None:
    settings = Settings.from_env(GOOD, tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'hotline.sqlite3'}"
    assert settings.twilio_api_base_url == "https://api.twilio.com"
    assert settings.timezone == "Europe/Paris"
    assert settings.fallback_number is None


def test_a_postgres_url_from_a_host_gets_the_psycopg_driver(tmp_path: Path) -> None:
    env = GOOD | {"DATABASE_URL": "postgres://u@db/hotline"}
    assert Settings.from_env(env, tmp_path).database_url == "postgresql+psycopg://u@db/hotline"


@pytest.mark.parametrize("name", sorted(GOOD))
def test_each_missing_setting_is_named(name: str, tmp_path: Path) -> None:
    env = {k: v for k, v in GOOD.items() if k != name}
    with pytest.raises(SettingsError) as error:
        Settings.from_env(env, tmp_path)
    message = str(error.value)
    assert message.startswith(name)
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TWILIO_ACCOUNT_SID", "AC123"),
        ("TWILIO_AUTH_TOKEN", "not-hex"),
        ("HOTLINE_NUMBER", "05 61 00 00 00"),
        ("HOTLINE_NUMBER", "+3312"),
        ("PUBLIC_BASE_URL", "hotline.example.org"),
        ("TWILIO_API_BASE_URL", "ftp://x"),
        ("TIMEZONE", "Europe/Toulouse"),
        ("DATABASE_URL", "mysql://u@h/db"),
        ("DATABASE_URL", "::not a url::"),
        ("SECRET_KEY", "short"),
        ("FALLBACK_NUMBER", "06 12"),
        ("LOG_CALLER_NUMBERS", "maybe"),
        ("SMTP_URL", "relay.example.org:25"),
        ("SMTP_URL", "http://relay.example.org"),
        ("MAIL_FROM", "reseau"),
    ],
)
def test_each_malformed_setting_is_named(name: str, value: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env(GOOD | {name: value}, tmp_path)
    assert str(error.value).startswith(name)
    assert "\n" not in str(error.value)


def test_session_lifetimes_and_trusted_proxies_have_sane_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env(GOOD, tmp_path)
    assert (settings.session_idle_minutes, settings.session_max_hours) == (120, 12)
    assert settings.trusted_proxies == 0
    env = GOOD | {"SESSION_IDLE_MINUTES": "30", "SESSION_MAX_HOURS": "8", "TRUSTED_PROXIES": "1"}
    settings = Settings.from_env(env, tmp_path)
    assert (settings.session_idle_minutes, settings.session_max_hours) == (30, 8)
    assert settings.trusted_proxies == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [("TRUSTED_PROXIES", "-1"), ("TRUSTED_PROXIES", "yes"), ("SESSION_IDLE_MINUTES", "0")],
)
def test_a_bad_session_or_proxy_setting_is_named(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(GOOD | {name: value}, tmp_path)


def test_mail_is_off_by_default_and_smtp_url_and_mail_from_are_read(tmp_path: Path) -> None:
    assert Settings.from_env(GOOD, tmp_path).smtp_url is None
    env = GOOD | {"SMTP_URL": "smtps://u:p@relay.example.org:465", "MAIL_FROM": "r@example.org"}
    settings = Settings.from_env(env, tmp_path)
    assert settings.smtp_url == "smtps://u:p@relay.example.org:465"
    assert settings.mail_from == "r@example.org"


def test_reports_mask_counts_under_five_unless_told_otherwise(tmp_path: Path) -> None:
    assert Settings.from_env(GOOD, tmp_path).report_mask_below == 5
    assert Settings.from_env(GOOD | {"REPORT_MASK_BELOW": "3"}, tmp_path).report_mask_below == 3
    with pytest.raises(SettingsError, match="REPORT_MASK_BELOW"):
        Settings.from_env(GOOD | {"REPORT_MASK_BELOW": "none"}, tmp_path)
