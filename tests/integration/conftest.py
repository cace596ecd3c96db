"""Fixtures of the integration tests: a browser on the console and its signed-in users."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import User
from hotline.users import create_user

PASSWORD = "correct horse battery"


@pytest.fixture
def console(app: Flask) -> FlaskClient:
    """A browser on the console, over https as in production (secure cookies)."""
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "hotline.example.org"})
    return client


def make_user(session: Session, roles: str, email: str | None = None) -> User:
    """A console user with these roles (comma-separated) and the shared password."""
    user = create_user(
        session, email or f"{roles.replace(',', '-')}@example.org", roles.title(), roles, PASSWORD
    )
    session.commit()
    return user


def csrf_of(console: FlaskClient, path: str = "/console/login") -> str:
    """The CSRF token of a console page's form."""
    page = console.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(console: FlaskClient, email: str, password: str = PASSWORD) -> int:
    """Sign in through the form; the status of the answer."""
    token = csrf_of(console)
    response = console.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code
