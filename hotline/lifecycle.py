"""A request's lifecycle: received → in call → to complete → closed, and reopening.

Every step is idempotent: Twilio may deliver a leg's end twice, or after a later event, and the
state it leaves is the same. A request is "to complete" once no GP leg of it is live and it is
not closed; closing needs its category and outcome; reopening takes it back to "to complete".
``has_live_call`` is the one predicate for "the call is going on" (the request page's live
controls, the panels of the features).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit
from hotline.callstate import TERMINAL_STATUSES
from hotline.models import Call, Request, RequestStatus, User
from hotline.refusals import N_, Refusal
from hotline.services import log_event

# Legs older than this are no longer "live" even if a lost callback left them open.
LIVE_WINDOW = timedelta(hours=6)
# Where a request is still on the line (or waiting to be).
OPEN_STATES = (RequestStatus.RECEIVED, RequestStatus.IN_CALL)

# How the console names each state (lazy French msgids).
STATUS_LABELS = {
    RequestStatus.RECEIVED: N_("Reçue"),
    RequestStatus.IN_CALL: N_("En ligne"),
    RequestStatus.TO_COMPLETE: N_("À compléter"),
    RequestStatus.CLOSED: N_("Clôturée"),
}

MISSING_TO_CLOSE = N_("Pour clôturer la demande, choisissez d'abord sa catégorie et son issue.")
STILL_IN_CALL = N_("L'appel est en cours : la demande se clôture une fois l'appel terminé.")
ALREADY_CLOSED = N_("La demande {reference} est déjà clôturée.")
NOT_CLOSED = N_("La demande {reference} n'est pas clôturée.")
CALL_ENDED = N_("L'appel est terminé : il n'y a plus de ligne sur laquelle agir.")


def live_gp_legs(session: Session, request_id: int, now: datetime) -> list[Call]:
    """The request's GP legs not ended yet (and recent enough to still be live)."""
    return list(
        session.scalars(
            select(Call).where(
                Call.request_id == request_id,
                Call.role == "gp",
                Call.status.not_in(TERMINAL_STATUSES),
                Call.created_at > now - LIVE_WINDOW,
            )
        )
    )


def has_live_call(session: Session, call_request: Request, now: datetime) -> bool:
    """Whether the request's call is going on: the live controls show only then."""
    if call_request.status in (RequestStatus.TO_COMPLETE, RequestStatus.CLOSED):
        return False
    return bool(live_gp_legs(session, call_request.id, now))


def last_call_end(session: Session, request_id: int) -> datetime | None:
    """When the request's last GP leg ended, if one did."""
    return session.scalars(
        select(Call.ended_at)
        .where(Call.request_id == request_id, Call.role == "gp", Call.ended_at.is_not(None))
        .order_by(Call.ended_at.desc())
    ).first()


@dataclass(frozen=True)
class CallState:
    """What the request page says of the call: going on, or ended (and when)."""

    is_live: bool
    ended_at: datetime | None


def call_state(session: Session, call_request: Request, now: datetime) -> CallState:
    """The request's call as the request page shows it."""
    if has_live_call(session, call_request, now):
        return CallState(True, None)
    return CallState(False, last_call_end(session, call_request.id))


def call_taken(session: Session, call_request: Request, now: datetime) -> None:
    """Someone took the call (a nurse answered, an interpreter joined): "in call", while the GP
    is still on the line (a late delivery after his hang-up changes nothing)."""
    if call_request.status != RequestStatus.RECEIVED:
        return
    if live_gp_legs(session, call_request.id, now):
        call_request.status = RequestStatus.IN_CALL
        session.flush()


def calls_ended(session: Session, call_request: Request, call: Call, now: datetime) -> None:
    """A GP leg ended: with no other live, the request is "to complete" (once, however often the
    end is delivered)."""
    if call_request.status not in OPEN_STATES:
        return
    if live_gp_legs(session, call_request.id, now):
        return
    call_request.status = RequestStatus.TO_COMPLETE
    session.flush()
    log_event(
        session,
        call_request,
        "call_ended",
        call.ended_at or now,
        call_sid=call.sid,
        detail={"duration_s": call.duration_s},
        dedupe_key=f"call-ended:{call.sid}",
    )


def close(session: Session, call_request: Request, user: User, now: datetime) -> None:
    """A nurse closes the request: its category and outcome must be set, its call over."""
    if call_request.status == RequestStatus.CLOSED:
        raise Refusal(ALREADY_CLOSED, reference=call_request.reference)
    if not call_request.category or not call_request.outcome:
        raise Refusal(MISSING_TO_CLOSE)
    if has_live_call(session, call_request, now):
        raise Refusal(STILL_IN_CALL)
    call_request.status = RequestStatus.CLOSED
    call_request.closed_at = now
    call_request.nurse_id = call_request.nurse_id or user.id
    session.flush()
    log_event(session, call_request, "request_closed", now, detail={"by": user.id})
    audit.record(session, user, "close", "request", call_request.id, now)


def reopen(session: Session, call_request: Request, user: User, now: datetime, reason: str) -> None:
    """A nurse reopens a closed request: it is "to complete" again; audited, and in its story."""
    if call_request.status != RequestStatus.CLOSED:
        raise Refusal(NOT_CLOSED, reference=call_request.reference)
    closed_at = call_request.closed_at
    call_request.status = RequestStatus.TO_COMPLETE
    call_request.closed_at = None
    session.flush()
    log_event(session, call_request, "request_reopened", now, detail={"by": user.id})
    audit.record(
        session,
        user,
        "reopen",
        "request",
        call_request.id,
        now,
        closed_at=closed_at.isoformat() if closed_at else None,
        reason=reason or None,
    )
