"""REST contract of Calls: the real twilio client against the sandbox, checked on the spec."""

from __future__ import annotations

import json

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from hotline.sandbox import Answer, Manual
from tests.conftest import ACCOUNT_SID
from tests.sandbox.conftest import GP, HOTLINE, NURSE, ContractHttpClient, World

SAY_HELLO = "<Response><Say>Bonjour</Say><Pause length='60'/></Response>"


def test_create_call_returns_a_queued_outbound_api_call(world: World) -> None:
    url = world.app.on("/voice", SAY_HELLO)
    call = world.client.calls.create(to=NURSE, from_=HOTLINE, url=url)

    assert call.sid is not None and call.sid.startswith("CA") and len(call.sid) == 34
    assert call.status == "queued"
    assert call.direction == "outbound-api"
    assert call.to == NURSE
    assert call._from == HOTLINE
    assert call.account_sid == ACCOUNT_SID
    assert call.api_version == "2010-04-01"
    assert call.duration is None


def test_fetch_call_follows_the_leg_from_ringing_to_completed(world: World) -> None:
    world.sandbox.person(NURSE, Answer(after_s=2))
    url = world.app.on("/voice", "<Response><Say>Bonjour</Say><Pause length='10'/></Response>")
    sid = world.client.calls.create(to=NURSE, from_=HOTLINE, url=url).sid
    world.settle()
    assert world.client.calls(sid).fetch().status == "ringing"

    world.advance(2)
    answered = world.client.calls(sid).fetch()
    assert answered.status == "in-progress"
    assert answered.start_time is not None

    world.advance(10.5)  # "Bonjour" takes about half a second to be said
    done = world.client.calls(sid).fetch()
    assert done.status == "completed"
    assert done.duration == "10"
    assert done.price is not None and done.price.startswith("-")
    assert done.price_unit == "USD"
    assert done.end_time is not None


def test_list_calls_pages_newest_first_and_filters(world: World, http: ContractHttpClient) -> None:
    world.sandbox.person(NURSE, Manual())
    url = world.app.on("/voice", SAY_HELLO)
    sids = [world.client.calls.create(to=NURSE, from_=HOTLINE, url=url).sid for _ in range(5)]
    world.client.calls.create(to=GP, from_=HOTLINE, url=url)

    to_nurse = world.client.calls.list(to=NURSE, page_size=2)
    assert [c.sid for c in to_nurse] == list(reversed(sids))

    first = world.client.calls.page(to=NURSE, page_size=2)
    assert [c.sid for c in first] == [sids[4], sids[3]]
    second = first.next_page()
    assert second is not None and [c.sid for c in second] == [sids[2], sids[1]]
    third = second.next_page()
    assert third is not None and [c.sid for c in third] == [sids[0]]
    assert third.next_page() is None
    # The client followed next_page_uri, with Page and PageToken, to the sandbox.
    pages = [e for e in http.exchanges if e.method == "GET" and "Page=" in e.url]
    assert len(pages) >= 2

    assert len(world.client.calls.list()) == 6
    assert world.client.calls.list(status="completed") == []


def test_list_calls_filters_child_legs_by_parent_call_sid(world: World) -> None:
    world.sandbox.person(NURSE, Manual())
    dial = f"<Response><Dial><Number>{NURSE}</Number></Dial></Response>"
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", dial))
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()

    children = world.client.calls.list(parent_call_sid=gp.sid)
    assert [c.to for c in children] == [NURSE]
    assert children[0].direction == "outbound-dial"
    assert children[0].parent_call_sid == gp.sid


def test_update_call_with_url_redirects_the_live_call(world: World) -> None:
    world.sandbox.person(NURSE, Answer())
    url = world.app.on("/voice", SAY_HELLO)
    new_url = world.app.on("/moved", "<Response><Say>Redirigé</Say><Hangup/></Response>")
    sid = world.client.calls.create(to=NURSE, from_=HOTLINE, url=url).sid
    world.settle()

    updated = world.client.calls(sid).update(url=new_url, method="POST")
    world.advance(1)

    assert updated.sid == sid
    leg = world.sandbox.get_leg(sid)
    assert leg.heard == ["Bonjour", "Redirigé"]
    assert leg.status == "completed"
    assert world.app.one("/moved").params["CallSid"] == sid


def test_update_call_with_twiml_replaces_what_runs(world: World) -> None:
    world.sandbox.person(NURSE, Answer())
    sid = world.client.calls.create(
        to=NURSE, from_=HOTLINE, url=world.app.on("/voice", SAY_HELLO)
    ).sid
    world.settle()

    world.client.calls(sid).update(twiml="<Response><Say>Nouveau</Say></Response>")
    world.advance(1)

    leg = world.sandbox.get_leg(sid)
    assert leg.heard == ["Bonjour", "Nouveau"]
    assert leg.status == "completed"


def test_update_call_status_completed_hangs_up_a_live_call(world: World) -> None:
    world.sandbox.person(NURSE, Answer())
    sid = world.client.calls.create(
        to=NURSE, from_=HOTLINE, url=world.app.on("/voice", SAY_HELLO)
    ).sid
    world.advance(4)

    call = world.client.calls(sid).update(status="completed")

    assert call.status == "completed"
    assert call.duration == "4"


def test_update_call_status_canceled_cancels_a_ringing_call(world: World) -> None:
    world.sandbox.person(NURSE, Manual())
    sid = world.client.calls.create(
        to=NURSE, from_=HOTLINE, url=world.app.on("/voice", SAY_HELLO)
    ).sid
    world.settle()

    call = world.client.calls(sid).update(status="canceled")

    assert call.status == "canceled"
    assert call.duration is None
    assert world.app.to("/voice") == []


def test_update_call_status_canceled_leaves_a_live_call_alone(world: World) -> None:
    world.sandbox.person(NURSE, Answer())
    sid = world.client.calls.create(
        to=NURSE, from_=HOTLINE, url=world.app.on("/voice", SAY_HELLO)
    ).sid
    world.settle()

    assert world.client.calls(sid).update(status="canceled").status == "in-progress"


def test_delete_call_removes_a_finished_call(world: World) -> None:
    world.sandbox.person(NURSE, Answer())
    sid = world.client.calls.create(
        to=NURSE, from_=HOTLINE, twiml="<Response><Say>Court</Say></Response>"
    ).sid
    world.advance(1)

    assert world.client.calls(sid).delete() is True
    with pytest.raises(TwilioRestException) as caught:
        world.client.calls(sid).fetch()
    assert caught.value.status == 404


def test_unknown_call_sid_is_a_twilio_404(world: World, http: ContractHttpClient) -> None:
    unknown = "CA" + "f" * 32

    with pytest.raises(TwilioRestException) as caught:
        world.client.calls(unknown).fetch()

    assert caught.value.status == 404
    assert caught.value.code == 20404
    body = http.exchanges[-1].body
    assert set(json.loads(body)) == {"code", "message", "more_info", "status"}


def test_bad_credentials_are_a_twilio_401(world: World) -> None:
    intruder = Client(ACCOUNT_SID, "wrong-token")
    intruder.http_client = ContractHttpClient()
    intruder.api.base_url = world.sandbox.url

    with pytest.raises(TwilioRestException) as caught:
        intruder.calls.create(to=NURSE, from_=HOTLINE, twiml="<Response/>")

    assert caught.value.status == 401
    assert caught.value.code == 20003


def test_create_call_without_url_or_twiml_is_refused(world: World) -> None:
    with pytest.raises(TwilioRestException) as caught:
        world.client.calls.create(to=NURSE, from_=HOTLINE)
    assert caught.value.status == 400
    assert caught.value.code == 21205


def test_update_call_with_invalid_twiml_is_refused_and_leaves_the_call_running(
    world: World,
) -> None:
    world.sandbox.person(NURSE, Answer())
    sid = world.client.calls.create(
        to=NURSE,
        from_=HOTLINE,
        url=world.app.on("/voice", "<Response><Pause length='5'/><Say>Suite</Say></Response>"),
    ).sid
    world.settle()

    with pytest.raises(TwilioRestException) as caught:
        world.client.calls(sid).update(twiml="<Response><Oops/></Response>")
    assert caught.value.status == 400
    world.advance(6)  # the pause, then "Suite" is said

    leg = world.sandbox.get_leg(sid)
    assert leg.heard == ["Suite"]
    assert leg.status == "completed"


def test_create_call_with_a_malformed_timeout_is_a_twilio_400(world: World) -> None:
    with pytest.raises(TwilioRestException) as caught:
        world.client.calls.create(
            to=NURSE,
            from_=HOTLINE,
            twiml="<Response/>",
            timeout="soon",
        )
    assert caught.value.status == 400
    assert caught.value.code is not None
