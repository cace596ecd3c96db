"""No query per row: each page and export read on a region's years of history runs a bounded
number of SQL statements, the same with 10 rows as with 30 (counted by a listener on the
connection, the page's body read to its end so that a streamed export counts too)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from hotline import audit, directory
from hotline.models import Helpline, Request, User
from tests.factories import (
    T0,
    make_callback_task,
    make_helpline,
    make_ledger_entry,
    make_member,
    make_professional,
    make_request,
    make_user,
)
from tests.integration.test_console_access import console, sign_in

__all__ = ["console"]

# The most statements any of these pages may run, whatever the rows (sign-in checks, scope,
# names, choices, the page's own reads, the audit event written).
MOST = 40


@contextmanager
def counting(connection: Connection) -> Iterator[list[str]]:
    """The statements run on ``connection`` while inside."""
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", note)


def statements_of(console: FlaskClient, connection: Connection, path: str) -> int:
    """How many statements the page (its whole body) runs."""
    with counting(connection) as statements:
        response = console.get(path)
        response.get_data()
    assert response.status_code == 200, path
    return len(statements)


class History:
    """A helpline's rows, added ten at a time: requests of one caller and of others, callbacks
    of different callers, ledger entries, audit events, namesakes in the directory."""

    def __init__(self, session: Session, helpline: Helpline, nurse: User) -> None:
        self.session, self.helpline, self.nurse = session, helpline, nurse
        self.added = 0
        self.regular = make_professional(session, "+33612345678", last_name="Fidèle")
        self.latest: Request | None = None

    @property
    def latest_id(self) -> int:
        """The caller's latest request (its page lists his earlier ones)."""
        assert self.latest is not None
        return self.latest.id

    def add(self, count: int) -> None:
        """``count`` more of each."""
        session = self.session
        for _ in range(count):
            n = self.added = self.added + 1
            caller = make_professional(
                session, f"+3361000{n:04d}", last_name=f"Médecin{n // 2}", rpps=f"{n // 2:011d}"
            )
            opened = T0 - timedelta(days=n)
            self.latest = make_request(
                session,
                self.helpline,
                professional_id=self.regular.id,
                opened_at=opened,
                language="ar",
                nurse_id=self.nurse.id,
            )
            other = make_request(
                session,
                self.helpline,
                professional_id=caller.id,
                caller_number=f"+3361000{n:04d}",
                opened_at=opened,
                category=f"cat{n % 7}",
            )
            make_callback_task(session, other, phone=f"+3361000{n:04d}")
            for _entry in range(2):
                make_ledger_entry(
                    session,
                    amount=Decimal("17.50"),
                    service_at=opened,
                    posted_at=opened,
                    helpline_id=self.helpline.id,
                    language="ar",
                )
            audit.record(session, None, "view", "request", other.id, opened)
            audit.record(session, None, "update", "professional", caller.id, opened)
        session.flush()


PAGES: list[tuple[str, str, Callable[[History], str]]] = [
    ("finance", "finance overview", lambda history: "/finance"),
    ("finance", "ledger", lambda history: "/finance/ledger"),
    ("finance", "ledger CSV", lambda history: "/finance/ledger.csv"),
    ("finance", "spend CSV", lambda history: "/finance/spend.csv"),
    ("nurse", "request page", lambda history: f"/console/requests/{history.latest_id}"),
    ("nurse", "requests list", lambda history: "/console/requests"),
    ("nurse", "requests CSV", lambda history: "/console/requests.csv"),
    ("nurse", "callbacks", lambda history: "/console/callbacks"),
    ("admin", "audit log", lambda history: "/admin/audit"),
    ("admin", "directory", lambda history: "/admin/directory"),
]


@pytest.mark.parametrize(("role", "label", "path_of"), PAGES, ids=[page[1] for page in PAGES])
def test_a_page_runs_as_many_statements_with_30_rows_as_with_10(
    console: FlaskClient,
    session: Session,
    connection: Connection,
    role: str,
    label: str,
    path_of: Callable[[History], str],
) -> None:
    helpline = make_helpline(session, name="Permanence Garonne")
    nurse = make_user(session, "nurse", "nurse@example.org")
    make_member(session, nurse, helpline, "nurse")
    reader = nurse
    if role != "nurse":
        reader = make_user(session, role, f"{role}@example.org", is_regional_admin=role == "admin")
        make_member(session, reader, helpline, role)
    history = History(session, helpline, nurse)
    history.add(10)
    assert sign_in(console, reader.email) == 302
    path = path_of(history)
    statements_of(console, connection, path)  # the first visit may fill caches
    with_10 = statements_of(console, connection, path)
    history.add(20)
    with_30 = statements_of(console, connection, path_of(history))
    assert with_30 == with_10 <= MOST, (label, with_10, with_30)


def test_the_directory_flags_namesakes_numbers_and_rpps_of_the_page_it_shows(
    session: Session,
) -> None:
    first = make_professional(session, "+33611111111", first_name="Élise", last_name="Durand")
    second = make_professional(session, "+33622222222", first_name="elise", last_name="DURAND")
    shared = make_professional(session, "+33611111111", last_name="Autre", rpps="12345678901")
    twin = make_professional(session, "+33633333333", last_name="Jumeau", rpps="12345678901")
    alone = make_professional(session, "+33644444444", last_name="Seul")

    flags = directory.duplicate_flags(session, [first, shared, alone])
    assert flags[first.id] == [
        f"même nom que la fiche n° {second.id}",
        "numéro 06 11 11 11 11 partagé",
    ]
    assert flags[shared.id] == ["même RPPS (12345678901)", "numéro 06 11 11 11 11 partagé"]
    assert alone.id not in flags and second.id not in flags and twin.id not in flags
    assert first.name_key == "elise durand"
