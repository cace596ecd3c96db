"""Text messages sent through Twilio Messaging: the record of each one, sent by the outbox after
the commit, and its delivery folded from Twilio's status callbacks."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline import outbox
from hotline.db import Base, str_enum
from hotline.models import OutboxMessage, Request
from hotline.services import log_event
from hotline.sms_rules import FINAL_STATUSES, next_status

logger = logging.getLogger(__name__)

# The outbox handler name of a sent text (noting its MessageSid) and its failure.
SENT_HANDLER = "sms"
STATUS_CALLBACK_PATH = "/twilio/sms/status"


class SmsKind(StrEnum):
    """Why a text was sent."""

    CALLBACK_CONFIRMATION = "callback_confirmation"
    VOICEMAIL_ALERT = "voicemail_alert"


class SmsMessage(Base):
    """One text message: to whom (masked in logs), for which request, and how it fared."""

    __tablename__ = "sms_messages"
    __repr_fields__ = ("sid", "kind", "status", "error_code")
    __repr_masked__ = ("to_number",)

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[SmsKind] = mapped_column(str_enum(SmsKind, 32))
    to_number: Mapped[str | None] = mapped_column(String(20))
    # pending (in the outbox), then Twilio's: queued, sending, sent, delivered, undelivered,
    # failed; "failed" also when Twilio refused it.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error_code: Mapped[int | None]
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    status_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


def send_sms(
    session: Session,
    request: Request,
    kind: SmsKind,
    to: str,
    body: str,
    now: datetime,
    *,
    dedupe_key: str,
) -> SmsMessage:
    """Record a text of the request and its outbox intent, from the helpline's number; once per
    dedupe key. A send whose answer never came is looked up in Twilio's message list before it
    is sent again (``hotline.outbox_lookup_sms``): a text arrives once."""
    found = session.scalars(select(SmsMessage).where(SmsMessage.dedupe_key == dedupe_key)).first()
    if found is not None:
        return found
    sms = SmsMessage(
        request_id=request.id,
        kind=kind,
        to_number=to,
        status="pending",
        dedupe_key=dedupe_key,
        created_at=now,
    )
    session.add(sms)
    session.flush()
    outbox.enqueue(
        session,
        outbox.SEND_SMS,
        {
            "params": {"to": to, "from_": request.helpline.phone_number, "body": body},
            # The outbox puts the public root in front when it sends.
            "status_callback_path": f"{STATUS_CALLBACK_PATH}?sms={sms.id}",
            "sms_id": sms.id,
            "on_sent": SENT_HANDLER,
            "on_failure": SENT_HANDLER,
        },
        now,
        dedupe_key=f"sms:{dedupe_key}",
    )
    log_event(
        session,
        request,
        "sms_sent",
        now,
        detail={"kind": str(kind), "sms_id": sms.id},
        dedupe_key=f"sms:{sms.id}",
    )
    return sms


def on_sent(session: Session, message: OutboxMessage, now: datetime, _root: str) -> None:
    """The outbox sent (or could not send) a text: note its SID and first status."""
    sms = session.get(SmsMessage, message.payload.get("sms_id"))
    if sms is None:
        return
    result = message.result or {}
    if message.status == "sent" and result.get("sid"):
        sms.sid = sms.sid or result["sid"]
        sms.sent_at = sms.sent_at or now
        sms.status = next_status(sms.status, str(result.get("status") or "queued"))
    else:
        sms.status, sms.status_at = "failed", now
        sms.error_code = _twilio_code(message.last_error)
    session.flush()


def _twilio_code(error: str | None) -> int | None:
    # The outbox writes Twilio's refusals as "400 21211: message".
    parts = (error or "").split(" ", 2)
    if len(parts) >= 2 and parts[1].rstrip(":").isdigit():
        return int(parts[1].rstrip(":"))
    return None


def record_status(
    session: Session, sms_id: int, sid: str, status: str, error_code: int | None, now: datetime
) -> SmsMessage | None:
    """Fold a status callback into its text: forward only, repeats and late reports change
    nothing. None for a message the app did not send (or another message's SID)."""
    sms = session.get(SmsMessage, sms_id)
    if sms is None or (sms.sid is not None and sms.sid != sid):
        return None
    # The report may come before the outbox noted the SID Twilio answered.
    sms.sid = sid
    new = next_status(sms.status, status)
    if new != sms.status:
        sms.status, sms.status_at = new, now
        if new == "delivered":
            sms.delivered_at = now
        if new in FINAL_STATUSES and error_code is not None:
            sms.error_code = error_code
        logger.info("sms %s: %s", sid, new)
    session.flush()
    return sms
