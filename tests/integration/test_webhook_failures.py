"""A webhook whose service fails: Twilio never gets a 5xx (it would not retry it anyway)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

import pytest
from flask import Flask, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.test import TestResponse

from hotline.telephony.webhooks import twilio_blueprint, twiml
from hotline.voice_twiml import TECHNICAL_PROBLEM
from tests.conftest import call_sid, post_signed, voice_form
from tests.csrf import signed_csrf_token


class DomainError(RuntimeError):
    """A service refusing what it was asked (a bug, a broken invariant)."""


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    """The app with a Twilio blueprint whose routes fail after writing to the database."""
    bp = twilio_blueprint("probe", __name__, "/twilio/probe", document_endpoints=frozenset({"doc"}))

    def half_done() -> None:
        raise DomainError("the service failed")

    @bp.post("/status")
    def status() -> tuple[str, int]:
        half_done()
        return "", 204

    @bp.post("/doc")
    def doc() -> Response:
        half_done()
        return twiml(VoiceResponse())

    app.register_blueprint(bp)
    return app


def post_to_probe(app: Flask, path: str, form: dict[str, str]) -> TestResponse:
    """Post a signed webhook to the probe (an unknown Twilio blueprint: it needs a CSRF token)."""
    client = app.test_client()
    with client.session_transaction() as browser_session:
        browser_session["csrf_token"] = "t"
    return post_signed(client, path, form | {"csrf_token": signed_csrf_token(app, "t")})


def test_a_failing_status_callback_is_logged_and_answered_2xx_never_5xx(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    form = voice_form(call_sid(1), CallStatus="completed")
    with caplog.at_level(logging.ERROR, logger="hotline.telephony.webhooks"):
        answer = post_to_probe(failing_app, "/twilio/probe/status", form)
    assert answer.status_code == 204
    assert "webhook /twilio/probe/status failed" in caplog.text
    assert "the service failed" in caplog.text


def test_a_failing_voice_document_answers_safe_twiml_that_puts_the_caller_through(
    failing_app: Flask,
) -> None:
    answer = post_to_probe(failing_app, "/twilio/probe/doc", voice_form(call_sid(2)))
    assert answer.status_code == 200
    document = ET.fromstring(answer.data)
    assert TECHNICAL_PROBLEM in "".join(document.itertext())
    dial = document.find("./Dial")
    assert dial is not None and (dial.text or "").strip() == "+33561999999"


def test_a_commit_that_fails_after_the_incoming_view_still_puts_the_caller_through(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(self: Session) -> None:
        raise OperationalError("COMMIT", {}, ConnectionError("the database went away"))

    monkeypatch.setattr(Session, "commit", unreachable)
    answer = post_signed(app.test_client(), "/twilio/voice/incoming", voice_form(call_sid(3)))
    assert answer.status_code == 200
    document = ET.fromstring(answer.data)
    assert TECHNICAL_PROBLEM in "".join(document.itertext())
    dial = document.find("./Dial")
    assert dial is not None and (dial.text or "").strip() == "+33561999999"
