"""Console sign-in, CSRF, throttling and roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import AuditEvent, User
from hotline.users import create_user
from tests.conftest import Clock

PASSWORD = "correct horse battery"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def console(app: Flask) -> FlaskClient:
    """A browser on the console, over https as in production (secure cookies)."""
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "hotline.example.org"})
    return client


def make_user(session: Session, roles: str, email: str | None = None) -> User:
    user = create_user(
        session, email or f"{roles.replace(',', '-')}@example.org", roles.title(), roles, PASSWORD
    )
    session.commit()
    return user


def csrf_of(console: FlaskClient, path: str = "/console/login") -> str:
    page = console.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(console: FlaskClient, email: str, password: str = PASSWORD) -> int:
    token = csrf_of(console)
    response = console.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code


def test_sign_in_lands_on_the_section_of_the_role_and_sign_out_ends_it(
    console: FlaskClient, session: Session
) -> None:
    finance = make_user(session, "finance")
    assert console.get("/finance").status_code == 302  # to the sign-in page
    assert sign_in(console, finance.email) == 302
    assert console.get("/console").headers["Location"].endswith("/finance")
    assert console.get("/finance").status_code == 200
    token = csrf_of(console, "/finance")
    assert console.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert console.get("/finance").status_code == 302
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.user_id == finance.id)
    ).all()
    assert list(actions) == ["sign_in", "sign_out"]


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    console: FlaskClient, session: Session
) -> None:
    user = make_user(session, "nurse")
    token = csrf_of(console)
    response = console.post(
        "/console/login",
        data={"email": user.email, "password": "wrong password!", "csrf_token": token},
    )
    assert response.status_code == 401
    assert "Adresse ou mot de passe incorrect." in response.get_data(as_text=True)
    unknown = console.post(
        "/console/login",
        data={"email": "nobody@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert unknown.status_code == 401


def test_a_form_posted_without_its_csrf_token_is_refused(
    console: FlaskClient, session: Session
) -> None:
    user = make_user(session, "nurse")
    response = console.post("/console/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert console.get("/finance").status_code == 302  # not signed in


def test_ten_wrong_passwords_in_a_minute_slow_the_account_and_the_address_down(
    console: FlaskClient, session: Session, clock: Clock
) -> None:
    user = make_user(session, "nurse")
    for _ in range(10):
        assert sign_in(console, user.email, "not the password") == 401
    assert sign_in(console, user.email) == 429  # even the right password waits
    assert sign_in(console, "someone.else@example.org") == 429  # the same address
    clock.at = T0 + timedelta(minutes=2)
    assert sign_in(console, user.email) == 302


def test_a_finance_officer_is_refused_admin_only_and_nurse_only_pages(
    console: FlaskClient, session: Session
) -> None:
    make_user(session, "nurse", "nurse@example.org")
    assert sign_in(console, "nurse@example.org") == 302
    assert console.get("/finance").status_code == 403
