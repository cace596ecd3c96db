"""Routing's admin pages: the opening hours, the closures and what follows a call (the rota's
pages are in ``routing.admin_rota``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from hotline.admin import Page, page, record, refuse
from hotline.auth import chosen_helpline, require_helpline_role, require_roles
from hotline.i18n import N_, say
from hotline.i18n import gettext as _
from hotline.models import Helpline
from hotline.web import db_session, now
from routing.admin import add_closure, set_hours
from routing.forms import (
    HOLIDAY_SUBDIVISIONS,
    AfterCallForm,
    ClosureForm,
    HoursForm,
)
from routing.hours import ScheduleError, describe_hours_fr, format_schedule, parse_schedule
from routing.hours_grid import Grid, schedule_of_grid
from routing.hours_views import hours_context, read_grid, stored_grid
from routing.models import Closure

bp = Blueprint("routing_admin", __name__, url_prefix="/admin", template_folder="templates")

DAY_NAMES = (
    N_("Lundi"),
    N_("Mardi"),
    N_("Mercredi"),
    N_("Jeudi"),
    N_("Vendredi"),
    N_("Samedi"),
    N_("Dimanche"),
)
_WEEK = re.compile(r"(\d{4})-W(\d{1,2})")


# --- opening hours and closures ---------------------------------------------------------------


@dataclass(frozen=True)
class ClosureRow:
    """A closure as the page lists it, in local days."""

    id: int
    first_day: date
    last_day: date
    label: str


def _closures(session: Session, helpline: Helpline) -> list[ClosureRow]:
    tz = ZoneInfo(helpline.timezone)
    rows = session.scalars(
        select(Closure).where(Closure.helpline_id == helpline.id).order_by(Closure.starts_at)
    )
    return [
        ClosureRow(
            c.id,
            c.starts_at.astimezone(tz).date(),
            (c.ends_at.astimezone(tz) - timedelta(microseconds=1)).date(),
            c.label,
        )
        for c in rows
    ]


def _hours_data(helpline: Helpline) -> dict[str, Any]:
    return {
        "opening_hours": helpline.opening_hours,
        "holiday_subdivision": helpline.holiday_subdivision or "",
        "is_open_on_holidays": helpline.is_open_on_holidays,
    }


def _hours_form(helpline: Helpline) -> HoursForm:
    """The hours' form as stored (not a posted form)."""
    return HoursForm(formdata=None, data=_hours_data(helpline))


def _hours_page(
    session: Session,
    hours_form: HoursForm | None = None,
    closure_form: ClosureForm | None = None,
    status: int = 200,
    grid: Grid | None = None,
) -> Page:
    helpline = chosen_helpline("admin")
    try:
        spoken = describe_hours_fr(parse_schedule(helpline.opening_hours))
    except ValueError:
        spoken = _("horaires illisibles")
    return page(
        "routing/hours.html",
        status,
        helpline=helpline,
        spoken=spoken,
        closures=_closures(session, helpline),
        subdivisions=HOLIDAY_SUBDIVISIONS,
        form=hours_form or _hours_form(helpline),
        closure_form=closure_form or ClosureForm(formdata=None),
        after_call_form=AfterCallForm(formdata=None, data=_after_call_data(helpline)),
        grid=grid if grid is not None else stored_grid(helpline),
        day_names=DAY_NAMES,
        **hours_context(session, helpline, now(), request.args.get("month")),
    )


def _after_call_data(helpline: Helpline) -> dict[str, Any]:
    return {
        "is_rating_enabled": helpline.is_rating_enabled,
        "is_voicemail_sms_enabled": helpline.is_voicemail_sms_enabled,
    }


@bp.post("/after-call")
@require_roles("admin")
def after_call_update() -> Page:
    """Whether the GP is asked to rate the service, and the nurse texted of a voicemail."""
    session, form = db_session(), AfterCallForm()
    helpline = chosen_helpline("admin")
    before = _after_call_data(helpline)
    if not form.validate():
        refuse(form)
        return _hours_page(session, status=400)
    helpline.is_rating_enabled = bool(form.is_rating_enabled.data)
    helpline.is_voicemail_sms_enabled = bool(form.is_voicemail_sms_enabled.data)
    session.flush()
    after = _after_call_data(helpline)
    record("after_call_changed", "helpline", helpline.id, before=before, after=after)
    flash(_("Réglages d'après l'appel enregistrés."), "success")
    return redirect(url_for("routing_admin.hours"))


@bp.get("/hours")
@require_roles("admin")
def hours() -> Page:
    """The weekly schedule, how the voice says it, public holidays and closures."""
    return _hours_page(db_session())


@bp.post("/hours")
@require_roles("admin")
def hours_update() -> Page:
    """Change the weekly schedule and how public holidays are handled."""
    session, form = db_session(), HoursForm()
    helpline = chosen_helpline("admin")
    before = _hours_data(helpline)
    if not form.validate():
        refuse(form)
        return _hours_page(session, form, status=400)
    try:
        spoken = set_hours(
            session,
            helpline,
            form.opening_hours.data,
            form.holiday_subdivision.data,
            bool(form.is_open_on_holidays.data),
        )
    except ValueError:
        problem = ValueError(_("Ce calendrier de jours fériés n'est pas connu."))
        refuse(form, problem, "holiday_subdivision")
        return _hours_page(session, form, status=400)
    record("hours_changed", "helpline", helpline.id, before=before, after=_hours_data(helpline))
    flash(_("Horaires enregistrés : ouvert {spoken}.", spoken=spoken), "success")
    return redirect(url_for("routing_admin.hours"))


@bp.post("/hours/grid")
@require_roles("admin")
def hours_grid_update() -> Page:
    """Set the weekly schedule from the grid, or add or remove one of its rows (not saved)."""
    session, posted = db_session(), read_grid(request.form)
    if posted.action != "save":
        return _hours_page(session, grid=posted.edited())
    helpline = chosen_helpline("admin")
    before = _hours_data(helpline)
    try:
        spoken = set_hours(session, helpline, format_schedule(schedule_of_grid(posted.grid)))
    except ScheduleError as exc:
        db_session().rollback()
        flash(say(exc), "error")
        return _hours_page(session, status=400, grid=posted.grid)
    record("hours_changed", "helpline", helpline.id, before=before, after=_hours_data(helpline))
    flash(_("Horaires enregistrés : ouvert {spoken}.", spoken=spoken), "success")
    return redirect(url_for("routing_admin.hours"))


@bp.post("/closures")
@require_roles("admin")
def closure_create() -> Page:
    """Close whole local days (a bridge, a team day)."""
    session, form = db_session(), ClosureForm()
    helpline = chosen_helpline("admin")
    if not form.validate() or form.first_day.data is None:
        refuse(form)
        return _hours_page(session, closure_form=form, status=400)
    first_day = form.first_day.data
    last_day = form.last_day.data or first_day
    label = form.label.data or "fermeture exceptionnelle"
    try:
        closure = add_closure(session, helpline, first_day, last_day, label)
    except ValueError as exc:
        refuse(form, exc)
        return _hours_page(session, closure_form=form, status=400)
    record(
        "closure_added",
        "closure",
        closure.id,
        first_day=first_day.isoformat(),
        last_day=last_day.isoformat(),
        label=closure.label,
    )
    flash(_("Fermeture enregistrée."), "success")
    return redirect(url_for("routing_admin.hours"))


@bp.post("/closures/<int:closure_id>/delete")
@require_roles("admin")
def closure_delete(closure_id: int) -> Response:
    """Cancel a closure."""
    session = db_session()
    closure = session.get(Closure, closure_id)
    if closure is None:
        abort(404)
    require_helpline_role("admin", closure.helpline_id)
    detail = {
        "label": closure.label,
        "starts_at": closure.starts_at.isoformat(),
        "ends_at": closure.ends_at.isoformat(),
    }
    session.delete(closure)
    session.flush()
    record("closure_deleted", "closure", closure_id, **detail)
    flash(_("Fermeture supprimée."), "success")
    return redirect(url_for("routing_admin.hours"))
