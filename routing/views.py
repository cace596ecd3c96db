"""Webhooks of the nurse flow: the GP's wait, the rung legs, the screening and the voicemail."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, request
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from hotline import services, voice_twiml
from hotline.models import Call, Participation, Request
from hotline.telephony.parsing import (
    parse_call_status,
    parse_gather_input,
    parse_recording,
    parse_voice_request,
)
from hotline.telephony.twiml import say_fr
from hotline.telephony.webhooks import int_arg, optional_int_arg, twilio_blueprint, twiml
from hotline.web import db_session, now, settings
from routing import rating
from routing import services as routing
from routing import transfer as nurse_actions
from routing import twiml as nurse_twiml
from routing.models import NurseRouting

bp = twilio_blueprint(
    "nurse",
    __name__,
    "/twilio/nurse",
    document_endpoints=frozenset(
        {"wait", "screen", "accept", "voicemail", "voicemail_done", "after_call", "rate"}
    ),
)


def urls() -> nurse_twiml.NurseUrls:
    """The nurse flow's public URLs."""
    return nurse_twiml.NurseUrls(settings().public_root)


def _caller_of(routing_id: int) -> tuple[str | None, Request | None]:
    session = db_session()
    found = session.get(NurseRouting, routing_id)
    call_request = session.get(Request, found.request_id) if found is not None else None
    if call_request is None:
        return None, None
    return voice_twiml.spoken_name(call_request.professional), call_request


@bp.post("/wait")
def wait() -> Response:
    """The GP alone in the room: a message and music until the nurse joins."""
    return twiml(nurse_twiml.hold_music())


@bp.post("/screen")
def screen() -> Response:
    """A rung leg was answered: a browser joins, a phone hears who calls and must press 1."""
    voice = parse_voice_request(request.form)
    routing_id, step = int_arg("routing"), int_arg("step")
    user_id = optional_int_arg("user")
    kind = request.args.get("kind", "phone")
    caller, _ = _caller_of(routing_id)
    answer = routing.leg_answered(
        db_session(), routing_id, step, user_id, kind, voice.call_sid, now(), urls(), caller
    )
    if answer.kind == "taken":
        return twiml(nurse_twiml.already_taken())
    if answer.kind == "join":
        label = nurse_twiml.nurse_label(user_id, voice.call_sid)
        return twiml(nurse_twiml.nurse_joins(answer.room, answer.caller, label, urls()))
    accept_url = urls().accept(routing_id, step, user_id or 0)
    return twiml(
        nurse_twiml.screen_nurse(answer.helpline_name, answer.caller, answer.reference, accept_url)
    )


@bp.post("/accept")
def accept() -> Response:
    """The screened nurse's key: 1 takes the call if nobody has; anything else declines."""
    voice = parse_voice_request(request.form)
    digits = parse_gather_input(request.form).digits
    routing_id, step = int_arg("routing"), int_arg("step")
    user_id = optional_int_arg("user") or None
    if digits != "1":
        return twiml(nurse_twiml.not_accepted())
    session = db_session()
    caller, call_request = _caller_of(routing_id)
    found = session.get(NurseRouting, routing_id)
    if found is None or call_request is None:
        return twiml(nurse_twiml.already_taken())
    answer = routing.take_call(
        session, found, call_request, step, user_id, voice.call_sid, now(), urls(), caller
    )
    if answer.kind == "taken":
        return twiml(nurse_twiml.already_taken())
    label = nurse_twiml.nurse_label(user_id, voice.call_sid)
    return twiml(nurse_twiml.nurse_joins(answer.room, answer.caller, label, urls()))


@bp.post("/leg-status")
def leg_status() -> tuple[str, int]:
    """Progress of a rung leg: folded into the call log, and the step moves on when all end."""
    callback = parse_call_status(request.form)
    routing_id, step = int_arg("routing"), int_arg("step")
    user_id = optional_int_arg("user") or None
    session = db_session()
    call = services.record_call_status(session, callback, now())
    routing.leg_status(session, call, callback, routing_id, step, user_id, now(), urls())
    return "", 204


@bp.post("/voicemail")
def voicemail() -> Response:
    """The GP's leg, redirected here when no nurse answered: the prompt and <Record>."""
    voice = parse_voice_request(request.form)
    reason = request.args.get("reason", "no_answer")
    session = db_session()
    call_request = services.request_for_call(session, voice.call_sid)
    max_length = call_request.helpline.voicemail_max_s if call_request else 120
    intro = [nurse_twiml.NO_NURSE] if reason == "no_answer" else []
    return twiml(nurse_twiml.voicemail(intro, reason, max_length, urls()))


@bp.post("/voicemail-done")
def voicemail_done() -> Response:
    """The message is recorded: attach it to the callback and say goodbye with the reference."""
    voice = parse_voice_request(request.form)
    recording = parse_recording(request.form)
    session = db_session()
    call_request = services.request_for_call(session, voice.call_sid)
    if call_request is None:
        return twiml(nurse_twiml.not_accepted())
    if recording is not None:
        routing.keep_voicemail(session, call_request, recording, now())
    reference = call_request.reference
    return twiml(nurse_twiml.message_recorded(reference))


@bp.post("/recording")
def recording_status() -> tuple[str, int]:
    """The recording's own callback: the same message attached, once."""
    recording = parse_recording(request.form)
    if recording is None or request.form.get("RecordingStatus", "completed") != "completed":
        return "", 204
    session = db_session()
    call_request = services.request_for_call(session, recording.call_sid)
    if call_request is not None:
        routing.keep_voicemail(session, call_request, recording, now())
    return "", 204


def nurse_response(call_request: Request, call_sid: str, intro: str | None = None) -> VoiceResponse:
    """The GP asked for the nurse (from the menu, or when interpreting could not help)."""
    route = routing.route_to_nurse(
        db_session(),
        call_request,
        call_sid,
        now(),
        urls(),
        voice_twiml.spoken_name(call_request.professional),
    )
    if route.kind == "ringing" and route.room:
        response = nurse_twiml.gp_waits_for_nurse(route.room, urls())
    else:
        response = nurse_twiml.voicemail(
            route.intro,
            route.reason or "no_answer",
            call_request.helpline.voicemail_max_s,
            urls(),
        )
    if intro:
        spoken = VoiceResponse()
        say_fr(spoken, intro)
        response.verbs[0:0] = spoken.verbs
    return response


# --- what the nurse flow adds to the voice flow (connected by routing.init_app) -------------


def menu_branch(call_request: Request, call_sid: str) -> VoiceResponse:
    """The main menu's "the nurse on duty"."""
    return nurse_response(call_request, call_sid)


def on_gp_left(_app: Flask, *, session: Session, call: Call, now: datetime) -> None:
    """The GP's call ended: stop ringing the nurses, promise a callback."""
    routing.gp_left(session, call, now)


def on_presence_changed(
    _app: Flask, *, session: Session, presence: Participation, event: str, now: datetime
) -> None:
    """Someone joined or left a room: a transfer's colleague takes the call over."""
    nurse_actions.participant_joined(session, presence, now)


@bp.post("/after-call")
def after_call() -> Response:
    """The room ended with the GP still on the line: ask his rating once, else goodbye."""
    voice = parse_voice_request(request.form)
    session = db_session()
    call_request = services.request_for_call(session, voice.call_sid)
    if call_request is None or not rating.should_ask(session, call_request):
        return twiml(nurse_twiml.goodbye())
    return twiml(nurse_twiml.ask_rating(urls(), attempt=1))


@bp.post("/rating")
def rate() -> Response:
    """The GP's key: 1 to 5 is kept; any other key asks once again, then goodbye."""
    voice = parse_voice_request(request.form)
    digits = parse_gather_input(request.form).digits
    attempt = optional_int_arg("attempt", 1)
    session = db_session()
    call_request = services.request_for_call(session, voice.call_sid)
    if call_request is None:
        return twiml(nurse_twiml.goodbye())
    if rating.record_rating(session, call_request, digits, voice.call_sid, now()) is not None:
        return twiml(nurse_twiml.goodbye(nurse_twiml.RATING_THANKS))
    if attempt < 2:
        return twiml(nurse_twiml.ask_rating(urls(), attempt=attempt + 1))
    return twiml(nurse_twiml.goodbye())
