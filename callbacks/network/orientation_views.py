"""Orientations in the console: the request page's panel (the nurse searches the network's
partners and sees the request's orientations), the page that records an orientation with its
appointment, and the follow-ups of appointments ("Suivis de rendez-vous")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from callbacks.network import orientations, partners
from callbacks.network.appointments import is_due, is_overdue
from callbacks.network.orientation_forms import FollowUpForm, OrientationForm
from callbacks.network.orientation_models import AppointmentFollowUp
from callbacks.network.partner_models import Partner
from hotline import audit, hooks, reference_lists
from hotline.admin import refuse
from hotline.auth import require_roles, signed_in_user
from hotline.console.requests import back_to_request, request_or_404
from hotline.console.scoping import in_scope_or_404, list_scope
from hotline.hooks import NavSection, Panel, SummaryItem
from hotline.i18n import N_, current_locale, say
from hotline.i18n import gettext as _
from hotline.models import Request, User
from hotline.web import db_session, now, settings

# Who orients a patient, and who sees the follow-ups of appointments.
ORIENTERS = ("nurse",)
FOLLOWERS = ("nurse", "coordinator")

bp = Blueprint(
    "network_orientations", __name__, url_prefix="/console", template_folder="../templates"
)


def init_app(app: Flask) -> None:
    """The request page's panel, the orientation and follow-up pages, the board's figure."""
    app.register_blueprint(bp)
    hooks.add_request_panel(app, orientation_panel)
    hooks.add_console_section(
        app,
        NavSection("network_orientations.follow_ups", N_("Suivis de rendez-vous"), FOLLOWERS, 25),
    )
    hooks.add_event_labels(app, orientations.EVENT_LABELS)
    hooks.add_board_summary(app, board_summary)


def board_summary(
    session: Session,
    day_start: datetime,
    day_end: datetime,
    now: datetime,
    helpline_ids: Sequence[int],
) -> list[SummaryItem]:
    """The board's figure: appointments' follow-ups of these helplines due by the end of the
    day, not done."""
    url = url_for("network_orientations.follow_ups")
    count = orientations.count_due(session, day_end, helpline_ids)
    return [SummaryItem("appointment_follow_ups_due", _("Suivis de rendez-vous"), count, url)]


def due_day(due_at: datetime, tz_name: str) -> str:
    """The day a follow-up is due, as the locale writes a day."""
    day = due_at.astimezone(ZoneInfo(tz_name)).date()
    return str(format_date(day, "full", locale=current_locale()))


def _wanted() -> partners.PartnerSearch:
    """The nurse's search, from the request page's address."""
    args = request.args
    return partners.PartnerSearch(
        commune=args.get("partner_commune", "").strip()[:80],
        profession=args.get("partner_profession", "").strip()[:30],
        language=args.get("partner_language", "").strip()[:16],
        accepting_only=args.get("partner_new") == "1",
    )


def _languages(session: Session) -> list[tuple[str, str]]:
    """The languages partners speak, as the search offers them, by name."""
    locale = current_locale()
    named = [
        (code, hooks.language_name(code, locale)) for code in partners.spoken_languages(session)
    ]
    return sorted(named, key=lambda item: item[1])


def orientation_panel(
    session: Session, call_request: Request, user: User, at: datetime
) -> Panel | None:
    """The request's orientations (with their appointments and follow-ups) and the search of
    the network's partners to orient the patient."""
    if not user.has_role("nurse"):
        return None
    wanted = _wanted()
    found = None if wanted.is_empty else partners.search_partners(session, wanted)
    context = {
        "orientations": orientations.orientations_of(session, call_request.id),
        "services": reference_lists.labels(session, call_request.helpline_id, "orientation"),
        "wanted": wanted,
        "found": found,
        "professions": partners.PARTNER_PROFESSIONS,
        "spoken": _languages(session),
        "language_names": partners.language_names,
        "results": orientations.RESULT_LABELS,
        "tz": call_request.helpline.timezone,
        "now": at,
        "is_due": is_due,
        "due_day": due_day,
    }
    return Panel("callbacks/network/orientation_panel.html", context, "main", order=50)


def _orientation_page(
    call_request: Request, form: OrientationForm, partner: Partner | None, status: int = 200
) -> tuple[str, int]:
    session = db_session()
    return render_template(
        "callbacks/network/orientation_new.html",
        user=signed_in_user(),
        req=call_request,
        form=form,
        partner=partner,
        services=reference_lists.choices(session, call_request.helpline_id, "orientation"),
        professions=partners.PARTNER_PROFESSIONS,
        language_names=partners.language_names,
        tz=call_request.helpline.timezone,
    ), status


@bp.get("/requests/<int:request_id>/orientations/new")
@require_roles(*ORIENTERS)
def new_orientation(request_id: int) -> tuple[str, int]:
    """The form to orient the request's patient (to the partner chosen in the search, if any)."""
    call_request = request_or_404(request_id)
    form = OrientationForm(data={"partner_id": request.args.get("partner", "")})
    partner_id = form.partner()
    partner = db_session().get(Partner, partner_id) if partner_id else None
    if partner is not None and not partner.is_active:
        partner = None
    return _orientation_page(call_request, form, partner)


@bp.post("/requests/<int:request_id>/orientations/new")
@require_roles(*ORIENTERS)
def add_orientation(request_id: int) -> Response | tuple[str, int]:
    """Record the orientation (and its appointment's follow-up)."""
    me, session = signed_in_user(), db_session()
    call_request = request_or_404(request_id)
    form = OrientationForm()
    valid = form.validate()
    valid = form.check_appointment(call_request.helpline.timezone, now()) and valid
    partner_id = form.partner()
    partner = session.get(Partner, partner_id) if partner_id else None
    if partner_id and partner is None:
        form.partner_id.errors = [_("Choisissez un partenaire dans la recherche.")]
        valid = False
    if not valid:
        refuse(form)
        return _orientation_page(call_request, form, partner, 400)
    try:
        orientation = orientations.record_orientation(
            session,
            call_request,
            me,
            now(),
            partner=partner,
            service=form.service.data or "",
            appointment_at=form.appointment_at,
        )
    except ValueError as exc:
        refuse(form, exc)
        partner = session.get(Partner, partner_id) if partner_id else None
        return _orientation_page(call_request, form, partner, 400)
    audit.record(
        session, me, "orientation_recorded", "request", call_request.id, now(), id=orientation.id
    )
    if orientation.appointment_at is not None:
        flash(
            _("Orientation enregistrée : le suivi du rendez-vous est programmé pour le lendemain."),
            "success",
        )
    else:
        flash(_("Orientation enregistrée."), "success")
    return back_to_request(request_id)


@bp.get("/follow-ups")
@require_roles(*FOLLOWERS)
def follow_ups() -> str | tuple[str, int]:
    """Appointments of the reader's helplines to follow up, the overdue and today's first."""
    session = db_session()
    scope = list_scope(*FOLLOWERS)
    if scope.problem is not None:
        flash(say(scope.problem), "error")
    rows = orientations.pending_follow_ups(session, scope.ids)
    helplines = {row.request.helpline_id for row in rows}
    html = render_template(
        "callbacks/network/follow_ups.html",
        user=signed_in_user(),
        rows=rows,
        services={h: reference_lists.labels(session, h, "orientation") for h in helplines},
        at=now(),
        is_due=is_due,
        is_overdue=is_overdue,
        due_day=due_day,
        tz=settings().timezone,
        scope=scope,
    )
    return (html, 400) if scope.problem is not None else html


def _follow_up_page(
    follow_up: AppointmentFollowUp, form: FollowUpForm, status: int = 200
) -> tuple[str, int]:
    session = db_session()
    call_request = session.get(Request, follow_up.request_id)
    assert call_request is not None
    return render_template(
        "callbacks/network/follow_up.html",
        user=signed_in_user(),
        follow_up=follow_up,
        orientation=follow_up.orientation,
        req=call_request,
        form=form,
        results=orientations.RESULT_LABELS,
        services=reference_lists.labels(session, call_request.helpline_id, "orientation"),
        tz=call_request.helpline.timezone,
        due_day=due_day,
    ), status


def _follow_up_or_404(follow_up_id: int) -> AppointmentFollowUp:
    """The follow-up of a URL, or a 404 (none, or of a helpline the reader does not follow)."""
    session = db_session()
    found = session.get(AppointmentFollowUp, follow_up_id)
    if found is None:
        abort(404)
    call_request = session.get(Request, found.request_id)
    assert call_request is not None
    in_scope_or_404(call_request.helpline_id, *FOLLOWERS)
    return found


@bp.get("/follow-ups/<int:follow_up_id>")
@require_roles(*FOLLOWERS)
def follow_up(follow_up_id: int) -> tuple[str, int]:
    """The question of one follow-up, with its result if already given."""
    found = _follow_up_or_404(follow_up_id)
    audit.record(
        db_session(),
        signed_in_user(),
        "view_follow_up",
        "request",
        found.request_id,
        now(),
        follow_up=found.id,
    )
    form = FollowUpForm(data={"result": found.result or "", "note": found.note or ""})
    return _follow_up_page(found, form)


@bp.post("/follow-ups/<int:follow_up_id>")
@require_roles(*FOLLOWERS)
def record_follow_up(follow_up_id: int) -> Response | tuple[str, int]:
    """Keep the follow-up's coded result (and its note)."""
    me, session = signed_in_user(), db_session()
    found = _follow_up_or_404(follow_up_id)
    form = FollowUpForm()
    if not form.validate():
        refuse(form)
        return _follow_up_page(_follow_up_or_404(follow_up_id), form, 400)
    result = form.chosen()
    try:
        orientations.record_result(session, found, result, form.note.data or "", me, now())
    except ValueError as exc:
        refuse(form, exc)
        return _follow_up_page(_follow_up_or_404(follow_up_id), form, 400)
    audit.record(
        session,
        me,
        "follow_up_recorded",
        "request",
        found.request_id,
        now(),
        follow_up=found.id,
        result=result.value,
    )
    label = _(orientations.RESULT_LABELS[result])
    flash(_("Suivi enregistré : rendez-vous « {result} ».", result=label), "success")
    return redirect(url_for("network_orientations.follow_ups"))
