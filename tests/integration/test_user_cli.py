"""`hotline user …`: a common password, or one holding the person's name or address, is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.db import Database
from hotline.models import User
from hotline.passwords import COMMON, PERSONAL
from tests.integration.test_routing_cli import database_url, run

__all__ = ["database_url"]  # the fixture these tests use


@pytest.mark.parametrize(
    ("password", "message"),
    [("password1234", COMMON), ("aaaaaaaaaaaa", COMMON), ("claire-garde-2026", PERSONAL)],
)
def test_the_cli_refuses_weak_passwords_and_creates_nothing(
    database_url: str, password: str, message: str
) -> None:
    code, out = run(
        database_url, "user", "add", "--email", "claire.dupont@example.org",
        "--name", "Claire Dupont", "--roles", "nurse", "--password", password,
    )  # fmt: skip
    assert code == 1 and message in out
    database = Database.from_url(database_url)
    with database.session() as session:
        assert session.scalars(select(User)).first() is None
    database.dispose()


def test_set_password_refuses_the_account_s_own_address_and_ends_its_sessions(
    database_url: str,
) -> None:
    args = ("--email", "claire.dupont@example.org", "--name", "Claire Dupont")
    code, _ = run(
        database_url, "user", "add", *args, "--roles", "nurse", "--password", "trois-pommes-vertes"
    )
    assert code == 0
    code, out = run(
        database_url, "user", "set-password", "--email", "claire.dupont@example.org",
        "--password", "Claire.Dupont!2026",
    )  # fmt: skip
    assert code == 1 and PERSONAL in out
    code, out = run(
        database_url, "user", "set-password", "--email", "claire.dupont@example.org",
        "--password", "quatre-poires-jaunes",
    )  # fmt: skip
    assert code == 0, out
    database = Database.from_url(database_url)
    with database.session() as session:
        assert session.scalars(select(User.session_version)).one() == 1
    database.dispose()


def test_the_first_admin_is_a_regional_administrator_who_can_create_helplines(
    database_url: str,
) -> None:
    code, out = run(
        database_url, "user", "create-admin", "--email", "marc@example.org",
        "--name", "Marc Lefèvre", "--password", "trois-pommes-vertes",
    )  # fmt: skip
    assert code == 0, out
    assert "regional administrator" in out
    database = Database.from_url(database_url)
    with database.session() as session:
        admin = session.scalars(select(User)).one()
        assert admin.is_regional_admin and admin.has_role("admin")
    database.dispose()
