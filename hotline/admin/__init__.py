"""The administration's shell: its blueprint, its index (sections from the features), helpers.

Every admin page is for admins. A view reads its form (a FlaskForm: each field parses and checks
what was typed, with a message for a person next to the field), calls the services, writes the
change to the audit log and returns; the framework commits once (``hotline.web.transactional``).
A refused form is shown again with what was typed (passwords excepted), its messages summed up at
the top and next to their fields, and nothing of the attempt is kept.

The shell's own pages (users, professionals, reference lists, greeting) live beside it; a
feature's admin pages live in that feature, on its own blueprint under ``/admin``, and add their
section with ``hooks.add_admin_section`` from the feature's ``init_app``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, render_template, request
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from hotline import audit, hooks
from hotline.auth import (
    chosen_helpline,
    current_user,
    require_roles,
    signed_in_user,
    visible_helpline_ids,
)
from hotline.hooks import NavSection
from hotline.i18n import N_, say
from hotline.models import AuditEvent, User
from hotline.phones import format_for_display
from hotline.web import db_session, now, settings

bp = Blueprint("admin", __name__, url_prefix="/admin")

Page = str | tuple[str, int] | Response
AUDIT_PAGE = 200
ADMIN_ROLES = ("admin",)
# Not a membership's role: ``User.has_role`` holds it for a regional administrator only.
REGIONAL_ROLES = ("regional_admin",)


# --- shared helpers (the features' admin pages use them too) ----------------------------------


def national(e164: str | None) -> str:
    """A number in E.164 as people write it ("06 12 34 56 78"); empty when there is none."""
    return format_for_display(e164) if e164 else ""


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """An admin page, rendered for the signed-in user."""
    return render_template(template, user=current_user(), **context), status


def record(action: str, object_type: str, object_id: object, **detail: Any) -> None:
    """Write an admin's change to the audit log."""
    audit.record(db_session(), current_user(), action, object_type, object_id, now(), **detail)


def refuse(form: FlaskForm, problem: ValueError | None = None, field: str | None = None) -> None:
    """Say why a form was refused, at the top and next to its fields; drop what the attempt wrote.

    Without ``problem`` the form's own validation messages are said; with it, the service's
    message, shown next to ``field`` when it is about one field.
    """
    db_session().rollback()
    if problem is not None:
        if field is not None:
            form[field].errors = [*form[field].errors, say(problem)]
        else:
            form.form_errors.append(say(problem))
    for message in form.form_errors:
        flash(str(message), "error")
    for each in form:
        for message in each.errors:
            flash(str(message), "error")


def one_or_404(session: Session, model: type[Any], row_id: int) -> Any:
    """The row of ``model`` with this id, or a 404."""
    row = session.get(model, row_id)
    if row is None:
        abort(404)
    return row


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    """Names the admin templates share."""
    return {"national": national}


# --- index and audit log ----------------------------------------------------------------------


@bp.get("")
@require_roles("admin")
def index() -> Page:
    """The administration's sections, as the features registered them."""
    user = signed_in_user()
    sections = [
        s for s in hooks.registries().admin_nav if any(user.has_role(role) for role in s.roles)
    ]
    session, at = db_session(), now()
    shown = [
        p for p in (panel(session, user, at) for panel in hooks.registries().admin_home_panels) if p
    ]
    shown.sort(key=lambda p: p.order)
    panels = [
        Markup(render_template(p.template, **p.context))  # noqa: S704 - rendered, escaped by Jinja
        for p in shown
    ]
    return page("admin/index.html", sections=sections, panels=panels)


@bp.get("/audit")
@require_roles("admin")
def audit_log() -> Page:
    """The most recent audit events, filtered by the type and id of the object."""
    session = db_session()
    object_type = request.args.get("object_type", "").strip()
    object_id = request.args.get("object_id", "").strip()
    query = (
        select(AuditEvent, User.display_name)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE)
    )
    user = signed_in_user()
    if not user.is_regional_admin:
        # His helplines' records, and the region's shared ones (directory, pool, accounts).
        mine = visible_helpline_ids("admin")
        query = query.where(or_(AuditEvent.helpline_id.is_(None), AuditEvent.helpline_id.in_(mine)))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    types = audit.object_types(session)
    return page(
        "admin/audit.html",
        events=list(session.execute(query).tuples()),
        object_types=types,
        object_type=object_type,
        object_id=object_id,
        # The chosen helpline's zone; before any helpline, the deployment's (TIMEZONE).
        tz=chosen_helpline("admin").timezone
        if visible_helpline_ids("admin")
        else settings().timezone,
    )


def init_app(app: Flask) -> None:
    """The admin shell and the ground floor's own admin pages, with their sections."""
    from hotline.admin import (  # noqa: F401 - their routes on bp
        greeting,
        helplines,
        merge_views,
        professionals,
        reference_lists,
        users,
    )

    app.register_blueprint(bp)
    for section in (
        NavSection(
            "admin.users",
            N_("Utilisateurs"),
            ADMIN_ROLES,
            10,
            N_("Comptes de la console, rôles, mots de passe."),
        ),
        NavSection(
            "admin.helplines",
            N_("Lignes d'écoute"),
            REGIONAL_ROLES,
            5,
            N_(
                "Les lignes de la région : numéro, messages, horaires, appels "
                "(administration régionale)."
            ),
        ),
        NavSection(
            "admin.professionals",
            N_("Annuaire des professionnels"),
            ADMIN_ROLES,
            50,
            N_("Les appelants reconnus à leur numéro ; doublons signalés."),
        ),
        NavSection(
            "admin.reference_lists_index",
            N_("Listes de référence"),
            ADMIN_ROLES,
            55,
            N_("Catégories, issues, orientations et données non identifiantes des demandes."),
        ),
        NavSection(
            "admin.greeting",
            N_("Messages de la ligne"),
            ADMIN_ROLES,
            60,
            N_("Le message d'accueil entendu par les appelants."),
        ),
        NavSection(
            "admin.audit_log",
            N_("Journal d'audit"),
            ADMIN_ROLES,
            90,
            N_("Qui a fait quoi, et quand."),
        ),
    ):
        hooks.add_admin_section(app, section)
