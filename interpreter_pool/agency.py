"""Agency lines: answered by a phone menu, connected when their leg joins the room.

An agency is reached through its own phone menu or queue, which never presses 1: its leg is
not screened. Twilio keys the access code and the language code itself (CreateCall's
``SendDigits``), the leg goes straight into the request's room with the session's interpreter
label, and that participant-join is what connects the session (the claim the press of 1 makes
for a person). The GP is then told the agency is being reached, while its menu plays and until
one of its interpreters takes the line.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import outbox, ringing
from hotline.callstate import TERMINAL_STATUSES, CallStatus
from hotline.models import Call, Participation
from interpreter_pool import services, twiml
from interpreter_pool.labels import session_of_label
from interpreter_pool.models import InterpretingSession, SessionStatus

logger = logging.getLogger(__name__)


def _agency_of(interpreting: InterpretingSession, call: Call | None) -> int | None:
    if call is not None and call.interpreter_id is not None:
        return call.interpreter_id
    # Not noted yet (its ring's REST answer and status callbacks still on their way): an agency
    # step rings one agency alone (dispatch rule 3).
    targets = interpreting.plan[interpreting.current_step] if interpreting.plan else []
    agencies = [t for t in targets if t.get("kind") == "agency"]
    return int(agencies[0]["interpreter_id"]) if len(agencies) == 1 else None


def participant_joined(
    session: Session, presence: Participation, now: datetime, urls: twiml.InterpretingUrls
) -> InterpretingSession | None:
    """An interpreter's leg entered the room without pressing 1 (an agency): connect the session.

    Returns the session it connected, if any. A leg joining a session that is no longer
    looking for an interpreter (the GP hung up, someone else connected) is hung up.
    """
    session_id = session_of_label(presence.label)
    if session_id is None or presence.joined_at is None:
        return None
    interpreting = session.scalars(
        select(InterpretingSession).where(InterpretingSession.id == session_id).with_for_update()
    ).first()
    if interpreting is None or interpreting.connected_call_sid == presence.call_sid:
        return None  # a person who pressed 1, or the same join delivered twice
    call = session.scalars(select(Call).where(Call.sid == presence.call_sid)).first()
    if interpreting.status != SessionStatus.DISPATCHING or presence.left_at is not None:
        if call is None or call.status not in TERMINAL_STATUSES:
            ringing.cancel_leg(session, presence.call_sid, CallStatus.IN_PROGRESS, now)
        return None
    taken = services.take_call(
        session,
        interpreting.id,
        interpreting.current_step,
        _agency_of(interpreting, call),
        presence.call_sid,
        presence.joined_at,
    )
    if taken is None:
        ringing.cancel_leg(session, presence.call_sid, CallStatus.IN_PROGRESS, now)
        return None
    if taken.gp_call_sid:
        # UpdateParticipant's AnnounceUrl (Twilio API spec): "The URL we call using the
        # announce_method for an announcement to the participant": the GP alone hears it,
        # not the agency's menu.
        outbox.enqueue(
            session,
            outbox.UPDATE_PARTICIPANT,
            {
                "conference_sid": presence.conference_sid,
                "call_sid": taken.gp_call_sid,
                "params": {
                    "announce_url": urls.agency_reached(taken.id),
                    "announce_method": "POST",
                },
            },
            now,
            dedupe_key=f"agency-reached:{taken.id}",
        )
    logger.info("session %s: agency line %s joined the room", taken.id, presence.call_sid)
    return taken
