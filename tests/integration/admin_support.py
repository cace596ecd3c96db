"""What the admin pages' tests share: the helpline, a signed-in admin, posting a form."""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.directory import PhoneEntry, ProfessionalDetails, save_professional
from hotline.models import AuditEvent, Helpline, Professional, User
from tests.conftest import HOTLINE_NUMBER
from tests.integration.test_console_access import console, csrf_of, make_user, sign_in

__all__ = ["admin", "console", "helpline"]  # the fixtures, imported by the admin tests


@pytest.fixture
def helpline(session: Session) -> Helpline:
    """The helpline of the deployment, on the configured number."""
    row = Helpline(name="Permanence", phone_number=HOTLINE_NUMBER)
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def admin(console: FlaskClient, session: Session, helpline: Helpline) -> User:
    """An admin signed in on the console."""
    user = make_user(session, "admin", "admin@example.org")
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


def make_professional(session: Session, last: str, first: str, *numbers: str) -> Professional:
    details = ProfessionalDetails(
        last_name=last, first_name=first, title="Dr", phones=[PhoneEntry(n) for n in numbers]
    )
    professional = save_professional(session, details).professional
    session.commit()
    return professional


USER_FORM: dict[str, str | list[str]] = {
    "email": "Claire.Dupont@example.org",
    "display_name": "Claire Dupont",
    "roles": ["nurse", "finance"],
    "phone": "06 12 34 56 78",
    "locale": "fr",
    "password": "a long enough passphrase",
}
