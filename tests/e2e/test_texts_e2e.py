"""Telling the GP by text: the callback confirmation goes through the sandbox's Messaging API,
with the twilio library over HTTP, and Twilio's status reports come back to the app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callbacks.models import CallbackTask
from hotline.demo import DemoStack
from hotline.models import Call, Helpline, Professional, Request
from hotline.sms import SmsKind, SmsMessage
from tests.e2e.conftest import eventually, listen, until_input

DR_MARTIN = "+33612345678"
AMELIE = "+33600000001"


@pytest.fixture(autouse=True)
def no_callbacks_left(db: Session) -> Iterator[None]:
    """The callbacks these tests promise are not left due for the next ones."""
    yield
    db.rollback()
    db.execute(update(CallbackTask).values(status="cancelled"))
    db.execute(update(Helpline).values(is_voicemail_sms_enabled=False))
    db.commit()


def request_of(db: Session, call_sid: str) -> Request:
    request_id = eventually(
        lambda: db.scalars(select(Call.request_id).where(Call.sid == call_sid)).first(),
        what="the request of the call",
    )
    found = db.get(Request, request_id)
    assert found is not None
    return found


def test_the_callback_sms_goes_through_the_sandbox_and_carries_no_name_only_reference_and_time(
    stack: DemoStack, db: Session
) -> None:
    gp = stack.sandbox.place_call(from_=DR_MARTIN, to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("3")  # a callback
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("1430#")
    stack.sandbox.settle()
    request = request_of(db, gp.sid)
    eventually(lambda: stack.sandbox.messages, what="the text sent by the outbox")

    stack.sandbox.clock.advance(5)  # the carrier takes it, then delivers it
    stack.sandbox.settle()
    (text,) = eventually(lambda: stack.sandbox.texts_to(DR_MARTIN), what="the text delivered")

    assert text.from_ == stack.settings.hotline_number
    assert text.body == (
        f"Plateforme d'appui : rappel prévu le 23 nov. à 14 h 30, demande {request.reference}."
    )
    professional = db.scalars(
        select(Professional).where(Professional.id == request.professional_id)
    ).one()
    for name in (professional.last_name, professional.first_name, "docteur", "Dr"):
        assert name and name.lower() not in text.body.lower()
    assert not re.search(r"\d{2} ?\d{2} ?\d{2} ?\d{2} ?\d{2}", text.body)  # no number either
    # Twilio's reports came back, signed, and were folded in: delivered, never back to sent.
    sms = eventually(
        lambda: (
            db.expire_all()
            or db.scalars(select(SmsMessage).where(SmsMessage.status == "delivered")).first()
        ),
        what="the text recorded as delivered",
    )
    assert (sms.sid, sms.kind, sms.request_id) == (
        text.sid,
        SmsKind.CALLBACK_CONFIRMATION,
        request.id,
    )
    assert "3361" not in repr(sms)  # the number is masked
    reports = stack.sandbox.webhooks_to("/twilio/sms/status")
    assert [w.params["MessageStatus"] for w in reports] == ["sent", "delivered"]
    assert all(w.status_code == 204 for w in reports)


def test_the_nurse_on_duty_gets_a_text_with_the_reference_when_a_voicemail_arrives(
    stack: DemoStack, db: Session
) -> None:
    db.execute(update(Helpline).values(is_voicemail_sms_enabled=True))
    db.commit()
    gp = stack.sandbox.place_call(from_=DR_MARTIN, to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("2")  # the nurse: Amélie lets it ring, then Paul, then the voicemail
    stack.sandbox.settle()
    listen(stack, gp, "Après le bip", max_s=200)
    stack.sandbox.settle()
    gp.speak(5)
    until_input(stack, gp)
    gp.press("#")
    stack.sandbox.settle()
    request = request_of(db, gp.sid)
    eventually(lambda: len(stack.sandbox.messages) == 2, what="both texts sent")
    stack.sandbox.clock.advance(5)
    stack.sandbox.settle()

    (alert,) = eventually(lambda: stack.sandbox.texts_to(AMELIE), what="the nurse's text")
    assert alert.body == f"Plateforme d'appui : nouveau message vocal, demande {request.reference}."
