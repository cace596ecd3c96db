"""Call-progress callbacks: duplicates and reordering leave each leg in its final state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Call, Request
from tests.conftest import call_sid, post_signed, voice_form

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def status_form(sid: str, status: str, seq: int, at_s: int, duration: str = "") -> dict[str, str]:
    form = voice_form(
        sid,
        CallStatus=status,
        SequenceNumber=str(seq),
        Timestamp=format_datetime(T0 + timedelta(seconds=at_s)),
        CallbackSource="call-progress-events",
    )
    if duration:
        form["CallDuration"] = duration
    return form


def test_callbacks_delivered_twice_and_out_of_order_leave_the_final_state(
    client: FlaskClient, session: Session
) -> None:
    sid = call_sid(20)
    post_signed(client, "/twilio/voice/incoming", voice_form(sid))
    deliveries = [
        status_form(sid, "completed", 3, 130, "124"),
        status_form(sid, "ringing", 1, 1),
        status_form(sid, "completed", 3, 130, "124"),
        status_form(sid, "in-progress", 2, 6),
        status_form(sid, "ringing", 1, 1),
    ]
    for form in deliveries:
        assert post_signed(client, "/twilio/voice/status", form).status_code == 204
    call = session.scalars(select(Call).where(Call.sid == sid)).one()
    assert call.status == "completed"
    assert call.duration_s == 124
    assert call.answered_at == T0 + timedelta(seconds=6)
    assert call.ended_at == T0 + timedelta(seconds=130)
    assert call.last_sequence_number == 3
    request = session.scalars(select(Request)).one()
    assert [e.kind for e in request.events].count("gp_leg_ended") == 1


def test_a_callback_for_an_unknown_leg_creates_it(client: FlaskClient, session: Session) -> None:
    sid = call_sid(21)
    form = status_form(sid, "no-answer", 2, 30) | {"Direction": "outbound-api"}
    assert post_signed(client, "/twilio/voice/status", form).status_code == 204
    call = session.scalars(select(Call).where(Call.sid == sid)).one()
    assert call.status == "no-answer"
    assert call.direction == "outbound-api"


def test_a_callback_without_call_sid_is_refused_as_malformed(client: FlaskClient) -> None:
    form = status_form(call_sid(22), "completed", 3, 30)
    del form["CallSid"]
    assert post_signed(client, "/twilio/voice/status", form).status_code == 400
