"""The CSRF token a console page gives a session, for tests that build the session by hand."""

from __future__ import annotations

from flask import Flask, session
from flask_wtf.csrf import generate_csrf


def signed_csrf_token(app: Flask, raw: str) -> str:
    """The form field's (or header's) token for a session holding ``raw`` as its CSRF secret."""
    with app.test_request_context():
        session["csrf_token"] = raw
        return str(generate_csrf())
