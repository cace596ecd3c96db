"""Orientations of a request and their appointments' follow-ups: record an orientation (to a
partner, to a kind of service, or both; with an appointment or not), list the follow-ups to make,
and keep their coded result.

An appointment creates one follow-up task, due the day after it (``appointments``); its result
(``FollowUpResult``) is stored with who gave it and when, and logged in the request's story.
Functions raise a ``Refusal``; they flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from callbacks.network.appointments import FollowUpResult, follow_up_due_at
from callbacks.network.orientation_models import AppointmentFollowUp, Orientation
from callbacks.network.partner_models import Partner
from callbacks.network.partners import PARTNER_PROFESSIONS
from hotline import reference_lists
from hotline.models import Request, User
from hotline.refusals import N_, Refusal
from hotline.services import log_event

ORIENTATION_RECORDED = "orientation_recorded"
FOLLOW_UP_RECORDED = "appointment_follow_up_recorded"
# The events this module logs, as the request page's story names them.
EVENT_LABELS = {
    ORIENTATION_RECORDED: N_("Orientation enregistrée"),
    FOLLOW_UP_RECORDED: N_("Suivi du rendez-vous enregistré"),
}
# How a person reads a follow-up's coded result.
RESULT_LABELS = {
    FollowUpResult.HONOURED: N_("Honoré"),
    FollowUpResult.NOT_HONOURED: N_("Non honoré"),
    FollowUpResult.POSTPONED: N_("Reporté"),
    FollowUpResult.UNKNOWN: N_("Inconnu"),
}
FOLLOW_UP_QUESTION = N_("Le rendez-vous a-t-il été honoré ?")
MAX_NOTE = 1000
# The code of the helpline's "orientation" list a partner stands for: his structure's kind, else
# his profession, else a partner of the network.
STRUCTURE_ORIENTATIONS = {
    "pass": "pass",
    "hospital": "hospital",
    "ccas": "social_service",
    "essms": "lhss_essms",
    "ehpad": "lhss_essms",
    "msp": "gp",
    "health_centre": "gp",
}
PROFESSION_ORIENTATIONS = {"gp": "gp"}
NETWORK_PARTNER = "network_partner"


@dataclass(frozen=True)
class FollowUpRow:
    """A follow-up to make, with its request and what it follows."""

    follow_up: AppointmentFollowUp
    request: Request
    orientation: Orientation


def record_orientation(
    session: Session,
    call_request: Request,
    user: User | None,
    now: datetime,
    *,
    partner: Partner | None = None,
    service: str = "",
    appointment_at: datetime | None = None,
) -> Orientation:
    """The request's patient is oriented to ``partner`` and/or the kind of service ``service``
    (an active code of the helpline's "orientation" list); an appointment creates its follow-up.
    ``appointment_at`` was checked to be in the future (``appointments.parse_appointment``)."""
    if partner is None and not service:
        raise Refusal(N_("Choisissez un partenaire ou un type de service."))
    if partner is not None and not partner.is_active:
        raise Refusal(N_("Ce partenaire n'est plus actif dans le réseau : choisissez-en un autre."))
    reference_lists.check_choice(session, call_request.helpline_id, "orientation", service, None)
    orientation = Orientation(
        request_id=call_request.id,
        partner_id=partner.id if partner is not None else None,
        service=service or None,
        appointment_at=appointment_at,
        created_by_id=user.id if user is not None else None,
        created_at=now,
    )
    session.add(orientation)
    session.flush()
    detail: dict[str, object] = {"orientation": orientation.id}
    if partner is not None:
        # What the story tells of him (a professional of the network, never the patient).
        detail["partner"] = partner.name
        if partner.profession in PARTNER_PROFESSIONS and partner.profession != "structure":
            detail["profession_label"] = PARTNER_PROFESSIONS[partner.profession]
        if partner.commune:
            detail["commune"] = partner.commune
    if service:
        detail["service"] = service
        labels = reference_lists.labels(session, call_request.helpline_id, "orientation")
        detail["service_label"] = labels.get(service, service)
    if appointment_at is not None:
        due_at = follow_up_due_at(appointment_at, call_request.helpline.timezone)
        session.add(
            AppointmentFollowUp(
                orientation_id=orientation.id,
                request_id=call_request.id,
                due_at=due_at,
                created_at=now,
            )
        )
        detail["appointment_at"] = appointment_at.isoformat()
    if user is not None:
        detail["nurse"] = user.display_name
    if not call_request.orientation:
        code = request_orientation(session, call_request.helpline_id, partner, service)
        if code is not None:
            call_request.orientation = detail["request_orientation"] = code
    log_event(session, call_request, ORIENTATION_RECORDED, now, detail=detail)
    session.flush()
    return orientation


def request_orientation(
    session: Session, helpline_id: int, partner: Partner | None, service: str
) -> str | None:
    """The code the request's own "Orientation" field takes from an orientation: its service,
    else the code the partner stands for (``STRUCTURE_ORIENTATIONS``, ``PROFESSION_ORIENTATIONS``,
    else ``network_partner``) when it is an active value of the helpline's list."""
    if service:
        return service
    if partner is None:
        return None
    active = {code for code, _label in reference_lists.choices(session, helpline_id, "orientation")}
    kind = partner.structure.kind if partner.structure is not None else None
    for code in (
        STRUCTURE_ORIENTATIONS.get(kind or ""),
        PROFESSION_ORIENTATIONS.get(partner.profession),
        NETWORK_PARTNER,
    ):
        if code in active:
            return code
    return None


def record_result(
    session: Session,
    follow_up: AppointmentFollowUp,
    result: FollowUpResult,
    note: str,
    user: User | None,
    now: datetime,
) -> None:
    """Close a follow-up with its coded result (and a note without identity); a later answer
    replaces an earlier one, and the story keeps both."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise Refusal(N_("La note compte {max} caractères au plus."), max=MAX_NOTE)
    follow_up.result = result
    follow_up.note = note or None
    follow_up.done_by_id = user.id if user is not None else None
    follow_up.done_at = now
    call_request = session.get(Request, follow_up.request_id)
    assert call_request is not None
    detail: dict[str, object] = {"follow_up": follow_up.id, "result": result.value}
    if user is not None:
        detail["nurse"] = user.display_name
    log_event(session, call_request, FOLLOW_UP_RECORDED, now, detail=detail)
    session.flush()


def orientations_of(session: Session, request_id: int) -> list[Orientation]:
    """A request's orientations, in the order they were recorded, with partner and follow-up."""
    return list(
        session.scalars(
            select(Orientation)
            .where(Orientation.request_id == request_id)
            .options(selectinload(Orientation.partner), selectinload(Orientation.follow_up))
            .order_by(Orientation.created_at, Orientation.id)
        )
    )


def pending_follow_ups(
    session: Session, helpline_ids: Sequence[int], limit: int = 200
) -> list[FollowUpRow]:
    """Follow-ups of these helplines' requests without a result, the earliest due first
    (overdue and today's before the coming ones)."""
    rows = session.execute(
        select(AppointmentFollowUp, Request, Orientation)
        .join(Request, AppointmentFollowUp.request_id == Request.id)
        .join(Orientation, AppointmentFollowUp.orientation_id == Orientation.id)
        .where(AppointmentFollowUp.result.is_(None), Request.helpline_id.in_(helpline_ids))
        .options(selectinload(Orientation.partner))
        .order_by(AppointmentFollowUp.due_at, AppointmentFollowUp.id)
        .limit(limit)
    ).tuples()
    return [
        FollowUpRow(follow_up, request, orientation) for follow_up, request, orientation in rows
    ]


def count_due(session: Session, before: datetime, helpline_ids: Sequence[int]) -> int:
    """Follow-ups of these helplines' requests without a result that are due before ``before``
    (the board's end of day)."""
    found = session.scalar(
        select(func.count())
        .select_from(AppointmentFollowUp)
        .join(Request, AppointmentFollowUp.request_id == Request.id)
        .where(
            AppointmentFollowUp.result.is_(None),
            AppointmentFollowUp.due_at < before,
            Request.helpline_id.in_(helpline_ids),
        )
    )
    return int(found or 0)


@dataclass(frozen=True)
class FollowUpFigures:
    """What the reports count of appointments' follow-ups over a period (D06, D07)."""

    due: int  # follow-ups due in the period
    done: int  # of those, the ones with a result
    by_result: dict[FollowUpResult, int]  # results given in the period, by code


def follow_up_figures(session: Session, start: datetime, end: datetime) -> FollowUpFigures:
    """Follow-ups due in [start, end), how many of them have a result, and the results given in
    [start, end) by code (every code present, 0 when none)."""
    in_period = (AppointmentFollowUp.due_at >= start, AppointmentFollowUp.due_at < end)
    due = session.scalar(select(func.count()).select_from(AppointmentFollowUp).where(*in_period))
    done = session.scalar(
        select(func.count())
        .select_from(AppointmentFollowUp)
        .where(*in_period, AppointmentFollowUp.result.is_not(None))
    )
    rows = session.execute(
        select(AppointmentFollowUp.result, func.count())
        .where(AppointmentFollowUp.done_at >= start, AppointmentFollowUp.done_at < end)
        .where(AppointmentFollowUp.result.is_not(None))
        .group_by(AppointmentFollowUp.result)
    ).tuples()
    by_result = dict.fromkeys(FollowUpResult, 0)
    for result, count in rows:
        if result is not None:
            by_result[FollowUpResult(result)] = int(count)
    return FollowUpFigures(int(due or 0), int(done or 0), by_result)
