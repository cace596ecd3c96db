"""The admin's merge of two professionals of the directory: both records side by side with what
each holds, the choice of the one kept, then the merge (``hotline.merge``), audited."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import Field
from wtforms.validators import ValidationError

from hotline import hooks, merge, structures
from hotline.admin import Page, bp, one_or_404, page, record, refuse
from hotline.admin.forms import IntegerText
from hotline.auth import require_roles, visible_helpline_ids
from hotline.i18n import gettext as _
from hotline.i18n import lazy_gettext, ngettext, say
from hotline.inputs import parse_id
from hotline.models import Professional
from hotline.refusals import N_, Refusal
from hotline.web import db_session

OUT_OF_SCOPE = N_(
    "Ces fiches ont des demandes d'une permanence que vous n'administrez pas : "
    "un administrateur de cette permanence ou de la région peut les fusionner."
)


class MergeForm(FlaskForm):
    """The two records shown, and which of them is kept (the other is merged into it)."""

    first_id = IntegerText(lazy_gettext("Première fiche"), minimum=1)
    second_id = IntegerText(lazy_gettext("Seconde fiche"), minimum=1)
    kept_id = IntegerText(lazy_gettext("Fiche gardée"), minimum=1)

    def validate_kept_id(self, field: Field) -> None:
        if field.data not in (self.first_id.data, self.second_id.data):
            raise ValidationError(_("Choisissez la fiche gardée parmi les deux."))

    def merged_id(self) -> int:
        """The record merged into the kept one."""
        first, second = self.first_id.data, self.second_id.data
        return int(second if self.kept_id.data == first else first)


def _in_scope(session: Session, *professionals: Professional) -> bool:
    """Whether every request of these records is of a helpline the person administers."""
    return merge.helplines_of(session, *professionals) <= set(visible_helpline_ids("admin"))


def _record(session: Session, professional: Professional) -> dict[str, Any]:
    handlers = hooks.registries().merge_handlers
    return {
        "professional": professional,
        "counts": merge.counts(session, professional, handlers),
        "workplaces": structures.structures_of(session, professional.id),
    }


def _merge_page(
    session: Session, kept: Professional, merged: Professional, status: int = 200
) -> Page:
    return page(
        "admin/professional_merge.html",
        status,
        records=[_record(session, kept), _record(session, merged)],
        kept_id=kept.id,
        handlers=hooks.registries().merge_handlers,
        in_scope=_in_scope(session, kept, merged),
        form=MergeForm(formdata=None),
    )


@bp.get("/directory/merge")
@require_roles("admin")
def professional_merge() -> Page:
    """Two records side by side (``kept`` and ``merged`` ids), to choose the one kept."""
    session = db_session()
    kept_id = parse_id(request.args.get("kept"))
    merged_id = parse_id(request.args.get("merged"))
    if kept_id is None or merged_id is None:
        abort(404)
    kept: Professional = one_or_404(session, Professional, kept_id)
    merged: Professional = one_or_404(session, Professional, merged_id)
    try:
        merge.check_merge(kept, merged)
    except Refusal as exc:
        flash(say(exc), "error")
        return redirect(url_for("admin.professional_edit", professional_id=kept.id))
    return _merge_page(session, kept, merged)


@bp.post("/directory/merge")
@require_roles("admin")
def professional_merge_confirm() -> Page:
    """Merge the second record into the first; audited on both."""
    session, form = db_session(), MergeForm()
    if not form.validate():
        refuse(form)
        return redirect(url_for("admin.professionals"))
    kept: Professional = one_or_404(session, Professional, form.kept_id.data)
    merged: Professional = one_or_404(session, Professional, form.merged_id())
    if not _in_scope(session, kept, merged):
        refuse(form, Refusal(OUT_OF_SCOPE))
        return _merge_page(session, kept, merged, 403)
    before = {"kept": kept.display_name, "merged": merged.display_name}
    try:
        moved = merge.merge_professionals(session, kept, merged, hooks.registries().merge_handlers)
    except Refusal as exc:
        refuse(form, exc)
        return redirect(url_for("admin.professional_edit", professional_id=kept.id))
    record(
        "professional_merged", "professional", kept.id, merged_id=merged.id, moved=moved, **before
    )
    record("professional_merged_into", "professional", merged.id, kept_id=kept.id, **before)
    flash(
        ngettext(
            "La fiche n° {merged} est fusionnée dans celle de {name} : {n} demande déplacée.",
            "La fiche n° {merged} est fusionnée dans celle de {name} : {n} demandes déplacées.",
            moved["requests"],
            merged=merged.id,
            name=kept.display_name,
        ),
        "success",
    )
    return redirect(url_for("admin.professional_edit", professional_id=kept.id))
