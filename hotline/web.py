"""Per-request plumbing: the app's shared state, the database session and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, g
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.settings import Settings

if TYPE_CHECKING:
    from twilio.rest import Client

EXTENSION_KEY = "hotline"


@dataclass
class AppState:
    """What the application shares between requests: settings, database, clock, REST client."""

    settings: Settings
    database: Database
    clock: Callable[[], datetime]
    rest_client_factory: Callable[[], Client]
    _rest_client: Client | None = field(default=None, repr=False)

    def rest_client(self) -> Client:
        """The Twilio REST client, built on first use."""
        if self._rest_client is None:
            self._rest_client = self.rest_client_factory()
        return self._rest_client


def app_state() -> AppState:
    """The state of the current application."""
    state: AppState = current_app.extensions[EXTENSION_KEY]
    return state


def settings() -> Settings:
    """The current application's settings."""
    return app_state().settings


def now() -> datetime:
    """The application clock's current time (aware UTC)."""
    return app_state().clock()


def db_session() -> Session:
    """The request's database session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = app_state().database.session()
    session: Session = g.db_session
    return session


def close_db_session(_exc: BaseException | None = None) -> None:
    """Close the request's session; anything not committed is rolled back."""
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
