"""Migration 0023_region: accounts keep their roles in every existing helpline (administrators
become regional ones) and existing ledger entries are charged to one budget each."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text

from hotline.db import make_engine
from hotline.migrate import alembic_config
from tests.integration.test_request_lifecycle_migration import database_at

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_accounts_join_every_helpline_and_each_entry_is_charged_to_one_budget(
    backend: str, tmp_path: Path
) -> None:
    url = database_at(backend, tmp_path, "0022_network_links")
    engine = make_engine(url)
    at = AT.replace(tzinfo=None) if backend == "sqlite" else AT
    with engine.begin() as conn:
        for n in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO helplines (id, name, phone_number, greeting, timezone, is_active,"
                    " created_at) VALUES (:id, :name, :number, 'Bonjour', 'Europe/Paris', true,"
                    " :at)"
                ),
                {"id": n, "name": f"P{n}", "number": f"+3356100000{n}", "at": at},
            )
        conn.execute(
            text(
                "INSERT INTO users (id, email, display_name, roles, is_available, is_in_console,"
                " locale, is_active, created_at) VALUES (1, 'a@example.org', 'A', 'nurse,admin',"
                " true, false, 'fr', true, :at), (2, 'b@example.org', 'B', 'finance', true,"
                " false, 'fr', true, :at)"
            ),
            {"at": at},
        )
        for n in (1, 2):  # two budgets over the same year: before, both counted everything
            conn.execute(
                text(
                    "INSERT INTO budgets (id, name, funder_line, starts_on, ends_on, amount,"
                    " thresholds, policy) VALUES (:id, :name, 'ARS', :start, :end, 1000, '80',"
                    " 'warn')"
                ),
                {"id": n, "name": f"B{n}", "start": date(2026, 1, 1), "end": date(2026, 12, 31)},
            )
        for n, when in ((1, at), (2, at.replace(year=2025))):
            conn.execute(
                text(
                    "INSERT INTO ledger_entries (id, posted_at, kind, service_at, duration_s,"
                    " billable_s, amount, currency, label, detail, dedupe_key) VALUES (:id, :at,"
                    " 'charge', :when, 60, 60, 10, 'EUR', 'x', '{}', :key)"
                ),
                {"id": n, "at": at, "when": when, "key": f"k{n}"},
            )
    command.upgrade(alembic_config(url), "0023_region")
    with engine.connect() as conn:
        memberships = set(
            conn.execute(text("SELECT user_id, helpline_id, role FROM helpline_memberships")).all()
        )
        regional = dict(conn.execute(text("SELECT id, is_regional_admin FROM users")).all())
        lines = dict(conn.execute(text("SELECT id, budget_line_id FROM ledger_entries")).all())
    engine.dispose()
    assert memberships == {
        (1, 1, "nurse"),
        (1, 1, "admin"),
        (1, 2, "nurse"),
        (1, 2, "admin"),
        (2, 1, "finance"),
        (2, 2, "finance"),
    }
    assert bool(regional[1]) and not bool(regional[2])
    assert lines == {1: 1, 2: None}  # the first budget covering it; 2025 is covered by none
