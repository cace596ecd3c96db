"""Who is signed in to the console, and what their roles let them see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, redirect, request, session, url_for
from werkzeug.wrappers import Response

from hotline.models import Helpline, User
from hotline.scope import ROLES, can, helplines_for
from hotline.web import app_state, db_session, now

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["ROLES"]

# The session key of the helpline a user of several works on (``chosen_helpline``).
HELPLINE_KEY = "helpline_id"


# The session's last request is written back at most this often (the cookie is sent again
# only then, so a slow poll seldom carries an older session back).
SEEN_GRANULARITY_S = 60


def start_session(user: User) -> None:
    """Sign ``user`` in on this browser: the session holds the account's session version (raised
    on sign-out and password change) and when it began."""
    stamp = int(now().timestamp())
    session["user_id"] = user.id
    session["session_version"] = user.session_version or 0
    session["signed_in_at"] = session["seen_at"] = stamp


def _session_is_current(user: User) -> bool:
    """Whether the session belongs to the account's current version and is within its idle and
    absolute lifetimes; refreshes when it was last seen."""
    settings = app_state().settings
    began, seen = session.get("signed_in_at"), session.get("seen_at")
    if session.get("session_version") != (user.session_version or 0):
        return False
    if not isinstance(began, int) or not isinstance(seen, int):
        return False
    stamp = int(now().timestamp())
    if stamp - began > settings.session_max_hours * 3600:
        return False
    if stamp - seen > settings.session_idle_minutes * 60:
        return False
    if stamp - seen >= SEEN_GRANULARITY_S:
        session["seen_at"] = stamp
    return True


def signed_in_user() -> User:
    """The user a ``require_roles`` view serves (that decorator guarantees there is one)."""
    user = current_user()
    assert user is not None
    return user


def current_user() -> User | None:
    """The signed-in, active user of this request, if any: a session signed before the account's
    last sign-out or password change, or past its lifetimes, is no longer anyone's."""
    user_id = session.get("user_id")
    if not isinstance(user_id, int):
        return None
    user = db_session().get(User, user_id)
    if user is None or not user.is_active:
        return None
    if not _session_is_current(user):
        session.pop("user_id", None)
        return None
    return user


def end_sessions(user: User) -> None:
    """End every console session of ``user`` (all their browsers), and this one."""
    user.session_version = (user.session_version or 0) + 1
    session.clear()


def require_roles(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """A page for users holding one of these roles: others are sent to sign in, or refused."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            user = current_user()
            if user is None:
                return redirect(url_for("console.login", next=request.full_path))
            if not any(user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def visible_helpline_ids(role: str | None = None) -> list[int]:
    """The helplines the signed-in user may see (with ``role`` there, if given)."""
    user = current_user()
    if user is None:
        return []
    return [helpline.id for helpline in helplines_for(db_session(), user, role)]


def chosen_helpline(role: str | None = None) -> Helpline:
    """The helpline the signed-in user works on in this session: the one he chose in the
    header when he may (with ``role``), else his first; 403 when he has none."""
    user = current_user()
    if user is None:
        abort(403)
    allowed = helplines_for(db_session(), user, role)
    if not allowed:
        abort(403)
    wanted = session.get(HELPLINE_KEY)
    for helpline in allowed:
        if helpline.id == wanted:
            return helpline
    return allowed[0]


def require_helpline_role(role: str, helpline_id: int) -> None:
    """Stop with 404 unless the signed-in user holds ``role`` in this helpline (404, not 403:
    another programme's reference numbers are not confirmed)."""
    user = current_user()
    if user is None or not can(db_session(), user, role, helpline_id):
        abort(404)
