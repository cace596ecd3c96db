"""The request log: open a request for a call, write its events, follow each leg's status."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from hotline import reference_lists
from hotline.callstate import (
    TERMINAL_STATUSES,
    CallStatus,
    LegState,
    StatusUpdate,
    call_status,
    merge_status,
)
from hotline.db import insert_once
from hotline.models import (
    DEFAULT_GREETING,
    Call,
    Conference,
    Helpline,
    Participation,
    Professional,
    ProfessionalPhone,
    ProfessionalStructure,
    Request,
    RequestEvent,
    RequestStatus,
    Structure,
)
from hotline.phones import mask_for_log, normalise_caller
from hotline.request_numbers import next_reference
from hotline.scope import adopt_accounts
from hotline.telephony.parsing import CallStatusCallback, ConferenceEvent, VoiceRequest

logger = logging.getLogger(__name__)

__all__ = [
    "TERMINAL_STATUSES",
    "log_event",
    "next_reference",
    "record_call_status",
    "start_request",
]


@dataclass(frozen=True)
class IncomingCall:
    """The request a helpline call belongs to, and who is calling."""

    request: Request
    helpline: Helpline
    professional: Professional | None
    is_new: bool


def helpline_on(session: Session, number: str) -> Helpline | None:
    """The helpline on this E.164 number, active or not."""
    return session.scalars(select(Helpline).where(Helpline.phone_number == number)).first()


def all_helplines(session: Session) -> list[Helpline]:
    """Every helpline, active or not, in the order they were made."""
    return list(session.scalars(select(Helpline).order_by(Helpline.id)))


def helpline_by_number(session: Session, number: str | None) -> Helpline:
    """The helpline on a number as a person types it (the only one when not given);
    ValueError with a message for a person when there is none, or several to choose from."""
    query = select(Helpline).order_by(Helpline.id)
    if number:
        query = query.where(Helpline.phone_number == normalise_caller(number).e164)
    helplines = session.scalars(query).all()
    if not helplines:
        raise ValueError(f"no helpline on {number}" if number else "no helpline yet")
    if len(helplines) > 1 and not number:
        raise ValueError("several helplines: say which one with --helpline +33…")
    return helplines[0]


def helpline_for_number(session: Session, number: str, default_number: str) -> Helpline:
    """The helpline a call to this number reaches: the active helpline on it; else (a number no
    helpline has, or an inactive helpline's) the default one, on the configured number, said in
    the log (made with the default greeting and lists the first time it is needed)."""
    helpline = helpline_on(session, number)
    if helpline is not None and helpline.is_active:
        return helpline
    if number != default_number:
        if helpline is not None:
            logger.warning(
                "call to %s, the number of the inactive helpline %s (id %s): served by the "
                "default helpline on %s",
                number,
                helpline.name,
                helpline.id,
                default_number,
            )
        else:
            logger.warning(
                "call to %s, a number no helpline has: served by the default helpline on %s",
                number,
                default_number,
            )
    default = helpline_on(session, default_number)
    if default is None:
        default = Helpline(
            name="Permanence", phone_number=default_number, greeting=DEFAULT_GREETING
        )
        session.add(default)
        session.flush()
        reference_lists.seed_defaults(session, default)
        adopt_accounts(session, default)
    return default


def identify_professional(session: Session, e164: str | None) -> Professional | None:
    """The active professional with this number, if exactly one has it."""
    if e164 is None:
        return None
    found = session.scalars(
        select(Professional)
        .join(ProfessionalPhone)
        .where(ProfessionalPhone.number == e164, Professional.is_active)
        .distinct()
        .limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def only_structure_id(session: Session, professional_id: int | None) -> int | None:
    """The structure a professional works in when he works in exactly one active structure (one
    query on the link table's unique index, cheap enough for the incoming call's webhook)."""
    if professional_id is None:
        return None
    found = session.scalars(
        select(ProfessionalStructure.structure_id)
        .join(Structure, Structure.id == ProfessionalStructure.structure_id)
        .where(ProfessionalStructure.professional_id == professional_id, Structure.is_active)
        .limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def start_request(
    session: Session, voice: VoiceRequest, now: datetime, default_number: str
) -> IncomingCall:
    """Open a request for an incoming call, or find the one a retried webhook already opened."""
    existing = session.scalars(select(Call).where(Call.sid == voice.call_sid)).first()
    if existing is not None and existing.request is not None:
        request = existing.request
        return IncomingCall(request, request.helpline, request.professional, is_new=False)

    helpline = helpline_for_number(session, voice.to, default_number)
    caller = normalise_caller(voice.from_)
    professional = identify_professional(session, caller.e164)
    local_year = now.astimezone(ZoneInfo(helpline.timezone)).year
    request = Request(
        reference=next_reference(session, local_year),
        helpline=helpline,
        professional=professional,
        structure_id=only_structure_id(session, professional.id if professional else None),
        caller_number=caller.e164,
        is_caller_withheld=caller.is_withheld,
        channel="phone",
        status=RequestStatus.RECEIVED,
        opened_at=now,
    )
    session.add(request)
    if existing is None:
        existing = Call(
            sid=voice.call_sid,
            direction=voice.direction,
            status=call_status(voice.call_status or CallStatus.RINGING),
            from_number=voice.from_,
            to_number=voice.to,
            role="gp",
            created_at=now,
        )
        session.add(existing)
    existing.request = request
    existing.helpline_id = helpline.id
    session.flush()
    log_event(
        session,
        request,
        "received",
        now,
        call_sid=voice.call_sid,
        detail={
            "caller_known": professional is not None,
            "caller_withheld": caller.is_withheld,
        },
        dedupe_key=f"received:{voice.call_sid}",
    )
    logger.info(
        "request %s opened for call %s from %s",
        request.reference,
        voice.call_sid,
        mask_for_log(caller.e164),
    )
    return IncomingCall(request, helpline, professional, is_new=True)


def request_for_call(session: Session, call_sid: str) -> Request | None:
    """The request a leg belongs to."""
    # One read: the request with what its webhooks use (helpline, caller), no lazy loads.
    return session.scalars(
        select(Request)
        .join(Call, Call.request_id == Request.id)
        .where(Call.sid == call_sid)
        .options(joinedload(Request.helpline), joinedload(Request.professional))
    ).first()


def log_event(
    session: Session,
    request: Request,
    kind: str,
    at: datetime,
    *,
    call_sid: str | None = None,
    detail: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> RequestEvent | None:
    """Write an event of the request; with a dedupe key, only the first delivery is written."""
    values = {
        "request_id": request.id,
        "at": at,
        "kind": kind,
        "call_sid": call_sid,
        "detail": detail or {},
        "dedupe_key": dedupe_key,
    }
    if dedupe_key is None:
        event = RequestEvent(**values)
        session.add(event)
        session.flush()
        return event
    # One statement; a duplicate (even one delivered at the same moment) writes nothing.
    return insert_once(session, RequestEvent, ("request_id", "dedupe_key"), values)


def record_call_status(session: Session, callback: CallStatusCallback, now: datetime) -> Call:
    """Fold a call-progress callback into its leg; duplicates and reordering change nothing."""
    call = session.scalars(
        select(Call).where(Call.sid == callback.call.call_sid).with_for_update()
    ).first()
    if call is None:
        call = _new_leg(session, callback, now)
    before = LegState(
        status=call.status if call.id is not None and call.status else None,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        duration_s=call.duration_s,
        last_sequence_number=call.last_sequence_number,
    )
    after = merge_status(
        before,
        StatusUpdate(
            status=callback.status,
            at=callback.timestamp or now,
            sequence_number=callback.sequence_number,
            duration_s=callback.duration_s,
        ),
    )
    call.status = after.status or call_status(callback.status)
    call.answered_at = after.answered_at
    call.ended_at = after.ended_at
    call.duration_s = after.duration_s
    call.last_sequence_number = after.last_sequence_number
    session.flush()
    if call.request is not None and callback.status in TERMINAL_STATUSES:
        log_event(
            session,
            call.request,
            f"{call.role}_leg_ended",
            after.ended_at or now,
            call_sid=call.sid,
            detail={"status": call.status, "duration_s": call.duration_s},
            dedupe_key=f"leg-ended:{call.sid}",
        )
    return call


def _new_leg(session: Session, callback: CallStatusCallback, now: datetime) -> Call:
    parent = None
    if callback.call.parent_call_sid:
        parent = session.scalars(
            select(Call).where(Call.sid == callback.call.parent_call_sid)
        ).first()
    call = Call(
        sid=callback.call.call_sid,
        parent_sid=callback.call.parent_call_sid,
        direction=callback.call.direction,
        from_number=callback.call.from_,
        to_number=callback.call.to,
        # The lowest status: the callback being recorded moves the new leg on from there.
        status=CallStatus.QUEUED,
        role="gp" if callback.call.direction == "inbound" else "other",
        request=parent.request if parent is not None else None,
        helpline_id=parent.helpline_id if parent is not None else None,
        created_at=callback.timestamp or now,
    )
    try:
        with session.begin_nested():
            session.add(call)
    except IntegrityError:
        # A concurrent delivery for the same leg created it first.
        call = session.scalars(select(Call).where(Call.sid == callback.call.call_sid)).one()
    return call


def _room_request_id(friendly_name: str) -> int | None:
    prefix, _, number = friendly_name.partition("-")
    return int(number) if prefix == "req" and number.isdigit() else None


def record_conference_event(
    session: Session, event: ConferenceEvent, now: datetime
) -> Participation | None:
    """Fold a conference event into the room and its participations; repeats change nothing.

    Join and leave times keep the earliest join and the latest leave seen, so a duplicate or a
    late delivery cannot shorten or lengthen a presence.
    """
    at = event.timestamp or now
    room = session.scalars(
        select(Conference).where(Conference.sid == event.conference_sid).with_for_update()
    ).first()
    if room is None:
        request_id = _room_request_id(event.friendly_name)
        if request_id is not None and session.get(Request, request_id) is None:
            request_id = None
        room = Conference(
            sid=event.conference_sid, friendly_name=event.friendly_name, request_id=request_id
        )
        try:
            with session.begin_nested():
                session.add(room)
        except IntegrityError:
            room = session.scalars(
                select(Conference).where(Conference.sid == event.conference_sid)
            ).one()
    if event.event == "conference-start":
        room.started_at = min(room.started_at or at, at)
    elif event.event == "conference-end":
        room.ended_at = max(room.ended_at or at, at)
        room.end_reason = event.reason_ended or room.end_reason
    presence: Participation | None = None
    if event.event in ("participant-join", "participant-leave") and event.call_sid:
        presence = _participation(session, room, event)
        if event.event == "participant-join":
            presence.joined_at = min(presence.joined_at or at, at)
        else:
            presence.left_at = max(presence.left_at or at, at)
    session.flush()
    request = session.get(Request, room.request_id) if room.request_id else None
    if request is not None:
        log_event(
            session,
            request,
            event.event.replace("-", "_"),
            at,
            call_sid=event.call_sid,
            detail={"label": event.label, "room": room.friendly_name},
            dedupe_key=f"conf:{room.sid}:{event.event}:{event.call_sid or ''}",
        )
    return presence


def _participation(session: Session, room: Conference, event: ConferenceEvent) -> Participation:
    found = session.scalars(
        select(Participation).where(
            Participation.conference_sid == room.sid, Participation.call_sid == event.call_sid
        )
    ).first()
    if found is not None:
        found.label = found.label or event.label
        return found
    presence = Participation(
        conference_sid=room.sid,
        call_sid=event.call_sid or "",
        request_id=room.request_id,
        label=event.label,
    )
    try:
        with session.begin_nested():
            session.add(presence)
    except IntegrityError:
        presence = session.scalars(
            select(Participation).where(
                Participation.conference_sid == room.sid, Participation.call_sid == event.call_sid
            )
        ).one()
    return presence
