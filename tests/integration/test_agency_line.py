"""An agency's line is a machine: rung with its keys, joined without screening, connected on
joining the room, the GP told; a line joining a session nobody waits for any more is hung up."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import OutboxMessage
from interpreter_pool.admin import add_interpreter
from interpreter_pool.dispatch import send_digits_for
from interpreter_pool.models import Interpreter, InterpretingSession
from interpreter_pool.pool import candidates
from interpreter_pool.services import ring_step
from interpreter_pool.twiml import InterpretingUrls
from tests.conftest import (
    ACCOUNT_SID,
    PUBLIC_BASE_URL,
    call_sid,
    post_signed,
    voice_form,
)
from tests.factories import make_interpreting_session, make_request

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = PUBLIC_BASE_URL
GP = call_sid(900)
AGENCY_LEG = call_sid(901)


def agency_session(session: Session, status: str = "dispatching") -> InterpretingSession:
    """A session at its agency step: the individuals did not answer."""
    agency = add_interpreter(
        session,
        "Agence Sud",
        "+33140000000",
        ["ar"],
        kind="agency",
        access_code="1234",
        agency_codes={"ar": "11"},
    )
    request = make_request(session, reference="2026-00042")
    interpreting = make_interpreting_session(
        session,
        request,
        gp_call_sid=GP,
        plan=[
            [{"interpreter_id": 99, "kind": "individual", "name": "X", "timeout_s": 30}],
            [
                {
                    "interpreter_id": agency.id,
                    "kind": "agency",
                    "name": agency.name,
                    "address": agency.phone,
                    "timeout_s": 50,
                    "send_digits": send_digits_for("1234", "11"),
                }
            ],
        ],
        current_step=1,
        status=status,
    )
    session.commit()
    return interpreting


def joined(interpreting: InterpretingSession, at: datetime) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "ConferenceSid": "CF" + "a" * 32,
        "FriendlyName": interpreting.conference_name,
        "StatusCallbackEvent": "participant-join",
        "CallSid": AGENCY_LEG,
        "ParticipantLabel": f"interpreter-{interpreting.id}",
        "SequenceNumber": "3",
        "Timestamp": format_datetime(at),
        "Muted": "false",
        "Hold": "false",
        "Coaching": "false",
        "EndConferenceOnExit": "false",
        "StartConferenceOnEnter": "true",
    }


def test_the_agency_is_rung_with_its_keys_and_its_answered_line_joins_the_room_unscreened(
    client: FlaskClient, session: Session
) -> None:
    interpreting = agency_session(session)
    assert ring_step(session, interpreting, 1, T0 + timedelta(seconds=31), InterpretingUrls(ROOT))
    session.commit()
    [ring] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "create_call"))
    params = ring.payload["params"]
    assert params["send_digits"] == "wwww1234#wwww11#"
    assert "/twilio/interpreting/agency?" in params["url"]

    answered = post_signed(
        client,
        params["url"].removeprefix(ROOT),
        voice_form(AGENCY_LEG, CallStatus="in-progress", Direction="outbound-api"),
    )
    document = ET.fromstring(answered.data)
    assert document.find("./Gather") is None  # no "tapez 1" for a phone menu
    conference = document.find("./Dial/Conference")
    assert conference is not None and conference.text == interpreting.conference_name
    assert conference.get("participantLabel") == f"interpreter-{interpreting.id}"
    assert conference.get("startConferenceOnEnter") == "true"
    assert conference.get("endConferenceOnExit") == "false"


def test_the_agency_line_joining_the_room_connects_the_session_and_the_gp_is_told(
    client: FlaskClient, session: Session
) -> None:
    interpreting = agency_session(session)
    at = T0 + timedelta(seconds=36)
    for _ in range(2):  # delivered twice: connected and announced once
        response = post_signed(client, "/twilio/voice/conference", joined(interpreting, at))
        assert response.status_code == 204

    session.expire_all()
    found = session.get(InterpretingSession, interpreting.id)
    assert found is not None and found.status == "connected"
    assert found.connected_call_sid == AGENCY_LEG
    assert found.interpreter is not None and found.interpreter.kind == "agency"
    assert found.time_to_connect_s == 36
    [announce] = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "update_participant")
    ).all()
    assert announce.payload["call_sid"] == GP
    assert announce.payload["conference_sid"] == "CF" + "a" * 32
    url = announce.payload["params"]["announce_url"]
    said = post_signed(client, url.removeprefix(ROOT), voice_form(GP, CallStatus="in-progress"))
    text = "".join(ET.fromstring(said.data).itertext())
    assert "Nous joignons l'agence d'interprétariat" in text


def test_an_agency_line_joining_after_the_gp_hung_up_is_hung_up(
    client: FlaskClient, session: Session
) -> None:
    interpreting = agency_session(session, status="abandoned")
    response = post_signed(
        client, "/twilio/voice/conference", joined(interpreting, T0 + timedelta(seconds=36))
    )
    assert response.status_code == 204
    session.expire_all()
    assert session.get(InterpretingSession, interpreting.id).status == "abandoned"  # type: ignore[union-attr]
    [hang_up] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "update_call"))
    assert hang_up.payload == {"call_sid": AGENCY_LEG, "params": {"status": "completed"}}
    answered = post_signed(
        client,
        f"/twilio/interpreting/agency?session={interpreting.id}&step=1&interpreter=1",
        voice_form(AGENCY_LEG, CallStatus="in-progress", Direction="outbound-api"),
    )
    assert ET.fromstring(answered.data).find("./Hangup") is not None


def test_an_agency_whose_stored_code_twilio_would_refuse_is_not_rung(session: Session) -> None:
    agency_session(session)
    agency = session.scalars(select(Interpreter).where(Interpreter.kind == "agency")).one()
    assert [c.id for c in candidates(session, "ar", T0, "Europe/Paris")] == [agency.id]
    agency.access_code = "12-34"  # stored before codes were checked where they are entered
    session.flush()
    assert candidates(session, "ar", T0, "Europe/Paris") == []
