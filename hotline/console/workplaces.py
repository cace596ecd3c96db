"""Where a professional works: his page of the nurse's directory, where the nurse (or an admin,
from the admin's page too) attaches him to structures and detaches him; and, on the request
page, the structure the request is made for, among its caller's."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, flash, redirect, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from hotline import hooks, structures
from hotline.admin import Page, one_or_404, page, record
from hotline.auth import require_roles, signed_in_user
from hotline.console import bp
from hotline.console.requests import back_to_request, request_or_404
from hotline.directory import PROFESSIONS
from hotline.hooks import Panel
from hotline.i18n import N_, say
from hotline.i18n import gettext as _
from hotline.inputs import parse_id
from hotline.models import Professional, Request, Structure, User
from hotline.web import db_session, now

# Who says where a professional works.
ATTACHERS = ("nurse", "admin")


def init_app(app: Flask) -> None:
    """The request page's structure panel and the story's line for a chosen structure."""
    hooks.add_request_panel(app, structure_panel)
    hooks.add_event_labels(app, {"structure_chosen": N_("Structure de la demande choisie")})


def _back(professional_id: int) -> Response:
    if request.form.get("back") == "admin":
        return redirect(url_for("admin.professional_edit", professional_id=professional_id))
    return redirect(url_for("console.professional", professional_id=professional_id))


@bp.get("/directory/<int:professional_id>", endpoint="professional")
@require_roles(*ATTACHERS)
def professional_view(professional_id: int) -> Page:
    """A professional of the directory as the nurse reads him, and the structures he works in."""
    session = db_session()
    professional: Professional = one_or_404(session, Professional, professional_id)
    return page(
        "console/professional.html",
        professional=professional,
        professions=PROFESSIONS,
        workplaces=structures.structures_of(session, professional.id),
        offered=structures.offered_structures(session),
        back="console",
    )


@bp.post("/directory/<int:professional_id>/structures")
@require_roles(*ATTACHERS)
def attach_structure(professional_id: int) -> Response:
    """Say the professional works in one more structure."""
    session = db_session()
    professional: Professional = one_or_404(session, Professional, professional_id)
    try:
        structure = structures.attach(
            session, professional, parse_id(request.form.get("structure_id"))
        )
    except ValueError as exc:
        flash(say(exc), "error")
        return _back(professional_id)
    record("structure_attached", "professional", professional.id, structure_id=structure.id)
    flash(
        _(
            "{name} travaille à {structure}.",
            name=professional.display_name,
            structure=structure.name,
        ),
        "success",
    )
    return _back(professional_id)


@bp.post("/directory/<int:professional_id>/structures/<int:structure_id>/remove")
@require_roles(*ATTACHERS)
def detach_structure(professional_id: int, structure_id: int) -> Response:
    """Say the professional no longer works in a structure (his past requests keep it)."""
    session = db_session()
    professional: Professional = one_or_404(session, Professional, professional_id)
    structure: Structure = one_or_404(session, Structure, structure_id)
    if structures.detach(session, professional, structure.id):
        record("structure_detached", "professional", professional.id, structure_id=structure.id)
        flash(
            _(
                "{name} ne travaille plus à {structure}.",
                name=professional.display_name,
                structure=structure.name,
            ),
            "success",
        )
    return _back(professional_id)


def structure_panel(
    session: Session, call_request: Request, user: User, at: datetime
) -> Panel | None:
    """The structure the request is made for, and the choice among its caller's structures
    (nothing while the caller is unknown and the request has none)."""
    chosen = (
        session.get(Structure, call_request.structure_id)
        if call_request.structure_id is not None
        else None
    )
    choices = []
    if call_request.professional_id is not None:
        choices = [
            structure
            for structure in structures.structures_of(session, call_request.professional_id)
            if structure.is_active or structure.id == call_request.structure_id
        ]
    if chosen is None and call_request.professional_id is None:
        return None
    return Panel(
        "console/structure_panel.html",
        {"chosen": chosen, "choices": choices},
        "caller",
        order=5,
    )


@bp.post("/requests/<int:request_id>/structure")
@require_roles("nurse")
def choose_request_structure(request_id: int) -> Response:
    """The nurse says which of its caller's structures the request is made for, or none."""
    session = db_session()
    call_request = request_or_404(request_id)
    typed = request.form.get("structure_id", "")
    structure_id = parse_id(typed)
    if typed and structure_id is None:
        flash(_("Choisissez une des structures de l'appelant, ou aucune."), "error")
        return back_to_request(request_id)
    try:
        changed = structures.choose_for_request(
            session, call_request, structure_id, signed_in_user(), now()
        )
    except ValueError as exc:
        flash(say(exc), "error")
        return back_to_request(request_id)
    if changed:
        structure = session.get(Structure, structure_id) if structure_id is not None else None
        if structure is not None:
            message = _(
                "Demande {reference} : faite pour {structure}.",
                reference=call_request.reference,
                structure=structure.name,
            )
        else:
            message = _(
                "Demande {reference} : faite pour aucune structure.",
                reference=call_request.reference,
            )
        flash(message, "success")
    return back_to_request(request_id)
