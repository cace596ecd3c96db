"""A nurse's actions on the call she holds: hold the GP, transfer the call to a colleague.

A transfer rings the colleague like a one-step routing (``kind="transfer"``) into the same room;
she takes it as any nurse leg does. The call is handed over only once she is in the room
(``participant_joined``): until then the first nurse keeps the GP.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline import audit, outbox
from hotline.models import Participation, Request, User
from hotline.refusals import N_, Refusal
from hotline.services import log_event
from routing import twiml
from routing.models import NurseRouting, RoutingKind, RoutingStatus
from routing.plan import Nurse, nurse_addresses
from routing.rota import in_console
from routing.services import held_by, open_room, ring_step


def hold(
    session: Session,
    request: Request,
    nurse: User,
    on_hold: bool,
    now: datetime,
    urls: twiml.NurseUrls,
) -> bool:
    """Put the GP of the nurse's call on hold with the room's music, or back; False if no call."""
    nurse_id = nurse.id
    holding = held_by(session, request.id, nurse_id)
    room = open_room(session, request.id)
    if holding is None or room is None:
        return False
    params: dict[str, object] = {"hold": on_hold}
    if on_hold:
        params |= {"hold_url": urls.wait(), "hold_method": "POST"}
    outbox.enqueue(
        session,
        outbox.UPDATE_PARTICIPANT,
        {"conference_sid": room.sid, "call_sid": holding.gp_call_sid, "params": params},
        now,
    )
    log_event(session, request, "gp_on_hold" if on_hold else "gp_resumed", now,
              detail={"user_id": nurse_id})  # fmt: skip
    audit.record(session, nurse, "hold" if on_hold else "resume", "request", request.id, now)
    return True


def transfer(
    session: Session,
    request: Request,
    from_nurse: User,
    to_nurse: User,
    now: datetime,
    urls: twiml.NurseUrls,
) -> NurseRouting:
    """Ring a colleague into the call the nurse holds; once she accepts, the first may hang up.

    PermissionError when the call is not hers, ValueError when the colleague cannot be rung.
    """
    from_nurse_id = from_nurse.id
    holding = held_by(session, request.id, from_nurse_id)
    if holding is None:
        raise PermissionError("Cet appel n'est pas le vôtre (this call is not held by you).")
    if to_nurse.id == from_nurse_id or not to_nurse.has_role("nurse") or not to_nurse.is_active:
        raise Refusal(N_("Choisissez une autre infirmière."))
    targets = [
        {
            "kind": kind,
            "address": address,
            "user_id": to_nurse.id,
            "timeout_s": request.helpline.ring_timeout_s,
            "rank": "on_duty",
        }
        for kind, address in _addresses(to_nurse, now)
    ]
    if not targets:
        raise Refusal(N_("{name} n'a ni téléphone ni console ouverte."), name=to_nurse.display_name)
    routing = NurseRouting(
        request_id=request.id,
        gp_call_sid=holding.gp_call_sid,
        conference_name=holding.conference_name,
        kind=RoutingKind.TRANSFER,
        plan=[targets],
        current_step=0,
        status=RoutingStatus.RINGING,
        from_user_id=from_nurse_id,
        from_call_sid=holding.connected_call_sid,
        created_at=now,
    )
    session.add(routing)
    session.flush()
    log_event(
        session,
        request,
        "transfer_requested",
        now,
        detail={"from": from_nurse_id, "to": to_nurse.id, "nurse": to_nurse.display_name},
        dedupe_key=f"transfer:{routing.id}",
    )
    ring_step(session, routing, 0, now, urls)
    audit.record(session, from_nurse, "transfer", "request", request.id, now, to=to_nurse.id)
    return routing


def _addresses(nurse: User, now: datetime) -> list[tuple[str, str]]:
    return list(
        nurse_addresses(
            Nurse(
                nurse.id,
                nurse.display_name,
                browser_identity=nurse.browser_identity,
                phone=nurse.phone,
                is_available=True,
                is_in_console=in_console(nurse, now),
            )
        )
    )


def participant_joined(session: Session, presence: Participation, now: datetime) -> None:
    """A nurse entered a room: if she is the colleague of a transfer, hand the call over to her."""
    if presence.joined_at is None or not twiml.is_nurse_label(presence.label):
        return
    routing = session.scalars(
        select(NurseRouting).where(
            NurseRouting.kind == RoutingKind.TRANSFER,
            NurseRouting.status == RoutingStatus.CONNECTED,
            NurseRouting.connected_call_sid == presence.call_sid,
        )
    ).first()
    if routing is None:
        return
    request = session.get(Request, routing.request_id)
    assert request is not None
    _hand_over(session, routing, request, presence.conference_sid, now)


def _hand_over(
    session: Session, routing: NurseRouting, request: Request, room_sid: str, now: datetime
) -> None:
    """The colleague is in the room: the first nurse's leaving must no longer end it."""
    session.execute(
        update(NurseRouting)
        .where(
            NurseRouting.request_id == request.id,
            NurseRouting.id != routing.id,
            NurseRouting.status == RoutingStatus.CONNECTED,
            NurseRouting.connected_user_id == routing.from_user_id,
        )
        .values(status=RoutingStatus.TRANSFERRED)
        .execution_options(synchronize_session=False)
    )
    if routing.from_call_sid:
        outbox.enqueue(
            session,
            outbox.UPDATE_PARTICIPANT,
            {
                "conference_sid": room_sid,
                "call_sid": routing.from_call_sid,
                "params": {"end_conference_on_exit": False},
            },
            now,
            dedupe_key=f"hand-over:{routing.id}",
        )
    log_event(
        session,
        request,
        "transfer_done",
        now,
        detail={"from": routing.from_user_id, "to": routing.connected_user_id},
        dedupe_key=f"transfer-done:{routing.id}",
    )
