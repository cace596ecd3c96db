"""The nurse brings an interpreter into the call she holds, or takes one out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import ringing
from hotline.callstate import CallStatus
from hotline.i18n import N_
from hotline.models import Request
from hotline.refusals import Refusal
from hotline.services import log_event
from interpreter_pool import twiml
from interpreter_pool.languages import base_code
from interpreter_pool.models import InterpretingSession, SessionOutcome, SessionStatus
from interpreter_pool.services import FLOW, LIVE_STATUSES, request_interpreter
from routing import services as routing_services
from routing.models import NurseRouting


def held_by(session: Session, request: Request, nurse_id: int) -> NurseRouting:
    """The routing through which this nurse holds the request's call; PermissionError if not."""
    routing = routing_services.held_by(session, request.id, nurse_id)
    if routing is None:
        raise PermissionError("Cet appel n'est pas le vôtre (this call is not held by you).")
    return routing


def add_interpreter(
    session: Session,
    request: Request,
    language: str,
    nurse_id: int,
    now: datetime,
    urls: twiml.InterpretingUrls,
) -> InterpretingSession:
    """A nurse holding the request's call brings an interpreter into the room."""
    routing = held_by(session, request, nurse_id)
    busy = session.scalars(
        select(InterpretingSession).where(
            InterpretingSession.request_id == request.id,
            InterpretingSession.status.in_(LIVE_STATUSES),
        )
    ).first()
    if busy is not None and busy.language != base_code(language):
        raise Refusal(N_("Un interprète est déjà dans cet appel : retirez-le d'abord."))
    dispatch = request_interpreter(
        session,
        request,
        language,
        now,
        urls,
        requested_by="nurse",
        gp_call_sid=routing.gp_call_sid,
    )
    found = session.get(InterpretingSession, dispatch.session_id)
    assert found is not None
    return found


def remove_interpreter(session: Session, request: Request, now: datetime) -> InterpretingSession:
    """Hang up the interpreter of the request's call; the GP and the nurse stay in the room."""
    interpreting = session.scalars(
        select(InterpretingSession)
        .where(
            InterpretingSession.request_id == request.id,
            InterpretingSession.status.in_(LIVE_STATUSES),
        )
        .order_by(InterpretingSession.id.desc())
        .with_for_update()
    ).first()
    if interpreting is None:
        raise Refusal(N_("Aucun interprète dans cet appel."))
    if interpreting.status == SessionStatus.DISPATCHING:
        interpreting.status, interpreting.outcome = SessionStatus.ENDED, SessionOutcome.REMOVED
        interpreting.ended_at = now
        ringing.stop_open_legs(session, FLOW, interpreting.id, now)
    else:
        interpreting.outcome = SessionOutcome.REMOVED
        sid = interpreting.connected_call_sid
        if sid:
            ringing.cancel_leg(session, sid, CallStatus.IN_PROGRESS, now)
    log_event(
        session,
        request,
        "interpreter_removed",
        now,
        detail={"session_id": interpreting.id},
        dedupe_key=f"interp-removed:{interpreting.id}",
    )
    session.flush()
    return interpreting
