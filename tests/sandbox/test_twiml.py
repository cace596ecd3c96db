"""The TwiML executor: each verb as a caller experiences it and as the app's webhooks see it."""

from __future__ import annotations

import io
import wave

import requests

from hotline.sandbox import Answer, Decline, Ignore, Leg, Said
from hotline.sandbox.engine import APPLICATION_ERROR, HOLD_MUSIC
from tests.sandbox.conftest import GP, HOTLINE, INTERPRETER, NURSE, Reply, World


def call_in(world: World, twiml: Reply, path: str = "/incoming") -> Leg:
    """The GP calls the hotline, whose voice URL answers `twiml`."""
    world.sandbox.add_number(
        HOTLINE, world.app.on(path, twiml), status_callback=world.app.url("/status")
    )
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()
    return gp


# ----- Say, Play, Pause ----------------------------------------------------------------------


def test_say_is_heard_with_its_voice_and_language(world: World) -> None:
    gp = call_in(
        world,
        "<Response><Say language='fr-FR' voice='Polly.Lea'>Bonjour docteur</Say>"
        "<Say>Goodbye</Say></Response>",
    )
    assert gp.heard == ["Bonjour docteur"]  # the next <Say> waits until this one is said

    world.advance(2)
    assert gp.heard == ["Bonjour docteur", "Goodbye"]
    assert gp.said == [
        Said("Bonjour docteur", voice="Polly.Lea", language="fr-FR"),
        Said("Goodbye"),
    ]
    assert gp.status == "completed"


def test_play_is_heard_and_its_digits_are_sent(world: World) -> None:
    gp = call_in(
        world,
        "<Response><Play>https://cdn.example.org/jingle.mp3</Play><Play digits='1w2'/></Response>",
    )

    assert gp.heard == ["[play https://cdn.example.org/jingle.mp3]"]
    assert gp.digits_received == ["1w2"]


def test_pause_holds_the_next_verb_until_the_clock_moves(world: World) -> None:
    gp = call_in(world, "<Response><Say>Un</Say><Pause length='5'/><Say>Deux</Say></Response>")
    assert gp.heard == ["Un"]

    world.advance(5)  # "Un" takes 0.13 s, then the pause
    assert gp.heard == ["Un"]
    assert gp.status == "in-progress"

    world.advance(1)
    assert gp.heard == ["Un", "Deux"]
    assert gp.status == "completed"
    assert gp.duration_s == 5


# ----- Gather --------------------------------------------------------------------------------


GATHER_TWO = (
    "<Response><Gather numDigits='2' action='/menu' timeout='5'><Say>Tapez deux chiffres</Say>"
    "</Gather><Say>Rien reçu</Say></Response>"
)


def test_gather_posts_digits_to_its_action_once_num_digits_are_pressed(world: World) -> None:
    world.app.on("/menu", "<Response><Say>Merci</Say></Response>")
    gp = call_in(world, GATHER_TWO)

    gp.press("4")
    world.settle()
    assert world.app.to("/menu") == []
    gp.press("2")
    world.settle()

    hit = world.app.one("/menu")
    assert hit.method == "POST"
    assert hit.params["Digits"] == "42"
    assert hit.params["CallSid"] == gp.sid
    assert gp.heard == ["Tapez deux chiffres", "Merci"]


def test_gather_finish_on_key_ends_input_without_the_key(world: World) -> None:
    world.app.on("/code", "<Response/>")
    gp = call_in(world, "<Response><Gather action='/code' finishOnKey='*'/></Response>")

    gp.press("123*")
    world.settle()

    assert world.app.one("/code").params["Digits"] == "123"


def test_gather_timeout_without_input_falls_through_to_the_next_verb(world: World) -> None:
    world.app.on("/menu", "<Response/>")
    gp = call_in(world, GATHER_TWO)

    world.advance(6)  # the timeout starts once the 1.3 s prompt is said
    assert gp.heard == ["Tapez deux chiffres"]
    world.advance(1)

    assert gp.heard == ["Tapez deux chiffres", "Rien reçu"]
    assert world.app.to("/menu") == []
    assert gp.status == "completed"


def test_gather_timeout_after_some_digits_posts_what_was_typed(world: World) -> None:
    world.app.on("/menu", "<Response/>")
    gp = call_in(world, GATHER_TWO)

    gp.press("7")
    world.advance(5)

    assert world.app.one("/menu").params["Digits"] == "7"


def test_gather_speech_posts_the_speech_result_and_confidence(world: World) -> None:
    world.app.on("/speech", "<Response/>")
    gp = call_in(
        world,
        "<Response><Gather input='speech' action='/speech' language='fr-FR'>"
        "<Say>Quelle langue ?</Say></Gather></Response>",
    )

    gp.say("arabe, s'il vous plaît")
    world.settle()

    params = world.app.one("/speech").params
    assert params["SpeechResult"] == "arabe, s'il vous plaît"
    assert 0.0 <= float(params["Confidence"]) <= 1.0
    assert "Digits" not in params


# ----- Record --------------------------------------------------------------------------------


def test_record_stops_at_max_length_and_posts_the_recording(world: World) -> None:
    world.app.on("/recorded", "<Response><Say>Message enregistré</Say></Response>")
    gp = call_in(
        world,
        "<Response><Say>Laissez un message</Say><Record maxLength='10' action='/recorded' "
        "recordingStatusCallback='/recording-status'/></Response>",
    )
    world.advance(2)
    assert gp.heard[-1] == "[bip]"

    gp.speak(30)
    world.settle()

    params = world.app.one("/recorded").params
    assert params["RecordingDuration"] == "10"
    assert params["RecordingSid"].startswith("RE")
    assert params["RecordingUrl"].startswith(world.sandbox.url)
    assert gp.heard[-1] == "Message enregistré"
    status = world.app.one("/recording-status").params
    assert status["RecordingSid"] == params["RecordingSid"]
    assert status["RecordingStatus"] == "completed"
    assert status["RecordingDuration"] == "10"
    assert status["CallSid"] == gp.sid

    audio = requests.get(params["RecordingUrl"] + ".wav", timeout=5)
    assert audio.status_code == 200
    with wave.open(io.BytesIO(audio.content)) as wav:
        assert wav.getnframes() / wav.getframerate() == 10


def test_record_finish_key_posts_the_key_as_digits(world: World) -> None:
    world.app.on("/recorded", "<Response/>")
    gp = call_in(world, "<Response><Record action='/recorded' finishOnKey='#'/></Response>")

    gp.speak(4)
    gp.press("#")
    world.settle()

    params = world.app.one("/recorded").params
    assert params["Digits"] == "#"
    assert params["RecordingDuration"] == "4"


def test_record_stops_after_its_silence_timeout(world: World) -> None:
    world.app.on("/recorded", "<Response/>")
    gp = call_in(world, "<Response><Record action='/recorded' timeout='3'/></Response>")

    gp.speak(4)
    world.advance(2)
    assert world.app.to("/recorded") == []
    world.advance(1)

    params = world.app.one("/recorded").params
    assert params["RecordingDuration"] == "4"
    assert "Digits" not in params


def test_record_with_nothing_said_moves_on_without_posting(world: World) -> None:
    world.app.on("/recorded", "<Response/>")
    gp = call_in(
        world, "<Response><Record action='/recorded' timeout='3'/><Say>Rien</Say></Response>"
    )

    world.advance(3)

    assert world.app.to("/recorded") == []
    assert gp.heard[-1] == "Rien"


# ----- Redirect, Hangup, Reject -------------------------------------------------------------


def test_redirect_fetches_the_relative_url_and_runs_its_twiml(world: World) -> None:
    world.app.on("/flow/next", "<Response><Say>Suite</Say></Response>")
    gp = call_in(
        world,
        "<Response><Say>Début</Say><Redirect method='GET'>next?step=2</Redirect>"
        "<Say>jamais</Say></Response>",
        path="/flow/start",
    )
    world.advance(1)

    hit = world.app.one("/flow/next")
    assert hit.method == "GET"
    assert hit.args["step"] == "2"
    assert hit.args["CallSid"] == gp.sid
    assert gp.heard == ["Début", "Suite"]


def test_hangup_ends_the_call_and_skips_the_rest(world: World) -> None:
    gp = call_in(world, "<Response><Say>Au revoir</Say><Hangup/><Say>jamais</Say></Response>")
    world.advance(1)

    assert gp.heard == ["Au revoir"]
    assert gp.status == "completed"
    assert world.app.to("/status")[-1].params["CallStatus"] == "completed"


def test_reject_busy_ends_the_unanswered_call_busy(world: World) -> None:
    gp = call_in(world, "<Response><Reject reason='busy'/></Response>")

    assert gp.status == "busy"
    assert gp.start_time is None
    assert world.app.one("/status").params["CallStatus"] == "busy"


def test_twiml_that_is_not_xml_ends_the_call_with_an_application_error(world: World) -> None:
    gp = call_in(world, "<Response><Say>typo</Sya></Response>")

    assert gp.heard == [APPLICATION_ERROR]
    assert gp.status == "completed"


def test_a_failing_voice_url_ends_the_call_with_an_application_error(world: World) -> None:
    gp = call_in(world, (500, "boom"))

    assert gp.heard == [APPLICATION_ERROR]
    assert gp.status == "completed"


# ----- Dial ----------------------------------------------------------------------------------


def test_dial_number_unanswered_times_out_and_posts_no_answer(world: World) -> None:
    world.sandbox.person(NURSE, Ignore())
    world.app.on("/dialed", "<Response><Say>Personne</Say></Response>")
    gp = call_in(
        world,
        f"<Response><Dial timeout='10' action='/dialed'><Number>{NURSE}</Number></Dial></Response>",
    )
    nurse = world.sandbox.person(NURSE).legs[0]
    assert nurse.status == "ringing"

    world.advance(14)
    assert nurse.status == "ringing"  # timeout=10 plus Twilio's 5 s buffer
    world.advance(1)

    params = world.app.one("/dialed").params
    assert params["DialCallStatus"] == "no-answer"
    assert params["DialCallSid"] == nurse.sid
    assert params["DialBridged"] == "false"
    assert nurse.status == "no-answer"
    assert gp.heard[-1] == "Personne"


def test_dial_number_declined_posts_busy(world: World) -> None:
    world.sandbox.person(NURSE, Decline())
    world.app.on("/dialed", "<Response/>")
    call_in(world, f"<Response><Dial action='/dialed'><Number>{NURSE}</Number></Dial></Response>")

    assert world.app.one("/dialed").params["DialCallStatus"] == "busy"


def test_dial_without_action_continues_with_the_next_verb(world: World) -> None:
    world.sandbox.person(NURSE, Decline())
    gp = call_in(
        world, f"<Response><Dial><Number>{NURSE}</Number></Dial><Say>Rappelez</Say></Response>"
    )

    assert gp.heard[-1] == "Rappelez"


def test_dial_client_bridges_the_browser_and_posts_completed(world: World) -> None:
    world.sandbox.person("client:nurse_42", Answer(after_s=2))
    world.app.on("/dialed", "<Response/>")
    gp = call_in(
        world,
        "<Response><Dial action='/dialed' answerOnBridge='true'><Client>nurse_42</Client>"
        "</Dial></Response>",
    )
    world.advance(2)
    browser = world.sandbox.person("client:nurse_42").legs[0]
    assert browser.to == "client:nurse_42"
    assert browser.status == "in-progress"
    assert gp.bridged_with == browser.sid

    gp.say("bonjour")
    world.advance(30, step=10)
    browser.hang_up()
    world.settle()

    assert "« bonjour »" in browser.heard
    params = world.app.one("/dialed").params
    assert params["DialCallStatus"] == "completed"
    assert params["DialBridged"] == "true"
    assert params["DialCallDuration"] == "30"
    assert params["DialCallSid"] == browser.sid


# ----- Dial Conference -----------------------------------------------------------------------


def conference_twiml(world: World, label: str, **attrs: str) -> str:
    events = world.app.url("/conf-events")
    extra = " ".join(f"{k}='{v}'" for k, v in attrs.items())
    return (
        f"<Response><Dial><Conference participantLabel='{label}' statusCallback='{events}' "
        f"statusCallbackEvent='start end join leave' {extra}>salle</Conference></Dial></Response>"
    )


def test_conference_waits_with_wait_music_until_a_starter_joins(world: World) -> None:
    world.app.on("/wait", "<Response><Play>https://cdn.example.org/attente.mp3</Play></Response>")
    gp = call_in(
        world,
        conference_twiml(world, "gp", startConferenceOnEnter="false", waitUrl="/wait"),
    )

    assert gp.heard == ["[play https://cdn.example.org/attente.mp3]"]
    assert world.sandbox.conference("salle").status == "init"
    assert world.app.one("/wait").params["CallSid"] == gp.sid

    world.sandbox.person(NURSE, Answer())
    world.client.calls.create(to=NURSE, from_=HOTLINE, twiml=conference_twiml(world, "nurse"))
    world.settle()

    assert world.sandbox.conference("salle").status == "in-progress"


def test_conference_default_wait_music_is_hold_music(world: World) -> None:
    gp = call_in(world, conference_twiml(world, "gp"))

    assert gp.heard == [HOLD_MUSIC]


def test_conference_events_are_posted_in_sequence_with_labels(world: World) -> None:
    gp = call_in(world, conference_twiml(world, "gp", endConferenceOnExit="true"))
    world.sandbox.person(INTERPRETER, Answer())
    world.client.calls.create(
        to=INTERPRETER, from_=HOTLINE, twiml=conference_twiml(world, "interpreter")
    )
    world.settle()
    interpreter = world.sandbox.person(INTERPRETER).legs[0]

    gp.hang_up()
    world.settle()

    hits = [h.params for h in world.app.to("/conf-events")]
    assert [(p["StatusCallbackEvent"], p.get("ParticipantLabel")) for p in hits] == [
        ("participant-join", "gp"),
        ("participant-join", "interpreter"),
        ("conference-start", None),
        ("participant-leave", "gp"),
        ("participant-leave", "interpreter"),
        ("conference-end", None),
    ]
    assert [int(p["SequenceNumber"]) for p in hits] == sorted(
        int(p["SequenceNumber"]) for p in hits
    )
    assert len({p["SequenceNumber"] for p in hits}) == len(hits)
    room = world.sandbox.conference("salle")
    assert all(p["ConferenceSid"] == room.sid and p["FriendlyName"] == "salle" for p in hits)
    assert hits[0]["CallSid"] == gp.sid
    assert hits[0]["EndConferenceOnExit"] == "true"
    assert hits[-1]["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left"
    assert hits[-1]["CallSidEndingConference"] == gp.sid
    assert interpreter.status == "completed"
    assert room.status == "completed"


def test_last_participant_leaving_ends_the_conference(world: World) -> None:
    gp = call_in(world, conference_twiml(world, "gp"))

    gp.hang_up()
    world.settle()

    room = world.sandbox.conference("salle")
    assert room.status == "completed"
    assert room.reason_ended == "last-participant-left"
