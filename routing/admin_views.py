"""Routing's admin pages: the rota (a week of shifts), the opening hours and the closures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from hotline.admin import Page, page, record, refuse
from hotline.auth import chosen_helpline, require_helpline_role, require_roles
from hotline.i18n import N_, say
from hotline.i18n import gettext as _
from hotline.models import Helpline, HelplineMembership, User
from hotline.web import db_session, now
from routing.admin import ShiftOverlapError, add_closure, add_shift, set_hours
from routing.forms import (
    HOLIDAY_SUBDIVISIONS,
    RANK_LABELS,
    AfterCallForm,
    ClosureForm,
    HoursForm,
    ShiftForm,
)
from routing.hours import ScheduleError, describe_hours_fr, format_schedule, parse_schedule
from routing.hours_grid import Grid, schedule_of_grid
from routing.hours_views import hours_context, read_grid, stored_grid
from routing.models import Closure, Shift

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


# --- rota -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotaEntry:
    """A shift as one day of the week view shows it."""

    shift_id: int
    nurse: str
    rank: str  # on_duty | backup
    starts: str
    ends: str


@dataclass(frozen=True)
class RotaDay:
    """One local day of the week view."""

    day: date
    entries: list[RotaEntry]


def _week_start(text: str | None, today: date) -> date:
    """Monday of an ISO week such as "2026-W48", or of this week."""
    found = _WEEK.fullmatch((text or "").strip())
    if found:
        try:
            return date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
        except ValueError:
            pass
    if text:
        flash(_("Semaine inconnue « {week} » : voici la semaine en cours.", week=text), "error")
    return today - timedelta(days=today.weekday())


def _iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _clock(moment: datetime, day: date) -> str:
    """A shift's bound as read on one day: "08:00", "24:00", or "24/11 08:00" on another day."""
    if moment.date() == day:
        return moment.strftime("%H:%M")
    if moment.date() == day + timedelta(days=1) and moment.time() == time(0):
        return "24:00"
    return moment.strftime("%d/%m %H:%M")


def _week(session: Session, helpline: Helpline, monday: date) -> list[RotaDay]:
    tz = ZoneInfo(helpline.timezone)
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    shifts = session.scalars(
        select(Shift)
        .options(selectinload(Shift.user))
        .where(Shift.helpline_id == helpline.id, Shift.starts_at < end, Shift.ends_at > start)
        .order_by(Shift.starts_at, Shift.rank, Shift.id)
    ).all()
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        day_start = datetime.combine(day, time(0), tzinfo=tz)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        entries = [
            RotaEntry(
                shift.id,
                shift.user.display_name,
                shift.rank,
                _clock(shift.starts_at.astimezone(tz), day),
                _clock(shift.ends_at.astimezone(tz), day),
            )
            for shift in shifts
            if shift.starts_at < day_end and shift.ends_at > day_start
        ]
        days.append(RotaDay(day, entries))
    return days


def _nurses(session: Session, helpline: Helpline) -> list[User]:
    """The helpline's active nurses (its members with the nurse's role)."""
    members = select(HelplineMembership.user_id).where(
        HelplineMembership.helpline_id == helpline.id, HelplineMembership.role == "nurse"
    )
    return list(
        session.scalars(
            select(User).where(User.is_active, User.id.in_(members)).order_by(User.display_name)
        )
    )


def _rota_page(
    session: Session, helpline: Helpline, monday: date, form: ShiftForm, status: int = 200
) -> Page:
    return page(
        "routing/rota.html",
        status,
        helpline=helpline,
        week=_iso_week(monday),
        previous_week=_iso_week(monday - timedelta(days=7)),
        next_week=_iso_week(monday + timedelta(days=7)),
        days=_week(session, helpline, monday),
        nurses=_nurses(session, helpline),
        form=form,
        rank_labels=RANK_LABELS,
        day_names=DAY_NAMES,
    )


@bp.get("/rota")
@require_roles("admin")
def rota() -> Page:
    """A week of the rota in the helpline's time zone, and the form to add a shift."""
    session = db_session()
    helpline = chosen_helpline("admin")
    tz = ZoneInfo(helpline.timezone)
    monday = _week_start(request.args.get("week"), now().astimezone(tz).date())
    return _rota_page(session, helpline, monday, ShiftForm(helpline.timezone))


@bp.post("/rota/shifts")
@require_roles("admin")
def shift_create() -> Page:
    """Put a nurse on the rota between two local times; routing rings her from then on."""
    session = db_session()
    helpline = chosen_helpline("admin")
    tz = ZoneInfo(helpline.timezone)
    form = ShiftForm(helpline.timezone)
    valid = form.validate()
    nurse = session.get(User, form.user_id.data) if form.user_id.data else None
    is_nurse = nurse is not None and nurse in _nurses(session, helpline)
    if form.user_id.data and not form.user_id.errors and not is_nurse:
        form.user_id.errors.append(_("Choisissez une infirmière dans la liste."))
        valid = False
    if not valid or nurse is None:
        refuse(form)
        monday = _week_start(form.week.data, now().astimezone(tz).date())
        return _rota_page(session, helpline, monday, form, 400)
    try:
        shift = add_shift(
            session, helpline, nurse, form.starts.data, form.ends.data, form.rank.data
        )
    except ShiftOverlapError as exc:
        overlap = ValueError(
            _(
                "{name} est déjà de garde du {starts} au {ends} : deux gardes d'une même "
                "infirmière ne peuvent pas se chevaucher.",
                name=exc.nurse_name,
                starts=exc.other_starts,
                ends=exc.other_ends,
            )
        )
        refuse(form, overlap, "starts")
        monday = _week_start(form.week.data, now().astimezone(tz).date())
        return _rota_page(session, helpline, monday, form, 400)
    except ValueError as exc:
        refuse(form, exc)
        monday = _week_start(form.week.data, now().astimezone(tz).date())
        return _rota_page(session, helpline, monday, form, 400)
    record(
        "shift_added",
        "shift",
        shift.id,
        user_id=nurse.id,
        rank=shift.rank,
        starts_at=shift.starts_at.isoformat(),
        ends_at=shift.ends_at.isoformat(),
    )
    flash(_("Garde ajoutée pour {name}.", name=nurse.display_name), "success")
    if not nurse.phone and not nurse.browser_identity:
        flash(
            _(
                "Attention : {name} n'a ni téléphone ni console : elle ne sera pas appelée.",
                name=nurse.display_name,
            ),
            "warning",
        )
    week = _iso_week(shift.starts_at.astimezone(tz).date())
    return redirect(url_for("routing_admin.rota", week=week))


@bp.post("/rota/shifts/<int:shift_id>/delete")
@require_roles("admin")
def shift_delete(shift_id: int) -> Response:
    """Take a shift off the rota."""
    session = db_session()
    shift = session.get(Shift, shift_id)
    if shift is None:
        abort(404)
    require_helpline_role("admin", shift.helpline_id)
    helpline = session.get(Helpline, shift.helpline_id)
    assert helpline is not None
    tz = ZoneInfo(helpline.timezone)
    week = _iso_week(shift.starts_at.astimezone(tz).date())
    detail = {
        "user_id": shift.user_id,
        "rank": shift.rank,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
    }
    session.delete(shift)
    session.flush()
    record("shift_deleted", "shift", shift_id, **detail)
    flash(_("Garde supprimée."), "success")
    return redirect(url_for("routing_admin.rota", week=request.form.get("week") or week))


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
