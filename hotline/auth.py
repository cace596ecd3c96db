"""Who is signed in to the console, and what their roles let them see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, redirect, request, session, url_for
from werkzeug.wrappers import Response

from hotline.models import User
from hotline.web import db_session

P = ParamSpec("P")
R = TypeVar("R")

ROLES = ("nurse", "finance", "admin")


def current_user() -> User | None:
    """The signed-in, active user of this request, if any."""
    user_id = session.get("user_id")
    if not isinstance(user_id, int):
        return None
    user = db_session().get(User, user_id)
    if user is None or not user.is_active:
        return None
    return user


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
