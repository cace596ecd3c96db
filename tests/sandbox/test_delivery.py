"""Delivery of webhooks: no retry of a 5xx by default, connection overrides, lost webhooks."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from twilio.request_validator import RequestValidator

from hotline.sandbox import Answer
from hotline.sandbox.webhooks import WebhookRecord, connection_overrides, send_webhook
from tests.conftest import AUTH_TOKEN
from tests.sandbox.conftest import GP, HOTLINE, NURSE, World

COMPLETED_ONLY = ["completed"]


def _call_with_status_callback(world: World, callback: str) -> str:
    world.sandbox.person(NURSE, Answer())
    sid = world.client.calls.create(
        to=NURSE,
        from_=HOTLINE,
        twiml="<Response><Hangup/></Response>",
        status_callback=callback,
    ).sid
    world.settle()
    return sid


def test_a_status_callback_answered_500_is_not_retried_by_default(world: World) -> None:
    world.app.on("/status", (500, "boom"))

    _call_with_status_callback(world, world.app.url("/status"))

    assert len(world.app.to("/status")) == 1
    assert world.sandbox.webhooks_to("/status")[0].attempts == 1


def test_a_500_is_retried_as_the_urls_connection_overrides_ask(world: World) -> None:
    world.app.on("/status", (503, "busy"))

    _call_with_status_callback(world, world.app.url("/status") + "#rc=3&rp=5xx")

    assert len(world.app.to("/status")) == 4  # the first attempt and rc=3 retries
    assert world.sandbox.webhooks_to("/status")[0].attempts == 4


def test_retries_stop_at_the_first_success(world: World) -> None:
    answers = iter([(500, "boom"), (200, "")])
    world.app.on("/status", lambda hit: next(answers))

    _call_with_status_callback(world, world.app.url("/status") + "#rc=5&rp=all")

    assert len(world.app.to("/status")) == 2
    assert world.sandbox.webhooks_to("/status")[0].ok


def test_a_4xx_is_not_retried_under_a_5xx_only_policy(world: World) -> None:
    world.app.on("/status", (404, "nope"))

    _call_with_status_callback(world, world.app.url("/status") + "#rc=2&rp=5xx")

    assert len(world.app.to("/status")) == 1


def test_a_refused_connection_is_tried_once_more_by_default() -> None:
    refused = WebhookRecord(
        kind="status",
        url="http://127.0.0.1:9/status",
        method="POST",
        params={"CallSid": "CA" + "0" * 32},
        call_sid=None,
        at=datetime.now(UTC),
    )

    with requests.Session() as session:
        send_webhook(session, refused, AUTH_TOKEN)

    assert refused.attempts == 2  # Twilio's defaults: rc=1, rp=ct
    assert refused.error is not None


def test_the_fragment_is_neither_sent_nor_signed(world: World) -> None:
    world.app.on("/status", "")

    _call_with_status_callback(world, world.app.url("/status") + "#rc=2&rp=all&ct=2000")

    hit = world.app.one("/status")
    assert hit.url == world.app.url("/status")
    assert RequestValidator(AUTH_TOKEN).validate(world.app.url("/status"), hit.form, hit.signature)


def test_connection_overrides_are_read_with_twilios_defaults_and_limits() -> None:
    default = connection_overrides("https://x.test/status")
    bounded = connection_overrides("https://x.test/s#rc=9&rp=5xx,rt&ct=50&rt=99999&tt=20000")

    assert (default.retry_count, default.retry_policy) == (1, frozenset({"ct"}))
    assert (default.connect_timeout_ms, default.read_timeout_ms) == (5000, 15000)
    assert default.total_timeout_ms == 15000
    assert bounded.retry_count == 5
    assert bounded.retry_policy == frozenset({"5xx", "rt"})
    assert bounded.connect_timeout_ms == 100
    assert bounded.read_timeout_ms == 15000
    assert bounded.total_timeout_ms == 15000


def test_dropped_webhooks_are_never_delivered_and_logged_as_dropped(world: World) -> None:
    world.app.on("/status", "")
    undo = world.sandbox.drop_webhooks(lambda record: record.kind == "status")

    sid = _call_with_status_callback(world, world.app.url("/status"))

    assert world.app.to("/status") == []
    [record] = world.sandbox.webhooks_to("/status")
    assert record.dropped
    assert record.call_sid == sid
    assert world.sandbox.debugger.events == []  # Twilio's debugger knows nothing of a lost one

    undo()
    _call_with_status_callback(world, world.app.url("/status"))
    assert len(world.app.to("/status")) == 1


def test_a_status_callback_answered_500_shows_11200_in_the_debugger(world: World) -> None:
    world.app.on("/status", (500, "boom"))

    sid = _call_with_status_callback(world, world.app.url("/status"))

    [event] = world.sandbox.debugger.events
    assert event.code == 11200
    assert event.call_sid == sid
    assert event.url == world.app.url("/status")
    assert event.at == world.clock.now()


def test_a_voice_url_that_cannot_be_reached_shows_11205(world: World) -> None:
    world.sandbox.add_number(HOTLINE, "http://127.0.0.1:9/incoming")

    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()

    assert world.sandbox.debugger.codes() == [11205]
    assert gp.status == "completed"
