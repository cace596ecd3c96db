"""The admin's pages of the directory of professionals: search, add, edit."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy.orm import Session

from hotline import directory, structures
from hotline.admin import Page, bp, one_or_404, page, record, refuse
from hotline.admin.forms import ProfessionalForm
from hotline.auth import require_roles
from hotline.i18n import gettext as _
from hotline.inputs import parse_id
from hotline.models import Professional
from hotline.web import db_session


def _professional_data(professional: Professional) -> dict[str, Any]:
    return {
        "title": professional.title or "",
        "first_name": professional.first_name,
        "last_name": professional.last_name,
        "profession": professional.profession,
        "organisation": professional.organisation or "",
        "territory": professional.territory or "",
        "commune": professional.commune or "",
        "insee_code": professional.insee_code or "",
        "rpps": professional.rpps or "",
        "phones": "\n".join(
            f"{p.label} : {directory.national(p.number)}"
            if p.label
            else directory.national(p.number)
            for p in professional.phones
        ),
        "is_active": professional.is_active,
    }


def _professional_summary(professional: Professional) -> dict[str, Any]:
    return {
        "name": professional.display_name,
        "profession": professional.profession,
        "organisation": professional.organisation,
        "commune": professional.commune,
        "insee_code": professional.insee_code,
        "rpps": professional.rpps,
        "phones": [p.number for p in professional.phones],
        "is_active": professional.is_active,
    }


def _directory_page(session: Session, form: ProfessionalForm, status: int = 200) -> Page:
    query = request.args.get("q", "")
    structure_id = parse_id(request.args.get("structure_id"))
    found = directory.search_professionals(session, query, structure_id=structure_id)
    return page(
        "admin/directory.html",
        status,
        professionals=found,
        flags=directory.duplicate_flags(session, found),
        peers=directory.duplicate_peers(session, found),
        professions=directory.PROFESSIONS,
        query=query,
        structures=structures.all_structures(session),
        structure_id=structure_id,
        form=form,
    )


@bp.get("/directory")
@require_roles("admin")
def professionals() -> Page:
    """The directory, searched by name or number, with likely duplicates flagged."""
    return _directory_page(db_session(), ProfessionalForm())


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        flash(warning, "warning")


@bp.post("/directory")
@require_roles("admin")
def professional_create() -> Page:
    """Add a professional; a number already in the directory is shared, with a warning."""
    session, form = db_session(), ProfessionalForm()
    if not form.validate():
        refuse(form)
        return _directory_page(session, form, 400)
    try:
        saved = directory.save_professional(session, form.details())
    except ValueError as exc:
        refuse(form, exc)
        return _directory_page(session, form, 400)
    professional = saved.professional
    record(
        "professional_added",
        "professional",
        professional.id,
        **_professional_summary(professional),
        warnings=saved.warnings,
    )
    flash(_("{name} figure maintenant dans l'annuaire.", name=professional.display_name), "success")
    _warn(saved.warnings)
    return redirect(url_for("admin.professional_edit", professional_id=professional.id))


def _professional_page(
    session: Session, professional: Professional, form: ProfessionalForm, status: int = 200
) -> Page:
    return page(
        "admin/professional_edit.html",
        status,
        professional=professional,
        namesakes=directory.namesakes(
            session, professional.first_name, professional.last_name, professional.id
        ),
        flags=directory.duplicate_flags(session, [professional]).get(professional.id, []),
        peers=directory.duplicate_peers(session, [professional]).get(professional.id, []),
        professions=directory.PROFESSIONS,
        form=form,
        workplaces=structures.structures_of(session, professional.id),
        offered=structures.offered_structures(session),
        back="admin",
    )


@bp.get("/directory/<int:professional_id>")
@require_roles("admin")
def professional_edit(professional_id: int) -> Page:
    """One professional of the directory."""
    session = db_session()
    professional: Professional = one_or_404(session, Professional, professional_id)
    form = ProfessionalForm(data=_professional_data(professional))
    return _professional_page(session, professional, form)


@bp.post("/directory/<int:professional_id>")
@require_roles("admin")
def professional_update(professional_id: int) -> Page:
    """Change a professional's details and numbers."""
    session, form = db_session(), ProfessionalForm()
    professional: Professional = one_or_404(session, Professional, professional_id)
    before = _professional_summary(professional)
    if not form.validate():
        refuse(form)
        return _professional_page(session, professional, form, 400)
    try:
        saved = directory.save_professional(session, form.details(), professional)
    except ValueError as exc:
        refuse(form, exc)
        return _professional_page(session, professional, form, 400)
    after = _professional_summary(professional)
    record(
        "professional_updated",
        "professional",
        professional.id,
        before=before,
        after=after,
        warnings=saved.warnings,
    )
    flash(_("Fiche de {name} enregistrée.", name=professional.display_name), "success")
    _warn(saved.warnings)
    return redirect(url_for("admin.professional_edit", professional_id=professional.id))
