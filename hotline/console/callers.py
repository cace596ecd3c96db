"""Who called, on the request page: the nurse picks the caller among those sharing the number,
searches the directory and links him, or adds him to the directory from the call; and the
directory the nurse reads (read-only: admins edit it)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, flash, render_template, request
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import Field
from wtforms.validators import ValidationError

from hotline import audit, directory, hooks
from hotline.admin import refuse
from hotline.admin.forms import ProfessionalForm, TextField
from hotline.auth import require_roles, signed_in_user
from hotline.console import bp
from hotline.console.requests import back_to_request, request_or_404
from hotline.hooks import NavSection, Panel
from hotline.i18n import N_, lazy_gettext
from hotline.i18n import gettext as _
from hotline.inputs import parse_id
from hotline.models import Professional, Request, User
from hotline.structures import all_structures, attach, offered_structures
from hotline.web import db_session, now

SEARCH_LIMIT = 20


def init_app(app: Flask) -> None:
    """The caller's panel on the request page, the directory in the nurse's menu, the story's
    line for a linked caller."""
    hooks.add_request_panel(app, caller_panel)
    hooks.add_console_section(
        app, NavSection("console.directory", N_("Annuaire"), ("nurse",), order=40)
    )
    hooks.add_event_labels(app, {"caller_linked": N_("Appelant identifié")})


def caller_panel(session: Session, call_request: Request, user: User, at: datetime) -> Panel:
    """Who is calling: the choice among the professionals sharing the number (when the call was
    not linked), the directory's search, and the way to add a new professional."""
    candidates = []
    if call_request.professional_id is None:
        candidates = directory.professionals_with_number(session, call_request.caller_number)
    query = request.args.get("caller_q", "").strip()[:80]
    results = directory.search_professionals(session, query, SEARCH_LIMIT) if query else []
    return Panel(
        "console/caller_panel.html",
        {
            "candidates": candidates if len(candidates) > 1 else [],
            "query": query,
            "results": results,
            "professions": directory.PROFESSIONS,
        },
        "caller",
        order=10,
    )


@bp.post("/requests/<int:request_id>/caller")
@require_roles("nurse")
def link_caller(request_id: int) -> Response:
    """Link the request to the professional the nurse chose as its caller."""
    me, session = signed_in_user(), db_session()
    call_request = request_or_404(request_id)
    chosen = parse_id(request.form.get("professional_id"))
    professional = session.get(Professional, chosen) if chosen else None
    if professional is None:
        flash(_("Choisissez le professionnel qui appelle."), "error")
        return back_to_request(request_id)
    directory.link_caller(session, call_request, professional, me, now())
    flash(
        _(
            "Demande {reference} : l'appelant est {name}.",
            reference=call_request.reference,
            name=professional.display_name,
        ),
        "success",
    )
    return back_to_request(request_id)


class CallerForm(ProfessionalForm):
    """A new professional, added by the nurse from a call (always active; no territory), with
    the structure he works in when she knows it."""

    territory = None  # type: ignore[assignment]  # WTForms: None removes the field
    is_active = None
    structure_id = TextField(lazy_gettext("Structure où il ou elle travaille"), max_length=12)

    def validate_structure_id(self, field: Field) -> None:
        if field.data and parse_id(field.data) is None:
            raise ValidationError(_("Choisissez la structure dans la liste."))


def _new_caller_page(
    call_request: Request,
    form: CallerForm,
    status: int = 200,
    duplicates: list[directory.Duplicate] | None = None,
) -> tuple[str, int]:
    return render_template(
        "console/caller_new.html",
        user=signed_in_user(),
        req=call_request,
        form=form,
        professions=directory.PROFESSIONS,
        duplicates=duplicates or [],
        structures=offered_structures(db_session()),
    ), status


@bp.get("/requests/<int:request_id>/caller/new")
@require_roles("nurse")
def new_caller(request_id: int) -> tuple[str, int]:
    """The form to add the caller to the directory, his number taken from the call."""
    call_request = request_or_404(request_id)
    number = call_request.caller_number
    form = CallerForm(data={"phones": directory.national(number) if number else ""})
    return _new_caller_page(call_request, form)


@bp.post("/requests/<int:request_id>/caller/new")
@require_roles("nurse")
def add_caller(request_id: int) -> Response | tuple[str, int]:
    """Add the caller to the directory and link the request to him; likely duplicates are shown
    first, and the nurse links one of them or confirms the new one."""
    me, session = signed_in_user(), db_session()
    call_request = request_or_404(request_id)
    form = CallerForm()
    if not form.validate():
        refuse(form)
        return _new_caller_page(call_request, form, 400)
    details = form.details()
    duplicates = directory.possible_duplicates(session, details)
    if duplicates and request.form.get("confirmed") != "1":
        return _new_caller_page(call_request, form, 200, duplicates)
    try:
        saved = directory.save_professional(session, details)
    except ValueError as exc:
        refuse(form, exc)
        return _new_caller_page(call_request, form, 400)
    professional = saved.professional
    workplace = parse_id(form.structure_id.data)
    if workplace is not None:
        try:
            attach(session, professional, workplace)
        except ValueError as exc:
            refuse(form, exc, "structure_id")
            return _new_caller_page(call_request, form, 400)
    audit.record(
        session,
        me,
        "professional_added",
        "professional",
        professional.id,
        now(),
        name=professional.display_name,
        from_request=call_request.id,
        duplicates=[d.professional.id for d in duplicates],
        structure_id=workplace,
    )
    directory.link_caller(session, call_request, professional, me, now())
    flash(_("{name} figure maintenant dans l'annuaire.", name=professional.display_name), "success")
    for warning in saved.warnings:
        flash(warning, "warning")
    return back_to_request(request_id)


@bp.get("/directory", endpoint="directory")
@require_roles("nurse")
def directory_view() -> str:
    """The directory as the nurse reads it: searched by name, number, commune or RPPS, and by
    the structure they work in."""
    session = db_session()
    query = request.args.get("q", "").strip()[:80]
    structure_id = parse_id(request.args.get("structure_id"))
    return render_template(
        "console/directory.html",
        user=signed_in_user(),
        professionals=directory.search_professionals(session, query, structure_id=structure_id),
        professions=directory.PROFESSIONS,
        query=query,
        structures=all_structures(session),
        structure_id=structure_id,
    )
