"""The admin's pages of a helpline's reference lists: categories, outcomes, orientations and the
patient's non-identifying facts; add a value, rename it, move it, retire it or restore it."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from hotline import reference_lists
from hotline.admin import Page, bp, one_or_404, page, record, refuse
from hotline.admin.forms import MoveForm, ReferenceLabelForm, ReferenceValueForm
from hotline.auth import chosen_helpline, require_helpline_role, require_roles, signed_in_user
from hotline.i18n import gettext as _
from hotline.models import Helpline, ReferenceValue, Request
from hotline.reference_codes import KINDS, CodeRefusal, Kind
from hotline.refusals import Refusal
from hotline.scope import helplines_for
from hotline.web import db_session, now


def _kind_or_404(key: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        abort(404)
    return kind


def _helpline_or_404(session: Session, helpline_id: int) -> Helpline:
    """A helpline the signed-in user administers (404 for another programme's)."""
    require_helpline_role("admin", helpline_id)
    helpline: Helpline = one_or_404(session, Helpline, helpline_id)
    return helpline


def _value_or_404(session: Session, value_id: int) -> ReferenceValue:
    """A value of a list of a helpline the signed-in user administers."""
    value: ReferenceValue = one_or_404(session, ReferenceValue, value_id)
    require_helpline_role("admin", value.helpline_id)
    return value


def _uses(session: Session, helpline_id: int, kind: Kind) -> dict[str, int]:
    """How many of the helpline's requests have each code of this list."""
    column = getattr(Request, kind.field)
    rows = session.execute(
        select(column, func.count(Request.id))
        .where(Request.helpline_id == helpline_id, column.is_not(None))
        .group_by(column)
    ).tuples()
    return {str(code): count for code, count in rows}


def _list_page(
    session: Session, helpline: Helpline, kind: Kind, form: ReferenceValueForm, status: int = 200
) -> Page:
    return page(
        "admin/reference_lists.html",
        status,
        helpline=helpline,
        helplines=helplines_for(session, signed_in_user(), "admin"),
        kinds=KINDS,
        kind=kind,
        values=reference_lists.values(session, helpline.id, kind.key),
        uses=_uses(session, helpline.id, kind),
        form=form,
    )


def _back(value: ReferenceValue) -> Response:
    return redirect(
        url_for("admin.reference_list", helpline_id=value.helpline_id, kind=value.kind)
        + f"#value-{value.id}"
    )


def _summary(value: ReferenceValue) -> dict[str, object]:
    return {"helpline_id": value.helpline_id, "kind": value.kind, "code": value.code}


@bp.get("/lists")
@require_roles("admin")
def reference_lists_index() -> Response:
    """The lists of the deployment's helpline, from its categories."""
    helpline = chosen_helpline("admin")
    return redirect(url_for("admin.reference_list", helpline_id=helpline.id, kind="category"))


@bp.get("/lists/<int:helpline_id>/<kind>")
@require_roles("admin")
def reference_list(helpline_id: int, kind: str) -> Page:
    """One list of a helpline: its values in order, retired ones marked, and how many requests
    have each."""
    session = db_session()
    helpline = _helpline_or_404(session, helpline_id)
    return _list_page(session, helpline, _kind_or_404(kind), ReferenceValueForm())


@bp.post("/lists/<int:helpline_id>/<kind>")
@require_roles("admin")
def reference_value_create(helpline_id: int, kind: str) -> Page:
    """Add a value at the end of a list; a code already in the list is refused."""
    session, form = db_session(), ReferenceValueForm()
    helpline = _helpline_or_404(session, helpline_id)
    the_kind = _kind_or_404(kind)
    if not form.validate():
        refuse(form)
        return _list_page(session, helpline, the_kind, form, 400)
    try:
        value = reference_lists.add_value(
            session, helpline.id, the_kind.key, form.label.data or "", form.code.data or ""
        )
    except Refusal as exc:
        refuse(form, exc, "code" if isinstance(exc, CodeRefusal) else "label")
        return _list_page(session, helpline, the_kind, form, 400)
    record(
        "reference_value_added", "reference_value", value.id, **_summary(value), label=value.label
    )
    flash(_("« {label} » ajouté à la liste.", label=_(value.label)), "success")
    return _back(value)


def _value_page(value: ReferenceValue, form: ReferenceLabelForm, status: int = 200) -> Page:
    session = db_session()
    helpline: Helpline = one_or_404(session, Helpline, value.helpline_id)
    kind = KINDS[value.kind]
    uses = _uses(session, value.helpline_id, kind).get(value.code, 0)
    return page(
        "admin/reference_value.html", status, value=value, kind=kind, helpline=helpline,
        uses=uses, form=form,
    )  # fmt: skip


@bp.get("/lists/values/<int:value_id>")
@require_roles("admin")
def reference_value_edit(value_id: int) -> Page:
    """One value of a list: rename it."""
    value = _value_or_404(db_session(), value_id)
    return _value_page(value, ReferenceLabelForm(data={"label": value.label}))


@bp.post("/lists/values/<int:value_id>")
@require_roles("admin")
def reference_value_rename(value_id: int) -> Page:
    """Give a value a new label; the requests that have it keep it (the code does not change)."""
    session, form = db_session(), ReferenceLabelForm()
    value = _value_or_404(session, value_id)
    if not form.validate():
        refuse(form)
        return _value_page(value, form, 400)
    before = value.label
    try:
        reference_lists.rename_value(session, value, form.label.data or "")
    except Refusal as exc:
        refuse(form, exc, "label")
        value = _value_or_404(session, value_id)
        return _value_page(value, form, 400)
    record("reference_value_renamed", "reference_value", value.id, **_summary(value),
           before=before, after=value.label)  # fmt: skip
    flash(_("Libellé enregistré : « {label} ».", label=_(value.label)), "success")
    return _back(value)


@bp.post("/lists/values/<int:value_id>/move")
@require_roles("admin")
def reference_value_move(value_id: int) -> Response:
    """Move a value one place up or down in its list."""
    session, form = db_session(), MoveForm()
    value = _value_or_404(session, value_id)
    if not form.validate():
        refuse(form)
        return _back(value)
    reference_lists.move_value(session, value, -1 if form.direction.data == "up" else 1)
    record("reference_value_moved", "reference_value", value.id, **_summary(value),
           direction=form.direction.data, position=value.position)  # fmt: skip
    return _back(value)


@bp.post("/lists/values/<int:value_id>/retire")
@require_roles("admin")
def reference_value_retire(value_id: int) -> Response:
    """Stop offering a value; the requests that have it keep it, with its label."""
    session = db_session()
    value = _value_or_404(session, value_id)
    reference_lists.retire_value(session, value, now())
    record("reference_value_retired", "reference_value", value.id, **_summary(value))
    flash(
        _(
            "« {label} » n'est plus proposé ; les demandes qui l'ont le gardent.",
            label=_(value.label),
        ),
        "success",
    )
    return _back(value)


@bp.post("/lists/values/<int:value_id>/restore")
@require_roles("admin")
def reference_value_restore(value_id: int) -> Response:
    """Offer a retired value again."""
    session = db_session()
    value = _value_or_404(session, value_id)
    reference_lists.restore_value(session, value)
    record("reference_value_restored", "reference_value", value.id, **_summary(value))
    flash(_("« {label} » est de nouveau proposé.", label=_(value.label)), "success")
    return _back(value)
