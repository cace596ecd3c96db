"""Webhooks as Twilio sends them: parameter names, signatures, methods, status callbacks."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from twilio.request_validator import RequestValidator

from hotline.sandbox import Answer
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.sandbox.conftest import GP, HOTLINE, NURSE, START, World

HANG_UP_IN_7 = "<Response><Pause length='7'/></Response>"
ALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


def test_inbound_voice_webhook_carries_twilios_standard_parameters(world: World) -> None:
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", "<Response/>"))
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()

    params = world.app.one("/incoming").params
    assert params["CallSid"] == gp.sid
    assert params["AccountSid"] == ACCOUNT_SID
    assert params["From"] == GP
    assert params["To"] == HOTLINE
    assert params["Caller"] == GP
    assert params["Called"] == HOTLINE
    assert params["CallStatus"] == "ringing"
    assert params["Direction"] == "inbound"
    assert params["ApiVersion"] == "2010-04-01"
    assert params["FromCountry"] == "FR"
    assert params["ToCountry"] == "FR"


def test_outbound_voice_webhook_is_sent_in_progress_as_outbound_api(world: World) -> None:
    world.sandbox.person(NURSE, Answer())
    sid = world.client.calls.create(
        to=NURSE, from_=HOTLINE, url=world.app.on("/voice", "<Response/>")
    ).sid
    world.settle()

    params = world.app.one("/voice").params
    assert params["CallSid"] == sid
    assert params["CallStatus"] == "in-progress"
    assert params["Direction"] == "outbound-api"
    assert params["From"] == HOTLINE
    assert params["To"] == NURSE


def test_signature_covers_the_exact_url_with_its_query_string(world: World) -> None:
    world.sandbox.person(NURSE, Answer())
    url = world.app.on("/voice", "<Response/>") + "?tenant=7&lang=fr"
    world.client.calls.create(to=NURSE, from_=HOTLINE, url=url)
    world.settle()

    hit = world.app.one("/voice")
    validator = RequestValidator(AUTH_TOKEN)
    assert hit.url == url
    assert hit.signature == validator.compute_signature(url, hit.form)
    assert validator.validate(url, hit.form, hit.signature)
    assert not validator.validate(world.app.url("/voice"), hit.form, hit.signature)
    assert not RequestValidator("another-token").validate(url, hit.form, hit.signature)


def test_get_method_appends_the_parameters_to_the_query_and_signs_that_url(
    world: World,
) -> None:
    world.sandbox.person(NURSE, Answer())
    url = world.app.on("/voice", "<Response/>") + "?tenant=7"
    world.client.calls.create(to=NURSE, from_=HOTLINE, url=url, method="GET")
    world.settle()

    hit = world.app.one("/voice")
    assert hit.method == "GET"
    assert hit.form == {}
    assert hit.args["tenant"] == "7"
    assert hit.args["CallStatus"] == "in-progress"
    assert hit.url.startswith(url + "&")
    assert RequestValidator(AUTH_TOKEN).validate(hit.url, {}, hit.signature)


def test_status_callbacks_follow_the_requested_events_in_sequence(world: World) -> None:
    world.sandbox.person(NURSE, Answer(after_s=2))
    sid = world.client.calls.create(
        to=NURSE,
        from_=HOTLINE,
        url=world.app.on("/voice", HANG_UP_IN_7),
        status_callback=world.app.url("/status"),
        status_callback_event=ALL_EVENTS,
    ).sid

    world.advance(9)

    hits = [hit.params for hit in world.app.to("/status")]
    assert [p["CallStatus"] for p in hits] == ["initiated", "ringing", "in-progress", "completed"]
    assert [p["SequenceNumber"] for p in hits] == ["0", "1", "2", "3"]
    for params in hits:
        assert params["CallSid"] == sid
        assert params["AccountSid"] == ACCOUNT_SID
        assert params["Direction"] == "outbound-api"
        assert params["ApiVersion"] == "2010-04-01"
        assert params["CallbackSource"] == "call-progress-events"
    stamps = [parsedate_to_datetime(p["Timestamp"]) for p in hits]
    assert stamps == sorted(stamps)
    assert stamps[0] == START
    assert stamps[-1].timestamp() - START.timestamp() == 9
    assert hits[-1]["CallDuration"] == "7"
    assert "CallDuration" not in hits[0]


def test_status_callback_defaults_to_completed_only(world: World) -> None:
    world.sandbox.person(NURSE, Answer())
    world.client.calls.create(
        to=NURSE,
        from_=HOTLINE,
        url=world.app.on("/voice", "<Response/>"),
        status_callback=world.app.url("/status"),
    )
    world.settle()

    assert [h.params["CallStatus"] for h in world.app.to("/status")] == ["completed"]


def test_status_callback_method_get_sends_the_parameters_in_the_query(world: World) -> None:
    world.sandbox.person(NURSE, Answer())
    world.client.calls.create(
        to=NURSE,
        from_=HOTLINE,
        url=world.app.on("/voice", "<Response/>"),
        status_callback=world.app.url("/status"),
        status_callback_method="GET",
    )
    world.settle()

    hit = world.app.one("/status")
    assert hit.method == "GET"
    assert hit.args["CallStatus"] == "completed"
    assert hit.args["CallDuration"] == "0"


def test_dial_number_status_callback_events_are_sent_for_the_child_leg(world: World) -> None:
    world.sandbox.person(NURSE, Answer(after_s=1))
    events = world.app.url("/child-status")
    world.sandbox.add_number(
        HOTLINE,
        world.app.on(
            "/incoming",
            f"<Response><Dial><Number statusCallback='{events}' "
            f"statusCallbackEvent='ringing answered completed'>{NURSE}</Number></Dial>"
            "</Response>",
        ),
    )
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.advance(1)
    gp.hang_up()
    world.settle()

    hits = [h.params for h in world.app.to("/child-status")]
    assert [p["CallStatus"] for p in hits] == ["ringing", "in-progress", "completed"]
    assert all(p["ParentCallSid"] == gp.sid for p in hits)
    assert all(p["Direction"] == "outbound-dial" for p in hits)


def test_fallback_url_is_fetched_with_the_error_when_the_voice_url_fails(world: World) -> None:
    world.app.on("/broken", (500, "boom"))
    world.app.on("/fallback", "<Response><Say>Secours</Say></Response>")
    world.sandbox.add_number(
        HOTLINE, world.app.url("/broken"), fallback_url=world.app.url("/fallback")
    )
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()

    params = world.app.one("/fallback").params
    assert params["ErrorCode"] == "11200"
    assert params["ErrorUrl"] == world.app.url("/broken")
    assert params["CallSid"] == gp.sid
    assert gp.heard == ["Secours"]
