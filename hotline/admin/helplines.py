"""The regional administrator's pages of helplines (programmes): list, create, edit.

A helpline's page holds its own settings (``HelplineForm``) and the features' sections
(``hooks.HelplineSettings``: hours, dispatch…), saved together: a refusal anywhere keeps nothing
and shows everything again as it was typed. A new helpline gets the default reference lists and
whatever its features make for it (its keypad language menu…). Only a regional administrator
sees these pages; a helpline's own administrators edit its greeting, hours, rota and lists on
their usual pages, for the helpline chosen in the header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import hooks, reference_lists
from hotline.admin import Page, bp, one_or_404, page, record, refuse
from hotline.admin.helpline_forms import HelplineForm, timezones
from hotline.auth import require_roles, signed_in_user
from hotline.hooks import HelplineSettings
from hotline.i18n import gettext as _
from hotline.models import DEFAULT_GREETING, Helpline, HelplineMembership
from hotline.services import helpline_on
from hotline.web import db_session, now, settings


@dataclass(frozen=True)
class Section:
    """A feature's section of the page with its form."""

    settings: HelplineSettings
    form: Any


def _require_regional_admin() -> None:
    if not signed_in_user().is_regional_admin:
        abort(403)


def _sections(helpline: Helpline | None, posted: bool) -> list[Section]:
    return [Section(s, s.form(helpline, posted)) for s in hooks.registries().helpline_settings]


def _core_data(helpline: Helpline) -> dict[str, Any]:
    return {
        "name": helpline.name,
        "phone_number": helpline.phone_number,
        "timezone": helpline.timezone,
        "greeting": helpline.greeting,
        "is_active": helpline.is_active,
    }


def _helpline_page(
    helpline: Helpline | None, form: HelplineForm, sections: list[Section], status: int = 200
) -> Page:
    return page(
        "admin/helpline_edit.html",
        status,
        helpline=helpline,
        form=form,
        sections=sections,
        timezones=timezones(),
    )


def _members(session: Session) -> dict[int, int]:
    """How many people belong to each helpline."""
    people = func.count(func.distinct(HelplineMembership.user_id))
    rows = session.execute(
        select(HelplineMembership.helpline_id, people).group_by(HelplineMembership.helpline_id)
    )
    return {helpline_id: count for helpline_id, count in rows.tuples()}


@bp.get("/helplines")
@require_roles("admin")
def helplines() -> Page:
    """Every helpline of the region, active or not."""
    _require_regional_admin()
    session = db_session()
    rows = list(session.scalars(select(Helpline).order_by(Helpline.name, Helpline.id)))
    return page("admin/helplines.html", helplines=rows, members=_members(session))


@bp.get("/helplines/new")
@require_roles("admin")
def helpline_new() -> Page:
    """The form of a new helpline, with the usual defaults."""
    _require_regional_admin()
    form = HelplineForm(
        formdata=None,
        data={"timezone": settings().timezone, "greeting": DEFAULT_GREETING, "is_active": True},
    )
    return _helpline_page(None, form, _sections(None, posted=False))


def _number_taken(session: Session, e164: str, helpline: Helpline | None) -> bool:
    holder = helpline_on(session, e164)
    return holder is not None and holder is not helpline


def _validated(
    session: Session, helpline: Helpline | None, form: HelplineForm, sections: list[Section]
) -> bool:
    """Whether every part of the page is valid (each part checked, so all messages are shown)."""
    valid = form.validate()
    for section in sections:
        valid = section.form.validate() and valid
    if form.phone_number.data and _number_taken(session, form.phone_number.e164(), helpline):
        form.phone_number.errors = [
            *form.phone_number.errors,
            _(
                "Le numéro {number} est déjà celui d'une autre ligne.",
                number=form.phone_number.shown(form.phone_number.data),
            ),
        ]
        valid = False
    if not valid:
        refuse(form)
        for section in sections:
            refuse(section.form)
    return valid


def _apply_sections(
    session: Session, helpline: Helpline, sections: list[Section], created: bool
) -> dict[str, Any] | Section:
    """Each section saved (what changed, by key), or the section that refused (already said)."""
    changed: dict[str, Any] = {}
    for section in sections:
        try:
            changed[section.settings.key] = dict(
                section.settings.apply(session, helpline, section.form, now(), created)
            )
        except ValueError as exc:
            refuse(section.form, exc)
            return section
    return changed


@bp.post("/helplines/new")
@require_roles("admin")
def helpline_create() -> Page:
    """Make a helpline: its settings, its reference lists, what its features need."""
    _require_regional_admin()
    session, form = db_session(), HelplineForm()
    sections = _sections(None, posted=True)
    if not _validated(session, None, form, sections):
        return _helpline_page(None, form, sections, 400)
    helpline = Helpline(
        name=form.name.data,
        phone_number=form.phone_number.e164(),
        timezone=form.timezone.data,
        greeting=form.greeting.data,
        is_active=bool(form.is_active.data),
        created_at=now(),
    )
    session.add(helpline)
    session.flush()
    reference_lists.seed_defaults(session, helpline)
    changed = _apply_sections(session, helpline, sections, created=True)
    if isinstance(changed, Section):
        return _helpline_page(None, form, sections, 400)
    record("helpline_created", "helpline", helpline.id, **_core_data(helpline), **changed)
    flash(_("Ligne « {name} » créée.", name=helpline.name), "success")
    flash(
        _(
            "Pour que Twilio envoie ses appels ici, lancez « hotline twilio setup » "
            "(le numéro doit appartenir au compte Twilio)."
        ),
        "warning",
    )
    return redirect(url_for("admin.helpline_edit", helpline_id=helpline.id))


@bp.get("/helplines/<int:helpline_id>")
@require_roles("admin")
def helpline_edit(helpline_id: int) -> Page:
    """A helpline's settings, and its features' sections."""
    _require_regional_admin()
    helpline: Helpline = one_or_404(db_session(), Helpline, helpline_id)
    form = HelplineForm(formdata=None, data=_core_data(helpline))
    return _helpline_page(helpline, form, _sections(helpline, posted=False))


@bp.post("/helplines/<int:helpline_id>")
@require_roles("admin")
def helpline_update(helpline_id: int) -> Page:
    """Change a helpline's settings (all its sections at once)."""
    _require_regional_admin()
    session, form = db_session(), HelplineForm()
    helpline: Helpline = one_or_404(session, Helpline, helpline_id)
    sections = _sections(helpline, posted=True)
    if not _validated(session, helpline, form, sections):
        return _helpline_page(helpline, form, sections, 400)
    before = _core_data(helpline)
    helpline.name, helpline.phone_number = form.name.data, form.phone_number.e164()
    helpline.timezone, helpline.greeting = form.timezone.data, form.greeting.data
    helpline.is_active = bool(form.is_active.data)
    session.flush()
    changed = _apply_sections(session, helpline, sections, created=False)
    if isinstance(changed, Section):
        return _helpline_page(helpline, form, sections, 400)
    record(
        "helpline_updated", "helpline", helpline.id,
        before=before, after=_core_data(helpline), **changed,
    )  # fmt: skip
    flash(_("Ligne « {name} » enregistrée.", name=helpline.name), "success")
    if before["phone_number"] != helpline.phone_number:
        flash(
            _(
                "Nouveau numéro : lancez « hotline twilio setup » pour que Twilio envoie ses "
                "appels ici."
            ),
            "warning",
        )
    return redirect(url_for("admin.helpline_edit", helpline_id=helpline.id))
