"""Migration 0010_request_lifecycle: the requests of the old open/in-progress states get their
place in the lifecycle (a request whose calls all ended is to complete)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hotline.db import make_engine
from hotline.migrate import alembic_config
from tests.conftest import _SCHEMAS, postgres_url

REVISION = "0010_request_lifecycle"
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def database_at_0009(backend: str, tmp_path: Path) -> str:
    """A new database migrated up to the revision before the lifecycle."""
    return database_at(backend, tmp_path, "0009")


def database_at(backend: str, tmp_path: Path, revision: str) -> str:
    """A new database migrated up to ``revision``."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'lifecycle.sqlite3'}"
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
    command.upgrade(alembic_config(url), revision)
    return url


def test_old_states_are_mapped_onto_the_lifecycle(backend: str, tmp_path: Path) -> None:
    url = database_at_0009(backend, tmp_path)
    engine = make_engine(url)
    at = AT.replace(tzinfo=None) if backend == "sqlite" else AT
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO helplines (id, name, phone_number, greeting, timezone, is_active,"
                " created_at) VALUES (1, 'P', '+33561000000', 'Bonjour', 'Europe/Paris', true, :at)"
            ),
            {"at": at},
        )
        for n, (status, call_status) in enumerate(
            [
                ("open", "in-progress"),  # still at the menu
                ("open", "completed"),  # hung up at the menu
                ("in_progress", "in-progress"),  # with the nurse
                ("in_progress", "completed"),  # the call ended
                ("open", None),  # no leg known
            ],
            start=1,
        ):
            conn.execute(
                text(
                    "INSERT INTO requests (id, reference, helpline_id, is_caller_withheld, channel,"
                    " status, opened_at) VALUES (:id, :ref, 1, false, 'phone', :status, :at)"
                ),
                {"id": n, "ref": f"2026-0000{n}", "status": status, "at": at},
            )
            if call_status is not None:
                conn.execute(
                    text(
                        "INSERT INTO calls (sid, request_id, role, direction, status, created_at)"
                        " VALUES (:sid, :id, 'gp', 'inbound', :status, :at)"
                    ),
                    {"sid": f"CA{n:032x}", "id": n, "status": call_status, "at": at},
                )
    command.upgrade(alembic_config(url), REVISION)
    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT id, status FROM requests ORDER BY id")).all())
    engine.dispose()
    assert states == {
        1: "received",
        2: "to_complete",
        3: "in_call",
        4: "to_complete",
        5: "to_complete",
    }
