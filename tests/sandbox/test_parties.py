"""Simulated parties (voicemail, agency menu, silent person), AMD and DTMF sent into a call.

Each expectation is Twilio's documented behaviour (see hotline/sandbox/parties.py's docstring):
SendDigits is played once the far end answers, `w` = 0.5 s, `W` = 1 s, before the TwiML runs;
synchronous AMD holds the Url until detection and adds `AnsweredBy`; AsyncAmd runs the Url at once
and posts `AnsweredBy` and `MachineDetectionDuration` to AsyncAmdStatusCallback.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.sandbox import AgencyMenu, Answer, Silent, Voicemail
from hotline.sandbox.model import Amd, Policy
from hotline.sandbox.parties import detect
from tests.sandbox.conftest import GP, HOTLINE, NURSE, World

VOICEMAIL = "+33611111111"
AGENCY = "+33140000000"
SILENT = "+33622222222"
LEAVE_MESSAGE = (
    "<Response><Say>Bonjour, ici la plateforme, référence 42.</Say>"
    "<Pause length='3'/><Hangup/></Response>"
)
ROOM = "<Response><Dial><Conference>salle</Conference></Dial></Response>"


def call(world: World, to: str, path: str, twiml: str, **kwargs: str) -> str:
    """A REST call from the helpline to `to`, running `twiml` from `path` once answered."""
    url = world.app.on(path, twiml)
    return str(world.client.calls.create(to=to, from_=HOTLINE, url=url, **kwargs).sid)


# ----- voicemail ---------------------------------------------------------------------------


def test_voicemail_answers_after_its_delay_and_records_what_is_said_after_its_beep(
    world: World,
) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=20, greeting_s=6))
    sid = call(world, VOICEMAIL, "/vm", "<Response><Pause length='10'/>" + LEAVE_MESSAGE[10:])
    leg = world.sandbox.get_leg(sid)

    world.advance(19)
    assert leg.status == "ringing"
    world.advance(1)
    assert leg.status == "in-progress"
    assert leg.voicemail is None  # still playing its greeting

    world.advance(7)  # greeting (6 s) and beep (0.5 s) are over: the box records
    message = leg.voicemail
    assert message is not None
    assert message.started_at == leg.start_time + timedelta(seconds=6.5)
    world.advance(10)

    assert leg.status == "completed"
    assert message.heard == ["Bonjour, ici la plateforme, référence 42."]
    assert world.sandbox.person(VOICEMAIL).messages == [message]
    assert message.duration_s == (leg.end_time - message.started_at).total_seconds()
    assert message.duration_s >= 3


def test_what_is_said_during_the_greeting_is_not_recorded(world: World) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=0, greeting_s=6))
    sid = call(world, VOICEMAIL, "/vm", LEAVE_MESSAGE)
    leg = world.sandbox.get_leg(sid)

    world.advance(10)

    assert "Bonjour, ici la plateforme, référence 42." in leg.heard
    assert leg.status == "completed"
    assert leg.voicemail is None  # hung up before the beep: nothing recorded


def test_voicemail_hangs_up_when_its_box_is_full(world: World) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=0, greeting_s=2, max_s=30))
    sid = call(world, VOICEMAIL, "/vm", "<Response><Pause length='300'/></Response>")
    leg = world.sandbox.get_leg(sid)

    world.advance(32, step=4)
    assert leg.status == "in-progress"
    world.advance(1)

    assert leg.status == "completed"
    assert leg.voicemail is not None and leg.voicemail.duration_s == 30


def test_voicemail_is_not_answered_when_the_ring_timeout_is_shorter(world: World) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=20))
    # 10 s, plus the 5 s buffer Twilio may add: rung out well before the box answers
    sid = call(world, VOICEMAIL, "/vm", LEAVE_MESSAGE, timeout="10")

    world.advance(25, step=5)

    assert world.sandbox.get_leg(sid).status == "no-answer"
    assert world.app.to("/vm") == []


# ----- answering machine detection -----------------------------------------------------------


def test_detect_message_end_holds_the_url_until_the_voicemail_beeps(world: World) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=0, greeting_s=6))
    sid = call(world, VOICEMAIL, "/vm", LEAVE_MESSAGE, machine_detection="DetectMessageEnd")
    leg = world.sandbox.get_leg(sid)
    world.settle()
    assert leg.status == "in-progress"

    world.advance(6)
    assert world.app.to("/vm") == []
    world.advance(1)

    request = world.app.one("/vm").params
    assert request["AnsweredBy"] == "machine_end_beep"
    assert request["CallStatus"] == "in-progress"
    world.advance(5)
    assert leg.voicemail is not None
    assert leg.voicemail.heard == ["Bonjour, ici la plateforme, référence 42."]
    assert world.client.calls(sid).fetch().answered_by == "machine_end_beep"


def test_enable_reports_machine_start_once_speech_outlasts_the_speech_threshold(
    world: World,
) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=0, greeting_s=6))
    call(
        world,
        VOICEMAIL,
        "/vm",
        "<Response><Hangup/></Response>",
        machine_detection="Enable",
        machine_detection_speech_threshold="3000",
    )
    world.advance(2)
    assert world.app.to("/vm") == []

    world.advance(1)

    assert world.app.one("/vm").params["AnsweredBy"] == "machine_start"


def test_a_person_who_says_hello_is_human(world: World) -> None:
    world.sandbox.person(NURSE, Answer(after_s=0))
    call(
        world,
        NURSE,
        "/hello",
        "<Response><Say>Bonjour</Say></Response>",
        machine_detection="Enable",
    )
    # "Allô ?" (1 s) then the speech-end threshold (1.2 s) of silence
    world.advance(2)
    assert world.app.to("/hello") == []

    world.advance(1)

    assert world.app.one("/hello").params["AnsweredBy"] == "human"


def test_a_person_answering_by_hand_is_human_too(world: World) -> None:
    nurse = world.sandbox.person(NURSE)
    call(
        world,
        NURSE,
        "/hello",
        "<Response/>",
        machine_detection="DetectMessageEnd",
        machine_detection_speech_end_threshold="500",
    )
    leg = nurse.wait_for_ring()
    assert leg is not None
    leg.answer()
    world.advance(1)
    assert world.app.to("/hello") == []

    world.advance(1)

    assert world.app.one("/hello").params["AnsweredBy"] == "human"


def test_a_silent_person_is_unknown_after_the_silence_timeout(world: World) -> None:
    world.sandbox.person(SILENT, Silent(after_s=3))
    call(
        world,
        SILENT,
        "/hello",
        "<Response/>",
        machine_detection="Enable",
        machine_detection_silence_timeout="2000",
    )
    world.advance(4)
    assert world.app.to("/hello") == []

    world.advance(1)

    assert world.app.one("/hello").params["AnsweredBy"] == "unknown"


def test_a_greeting_longer_than_the_detection_timeout_ends_machine_end_other(
    world: World,
) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=0, greeting_s=40))
    call(
        world,
        VOICEMAIL,
        "/vm",
        "<Response/>",
        machine_detection="DetectMessageEnd",
        machine_detection_timeout="10",
    )
    world.advance(9)
    assert world.app.to("/vm") == []

    world.advance(1)

    assert world.app.one("/vm").params["AnsweredBy"] == "machine_end_other"


def test_async_amd_runs_the_url_at_once_and_posts_the_result_to_its_callback(
    world: World,
) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=0, greeting_s=6))
    sid = call(
        world,
        VOICEMAIL,
        "/vm",
        "<Response><Pause length='60'/></Response>",
        machine_detection="Enable",
        async_amd="true",
        async_amd_status_callback=world.app.url("/amd"),
    )
    world.settle()
    assert "AnsweredBy" not in world.app.one("/vm").params
    assert world.app.to("/amd") == []

    world.advance(3)

    result = world.app.one("/amd")
    assert result.method == "POST"
    assert result.params["AnsweredBy"] == "machine_start"
    assert result.params["CallSid"] == sid
    assert result.params["AccountSid"] == world.sandbox.account_sid
    assert result.params["MachineDetectionDuration"] == "2400"


def test_machine_detection_is_ignored_when_send_digits_is_given(world: World) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=0, greeting_s=6))
    call(world, VOICEMAIL, "/vm", "<Response/>", machine_detection="Enable", send_digits="1")
    world.settle()

    assert "AnsweredBy" not in world.app.one("/vm").params


def test_number_noun_machine_detection_posts_to_its_amd_status_callback(world: World) -> None:
    world.sandbox.person(VOICEMAIL, Voicemail(after_s=0, greeting_s=6))
    amd = world.app.url("/amd")
    world.sandbox.add_number(
        HOTLINE,
        world.app.on(
            "/incoming",
            f"<Response><Dial><Number machineDetection='Enable' amdStatusCallback='{amd}'>"
            f"{VOICEMAIL}</Number></Dial></Response>",
        ),
    )
    world.sandbox.place_call(from_=GP, to=HOTLINE)
    world.advance(3)

    assert world.app.one("/amd").params["AnsweredBy"] == "machine_start"


def test_a_participant_created_with_machine_detection_reports_to_amd_status_callback(
    world: World,
) -> None:
    world.sandbox.person(NURSE, Answer(after_s=0))
    participant = world.client.conferences("salle").participants.create(
        from_=HOTLINE,
        to=NURSE,
        machine_detection="Enable",
        amd_status_callback=world.app.url("/amd"),
    )
    world.advance(3)

    result = world.app.one("/amd").params
    assert result["AnsweredBy"] == "human"
    assert result["CallSid"] == participant.call_sid


# ----- DTMF sent into a call, and the agency's phone menu ------------------------------------


def test_send_digits_are_played_with_their_pauses_before_the_url_runs(world: World) -> None:
    world.sandbox.person(NURSE, Answer(after_s=0))
    sid = call(world, NURSE, "/ext", "<Response/>", send_digits="wW12")
    leg = world.sandbox.get_leg(sid)
    world.settle()
    assert leg.digits_received == ["wW12"]
    assert leg.keys_received == ""

    world.advance(1)
    assert world.app.to("/ext") == []
    world.advance(0.5)

    assert leg.keys_received == "12"
    assert world.app.one("/ext").params["CallStatus"] == "in-progress"


def test_the_agency_menu_lets_its_interpreter_on_after_the_right_access_code(
    world: World,
) -> None:
    world.sandbox.person(AGENCY, AgencyMenu(digits="1234", interpreter_after_s=20))
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", ROOM))
    gp = world.sandbox.place_call(from_=GP, to=HOTLINE)
    sid = call(world, AGENCY, "/agency", ROOM, send_digits="wwww1234#wwww11#")
    leg = world.sandbox.get_leg(sid)
    world.settle()
    assert leg.status == "in-progress"  # answers at once

    world.advance(4)
    assert leg.keys_received == "1234#11#"
    assert leg.conference == "salle"
    world.advance(17)  # the code was complete 2 s after the answer: 21 s since then
    assert not leg.agency_interpreter_on

    world.advance(1)

    assert leg.agency_interpreter_on
    assert "« Bonjour, interprète de l'agence, je vous écoute. »" in gp.heard
    world.advance(30, step=5)
    assert leg.status == "in-progress"


def test_the_agency_menu_hangs_up_on_a_wrong_code(world: World) -> None:
    world.sandbox.person(AGENCY, AgencyMenu(digits="1234", timeout_s=10))
    sid = call(world, AGENCY, "/agency", ROOM, send_digits="ww9999#")
    leg = world.sandbox.get_leg(sid)
    world.advance(9)
    assert leg.status == "in-progress"

    world.advance(1)

    assert leg.status == "completed"
    assert leg.keys_received == "9999#"
    assert not leg.agency_interpreter_on


def test_the_agency_menu_hangs_up_when_no_digits_come(world: World) -> None:
    world.sandbox.person(AGENCY, AgencyMenu(digits="1234", timeout_s=10))
    sid = call(world, AGENCY, "/agency", "<Response><Gather timeout='30'/></Response>")
    leg = world.sandbox.get_leg(sid)

    world.advance(10)

    assert leg.status == "completed"
    assert world.app.to("/agency")[0].params["CallStatus"] == "in-progress"


def test_number_send_digits_reach_the_agency_before_its_whisper_runs(world: World) -> None:
    world.sandbox.person(AGENCY, AgencyMenu(digits="1234", interpreter_after_s=5))
    whisper = world.app.on("/whisper", "<Response><Say>Appel de la plateforme</Say></Response>")
    world.sandbox.add_number(
        HOTLINE,
        world.app.on(
            "/incoming",
            f"<Response><Dial><Number sendDigits='W1234' url='{whisper}'>{AGENCY}</Number>"
            "</Dial></Response>",
        ),
    )
    gp = world.sandbox.place_call(from_=GP, to=HOTLINE)
    world.settle()
    [agency_leg] = world.sandbox.person(AGENCY).legs
    assert world.app.to("/whisper") == []

    world.advance(1)

    assert agency_leg.keys_received == "1234"
    assert world.app.one("/whisper").params["CallSid"] == agency_leg.sid
    world.advance(5)
    assert agency_leg.agency_interpreter_on
    assert "« Bonjour, interprète de l'agence, je vous écoute. »" in gp.heard


def test_play_digits_in_the_twiml_reach_the_agency_menu(world: World) -> None:
    world.sandbox.person(AGENCY, AgencyMenu(digits="1234", interpreter_after_s=5))
    sid = call(
        world, AGENCY, "/agency", "<Response><Play digits='1234'/><Pause length='30'/></Response>"
    )
    leg = world.sandbox.get_leg(sid)

    world.advance(5)

    assert leg.keys_received == "1234"
    assert leg.agency_interpreter_on


def test_a_silent_person_answers_after_its_delay_and_never_presses_a_key(world: World) -> None:
    world.sandbox.person(SILENT, Silent(after_s=3))
    world.app.on("/choice", "<Response><Say>Accepté</Say></Response>")
    sid = call(
        world,
        SILENT,
        "/offer",
        "<Response><Gather numDigits='1' action='/choice' timeout='5'>"
        "<Say>Tapez 1 pour accepter</Say></Gather><Say>Au revoir</Say></Response>",
    )
    leg = world.sandbox.get_leg(sid)
    world.advance(2)
    assert leg.status == "ringing"

    world.advance(1)
    assert leg.status == "in-progress"
    world.advance(20)  # the prompt is said, the Gather times out, the call goes on

    assert world.app.to("/choice") == []
    assert leg.keys_pressed == []
    assert leg.heard == ["Tapez 1 pour accepter", "Au revoir"]
    assert leg.status == "completed"


@pytest.mark.parametrize(
    ("party", "mode", "expected"),
    [
        (Answer(), "Enable", ("human", 2.2)),
        (Answer(), "DetectMessageEnd", ("human", 2.2)),
        (Voicemail(greeting_s=6), "Enable", ("machine_start", 2.4)),
        (Voicemail(greeting_s=6), "DetectMessageEnd", ("machine_end_beep", 6.5)),
        (Voicemail(greeting_s=2), "DetectMessageEnd", ("human", 3.2)),  # a short greeting fools it
        (Voicemail(greeting_s=45), "DetectMessageEnd", ("machine_end_other", 30.0)),
        (AgencyMenu(digits="1"), "Enable", ("machine_start", 2.4)),
        (AgencyMenu(digits="1"), "DetectMessageEnd", ("machine_end_silence", 5.2)),
        (Silent(), "Enable", ("unknown", 5.0)),
    ],
)
def test_what_detection_reports_for_each_party_with_twilio_s_default_thresholds(
    party: Policy, mode: str, expected: tuple[str, float]
) -> None:
    answered_by, after_s = detect(party, Amd(mode=mode))

    assert (answered_by, round(after_s, 3)) == expected
