"""The console's shell and front door: its blueprint, sign-in, sign-out, the home page by role,
the language (the live board and the request page are ``board`` and ``requests``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline import audit, hooks
from hotline.auth import HELPLINE_KEY, chosen_helpline, current_user, end_sessions, start_session
from hotline.console.scoping import READERS
from hotline.hooks import NavSection
from hotline.i18n import LOCALES, N_
from hotline.i18n import gettext as _
from hotline.inputs import parse_id
from hotline.models import Helpline, User
from hotline.passwords import check_password, dummy_hash
from hotline.scope import helplines_for
from hotline.security import is_throttled, record_attempt
from hotline.web import db_session, now

bp = Blueprint("console", __name__, url_prefix="/console")


def init_app(app: Flask) -> None:
    """The console's own sections (features add theirs from their ``init_app``)."""
    # console nav
    hooks.add_console_section(
        app, NavSection("console.board", N_("Tableau de bord"), READERS, order=10)
    )
    hooks.add_console_section(
        app, NavSection("console.requests_list", N_("Demandes"), READERS, order=15)
    )
    hooks.add_console_section(
        app, NavSection("admin.index", N_("Administration"), ("admin",), order=90)
    )
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["nav_for"] = nav_for
    app.jinja_env.globals["header_helplines"] = header_helplines


def nav_items() -> list[NavSection]:
    """The sections of the console that this deployment serves, in order."""
    return [
        section
        for section in hooks.registries().console_nav
        if section.endpoint in current_app.view_functions
    ]


def nav_for(user: User) -> list[NavSection]:
    """The sections this user's roles open."""
    return [s for s in nav_items() if any(user.has_role(role) for role in s.roles)]


def header_helplines() -> tuple[list[Helpline], int | None]:
    """The helplines the signed-in user works on, and the one chosen in this session (the
    header offers the choice when there are several)."""
    user = current_user()
    if user is None:
        return [], None
    helplines = helplines_for(db_session(), user)
    if not helplines:
        return [], None
    return helplines, chosen_helpline().id


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    # Only a path of this site: never an address elsewhere (open redirect).
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# Each role's home page, in the order that decides for a user of several roles: the
# administrator's settings, the finance pages, the coordinator's reports, the nurse's board.
# A page this deployment does not serve is skipped.
ROLE_HOMES = (
    ("admin", "admin.index"),
    ("finance", "finance.overview"),
    ("coordinator", "reports.index"),
    ("nurse", "console.board"),
)


def home_for(user: User) -> str:
    """Where a user lands after signing in: the home of their first role in ROLE_HOMES, else
    the first section their roles open."""
    for role, endpoint in ROLE_HOMES:
        if user.has_role(role) and endpoint in current_app.view_functions:
            return url_for(endpoint)
    for section in nav_items():
        if any(user.has_role(role) for role in section.roles):
            return url_for(section.endpoint)
    return url_for("console.index")


@bp.get("")
def index() -> Response | str:
    """The console's home: the first section the user's roles open."""
    user = current_user()
    if user is None:
        return redirect(url_for("console.login"))
    target = home_for(user)
    if target != url_for("console.index"):
        return redirect(target)
    return render_template("console/index.html", user=user)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign in with email and password; ten failures a minute slow the account and address."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("console/login.html", user=None, next_url=next_url, email="")
    db = db_session()
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    address = request.remote_addr or "?"
    if is_throttled(db, email, address, now()):
        record_attempt(db, email, address, now(), succeeded=False)
        message = _("Trop de tentatives : réessayez dans une minute.")
        return render_template(
            "console/login.html", user=None, next_url=next_url, email=email, error=message
        ), 429
    user = db.scalars(select(User).where(User.email == email, User.is_active)).first()
    # An unknown address costs the same hash as a known one: the answer's time tells nothing.
    stored = user.password_hash if user is not None and user.password_hash else dummy_hash()
    if not check_password(password, stored) or user is None or not user.password_hash:
        record_attempt(db, email, address, now(), succeeded=False)
        message = _("Adresse ou mot de passe incorrect.")
        return render_template(
            "console/login.html", user=None, next_url=next_url, email=email, error=message
        ), 401
    record_attempt(db, email, address, now(), succeeded=True)
    audit.record(db, user, "sign_in", "user", user.id, now())
    session.clear()
    start_session(user)
    session["locale"] = user.locale if user.locale in LOCALES else "fr"
    session.permanent = True
    return redirect(next_url or home_for(user))


@bp.post("/logout")
def logout() -> Response:
    """Sign out: the session is forgotten, and every copy of its cookie refused (the account's
    session version goes up, which signs it out on its other browsers too)."""
    user = current_user()
    if user is not None:
        audit.record(db_session(), user, "sign_out", "user", user.id, now())
        end_sessions(user)
    session.clear()
    flash(_("Vous êtes déconnecté."), "success")
    return redirect(url_for("console.login"))


@bp.post("/helpline")
def choose_helpline() -> Response:
    """Work on another of one's helplines in this session (the header's selector)."""
    user = current_user()
    if user is None:
        return redirect(url_for("console.login"))
    wanted = parse_id(request.form.get("helpline_id"))
    allowed = {helpline.id: helpline for helpline in helplines_for(db_session(), user)}
    if wanted is None or wanted not in allowed:
        flash(_("Vous ne travaillez pas sur cette permanence."), "error")
    else:
        session[HELPLINE_KEY] = wanted
        flash(_("Vous travaillez sur {name}.").format(name=allowed[wanted].name), "success")
    return redirect(_safe_next(request.form.get("next")) or url_for("console.index"))


@bp.get("/language/<locale>")
def language(locale: str) -> Response:
    """Switch the console's language for this session."""
    if locale in LOCALES:
        session["locale"] = locale
    return redirect(_safe_next(request.args.get("next")) or url_for("console.index"))
