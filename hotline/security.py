"""Console security: CSRF tokens on every form (Flask-WTF), sign-in throttling, cookie settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, abort, request
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import LoginAttempt

# Webhook blueprints are authenticated by Twilio's signature, not by a console session.
TWILIO_BLUEPRINTS = frozenset({"voice", "nurse", "interpreting", "callback"})
THROTTLE_WINDOW = timedelta(minutes=1)
THROTTLE_LIMIT = 10


# Flask-WTF's CSRF protection; ``check_csrf`` decides which requests it looks at.
csrf = CSRFProtect()
CSRF_HEADERS = ("X-CSRFToken", "X-CSRF-Token")
CSRF_REFUSED = "Jeton CSRF absent ou invalide : rechargez la page (missing or invalid CSRF token)."


def csrf_token() -> str:
    """The session's CSRF token, signed (Flask-WTF), for hidden ``csrf_token`` form fields and
    the ``X-CSRF-Token`` header of the console's scripts."""
    return str(generate_csrf())


def check_csrf() -> None:
    """Refuse a console form posted without the session's token (403)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.blueprint in TWILIO_BLUEPRINTS or request.blueprint is None:
        return
    if request.is_json and not any(request.headers.get(name) for name in CSRF_HEADERS):
        # Cross-site pages cannot send JSON without a CORS preflight, which is never granted;
        # the console's scripts send the token too.
        return
    try:
        csrf.protect()
    except CSRFError:
        abort(403, CSRF_REFUSED)


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
    app.config.update(
        # ``check_csrf`` below calls Flask-WTF for the requests it protects (not Twilio's).
        WTF_CSRF_CHECK_DEFAULT=False,
        # A token holds as long as the session (a board stays open all day), as it always did.
        WTF_CSRF_TIME_LIMIT=None,
        # The token and SameSite cookies protect the forms; no Referer is demanded over HTTPS.
        WTF_CSRF_SSL_STRICT=False,
    )
    csrf.init_app(app)
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
