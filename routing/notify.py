"""Texts of the nurse line: the GP's confirmation of a promised callback, and (a helpline
setting) the on-duty nurse's alert of a new voicemail. Neither names anybody."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.hooks import CallbackReason
from hotline.models import Helpline, Request, User
from hotline.sms import SmsKind, send_sms
from hotline.sms_rules import callback_confirmation, can_receive_sms, voicemail_alert
from routing.rota import nurses_at

logger = logging.getLogger(__name__)

# A follow-up the nurse books from the request form is her own planning, not a promise made to
# the caller on the line: no text for it.
UNTOLD_REASONS = frozenset({CallbackReason.FOLLOW_UP})


def on_duty_nurse(session: Session, helpline_id: int, at: datetime) -> User | None:
    """The helpline's nurse on duty (not the backup) at a moment, by its rota: a nurse of that
    helpline only (never one of another programme, whatever the rota says)."""
    helpline = session.get(Helpline, helpline_id)
    if helpline is None:
        return None
    found = nurses_at(session, helpline, at, "on_duty")
    return session.get(User, found[0]) if found else None


def on_callback_promised(
    _sender: object,
    *,
    session: Session,
    request: Request,
    reason: str,
    due_at: datetime,
    now: datetime,
    **_known: object,
) -> None:
    """``hooks.callback_promised``: text the GP the reference and the time, if he can read it."""
    if reason in UNTOLD_REASONS or not can_receive_sms(request.caller_number):
        return
    assert request.caller_number is not None
    body = callback_confirmation(request.reference, due_at, request.helpline.timezone)
    send_sms(
        session,
        request,
        SmsKind.CALLBACK_CONFIRMATION,
        request.caller_number,
        body,
        now,
        dedupe_key=f"callback-confirmation:{request.id}:{due_at.isoformat()}",
    )
    logger.info("request %s: callback confirmed by text", request.reference)


def on_voicemail_left(
    _sender: object,
    *,
    session: Session,
    request: Request,
    recording_sid: str,
    now: datetime,
    **_known: object,
) -> None:
    """``hooks.voicemail_left``: when the helpline wants it, text the on-duty nurse."""
    if not request.helpline.is_voicemail_sms_enabled:
        return
    nurse = on_duty_nurse(session, request.helpline_id, now)
    if nurse is None or not can_receive_sms(nurse.phone):
        return
    assert nurse.phone is not None
    send_sms(
        session,
        request,
        SmsKind.VOICEMAIL_ALERT,
        nurse.phone,
        voicemail_alert(request.reference),
        now,
        dedupe_key=f"voicemail-alert:{recording_sid}",
    )
