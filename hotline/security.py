"""Console security: CSRF tokens on every form (Flask-WTF), sign-in throttling, cookie settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, abort, request
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline.models import LoginAttempt

# Webhook blueprints are authenticated by Twilio's signature, not by a console session.
TWILIO_BLUEPRINTS = frozenset({"voice", "nurse", "interpreting", "callback", "sms"})
# An address (the real client's: see TRUSTED_PROXIES) failing this often a minute waits.
THROTTLE_WINDOW = timedelta(minutes=1)
THROTTLE_LIMIT = 10
# An account failing more than ACCOUNT_FREE times in ACCOUNT_WINDOW, from anywhere, waits 1 s, 2 s,
# 4 s… after its last failure, never more than ACCOUNT_MAX_WAIT: slowed for a guesser, never
# locked out for its owner by someone else's failures.
ACCOUNT_WINDOW = timedelta(minutes=15)
ACCOUNT_FREE = THROTTLE_LIMIT
ACCOUNT_MAX_WAIT = timedelta(minutes=1)


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


def account_wait(failures: int) -> timedelta:
    """How long after its last failure an account that failed ``failures`` times waits."""
    if failures <= ACCOUNT_FREE:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - ACCOUNT_FREE - 1, 16)), ACCOUNT_MAX_WAIT)


def is_throttled(db: Session, email: str, address: str, now: datetime) -> bool:
    """Whether this address failed ``THROTTLE_LIMIT`` times in the last minute, or this account
    is within its back-off after repeated failures."""
    failed = LoginAttempt.succeeded.is_(False)
    by_address = db.scalar(
        select(func.count(LoginAttempt.id)).where(
            failed, LoginAttempt.address == address, LoginAttempt.at > now - THROTTLE_WINDOW
        )
    )
    if (by_address or 0) >= THROTTLE_LIMIT:
        return True
    count, last = db.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
            failed, LoginAttempt.email == email, LoginAttempt.at > now - ACCOUNT_WINDOW
        )
    ).one()
    return last is not None and now < last + account_wait(count or 0)


def record_attempt(db: Session, email: str, address: str, now: datetime, succeeded: bool) -> None:
    """Remember a sign-in attempt (what throttling counts; kept for the audit)."""
    db.add(LoginAttempt(email=email, address=address, at=now, succeeded=succeeded))
    db.flush()


def trust_proxies(app: Flask, count: int) -> None:
    """Believe the X-Forwarded-For / -Proto headers of ``count`` reverse proxies, so that
    ``request.remote_addr`` is the real client (what the throttle counts), not the proxy."""
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    """Secure cookies, session lifetimes, trusted proxies and CSRF checks for every request."""
    settings = app.extensions["hotline"].settings
    secure = settings.public_root.startswith("https://")
    trust_proxies(app, settings.trusted_proxies)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
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
