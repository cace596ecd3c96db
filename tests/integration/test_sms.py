"""Texts: who gets one, the outbox intent, and Twilio's status reports folded forward only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from callbacks.jobs import purge_old_records
from callbacks.services import attach_recording, promise_callback
from hotline.db import Database
from hotline.hooks import CallbackReason
from hotline.models import OutboxMessage
from hotline.sms import SmsKind, SmsMessage, send_sms
from hotline.telephony.parsing import Recording
from tests.conftest import ACCOUNT_SID, HOTLINE_NUMBER, post_signed
from tests.factories import make_request, make_shift, make_user, the_helpline

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MOBILE, LANDLINE = "+33612345678", "+33561000001"
SID = "SM" + "a" * 32


def report(sms_id: int, status: str, error_code: str | None = None) -> tuple[str, dict[str, str]]:
    form = {
        "MessageSid": SID,
        "SmsSid": SID,
        "AccountSid": ACCOUNT_SID,
        "From": HOTLINE_NUMBER,
        "To": MOBILE,
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        form["ErrorCode"] = error_code
    return f"/twilio/sms/status?sms={sms_id}", form


def test_a_promised_callback_texts_a_mobile_the_reference_and_time_once(
    app: Flask, session: Session
) -> None:
    request = make_request(session, caller_number=MOBILE)
    promise_callback(session, request, CallbackReason.REQUESTED, T0 + timedelta(hours=5), T0)
    promise_callback(session, request, CallbackReason.REQUESTED, T0 + timedelta(hours=5), T0)

    (sms,) = session.scalars(select(SmsMessage)).all()
    assert (sms.kind, sms.to_number, sms.status) == (
        SmsKind.CALLBACK_CONFIRMATION,
        MOBILE,
        "pending",
    )
    (intent,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "send_sms")).all()
    params = intent.payload["params"]
    assert params["to"] == MOBILE and params["from_"] == request.helpline.phone_number
    assert request.reference in params["body"] and "15 h" in params["body"]


@pytest.mark.parametrize(
    ("number", "reason"),
    [(LANDLINE, CallbackReason.REQUESTED), (None, CallbackReason.REQUESTED),
     (MOBILE, CallbackReason.FOLLOW_UP)],
)  # fmt: skip
def test_no_text_to_a_landline_a_withheld_number_or_for_a_follow_up(
    app: Flask, session: Session, number: str | None, reason: CallbackReason
) -> None:
    request = make_request(session, caller_number=number)
    promise_callback(session, request, reason, T0, T0)
    assert session.scalars(select(SmsMessage)).all() == []


def test_a_voicemail_texts_the_nurse_on_duty_only_when_the_helpline_wants_it(
    app: Flask, session: Session
) -> None:
    helpline = the_helpline(session)
    nurse = make_user(session, phone="+33600000001")
    make_shift(session, nurse, helpline_id=helpline.id, starts_at=T0 - timedelta(hours=1),
               ends_at=T0 + timedelta(hours=8))  # fmt: skip
    request = make_request(session, caller_number=LANDLINE)
    recording = Recording(
        recording_sid="RE" + "1" * 32, call_sid="CA" + "1" * 32, url="https://x/r", duration_s=9
    )
    attach_recording(session, request, recording, T0, T0)
    assert session.scalars(select(SmsMessage)).all() == []  # off by default

    helpline.is_voicemail_sms_enabled = True
    second = Recording(
        recording_sid="RE" + "2" * 32, call_sid="CA" + "2" * 32, url="https://x/r", duration_s=9
    )
    attach_recording(session, request, second, T0, T0)
    attach_recording(session, request, second, T0, T0)
    (alert,) = session.scalars(select(SmsMessage)).all()
    assert (alert.kind, alert.to_number) == (SmsKind.VOICEMAIL_ALERT, "+33600000001")


def test_status_reports_out_of_order_and_twice_never_go_back_from_delivered(
    client: FlaskClient, session: Session
) -> None:
    request = make_request(session, caller_number=MOBILE)
    sms = send_sms(session, request, SmsKind.CALLBACK_CONFIRMATION, MOBILE, "x", T0, dedupe_key="k")
    session.flush()
    for status in ("delivered", "sent", "delivered", "queued", "sent"):
        path, form = report(sms.id, status)
        assert post_signed(client, path, form).status_code == 204
    session.refresh(sms)
    assert (sms.sid, sms.status, sms.error_code) == (SID, "delivered", None)
    assert sms.delivered_at is not None


def test_an_undelivered_text_keeps_its_error_code(client: FlaskClient, session: Session) -> None:
    request = make_request(session, caller_number=MOBILE)
    sms = send_sms(session, request, SmsKind.CALLBACK_CONFIRMATION, MOBILE, "x", T0, dedupe_key="k")
    session.flush()
    for status, code in (("sent", None), ("undelivered", "30006"), ("sent", None)):
        path, form = report(sms.id, status, code)
        assert post_signed(client, path, form).status_code == 204
    session.refresh(sms)
    assert (sms.status, sms.error_code) == ("undelivered", 30006)


def test_a_report_of_another_message_or_a_forged_one_changes_nothing(
    client: FlaskClient, session: Session
) -> None:
    request = make_request(session, caller_number=MOBILE)
    sms = send_sms(session, request, SmsKind.CALLBACK_CONFIRMATION, MOBILE, "x", T0, dedupe_key="k")
    sms.sid = "SM" + "b" * 32
    session.flush()
    path, form = report(sms.id, "delivered")
    assert post_signed(client, path, form).status_code == 204
    assert client.post(path, data=form).status_code == 403  # unsigned
    path, form = report(sms.id, "bogus")
    assert post_signed(client, path, form).status_code == 400
    session.refresh(sms)
    assert sms.status == "pending"


def test_the_retention_purge_forgets_the_number_a_text_went_to(
    session: Session, connection: Connection
) -> None:
    request = make_request(session, caller_number=MOBILE, opened_at=T0 - timedelta(days=800))
    sms = send_sms(session, request, SmsKind.CALLBACK_CONFIRMATION, MOBILE, "x", T0, dedupe_key="k")
    session.commit()
    purge_old_records(Database(connection), lambda: T0, months=24)
    session.refresh(sms)
    assert sms.to_number is None and sms.kind == SmsKind.CALLBACK_CONFIRMATION
