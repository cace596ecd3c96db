"""Settings: read once from the environment, validated at start-up, frozen."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hotline.phones import normalise_number

TWILIO_DEFAULT_API_BASE_URL = "https://api.twilio.com"
# The variables without a default: the service cannot start without each of them.
REQUIRED = (
    "SECRET_KEY",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "HOTLINE_NUMBER",
    "PUBLIC_BASE_URL",
)


class SettingsError(SystemExit):
    """A missing or malformed setting; its message is one line naming the variable.

    A SystemExit, so that start-up under gunicorn or the CLI stops with that line and no
    traceback.
    """


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    database_url: str
    secret_key: str
    twilio_account_sid: str
    twilio_auth_token: str
    hotline_number: str
    public_base_url: str
    twilio_api_base_url: str = TWILIO_DEFAULT_API_BASE_URL
    timezone: str = "Europe/Paris"
    fallback_number: str | None = None
    log_caller_numbers: bool = False
    # The browser phone: an API key to sign access tokens, the TwiML app for outgoing calls,
    # and where the Voice SDK script is served from (the vendored file, or the sandbox's).
    twilio_api_key_sid: str | None = None
    twilio_api_key_secret: str | None = None
    twilio_twiml_app_sid: str | None = None
    voice_sdk_url: str = "/static/vendor/twilio-voice-sdk-2.18.5.min.js"
    # Months after which requests lose phone numbers and free text (counts are kept).
    retention_months: int = 24
    # How often the clock looks for due callbacks and unsent intents, in seconds.
    clock_tick_s: float = 5.0
    # Console sessions end after this long without a request, and this long after sign-in.
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    # How many reverse proxies in front of the service set X-Forwarded-For / -Proto (0: none,
    # the peer's address is the client's).
    trusted_proxies: int = 0
    # Where e-mail goes (smtp://host:port, smtps://user:password@host:port; none: nothing is
    # sent) and whose address it comes from.
    smtp_url: str | None = None
    mail_from: str = "ne-pas-repondre@localhost"
    # Reports for outside readers show a count under this as "< N" (and the figures resting on
    # it), so that a small cell cannot point to someone (shared/INDICATORS.md §2.1).
    report_mask_below: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str], instance_path: Path) -> Settings:
        """Build and validate settings from environment variables."""
        default_db = f"sqlite:///{(instance_path / 'hotline.sqlite3').resolve()}"
        missing = [name for name in REQUIRED if not environ.get(name, "").strip()]
        if len(missing) > 1:
            raise SettingsError(f"{', '.join(missing)} are missing: set them in the environment")
        fallback = environ.get("FALLBACK_NUMBER", "").strip()
        return cls(
            database_url=with_driver(environ.get("DATABASE_URL", "").strip() or default_db),
            secret_key=_required(environ, "SECRET_KEY"),
            twilio_account_sid=_required(environ, "TWILIO_ACCOUNT_SID"),
            twilio_auth_token=_required(environ, "TWILIO_AUTH_TOKEN"),
            hotline_number=_required(environ, "HOTLINE_NUMBER"),
            public_base_url=_required(environ, "PUBLIC_BASE_URL"),
            twilio_api_base_url=environ.get("TWILIO_API_BASE_URL", "").strip()
            or TWILIO_DEFAULT_API_BASE_URL,
            timezone=environ.get("TIMEZONE", "").strip() or "Europe/Paris",
            fallback_number=fallback or None,
            log_caller_numbers=_boolean(environ, "LOG_CALLER_NUMBERS"),
            twilio_api_key_sid=environ.get("TWILIO_API_KEY_SID", "").strip() or None,
            twilio_api_key_secret=environ.get("TWILIO_API_KEY_SECRET", "").strip() or None,
            twilio_twiml_app_sid=environ.get("TWILIO_TWIML_APP_SID", "").strip() or None,
            voice_sdk_url=environ.get("VOICE_SDK_URL", "").strip()
            or "/static/vendor/twilio-voice-sdk-2.18.5.min.js",
            retention_months=_integer(environ, "RETENTION_MONTHS", 24),
            clock_tick_s=_number(environ, "CLOCK_TICK_S", 5.0),
            session_idle_minutes=_integer(environ, "SESSION_IDLE_MINUTES", 120),
            session_max_hours=_integer(environ, "SESSION_MAX_HOURS", 12),
            trusted_proxies=_count(environ, "TRUSTED_PROXIES", 0),
            smtp_url=environ.get("SMTP_URL", "").strip() or None,
            mail_from=environ.get("MAIL_FROM", "").strip() or "ne-pas-repondre@localhost",
            report_mask_below=_integer(environ, "REPORT_MASK_BELOW", 5),
        ).validated()

    def validated(self) -> Settings:
        """Check every value; raise SettingsError naming the first bad one."""
        try:
            url = make_url(self.database_url)
        except ArgumentError:
            raise SettingsError(
                "DATABASE_URL is malformed: expected e.g. postgresql+psycopg://user@host/db"
            ) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise SettingsError("DATABASE_URL must point to SQLite or PostgreSQL")
        if len(self.secret_key) < 16:
            raise SettingsError("SECRET_KEY is too short: use at least 16 random characters")
        if not re.fullmatch(r"AC[0-9a-fA-F]{32}", self.twilio_account_sid):
            raise SettingsError(
                "TWILIO_ACCOUNT_SID is malformed: expected AC followed by 32 hex digits"
            )
        if not re.fullmatch(r"[0-9a-fA-F]{32}", self.twilio_auth_token):
            raise SettingsError("TWILIO_AUTH_TOKEN is malformed: expected 32 hex digits")
        _check_e164("HOTLINE_NUMBER", self.hotline_number)
        if self.fallback_number is not None:
            _check_e164("FALLBACK_NUMBER", self.fallback_number)
        _check_base_url("PUBLIC_BASE_URL", self.public_base_url)
        _check_base_url("TWILIO_API_BASE_URL", self.twilio_api_base_url)
        if self.twilio_api_key_sid is not None and not re.fullmatch(
            r"SK[0-9a-fA-F]{32}", self.twilio_api_key_sid
        ):
            raise SettingsError(
                "TWILIO_API_KEY_SID is malformed: expected SK followed by 32 hex digits"
            )
        if (self.twilio_api_key_sid is None) != (self.twilio_api_key_secret is None):
            raise SettingsError(
                "TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET go together: set both or neither"
            )
        if self.twilio_twiml_app_sid is not None and not re.fullmatch(
            r"AP[0-9a-fA-F]{32}", self.twilio_twiml_app_sid
        ):
            raise SettingsError(
                "TWILIO_TWIML_APP_SID is malformed: expected AP followed by 32 hex digits"
            )
        if self.smtp_url is not None:
            smtp = urlsplit(self.smtp_url)
            if smtp.scheme not in ("smtp", "smtps") or not smtp.hostname:
                raise SettingsError(
                    "SMTP_URL must be an smtp:// or smtps:// address such as smtp://relay:25"
                )
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", self.mail_from):
            raise SettingsError("MAIL_FROM must be an e-mail address")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"TIMEZONE is not a known time zone: {self.timezone!r} (e.g. Europe/Paris)"
            ) from None
        return self

    @property
    def public_root(self) -> str:
        """The public base URL without a trailing slash."""
        return self.public_base_url.rstrip("/")


def with_driver(url: str) -> str:
    """A PostgreSQL URL as hosting platforms give it, with the psycopg 3 driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is missing: set it in the environment")
    return value


def _integer(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) > 10:
        raise SettingsError(f"{name} must be a whole number from 0 to 10, not {value!r}")
    return int(value)


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {value!r}") from None
    if not 0.05 <= number <= 3600:
        raise SettingsError(f"{name} must be between 0.05 and 3600 seconds, not {value!r}")
    return number


def _boolean(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _check_e164(name: str, value: str) -> None:
    try:
        valid = normalise_number(value, region="ZZ") == value
    except ValueError:
        valid = False
    if not valid:
        raise SettingsError(f"{name} must be a valid number in E.164 form, e.g. +33561000000")


def _check_base_url(name: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(
            f"{name} must be an http(s) address such as https://hotline.example.org"
        )
