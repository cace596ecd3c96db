"""Routing's rota pages: the week and month calendars (shifts as bars over the opening hours, the
holes marked), one-off shifts, recurring patterns, absences and swaps, and the holes mailed to
the coordinators from the admin's home."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from hotline.admin import Page, page, record, refuse
from hotline.auth import chosen_helpline, require_roles, visible_helpline_ids
from hotline.hooks import Panel
from hotline.i18n import N_, ngettext
from hotline.i18n import gettext as _
from hotline.models import Helpline, HelplineMembership, User
from hotline.scope import can
from hotline.web import db_session, now, settings
from routing.forms import RANK_LABELS, ShiftForm
from routing.hours import open_periods
from routing.models import RotaException, RotaPattern
from routing.rota import holes, opening_hours, resolved_shifts
from routing.rota_admin import HOLES_AHEAD, mail_holes
from routing.rota_calendar import CalendarDay, calendar_days
from routing.rota_forms import (
    EVERY_WEEKS_LABELS,
    EXCEPTION_LABELS,
    WEEKDAY_CHOICES,
    ExceptionForm,
    PatternEndForm,
    PatternForm,
)
from routing.rota_rules import local_day_bounds, uncovered

bp = Blueprint("routing_rota", __name__, url_prefix="/admin", template_folder="templates")
# The calendar's stylesheet (the CSP allows no inline style), outside /admin: a file, not a page.
assets = Blueprint(
    "routing_assets", __name__, static_folder="static", static_url_path="/static/routing"
)

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
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def week_start(text: str | None, today: date) -> date:
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


def _month_start(text: str | None, today: date) -> date:
    """The first day of a month such as "2026-11", or of this month."""
    found = _MONTH.fullmatch((text or "").strip())
    if found and 1 <= int(found.group(2)) <= 12 and 1900 < int(found.group(1)) < 9000:
        return date(int(found.group(1)), int(found.group(2)), 1)
    if text:
        flash(_("Mois inconnu « {month} » : voici le mois en cours.", month=text), "error")
    return today.replace(day=1)


def _iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def local_today(helpline: Helpline) -> date:
    return now().astimezone(ZoneInfo(helpline.timezone)).date()


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


def calendar(session: Session, helpline: Helpline, first: date, count: int) -> list[CalendarDay]:
    """``count`` local days of the helpline's resolved rota, opening hours and holes."""
    tz = ZoneInfo(helpline.timezone)
    start, end = local_day_bounds(first, first + timedelta(days=count - 1), tz)
    shifts = resolved_shifts(session, helpline, start, end)
    periods = open_periods(
        opening_hours(session, helpline), first - timedelta(days=1), first + timedelta(count)
    )
    ids = {s.user_id for s in shifts} | {s.swapped_from for s in shifts if s.swapped_from}
    names = {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(ids)))}
    return calendar_days(
        first,
        count,
        helpline.timezone,
        periods,
        shifts,
        uncovered(periods, shifts, start, end),
        names,
    )


def _common(session: Session, helpline: Helpline) -> dict[str, Any]:
    today = local_today(helpline)
    patterns = session.scalars(
        select(RotaPattern)
        .where(RotaPattern.helpline_id == helpline.id)
        .order_by(RotaPattern.last_day.is_not(None), RotaPattern.first_day, RotaPattern.id)
    ).all()
    exceptions = session.scalars(
        select(RotaException)
        .where(
            RotaException.helpline_id == helpline.id,
            RotaException.last_day >= today - timedelta(days=31),
        )
        .order_by(RotaException.first_day, RotaException.id)
    ).all()
    return {
        "helpline": helpline,
        "today": today,
        "patterns": patterns,
        "exceptions": exceptions,
        "nurses": _nurses(session, helpline),
        "rank_labels": RANK_LABELS,
        "day_names": DAY_NAMES,
        "weekday_choices": WEEKDAY_CHOICES,
        "every_weeks_labels": EVERY_WEEKS_LABELS,
        "exception_labels": EXCEPTION_LABELS,
    }


def rota_page(
    session: Session,
    helpline: Helpline,
    monday: date,
    status: int = 200,
    **forms: FlaskForm,
) -> Page:
    week = _iso_week(monday)
    return page(
        "routing/rota.html",
        status,
        week=week,
        monday=monday,
        month=monday.strftime("%Y-%m"),
        previous_week=_iso_week(monday - timedelta(days=7)),
        next_week=_iso_week(monday + timedelta(days=7)),
        days=calendar(session, helpline, monday, 7),
        form=forms.get("form") or ShiftForm(helpline.timezone, formdata=None, data={"week": week}),
        pattern_form=forms.get("pattern_form")
        or PatternForm(formdata=None, data={"week": week, "first_day": monday}),
        exception_form=forms.get("exception_form")
        or ExceptionForm(formdata=None, data={"week": week}),
        end_form=PatternEndForm(formdata=None),
        **_common(session, helpline),
    )


@bp.get("/rota")
@require_roles("admin")
def rota() -> Page:
    """A week of the rota in the helpline's time zone, and the forms that change it."""
    session = db_session()
    helpline = chosen_helpline("admin")
    return rota_page(session, helpline, week_start(request.args.get("week"), local_today(helpline)))


@bp.get("/rota/month")
@require_roles("admin")
def rota_month() -> Page:
    """A month of the rota: each day's shifts and holes, a link to its week."""
    session = db_session()
    helpline = chosen_helpline("admin")
    first = _month_start(request.args.get("month"), local_today(helpline))
    following = (first + timedelta(days=32)).replace(day=1)
    start = first - timedelta(days=first.weekday())
    count = ((following - start).days + 6) // 7 * 7
    days = calendar(session, helpline, start, count)
    return page(
        "routing/rota_month.html",
        weeks=[days[i : i + 7] for i in range(0, count, 7)],
        first=first,
        month=first.strftime("%Y-%m"),
        previous_month=(first - timedelta(days=1)).strftime("%Y-%m"),
        next_month=following.strftime("%Y-%m"),
        iso_week=_iso_week,
        **_common(session, helpline),
    )


def back_to_week(week: str | None, day: date | None = None) -> Response:
    found = week if week and _WEEK.fullmatch(week) else (_iso_week(day) if day else None)
    return redirect(url_for("routing_rota.rota", week=found))


def nurse_of(session: Session, helpline: Helpline, form: FlaskForm, field: str) -> User | None:
    """The nurse a form's field names, when she is one of the helpline's (else an error)."""
    user_id = form[field].data
    nurse = session.get(User, user_id) if user_id else None
    if nurse is None or nurse not in _nurses(session, helpline):
        if user_id and not form[field].errors:
            form[field].errors.append(_("Choisissez une infirmière dans la liste."))
        return None
    return nurse


# --- holes on the admin's home ----------------------------------------------------------------


def holes_panel(session: Session, user: User, at: datetime) -> Panel | None:
    """The admin's home: the chosen helpline's holes in the coming two weeks, to mail."""
    if not visible_helpline_ids("admin"):
        return None  # an administrator of no helpline yet: nothing to cover
    helpline = chosen_helpline("admin")
    if not can(session, user, "admin", helpline.id):
        return None
    tz = ZoneInfo(helpline.timezone)
    found = [
        (start.astimezone(tz), end.astimezone(tz))
        for start, end in holes(session, helpline, at, at + HOLES_AHEAD)
    ]
    return Panel(
        "routing/holes_panel.html",
        {"helpline": helpline, "holes": found, "day_names": DAY_NAMES},
        order=10,
    )


@bp.post("/rota/holes/mail")
@require_roles("admin")
def holes_mail() -> Response:
    """Mail the next two weeks' holes to the helpline's coordinators (after the commit)."""
    session = db_session()
    helpline = chosen_helpline("admin")
    form = FlaskForm()
    if not form.validate():
        refuse(form)
        return redirect(url_for("admin.index"))
    try:
        count = mail_holes(session, helpline, settings().mail_from, now())
    except ValueError as exc:
        refuse(form, exc)
        return redirect(url_for("admin.index"))
    record("rota_holes_mailed", "helpline", helpline.id, recipients=count)
    flash(
        ngettext(
            "Créneaux non couverts envoyés à {n} coordinateur.",
            "Créneaux non couverts envoyés à {n} coordinateurs.",
            count,
        ),
        "success",
    )
    return redirect(url_for("admin.index"))
