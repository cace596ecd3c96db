"""REST contract of the account's resources and of the caller-ID and SendDigits refusals.

The real twilio client talks to the sandbox; every exchange is checked on Twilio's spec.
"""

from __future__ import annotations

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from hotline.sandbox import Answer
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.sandbox.conftest import GP, HOTLINE, NURSE, ContractHttpClient, World, advance

OTHER_NUMBER = "+33562000000"
SAY = "<Response><Say>Bonjour</Say></Response>"


# ----- IncomingPhoneNumbers ----------------------------------------------------------------


def test_the_sandbox_numbers_are_the_account_incoming_phone_numbers(world: World) -> None:
    world.sandbox.add_number(HOTLINE, world.app.url("/incoming"), world.app.url("/status"))
    world.sandbox.add_number(OTHER_NUMBER, world.app.url("/other"))

    listed = world.client.incoming_phone_numbers.list()
    assert sorted(n.phone_number for n in listed) == [HOTLINE, OTHER_NUMBER]

    (hotline,) = world.client.incoming_phone_numbers.list(phone_number=HOTLINE)
    assert hotline.sid.startswith("PN")
    assert hotline.voice_url == world.app.url("/incoming")
    assert hotline.voice_method == "POST"
    assert hotline.status_callback == world.app.url("/status")
    assert world.client.incoming_phone_numbers(hotline.sid).fetch().phone_number == HOTLINE


def test_the_phone_number_filter_takes_partial_numbers_and_wildcards(world: World) -> None:
    world.sandbox.add_number(HOTLINE, world.app.url("/incoming"))
    world.sandbox.add_number(OTHER_NUMBER, world.app.url("/other"))

    assert [n.phone_number for n in world.client.incoming_phone_numbers.list(phone_number="562")]
    assert [
        n.phone_number for n in world.client.incoming_phone_numbers.list(phone_number="+33561*")
    ] == [HOTLINE]
    assert world.client.incoming_phone_numbers.list(phone_number="+1555") == []


def test_updating_the_voice_url_changes_what_a_call_to_the_number_fetches(world: World) -> None:
    number = world.sandbox.add_number(HOTLINE, world.app.on("/old", SAY))
    new_url = world.app.on("/new", SAY)

    updated = world.client.incoming_phone_numbers(number.sid).update(
        voice_url=new_url,
        voice_method="POST",
        status_callback=world.app.url("/status"),
        status_callback_method="POST",
        voice_fallback_url=world.app.url("/fallback"),
    )
    assert updated.voice_url == new_url
    assert updated.status_callback == world.app.url("/status")
    assert updated.voice_fallback_url == world.app.url("/fallback")

    world.sandbox.place_call(GP, HOTLINE)
    world.settle()
    assert world.app.to("/old") == []
    assert len(world.app.to("/new")) == 1
    advance(world.sandbox, world.clock, 10)  # the greeting is said, the call ends
    assert world.app.to("/status") != []


def test_an_unknown_number_sid_is_a_twilio_404(world: World) -> None:
    with pytest.raises(TwilioRestException) as caught:
        world.client.incoming_phone_numbers("PN" + "0" * 32).fetch()
    assert caught.value.status == 404
    assert caught.value.code == 20404


# ----- Applications ------------------------------------------------------------------------


def test_a_twiml_app_is_created_found_by_name_and_updated(world: World) -> None:
    created = world.client.applications.create(
        friendly_name="Téléphone du navigateur", voice_url=world.app.url("/browser")
    )
    assert created.sid.startswith("AP")
    assert created.voice_method == "POST"
    world.client.applications.create(friendly_name="Autre")

    found = world.client.applications.list(friendly_name="Téléphone du navigateur")
    assert [app.sid for app in found] == [created.sid]

    updated = world.client.applications(created.sid).update(
        voice_url=world.app.url("/browser-2"), voice_method="GET"
    )
    assert (updated.voice_url, updated.voice_method) == (world.app.url("/browser-2"), "GET")
    fetched = world.client.applications(created.sid).fetch()
    assert fetched.voice_url == world.app.url("/browser-2")


# ----- Keys --------------------------------------------------------------------------------


def test_an_api_key_secret_is_returned_only_when_the_key_is_created(
    world: World, http: ContractHttpClient
) -> None:
    key = world.client.new_keys.create(friendly_name="hotline browser phone")
    assert key.sid.startswith("SK")
    assert key.secret

    fetched = world.client.keys(key.sid).fetch()
    assert fetched.friendly_name == "hotline browser phone"
    assert [k.sid for k in world.client.keys.list()] == [key.sid]
    answers = [e.body for e in http.exchanges if e.method == "GET"]
    assert answers and all(key.secret not in body and "secret" not in body for body in answers)


# ----- OutgoingCallerIds -------------------------------------------------------------------


def test_verified_caller_ids_are_listed(world: World) -> None:
    world.sandbox.verify_caller_id(OTHER_NUMBER, "Standard")
    listed = world.client.outgoing_caller_ids.list()
    assert sorted(c.phone_number for c in listed) == [HOTLINE, OTHER_NUMBER]
    only = world.client.outgoing_caller_ids.list(phone_number=OTHER_NUMBER)
    assert [(c.phone_number, c.friendly_name) for c in only] == [(OTHER_NUMBER, "Standard")]


# ----- Recordings --------------------------------------------------------------------------


def _voicemail(world: World) -> str:
    """A call to HOTLINE that leaves a 4 s voicemail; return the recording's SID."""
    action = world.app.on("/recorded", "<Response><Hangup/></Response>")
    world.sandbox.add_number(
        HOTLINE,
        world.app.on("/incoming", f"<Response><Record action='{action}' timeout='5'/></Response>"),
    )
    leg = world.sandbox.place_call(GP, HOTLINE)
    world.settle()
    leg.speak(4)
    world.advance(10)
    return world.app.one("/recorded").params["RecordingSid"]


def test_a_recording_is_fetched_then_deleted_and_its_media_is_gone(world: World) -> None:
    sid = _voicemail(world)
    recording = world.client.recordings(sid).fetch()
    assert recording.duration == "4"
    assert recording.status == "completed"
    media = f"{world.sandbox.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}.wav"
    assert requests.get(media, timeout=5).status_code == 200

    assert world.client.recordings(sid).delete() is True

    assert requests.get(media, timeout=5).status_code == 404
    with pytest.raises(TwilioRestException) as caught:
        world.client.recordings(sid).fetch()
    assert caught.value.status == 404
    with pytest.raises(TwilioRestException) as again:
        world.client.recordings(sid).delete()
    assert again.value.status == 404


def test_the_account_resources_need_the_account_credentials(world: World) -> None:
    url = f"{world.sandbox.url}/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers.json"
    assert requests.get(url, auth=(ACCOUNT_SID, "wrong"), timeout=5).status_code == 401
    assert requests.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5).status_code == 200


# ----- refusals: From, SendDigits ----------------------------------------------------------


def test_a_call_from_a_number_the_account_neither_owns_nor_verified_is_refused_21210(
    world: World,
) -> None:
    url = world.app.on("/voice", SAY)
    with pytest.raises(TwilioRestException) as caught:
        world.client.calls.create(to=NURSE, from_=GP, url=url)
    assert (caught.value.status, caught.value.code) == (400, 21210)
    assert world.sandbox.calls == []
    assert world.sandbox.debugger.codes() == [21210]


def test_a_call_from_an_owned_number_or_a_verified_caller_id_is_placed(world: World) -> None:
    url = world.app.on("/voice", SAY)
    world.sandbox.add_number(OTHER_NUMBER, world.app.url("/incoming"))
    assert world.client.calls.create(to=NURSE, from_=OTHER_NUMBER, url=url).status == "queued"
    assert world.client.calls.create(to=NURSE, from_=HOTLINE, url=url).status == "queued"
    assert world.sandbox.debugger.codes() == []


def test_a_browser_leg_from_the_caller_gp_number_is_refused(world: World) -> None:
    url = world.app.on("/voice", SAY)
    with pytest.raises(TwilioRestException) as caught:
        world.client.calls.create(to="client:nurse-1", from_=GP, url=url)
    assert caught.value.code == 21210


def test_a_client_identity_is_a_caller_id_only_for_a_call_to_a_client(world: World) -> None:
    url = world.app.on("/voice", SAY)
    call = world.client.calls.create(to="client:nurse-1", from_="client:hotline", url=url)
    assert call.status == "queued"
    with pytest.raises(TwilioRestException) as caught:
        world.client.calls.create(to=NURSE, from_="client:hotline", url=url)
    assert caught.value.code == 21210


def test_a_participant_from_an_unverified_number_is_refused_21210(world: World) -> None:
    with pytest.raises(TwilioRestException) as caught:
        world.client.conferences("room-1").participants.create(from_=GP, to=NURSE, label="nurse")
    assert caught.value.code == 21210
    with pytest.raises(TwilioRestException) as by_caller_id:
        world.client.conferences("room-1").participants.create(
            from_=HOTLINE, to=NURSE, caller_id=GP
        )
    assert by_caller_id.value.code == 21210
    assert world.sandbox.debugger.codes() == [21210, 21210]
    ok = world.client.conferences("room-1").participants.create(from_=HOTLINE, to=NURSE)
    assert ok.call_sid.startswith("CA")


@pytest.mark.parametrize(
    "digits",
    ["12x4", "1234 ", "E", "#" * 33, "ww1234#" + "1" * 26],
)
def test_send_digits_twilio_does_not_accept_are_refused_21206(world: World, digits: str) -> None:
    url = world.app.on("/voice", SAY)
    with pytest.raises(TwilioRestException) as caught:
        world.client.calls.create(to=NURSE, from_=HOTLINE, url=url, send_digits=digits)
    assert (caught.value.status, caught.value.code) == (400, 21206)
    assert world.sandbox.debugger.codes()[-1] == 21206


@pytest.mark.parametrize("digits", ["W1234#", "wwww1234*ABCD", "1" * 32])
def test_send_digits_of_the_documented_characters_are_accepted(world: World, digits: str) -> None:
    world.sandbox.person(NURSE, Answer(after_s=0))
    url = world.app.on("/voice", SAY)
    call = world.client.calls.create(to=NURSE, from_=HOTLINE, url=url, send_digits=digits)
    assert call.status == "queued"
    assert world.sandbox.debugger.codes() == []


def test_a_number_update_with_a_bad_url_or_method_is_refused_and_changes_nothing(
    world: World,
) -> None:
    number = world.sandbox.add_number(HOTLINE, world.app.url("/incoming"))
    with pytest.raises(TwilioRestException) as bad_url:
        world.client.incoming_phone_numbers(number.sid).update(voice_url="incoming")
    assert (bad_url.value.status, bad_url.value.code) == (400, 21402)
    with pytest.raises(TwilioRestException) as bad_method:
        world.client.incoming_phone_numbers(number.sid).update(
            voice_url=world.app.url("/new"), voice_method="PUT"
        )
    assert bad_method.value.code == 21403
    assert world.client.incoming_phone_numbers(number.sid).fetch().voice_url == world.app.url(
        "/incoming"
    )
