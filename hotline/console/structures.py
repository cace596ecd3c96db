"""The structures in the console: everyone who works with the directory reads them and the
professionals who work in each; coordinators and admins add, change and deactivate them (every
change audited). The network's partner pages offer the same structures."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from hotline import hooks, structures
from hotline.admin import Page, one_or_404, page, record, refuse
from hotline.admin.structure_forms import StructureForm
from hotline.auth import require_roles
from hotline.console import bp
from hotline.directory import PROFESSIONS
from hotline.hooks import NavSection
from hotline.i18n import N_
from hotline.i18n import gettext as _
from hotline.models import Structure
from hotline.web import db_session

# Who reads the structures, and who keeps them.
READERS = ("nurse", "coordinator", "admin")
KEEPERS = ("coordinator", "admin")


def init_app(app: Flask) -> None:
    """The structures' section of the console."""
    hooks.add_console_section(app, NavSection("console.structures", N_("Structures"), READERS, 45))


def _summary(structure: Structure) -> dict[str, object]:
    return {
        "name": structure.name,
        "kind": structure.kind,
        "finess": structure.finess,
        "commune": structure.commune,
        "insee_code": structure.insee_code,
    }


def _form_page(form: StructureForm, structure: Structure | None, status: int = 200) -> Page:
    return page(
        "console/structure_edit.html",
        status,
        form=form,
        structure=structure,
        kinds=structures.STRUCTURE_KINDS,
    )


@bp.get("/structures", endpoint="structures")
@require_roles(*READERS)
def structures_list() -> Page:
    """Every structure, the active first, with how many professionals work there."""
    session = db_session()
    return page(
        "console/structures.html",
        structures=structures.all_structures(session),
        headcounts=structures.headcounts(session),
        kinds=structures.STRUCTURE_KINDS,
    )


@bp.get("/structures/<int:structure_id>", endpoint="structure")
@require_roles(*READERS)
def structure_view(structure_id: int) -> Page:
    """A structure and the professionals who work there."""
    session = db_session()
    structure: Structure = one_or_404(session, Structure, structure_id)
    return page(
        "console/structure.html",
        structure=structure,
        professionals=structures.professionals_of(session, structure.id),
        kinds=structures.STRUCTURE_KINDS,
        professions=PROFESSIONS,
    )


@bp.route("/structures/new", methods=["GET", "POST"])
@require_roles(*KEEPERS)
def new_structure() -> Page:
    """Add a structure."""
    form = StructureForm()
    if not form.is_submitted():
        return _form_page(form, None)
    if not form.validate():
        refuse(form)
        return _form_page(form, None, 400)
    try:
        structure = structures.save_structure(db_session(), form.details())
    except ValueError as exc:
        refuse(form, exc)
        return _form_page(form, None, 400)
    record("structure_added", "structure", structure.id, **_summary(structure))
    flash(_("{name} fait maintenant partie des structures.", name=structure.name), "success")
    return redirect(url_for("console.structure", structure_id=structure.id))


@bp.route("/structures/<int:structure_id>/edit", methods=["GET", "POST"])
@require_roles(*KEEPERS)
def edit_structure(structure_id: int) -> Page:
    """Change a structure."""
    session = db_session()
    structure: Structure = one_or_404(session, Structure, structure_id)
    if request.method == "GET":
        form = StructureForm(data={key: value or "" for key, value in _summary(structure).items()})
        return _form_page(form, structure)
    form = StructureForm()
    before = _summary(structure)
    if not form.validate():
        refuse(form)
        return _form_page(form, structure, 400)
    try:
        structures.save_structure(session, form.details(), structure)
    except ValueError as exc:
        refuse(form, exc)
        return _form_page(form, structure, 400)
    record("structure_changed", "structure", structure.id, before=before, after=_summary(structure))
    flash(_("{name} : fiche enregistrée.", name=structure.name), "success")
    return redirect(url_for("console.structure", structure_id=structure.id))


@bp.post("/structures/<int:structure_id>/active")
@require_roles(*KEEPERS)
def toggle_structure(structure_id: int) -> Response:
    """Deactivate a structure (no longer offered), or make it active again."""
    session = db_session()
    structure: Structure = one_or_404(session, Structure, structure_id)
    active = not structure.is_active
    structures.set_structure_active(session, structure, active)
    action = "structure_reactivated" if active else "structure_deactivated"
    record(action, "structure", structure.id)
    if active:
        flash(_("{name} est de nouveau active.", name=structure.name), "success")
    else:
        flash(_("{name} n'est plus proposée.", name=structure.name), "success")
    return redirect(url_for("console.structure", structure_id=structure.id))
