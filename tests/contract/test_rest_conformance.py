"""The REST conformance layer the end-to-end stack wears: what it passes and what it reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from hotline.sandbox import ManualClock, Sandbox
from hotline.telephony.client import build_rest_client
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, make_settings
from tests.contract.rest_conformance import RestConformance

HOTLINE = "+33561000000"
NURSE = "+33600000001"
CALLS = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"


@pytest.fixture
def checked() -> Iterator[tuple[Sandbox, RestConformance]]:
    """A sandbox behind the conformance layer, as tests/e2e/conftest.py puts it."""
    box = Sandbox(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        clock=ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
    )
    box.add_number(HOTLINE, voice_url="https://hotline.example.org/twilio/voice/incoming")
    conformance = RestConformance()
    box.wsgi_app.wsgi_app = conformance.wrap(box.wsgi_app.wsgi_app)  # type: ignore[method-assign, assignment]
    box.start()
    yield box, conformance
    box.stop()


def rest_client(box: Sandbox) -> Client:
    """The app's own REST client, pointed at the sandbox."""
    return build_rest_client(make_settings(twilio_api_base_url=box.url))


def raw_post(box: Sandbox, path: str, form: dict[str, str]) -> requests.Response:
    """A form POST bypassing the twilio client (which would send whatever it is given)."""
    return requests.post(box.url + path, data=form, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)


def test_the_requests_of_the_helpline_flows_conform_and_reach_the_sandbox_untouched(
    checked: tuple[Sandbox, RestConformance],
) -> None:
    box, conformance = checked
    client = rest_client(box)
    call = client.calls.create(
        to=NURSE,
        from_=HOTLINE,
        url="https://hotline.example.org/twilio/nurse/screen?routing=1&step=0&user=3",
        method="POST",
        status_callback="https://hotline.example.org/twilio/nurse/leg-status?routing=1&step=0",
        status_callback_method="POST",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        timeout=25,
        send_digits="ww1234#",
        machine_detection="Enable",
    )
    client.calls(call.sid).fetch()
    client.calls.list(to=NURSE, status="queued", limit=5)
    client.calls(call.sid).update(status="canceled")

    assert [r.line.split("?")[0] for r in conformance.requests] == [
        f"POST {CALLS}",
        f"GET {CALLS.removesuffix('.json')}/{call.sid}.json",
        f"GET {CALLS}",
        f"POST {CALLS.removesuffix('.json')}/{call.sid}.json",
    ]
    assert conformance.violations() == []
    sent = conformance.requests[0].form
    assert sent["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert box.rest_requests[0].form == sent  # the sandbox read the same body


def test_an_unknown_parameter_is_reported_with_its_name(
    checked: tuple[Sandbox, RestConformance],
) -> None:
    box, conformance = checked
    form = {"To": NURSE, "From": HOTLINE, "Url": "https://hotline.example.org/x", "Labels": "a"}
    raw_post(box, CALLS, form)

    (bad,) = conformance.violations()
    assert "body.Labels: not a field of this operation" in (bad.violation or "")
    assert bad.line == f"POST {CALLS}"


def test_a_value_outside_an_enum_is_reported(checked: tuple[Sandbox, RestConformance]) -> None:
    box, conformance = checked
    client = rest_client(box)
    call = client.calls.create(to=NURSE, from_=HOTLINE, url="https://hotline.example.org/x")
    with pytest.raises(TwilioRestException):
        client.calls(call.sid).update(status="ringing")

    (bad,) = conformance.violations()
    assert "body.Status: 'ringing' is not one of ['canceled', 'completed']" in (bad.violation or "")


def test_a_wrong_type_and_a_missing_required_field_are_reported(
    checked: tuple[Sandbox, RestConformance],
) -> None:
    box, conformance = checked
    raw_post(box, CALLS, {"To": NURSE, "Url": "https://hotline.example.org/x", "Timeout": "soon"})

    (bad,) = conformance.violations()
    assert "body: 'From' is a required property" in (bad.violation or "")
    assert "body.Timeout: 'soon' is not a valid integer" in (bad.violation or "")


def test_a_path_twilio_does_not_document_is_reported(
    checked: tuple[Sandbox, RestConformance],
) -> None:
    box, conformance = checked
    requests.get(
        f"{box.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Legs.json",
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )

    (bad,) = conformance.violations()
    assert "unknown path" in (bad.violation or "")


def test_a_documented_path_outside_the_checked_subset_is_checked_on_the_spec_too(
    checked: tuple[Sandbox, RestConformance],
) -> None:
    box, conformance = checked
    number = f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers/PN{'0' * 32}.json"
    raw_post(box, number, {"VoiceUrl": "https://hotline.example.org/v", "VoiceMethod": "POST"})
    raw_post(box, number, {"VoiceUrl": "https://hotline.example.org/v", "VoiceMethod": "PUT"})

    assert len(conformance.requests) == 2
    (bad,) = conformance.violations()
    assert "body.VoiceMethod: 'PUT' is not one of ['GET', 'POST']" in (bad.violation or "")


def test_recording_media_downloads_are_not_api_calls(
    checked: tuple[Sandbox, RestConformance],
) -> None:
    box, conformance = checked
    requests.get(
        f"{box.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{'0' * 32}.wav", timeout=5
    )
    assert conformance.requests == []
