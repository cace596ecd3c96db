"""Shared fixtures: settings, databases on SQLite and PostgreSQL, signed webhook posts."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from hotline.app import create_app
from hotline.db import Database, make_engine
from hotline.migrate import upgrade
from hotline.settings import Settings, with_driver

REPO = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("SHARED_DIR") or REPO.parent / "shared")
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fedcba9876543210" * 2
HOTLINE_NUMBER = "+33561000000"
PUBLIC_BASE_URL = "https://hotline.example.org"


def make_settings(**overrides: Any) -> Settings:
    """Valid settings for tests; any field can be overridden."""
    base = Settings(
        database_url="sqlite://",
        secret_key="test-secret-key-0123456789",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        hotline_number=HOTLINE_NUMBER,
        public_base_url=PUBLIC_BASE_URL,
        twilio_api_base_url="http://127.0.0.1:9",
        fallback_number="+33561999999",
    )
    return replace(base, **overrides).validated()


def postgres_url() -> str | None:
    """The PostgreSQL server tests use; in CI its absence is an error, not a skip."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        return with_driver(url)
    if os.environ.get("CI"):
        pytest.fail("TEST_DATABASE_URL must be set in CI: the PostgreSQL tests cannot be skipped")
    return None


def fresh_database_url(backend: str, tmp_dir: Path) -> str:
    """A new, migrated database: a SQLite file, or a schema of its own on PostgreSQL."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_dir / f'hotline-{uuid.uuid4().hex[:8]}.sqlite3'}"
    else:
        server = postgres_url()
        if server is None:
            pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        engine = make_engine(server)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        url = (
            make_url(server)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
        _SCHEMAS.append((server, schema))
    upgrade(url)
    return url


_SCHEMAS: list[tuple[str, str]] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the PostgreSQL schemas the run created."""
    for server, schema in _SCHEMAS:
        engine = make_engine(server)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each integration test runs on SQLite and on PostgreSQL."""
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated once per backend for the whole run."""
    return fresh_database_url(backend, tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def engine(migrated_url: str) -> Iterator[Engine]:
    """The engine of the migrated database."""
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session inside the test's transaction; its commits release savepoints only."""
    session = Database(connection).session()
    yield session
    session.close()


class Clock:
    """A clock the test sets."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    """Monday 2026-11-23 10:00 in Paris."""
    return Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


class RecordingDispatcher:
    """Keeps the ids of committed outbox intents instead of sending them (a fake of Dispatcher)."""

    def __init__(self) -> None:
        self.submitted: list[int] = []

    def submit(self, message_ids: Iterable[int]) -> None:
        self.submitted.extend(message_ids)

    def shutdown(self, wait: bool = True) -> None:
        """Nothing runs in the background."""


@pytest.fixture
def dispatched() -> RecordingDispatcher:
    """What the app handed to its outbox dispatcher."""
    return RecordingDispatcher()


@pytest.fixture
def app(connection: Connection, clock: Clock, dispatched: RecordingDispatcher) -> Flask:
    """The application on the test's transaction."""
    return create_app(
        make_settings(), database=Database(connection), clock=clock, dispatcher=dispatched
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the application."""
    return app.test_client()


def twilio_signature(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for this URL and form."""
    return str(RequestValidator(token).compute_signature(url, form))


def post_signed(
    client: FlaskClient, path: str, form: dict[str, str], **kwargs: Any
) -> TestResponse:
    """POST a form signed as Twilio signs it, for the public URL of the path."""
    url = PUBLIC_BASE_URL + path
    headers = {"X-Twilio-Signature": twilio_signature(url, form)}
    headers.update(kwargs.pop("headers", {}))
    return client.post(path, data=form, headers=headers, **kwargs)


def voice_form(call_sid: str, from_: str = "+33612345678", **extra: str) -> dict[str, str]:
    """The standard parameters of a voice webhook for an inbound call to the helpline."""
    form = {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": from_,
        "To": HOTLINE_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    form.update(extra)
    return form


def call_sid(n: int) -> str:
    """A well-formed CallSid."""
    return "CA" + f"{n:032x}"
