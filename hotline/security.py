"""Console security: CSRF tokens on every form, sign-in throttling, cookie settings."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask import Flask, abort, request, session
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import LoginAttempt

# Webhook blueprints are authenticated by Twilio's signature, not by a console session.
TWILIO_BLUEPRINTS = frozenset({"voice", "nurse", "interpreting", "callback"})
THROTTLE_WINDOW = timedelta(minutes=1)
THROTTLE_LIMIT = 10


def csrf_token() -> str:
    """The session's CSRF token (made on first use), for hidden form fields."""
    token = session.get("csrf_token")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf_token"] = token
    return token


def check_csrf() -> None:
    """Refuse a console form posted without the session's token (403)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.blueprint in TWILIO_BLUEPRINTS or request.blueprint is None:
        return
    if request.is_json:
        # Cross-site pages cannot send JSON without a CORS preflight, which is never granted;
        # the console's scripts send the token too.
        sent = request.headers.get("X-CSRF-Token")
        if sent is None:
            return
    else:
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
    expected = session.get("csrf_token")
    if not sent or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        abort(
            403,
            "Jeton CSRF absent ou invalide : rechargez la page (missing or invalid CSRF token).",
        )


def is_throttled(db: Session, email: str, address: str, now: datetime) -> bool:
    """Whether this account or this address failed ``THROTTLE_LIMIT`` times in the last minute."""
    since = now - THROTTLE_WINDOW
    failures = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.at > since, LoginAttempt.succeeded.is_(False)
    )
    by_account = db.scalar(failures.where(LoginAttempt.email == email)) or 0
    by_address = db.scalar(failures.where(LoginAttempt.address == address)) or 0
    return by_account >= THROTTLE_LIMIT or by_address >= THROTTLE_LIMIT


def record_attempt(db: Session, email: str, address: str, now: datetime, succeeded: bool) -> None:
    """Remember a sign-in attempt (what throttling counts; kept for the audit)."""
    db.add(LoginAttempt(email=email, address=address, at=now, succeeded=succeeded))
    db.flush()


def init_app(app: Flask) -> None:
    """Secure cookies and CSRF checks for every console request."""
    secure = app.extensions["hotline"].settings.public_root.startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # Send the cookie only when the session changes: a slow poll answered after a newer
        # page must not put back the older session (a language switch, a sign-out).
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
