"""The console's concertation meetings: the calendar, a meeting's participants and agenda, the
agenda sent by e-mail, the decisions and the publication of anonymised cases (coordinator or
admin; nurses propose situations)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from callbacks.network import mail, meetings, partners
from callbacks.network.meeting_models import (
    AgendaItem,
    Meeting,
    MeetingKind,
    MeetingParticipant,
)
from callbacks.network.partner_models import Partner
from hotline import audit, reference_lists
from hotline.anonymity import IdentityRefusal
from hotline.auth import require_roles, signed_in_user
from hotline.console.scoping import (
    helpline_names,
    in_scope_or_404,
    visible_ids,
    working_helpline_id,
)
from hotline.i18n import N_, ngettext, say
from hotline.i18n import gettext as _
from hotline.inputs import parse_id
from hotline.models import HelplineMembership, Request, User
from hotline.refusals import Refusal
from hotline.web import db_session, now, settings

bp = Blueprint("network_meetings", __name__, url_prefix="/console/network")

RUNS = ("coordinator", "admin")
# Who reads the calendar and a meeting, and puts a situation on its agenda.
ATTENDS = ("coordinator", "admin", "nurse")
KIND_LABELS = {
    MeetingKind.INTERVISION: N_("Intervision"),
    MeetingKind.RCP: N_("RCP (réunion de concertation pluridisciplinaire)"),
    MeetingKind.PREPARATION: N_("Préparation"),
}


def tz() -> ZoneInfo:
    """The helpline's time zone."""
    return ZoneInfo(settings().timezone)


def refuse(problem: Refusal) -> None:
    """Flash a refusal; an identity found says what it found."""
    flash(say(problem), "error")


def _meeting_or_404(meeting_id: int, roles: tuple[str, ...] = ATTENDS) -> Meeting:
    """The meeting of a URL, or a 404 (none, or of a helpline where the user has none of these
    roles)."""
    meeting = db_session().get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    in_scope_or_404(meeting.helpline_id, *roles)
    return meeting


def _calendar(me: User, values: dict[str, str], status: int = 200) -> tuple[str, int]:
    session = db_session()
    seen = visible_ids(*ATTENDS)
    rows = list(
        session.scalars(
            select(Meeting).where(Meeting.helpline_id.in_(seen)).order_by(Meeting.starts_at.desc())
        )
    )
    at = now()
    return render_template(
        "callbacks/network/meetings.html",
        user=me,
        coming=[m for m in reversed(rows) if m.starts_at >= at],
        past=[m for m in rows if m.starts_at < at],
        kinds=KIND_LABELS,
        values=values,
        tz=settings().timezone,
        runs=any(me.has_role(role) for role in RUNS),
        lines=helpline_names(seen),  # each meeting's helpline, for a reader of several
    ), status


@bp.get("/meetings")
@require_roles(*ATTENDS)
def calendar() -> tuple[str, int]:
    """The calendar: meetings to come and held."""
    return _calendar(signed_in_user(), {})


def parse_local(day: str, hour: str, zone: ZoneInfo) -> datetime:
    """A date and a time typed in the helpline's zone, as an aware moment."""
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(hour), zone)
    except ValueError:
        raise Refusal(N_("Date ou heure illisible.")) from None


@bp.post("/meetings")
@require_roles(*RUNS)
def create_meeting() -> Response | tuple[str, int]:
    """Put a meeting on the calendar."""
    me = signed_in_user()
    values = {
        k: request.form.get(k, "").strip() for k in ("kind", "day", "hour", "place", "video_url")
    }
    session = db_session()
    try:
        starts_at = parse_local(values["day"], values["hour"], tz())
        meeting = meetings.create_meeting(
            session, working_helpline_id(*RUNS), me, kind=values["kind"],
            starts_at=starts_at, place=values["place"], video_url=values["video_url"], now=now(),
        )  # fmt: skip
    except Refusal as problem:
        refuse(problem)
        return _calendar(me, values, 400)
    audit.record(session, me, "create", "meeting", meeting.id, now())
    flash(_("Réunion ajoutée au calendrier."), "success")
    return redirect(url_for("network_meetings.meeting", meeting_id=meeting.id))


def meeting_page(
    meeting: Meeting, me: User, values: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    """A meeting's page, with what a refused form held."""
    session = db_session()
    items = session.execute(
        select(AgendaItem, Request)
        .join(Request, Request.id == AgendaItem.request_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.id)
    ).all()
    participants = session.scalars(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting.id)
        .order_by(MeetingParticipant.id)
    ).all()
    staff = session.scalars(
        select(User)
        .where(User.is_active.is_(True), User.id.in_(_members_of(meeting)))
        .order_by(User.display_name)
    ).all()
    proposed = meetings.proposed_partners(session, [item.id for item, _r in items])
    return render_template(
        "callbacks/network/meeting.html",
        user=me,
        meeting=meeting,
        items=items,
        participants=participants,
        staff=staff,
        partners=session.scalars(
            select(Partner).where(Partner.is_active).order_by(Partner.name, Partner.id)
        ).all(),
        proposed=proposed,
        kinds=KIND_LABELS,
        orientations=reference_lists.choices(session, meeting.helpline_id, "orientation"),
        values=values or {},
        tz=settings().timezone,
        is_past=meeting.starts_at < now(),
        runs=any(me.has_role(role) for role in RUNS),
    ), status


@bp.get("/meetings/<int:meeting_id>")
@require_roles(*ATTENDS)
def meeting(meeting_id: int) -> tuple[str, int]:
    """A meeting: its participants, its agenda, the decisions."""
    return meeting_page(_meeting_or_404(meeting_id), signed_in_user())


@bp.post("/meetings/<int:meeting_id>/participants")
@require_roles(*RUNS)
def add_participant(meeting_id: int) -> Response | tuple[str, int]:
    """Add a staff member, or a partner or another person with an e-mail address."""
    me = signed_in_user()
    found = _meeting_or_404(meeting_id, RUNS)
    session = db_session()
    values = {
        k: request.form.get(k, "").strip() for k in ("user_id", "partner_id", "name", "email")
    }
    try:
        participant = _participant(session, found, values)
    except Refusal as problem:
        refuse(problem)
        return meeting_page(found, me, values, 400)
    session.add(participant)
    session.flush()
    audit.record(session, me, "add_participant", "meeting", found.id, now())
    flash(_("Participant ajouté."), "success")
    return redirect(url_for("network_meetings.meeting", meeting_id=found.id))


def _participant(session: Session, meeting: Meeting, values: dict[str, str]) -> MeetingParticipant:
    """A staff account, an active partner of the network, or a person named with an address."""
    user_id, partner_id = parse_id(values["user_id"]), parse_id(values["partner_id"])
    if (values["user_id"] and user_id is None) or (values["partner_id"] and partner_id is None):
        raise Refusal(N_("Numéro invalide."))
    email = partners.clean_email(values["email"])
    if user_id is not None:
        user = session.get(User, user_id)
        # The staff of the meeting's helpline only (its agenda names its requests).
        if user is None or user.id not in session.scalars(_members_of(meeting)).all():
            raise Refusal(N_("Compte inconnu."))
        return MeetingParticipant(
            meeting_id=meeting.id, user_id=user.id, name=user.display_name,
            email=email or user.email,
        )  # fmt: skip
    if partner_id is not None:
        partner = session.get(Partner, partner_id)
        if partner is None or not partner.is_active:
            raise Refusal(N_("Choisissez un partenaire actif du réseau dans la liste."))
        return MeetingParticipant(
            meeting_id=meeting.id, partner_id=partner.id, name=partner.name,
            email=email or partner.email,
        )  # fmt: skip
    name = meetings.clean_text(values["name"], 200)
    if not name:
        raise Refusal(N_("Donnez le nom du participant (ou choisissez un compte, un partenaire)."))
    return MeetingParticipant(meeting_id=meeting.id, name=name, email=email)


@bp.post("/meetings/<int:meeting_id>/agenda")
@require_roles(*ATTENDS)
def propose(meeting_id: int) -> Response | tuple[str, int]:
    """Put a complex situation (by its reference) on the agenda with an anonymised summary: a
    request of the meeting's helpline (another's is as unknown as a missing one)."""
    me = signed_in_user()
    found = _meeting_or_404(meeting_id)
    session = db_session()
    values = {k: request.form.get(k, "").strip() for k in ("reference", "summary")}
    call_request = session.scalars(
        select(Request).where(
            Request.reference == values["reference"], Request.helpline_id == found.helpline_id
        )
    ).first()
    try:
        if call_request is None:
            raise Refusal(
                N_("Aucune demande n'a la référence « {reference} »."),
                reference=values["reference"],
            )
        item = meetings.put_on_agenda(session, found, call_request, me, values["summary"], now())
    except IdentityRefusal as problem:
        refuse(problem)
        return meeting_page(found, me, {**values, "flagged": say(problem)}, 400)
    except Refusal as problem:
        refuse(problem)
        return meeting_page(found, me, values, 400)
    audit.record(
        session, me, "put_on_agenda", "request", item.request_id, now(), meeting_id=found.id
    )
    flash(_("Situation mise à l'ordre du jour."), "success")
    return redirect(url_for("network_meetings.meeting", meeting_id=found.id))


@bp.post("/meetings/<int:meeting_id>/send")
@require_roles(*RUNS)
def send_agenda(meeting_id: int) -> Response | tuple[str, int]:
    """Send the agenda to the participants by e-mail (after the commit)."""
    me = signed_in_user()
    found = _meeting_or_404(meeting_id, RUNS)
    session = db_session()
    try:
        count = mail.queue_agenda(session, found, settings().mail_from, tz(), now())
    except Refusal as problem:
        refuse(problem)
        return meeting_page(found, me, {}, 400)
    audit.record(session, me, "send_agenda", "meeting", found.id, now(), recipients=count)
    flash(
        ngettext(
            "Ordre du jour envoyé à {n} participant.",
            "Ordre du jour envoyé à {n} participants.",
            count,
        ),
        "success",
    )
    return redirect(url_for("network_meetings.meeting", meeting_id=found.id))


def _item_or_404(item_id: int) -> tuple[AgendaItem, Meeting, Request]:
    """An agenda item of a meeting the user runs, or a 404."""
    session = db_session()
    item = session.get(AgendaItem, item_id)
    if item is None:
        abort(404)
    found, call_request = (
        session.get(Meeting, item.meeting_id),
        session.get(Request, item.request_id),
    )
    assert found is not None and call_request is not None
    in_scope_or_404(found.helpline_id, *RUNS)
    return item, found, call_request


def _members_of(meeting: Meeting) -> Select[tuple[int]]:
    """The ids of the staff of the meeting's helpline (any role there)."""
    return select(HelplineMembership.user_id).where(
        HelplineMembership.helpline_id == meeting.helpline_id
    )


@bp.post("/agenda/<int:item_id>/decision")
@require_roles(*RUNS)
def decide(item_id: int) -> Response | tuple[str, int]:
    """Record the meeting's decision on a situation, its orientations and follow-up date."""
    me = signed_in_user()
    item, found, call_request = _item_or_404(item_id)
    values = {
        k: request.form.get(k, "").strip() for k in ("decision", "orientations", "follow_up_on")
    }
    values["item"] = str(item.id)
    codes = [code for code in request.form.getlist("orientation_codes") if code]
    typed_partners = [text for text in request.form.getlist("orientation_partners") if text]
    partner_ids = [pid for pid in map(parse_id, typed_partners) if pid is not None]
    known = {
        code
        for code, _label in reference_lists.choices(db_session(), found.helpline_id, "orientation")
    }
    session = db_session()
    try:
        if any(code not in known for code in codes):
            raise Refusal(N_("Orientation inconnue."))
        if len(partner_ids) != len(typed_partners):
            raise Refusal(N_("Choisissez les partenaires proposés parmi les partenaires actifs."))
        follow_up = None
        if values["follow_up_on"]:
            try:
                follow_up = date.fromisoformat(values["follow_up_on"])
            except ValueError:
                raise Refusal(N_("Date de suivi illisible.")) from None
        meetings.record_decision(
            session, item, call_request, me, decision=values["decision"], orientation_codes=codes,
            orientations=values["orientations"], follow_up_on=follow_up, now=now(), tz=tz(),
            partner_ids=partner_ids,
        )  # fmt: skip
    except Refusal as problem:
        refuse(problem)
        return meeting_page(found, me, values, 400)
    audit.record(
        session, me, "meeting_decision", "request", call_request.id, now(), item_id=item.id
    )
    flash(_("Décision enregistrée."), "success")
    return redirect(url_for("network_meetings.meeting", meeting_id=found.id))


@bp.post("/agenda/<int:item_id>/publish")
@require_roles(*RUNS)
def publish(item_id: int) -> Response | tuple[str, int]:
    """Publish (or withdraw) the anonymised case."""
    me = signed_in_user()
    item, found, _request = _item_or_404(item_id)
    session = db_session()
    try:
        if request.form.get("withdraw"):
            meetings.unpublish(session, item)
        else:
            meetings.publish(session, item, me, now())
    except Refusal as problem:
        refuse(problem)
        return meeting_page(found, me, {}, 400)
    audit.record(session, me, "publish_case", "request", item.request_id, now(), item_id=item.id,
                 published=item.published_at is not None)  # fmt: skip
    flash(_("Cas publié.") if item.published_at else _("Cas retiré."), "success")
    return redirect(url_for("network_meetings.meeting", meeting_id=found.id))
