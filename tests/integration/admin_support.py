"""What the admin pages' tests share: the helpline, a signed-in admin, posting a form."""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import AuditEvent, Helpline, User
from tests.factories import make_helpline, make_user
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["admin", "console", "helpline", "user_form"]  # the fixtures, imported by the admin tests


@pytest.fixture
def helpline(session: Session) -> Helpline:
    """The helpline of the deployment, on the configured number."""
    return make_helpline(session)


@pytest.fixture
def user_form(helpline: Helpline) -> dict[str, str | list[str]]:
    """A new account's form: a nurse and finance officer of the helpline."""
    return {**USER_FORM, "memberships": [f"{helpline.id}:nurse", f"{helpline.id}:finance"]}


@pytest.fixture
def admin(console: FlaskClient, session: Session, helpline: Helpline) -> User:
    """A regional administrator (every helpline) signed in on the console."""
    user = make_user(session, "admin", "admin@example.org", is_regional_admin=True)
    assert sign_in(console, user.email) == 302
    return user


def page_text(response: TestResponse) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def post(console: FlaskClient, path: str, data: dict[str, str | list[str]]) -> TestResponse:
    """Post a console form with its CSRF token."""
    return console.post(path, data={**data, "csrf_token": csrf_of(console, "/admin")})


def audit_actions(session: Session, object_type: str) -> list[str]:
    rows = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == object_type)
        .order_by(AuditEvent.id)
    )
    return list(rows)


USER_FORM: dict[str, str | list[str]] = {
    "email": "Claire.Dupont@example.org",
    "display_name": "Claire Dupont",
    "phone": "06 12 34 56 78",
    "locale": "fr",
    "password": "a long enough passphrase",
}
