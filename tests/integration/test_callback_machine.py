"""Calling a professional back: his leg detects a machine, and a machine is never "reached"."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks import calling
from callbacks.models import CallbackTask
from callbacks.services import promise_callback
from callbacks.twiml import CallbackUrls
from hotline.models import Call, OutboxMessage, Request, RequestEvent
from hotline.voice_twiml import spoken_reference
from tests.conftest import ACCOUNT_SID, PUBLIC_BASE_URL, call_sid, post_signed, voice_form
from tests.integration.test_nurse_routing import T0, set_up_rota

GP_SID = call_sid(800)
NURSE_LEG = call_sid(801)
PROFESSIONAL_LEG = call_sid(802)


def professional_rung(client: FlaskClient, session: Session) -> tuple[CallbackTask, OutboxMessage]:
    """Dr Martin asked to be called back; the nurse took the attempt; his phone is rung."""
    set_up_rota(session)
    post_signed(client, "/twilio/voice/incoming", voice_form(GP_SID))
    request = session.scalars(select(Request)).one()
    promise_callback(session, request, "requested", T0, T0)
    [task] = calling.claim_due(session, T0)
    urls = CallbackUrls(PUBLIC_BASE_URL)
    assert calling.fire(session, task, T0, urls)
    assert calling.nurse_accepts(session, task.id, task.attempts, NURSE_LEG, T0, urls)
    session.commit()
    ring = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"cb-gp:{task.id}:1")
    ).one()
    return task, ring


def amd_result(answered_by: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "CallSid": PROFESSIONAL_LEG,
        "AnsweredBy": answered_by,
        "MachineDetectionDuration": "6500",
    }


def post_amd(client: FlaskClient, ring: OutboxMessage, answered_by: str) -> int:
    url = urlsplit(ring.payload["params"]["async_amd_status_callback"])
    assert url.fragment == "rc=3&rp=ct,rt,5xx"  # Twilio retries a failed connection
    return post_signed(client, f"{url.path}?{url.query}", amd_result(answered_by)).status_code


def test_the_professionals_leg_detects_a_machine_in_the_background(
    client: FlaskClient, session: Session
) -> None:
    _task, ring = professional_rung(client, session)
    params = ring.payload["params"]
    # AsyncAmd: his TwiML runs at once, so a person hears the nurse without waiting for the
    # detection; DetectMessageEnd: a machine's verdict comes after its greeting, for a message.
    assert params["machine_detection"] == "DetectMessageEnd"
    assert params["async_amd"] == "true"
    assert "/twilio/callback/gp-amd" in params["async_amd_status_callback"]


@pytest.mark.parametrize(
    "answered_by",
    ["machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"],
)
def test_a_machine_is_not_reached_the_attempt_is_retried_and_a_message_carries_the_reference(
    client: FlaskClient, session: Session, answered_by: str
) -> None:
    task, ring = professional_rung(client, session)
    assert post_amd(client, ring, answered_by) == 204

    session.expire_all()
    task = session.get(CallbackTask, task.id)  # type: ignore[assignment]
    assert task.status == "pending" and task.outcome is None
    assert task.attempts == 1 and task.next_attempt_at is not None
    assert task.answered_by == answered_by
    kinds = session.scalars(select(RequestEvent.kind)).all()
    assert "callback_machine" in kinds and "callback_retry" in kinds
    assert "callback_reached" not in kinds
    [message] = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"cb-machine-gp:{task.id}:1")
    ).all()
    assert message.payload["call_sid"] == PROFESSIONAL_LEG
    left = ET.fromstring(message.payload["params"]["twiml"])
    said = "".join(left.itertext())
    if answered_by == "fax":
        assert said == "" and left.find("./Hangup") is not None
    else:
        reference = session.scalars(select(Request.reference)).one()
        assert spoken_reference(reference) in said
        assert "Martin" not in said  # the reference only, never a name
    nurse = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"cb-machine-nurse:{task.id}:1")
    ).one()
    assert nurse.payload["call_sid"] == NURSE_LEG

    # His leg's end, arriving later, changes nothing: the attempt is over, not "reached".
    form = voice_form(
        PROFESSIONAL_LEG, CallStatus="completed", Direction="outbound-api", CallDuration="40"
    )
    url = urlsplit(ring.payload["params"]["status_callback"])
    assert post_signed(client, f"{url.path}?{url.query}", form).status_code == 204
    session.expire_all()
    assert session.get(CallbackTask, task.id).status == "pending"  # type: ignore[union-attr]


@pytest.mark.parametrize("answered_by", ["human", "unknown"])
def test_a_person_stays_with_the_nurse_and_is_reached_when_the_call_ends(
    client: FlaskClient, session: Session, answered_by: str
) -> None:
    task, ring = professional_rung(client, session)
    assert post_amd(client, ring, answered_by) == 204
    session.expire_all()
    assert session.get(CallbackTask, task.id).status == "calling"  # type: ignore[union-attr]

    form = voice_form(
        PROFESSIONAL_LEG,
        CallStatus="completed",
        Direction="outbound-api",
        CallDuration="240",
    )
    url = urlsplit(ring.payload["params"]["status_callback"])
    assert post_signed(client, f"{url.path}?{url.query}", form).status_code == 204
    session.expire_all()
    done = session.get(CallbackTask, task.id)
    assert done is not None and done.status == "done" and done.outcome == "reached"


def test_a_reached_callback_records_when_the_professional_picked_up(
    client: FlaskClient, session: Session
) -> None:
    task, ring = professional_rung(client, session)
    assert post_amd(client, ring, "human") == 204
    form = voice_form(
        PROFESSIONAL_LEG, CallStatus="completed", Direction="outbound-api", CallDuration="240"
    )
    url = urlsplit(ring.payload["params"]["status_callback"])
    assert post_signed(client, f"{url.path}?{url.query}", form).status_code == 204
    session.expire_all()
    done = session.get(CallbackTask, task.id)
    leg = session.scalars(select(Call).where(Call.sid == PROFESSIONAL_LEG)).one()
    assert done is not None and done.first_contact_at is not None and leg.ended_at is not None
    # No "in-progress" callback came: the pick-up is the end minus the 240 s talked.
    assert done.first_contact_at == leg.ended_at - timedelta(seconds=240)
