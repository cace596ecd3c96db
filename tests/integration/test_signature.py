"""Only Twilio's signed webhooks are served; a refused one writes nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Call, Request
from tests.conftest import PUBLIC_BASE_URL, call_sid, twilio_signature, voice_form

PATH = "/twilio/voice/incoming"


def count_rows(session: Session) -> tuple[int, int]:
    requests = session.scalar(select(func.count()).select_from(Request))
    calls = session.scalar(select(func.count()).select_from(Call))
    return requests or 0, calls or 0


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(None, id="no signature"),
        pytest.param("bm90IGEgc2lnbmF0dXJl", id="forged"),
        pytest.param("other-url", id="signed for another URL"),
        pytest.param("other-token", id="signed with another token"),
        pytest.param("tampered-form", id="form changed after signing"),
    ],
)
def test_unsigned_forged_or_misdirected_webhooks_get_403_and_write_nothing(
    client: FlaskClient, session: Session, signature: str | None
) -> None:
    form = voice_form(call_sid(10))
    headers = {}
    if signature == "other-url":
        headers["X-Twilio-Signature"] = twilio_signature("https://evil.example.org" + PATH, form)
    elif signature == "other-token":
        headers["X-Twilio-Signature"] = twilio_signature(
            PUBLIC_BASE_URL + PATH, form, token="0" * 32
        )
    elif signature == "tampered-form":
        headers["X-Twilio-Signature"] = twilio_signature(PUBLIC_BASE_URL + PATH, form)
        form = form | {"From": "+33699999999"}
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    response = client.post(PATH, data=form, headers=headers)
    assert response.status_code == 403
    assert count_rows(session) == (0, 0)


def test_a_signed_webhook_through_a_proxy_is_accepted(
    client: FlaskClient, session: Session
) -> None:
    form = voice_form(call_sid(11))
    response = client.post(
        PATH,
        data=form,
        base_url="http://10.0.0.5:8000",
        headers={
            "X-Twilio-Signature": twilio_signature(PUBLIC_BASE_URL + PATH, form),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "hotline.example.org",
            "X-Forwarded-For": "54.172.60.1",
        },
    )
    assert response.status_code == 200
    assert count_rows(session) == (1, 1)


def test_the_query_string_is_part_of_what_is_signed(client: FlaskClient) -> None:
    form = voice_form(call_sid(12), Digits="2")
    signed_for_attempt_1 = twilio_signature(PUBLIC_BASE_URL + "/twilio/voice/menu?attempt=1", form)
    response = client.post(
        "/twilio/voice/menu?attempt=2",
        data=form,
        headers={"X-Twilio-Signature": signed_for_attempt_1},
    )
    assert response.status_code == 403
