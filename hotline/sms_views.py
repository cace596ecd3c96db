"""Twilio Messaging's status callbacks: each report folded into its text message."""

from __future__ import annotations

from flask import request

from hotline import sms
from hotline.telephony.parsing import parse_message_status
from hotline.telephony.webhooks import int_arg, twilio_blueprint
from hotline.web import db_session, now

bp = twilio_blueprint("sms", __name__, "/twilio/sms", document_endpoints=frozenset())


@bp.post("/status")
def status() -> tuple[str, int]:
    """A text's status changed (sent, delivered, undelivered…): recorded forward only."""
    report = parse_message_status(request.form)
    sms.record_status(
        db_session(), int_arg("sms"), report.message_sid, report.status, report.error_code, now()
    )
    return "", 204
