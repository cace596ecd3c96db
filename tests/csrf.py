"""The CSRF token a console page gives a session, and the session cookie a sign-in gives, for
tests that build the session by hand."""

from __future__ import annotations

from flask import Flask, session
from flask_wtf.csrf import generate_csrf

from hotline.auth import start_session
from hotline.models import User


def signed_csrf_token(app: Flask, raw: str) -> str:
    """The form field's (or header's) token for a session holding ``raw`` as its CSRF secret."""
    with app.test_request_context():
        session["csrf_token"] = raw
        return str(generate_csrf())


def console_cookie(app: Flask, user: User, raw_csrf: str) -> dict[str, str]:
    """The session cookie the console's sign-in gives ``user`` now (by the app's clock: its
    session version and lifetimes), holding ``raw_csrf`` as its CSRF secret."""
    with app.test_request_context():
        start_session(user)
        values = {**session, "csrf_token": raw_csrf}
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return {app.config["SESSION_COOKIE_NAME"]: serializer.dumps(values)}
