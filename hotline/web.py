"""Per-request plumbing: the app's shared state, the database session and the clock."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ParamSpec, Protocol, TypeVar

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.incoming import HelplineCache
from hotline.outbox import Dispatcher, take_new_ids
from hotline.settings import Settings

if TYPE_CHECKING:
    from twilio.rest import Client

EXTENSION_KEY = "hotline"


class OutboxSender(Protocol):
    """What sends committed outbox intents: the thread-pool ``Dispatcher`` in production."""

    def submit(self, message_ids: Iterable[int]) -> None:
        """Send these messages soon."""

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work."""


@dataclass
class AppState:
    """What the application shares between requests: settings, database, clock, REST client."""

    settings: Settings
    database: Database
    clock: Callable[[], datetime]
    rest_client_factory: Callable[[], Client]
    helplines: HelplineCache = field(default_factory=HelplineCache, repr=False)
    _rest_client: Client | None = field(default=None, repr=False)
    _dispatcher: OutboxSender | None = field(default=None, repr=False)

    @property
    def dispatcher(self) -> OutboxSender:
        """The outbox dispatcher of this worker, started on first use."""
        if self._dispatcher is None:
            self._dispatcher = Dispatcher(
                self.database, self.rest_client, self.clock, self.settings.public_root
            )
        return self._dispatcher

    def rest_client(self) -> Client:
        """The Twilio REST client, built on first use."""
        if self._rest_client is None:
            self._rest_client = self.rest_client_factory()
        return self._rest_client

    def close(self) -> None:
        """Finish sending what was submitted, then close the database's connections."""
        if self._dispatcher is not None:
            self._dispatcher.shutdown()
        self.database.dispose()


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


def limit_database_waits() -> None:
    """Let this request's database statements and locks wait no longer than a caller can.

    Webhooks call this: Twilio hangs up after 15 s, and a statement held up by a lock (a
    migration, a long report) must fail in time for the fallback TwiML to reach the caller.
    """
    g.database_waits_limited = True


def db_session() -> Session:
    """The request's database session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = app_state().database.session(
            wait_limited=g.get("database_waits_limited", False)
        )
    session: Session = g.db_session
    return session


def commit() -> None:
    """Commit the request's session; intents recorded in it are sent once it holds.

    Views do not call this: ``transactional`` (installed on every view by ``create_app``) does,
    once, when the view has returned.
    """
    session: Session | None = g.get("db_session")
    if session is None:
        return
    new_ids = take_new_ids(session)
    session.commit()
    if new_ids:
        app_state().dispatcher.submit(new_ids)


P = ParamSpec("P")
R = TypeVar("R")


def transactional(view: Callable[P, R]) -> Callable[P, R]:
    """Run a view in one transaction: committed when it returns, rolled back if it raises.

    A view that answers an error page it chose (a 400 with the form's messages, a 401 after a
    failed sign-in that was recorded) returned normally: what it wrote is committed. An exception,
    ``abort()`` included, rolls everything back.
    """
    if getattr(view, "is_transactional", False):
        return view

    @functools.wraps(view)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = view(*args, **kwargs)
        except BaseException:
            session: Session | None = g.get("db_session")
            if session is not None:
                session.rollback()
            raise
        commit()
        return result

    run.is_transactional = True  # type: ignore[attr-defined]
    return run


def install_commit_point(app: Flask) -> None:
    """Wrap every view of ``app`` in ``transactional``: the framework owns the commit."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = transactional(view)  # type: ignore[assignment]


def close_db_session(_exc: BaseException | None = None) -> None:
    """Close the request's session; anything not committed is rolled back."""
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
