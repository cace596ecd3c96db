"""Routing's rota changes: one-off shifts, recurring patterns and their end, absences and swaps;
each audited, each back to the week it touched (routes of ``routing.admin_rota``'s blueprint)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, request
from werkzeug.wrappers import Response

from hotline.admin import Page, record, refuse
from hotline.auth import chosen_helpline, require_helpline_role, require_roles
from hotline.i18n import gettext as _
from hotline.models import Helpline
from hotline.web import db_session
from routing.admin import ShiftOverlapError, add_shift
from routing.admin_rota import back_to_week, bp, local_today, nurse_of, rota_page, week_start
from routing.forms import ShiftForm
from routing.models import RotaException, RotaPattern, Shift
from routing.rota_admin import add_exception, add_pattern, end_pattern
from routing.rota_forms import ExceptionForm, PatternEndForm, PatternForm

# --- one-off shifts ---------------------------------------------------------------------------


@bp.post("/rota/shifts")
@require_roles("admin")
def shift_create() -> Page:
    """Put a nurse on the rota between two local times (an extra shift)."""
    session = db_session()
    helpline = chosen_helpline("admin")
    form = ShiftForm(helpline.timezone)
    valid = form.validate()
    nurse = nurse_of(session, helpline, form, "user_id")
    monday = week_start(form.week.data, local_today(helpline))
    if not valid or nurse is None:
        refuse(form)
        return rota_page(session, helpline, monday, 400, form=form)
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
        return rota_page(session, helpline, monday, 400, form=form)
    except ValueError as exc:
        refuse(form, exc)
        return rota_page(session, helpline, monday, 400, form=form)
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
    tz = ZoneInfo(helpline.timezone)
    return back_to_week(None, shift.starts_at.astimezone(tz).date())


@bp.post("/rota/shifts/<int:shift_id>/delete")
@require_roles("admin")
def shift_delete(shift_id: int) -> Response:
    """Take a one-off shift off the rota."""
    session = db_session()
    shift = session.get(Shift, shift_id)
    if shift is None:
        abort(404)
    require_helpline_role("admin", shift.helpline_id)
    helpline = session.get(Helpline, shift.helpline_id)
    assert helpline is not None
    day = shift.starts_at.astimezone(ZoneInfo(helpline.timezone)).date()
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
    return back_to_week(request.form.get("week"), day)


# --- patterns ---------------------------------------------------------------------------------


@bp.post("/rota/patterns")
@require_roles("admin")
def pattern_create() -> Page:
    """A nurse's recurring shift, from its first day (and to its last, if given)."""
    session = db_session()
    helpline = chosen_helpline("admin")
    form = PatternForm()
    valid = form.validate()
    nurse = nurse_of(session, helpline, form, "user_id")
    monday = week_start(form.week.data, local_today(helpline))
    if not valid or nurse is None:
        refuse(form)
        return rota_page(session, helpline, monday, 400, pattern_form=form)
    starts, ends = form.clocks()
    try:
        row = add_pattern(
            session,
            helpline,
            nurse,
            rank=form.rank.data,
            weekdays=form.weekdays.data,
            starts=starts,
            ends=ends,
            first_day=form.first_day.day(),
            last_day=form.last_day.data,
            every_weeks=int(form.every_weeks.data),
        )
    except ValueError as exc:
        refuse(form, exc)
        return rota_page(session, helpline, monday, 400, pattern_form=form)
    record(
        "rota_pattern_added",
        "rota_pattern",
        row.id,
        user_id=nurse.id,
        rank=row.rank,
        weekdays=row.weekdays,
        starts=row.starts_local.isoformat("minutes"),
        ends=row.ends_local.isoformat("minutes"),
        every_weeks=row.every_weeks,
        first_day=row.first_day.isoformat(),
        last_day=row.last_day.isoformat() if row.last_day else None,
    )
    flash(_("Semaine type enregistrée pour {name}.", name=nurse.display_name), "success")
    return back_to_week(form.week.data, row.first_day)


@bp.post("/rota/patterns/<int:pattern_id>/end")
@require_roles("admin")
def pattern_end(pattern_id: int) -> Page:
    """End a recurring shift on a day (its last)."""
    session = db_session()
    row = session.get(RotaPattern, pattern_id)
    if row is None:
        abort(404)
    require_helpline_role("admin", row.helpline_id)
    helpline = session.get(Helpline, row.helpline_id)
    assert helpline is not None
    form = PatternEndForm()
    monday = week_start(form.week.data, local_today(helpline))
    if not form.validate():
        refuse(form)
        return rota_page(session, helpline, monday, 400)
    before = row.last_day.isoformat() if row.last_day else None
    try:
        end_pattern(session, row, form.last_day.day())
    except ValueError as exc:
        refuse(form, exc)
        return rota_page(session, helpline, monday, 400)
    record(
        "rota_pattern_ended",
        "rota_pattern",
        row.id,
        before=before,
        last_day=form.last_day.day().isoformat(),
    )
    flash(_("Semaine type terminée le {day}.", day=form.last_day.day().strftime("%d/%m/%Y")))
    return back_to_week(form.week.data)


# --- exceptions -------------------------------------------------------------------------------


@bp.post("/rota/exceptions")
@require_roles("admin")
def exception_create() -> Page:
    """An absence (the nurse is off those days) or a swap (a colleague takes her shifts)."""
    session = db_session()
    helpline = chosen_helpline("admin")
    form = ExceptionForm()
    valid = form.validate()
    nurse = nurse_of(session, helpline, form, "user_id")
    replacement = None
    if form.kind.data == "swap":
        replacement = nurse_of(session, helpline, form, "replacement_id")
        valid = valid and replacement is not None
    monday = week_start(form.week.data, local_today(helpline))
    if not valid or nurse is None:
        refuse(form)
        return rota_page(session, helpline, monday, 400, exception_form=form)
    first_day = form.first_day.day()
    last_day = form.last_day.data or first_day
    try:
        row = add_exception(
            session, helpline, form.kind.data, nurse, first_day, last_day, replacement
        )
    except ValueError as exc:
        refuse(form, exc)
        return rota_page(session, helpline, monday, 400, exception_form=form)
    record(
        "rota_exception_added",
        "rota_exception",
        row.id,
        kind=row.kind,
        user_id=row.user_id,
        replacement_id=row.replacement_id,
        first_day=row.first_day.isoformat(),
        last_day=row.last_day.isoformat(),
    )
    if row.kind == "absence":
        flash(_("Absence de {name} enregistrée.", name=nurse.display_name), "success")
    else:
        flash(_("Échange enregistré pour {name}.", name=nurse.display_name), "success")
    return back_to_week(form.week.data, first_day)


@bp.post("/rota/exceptions/<int:exception_id>/delete")
@require_roles("admin")
def exception_delete(exception_id: int) -> Response:
    """Cancel an absence or a swap: the pattern applies again on those days."""
    session = db_session()
    row = session.get(RotaException, exception_id)
    if row is None:
        abort(404)
    require_helpline_role("admin", row.helpline_id)
    detail = {
        "kind": row.kind,
        "user_id": row.user_id,
        "replacement_id": row.replacement_id,
        "first_day": row.first_day.isoformat(),
        "last_day": row.last_day.isoformat(),
    }
    day = row.first_day
    # Recorded while the row is there: the audit log reads its helpline from it.
    record("rota_exception_deleted", "rota_exception", exception_id, **detail)
    session.delete(row)
    session.flush()
    flash(_("Exception annulée."), "success")
    return back_to_week(request.form.get("week"), day)
