"""Webhooks of interpreting: language menu and speech, the screened interpreter legs."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, request
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from hotline import hooks, services
from hotline.hooks import CallbackReason
from hotline.models import Call, Participation, Request
from hotline.telephony.parsing import (
    WebhookFormError,
    language_tag,
    parse_call_status,
    parse_gather_input,
    parse_voice_request,
)
from hotline.telephony.webhooks import int_arg, optional_int_arg, twilio_blueprint, twiml
from hotline.web import db_session, now, settings
from interpreter_pool import agency as agency_line
from interpreter_pool import finance
from interpreter_pool import services as interpreting
from interpreter_pool import twiml as interp_twiml
from interpreter_pool.labels import interpreter_label
from interpreter_pool.languages import (
    NURSE_KEY,
    OTHER_LANGUAGE_KEY,
    keypad_choice,
    match_spoken_language,
    speech_hints,
)
from interpreter_pool.menu import language_menu
from interpreter_pool.models import InterpretingSession, SessionStatus
from interpreter_pool.pool import pool_languages
from routing.views import nurse_response

MAX_ATTEMPTS = 2


bp = twilio_blueprint(
    "interpreting",
    __name__,
    "/twilio/interpreting",
    document_endpoints=frozenset(
        {
            "language",
            "language_choice",
            "speech",
            "confirm",
            "wait",
            "screen",
            "agency",
            "agency_reached",
            "accept",
            "none_found",
            "none_choice",
        }
    ),
)


def urls() -> interp_twiml.InterpretingUrls:
    """The interpreting flow's public URLs."""
    return interp_twiml.InterpretingUrls(settings().public_root)


def _gp_request(call_sid: str) -> Request:
    call_request = services.request_for_call(db_session(), call_sid)
    if call_request is None:
        raise WebhookFormError(f"no request for call {call_sid}")
    return call_request


def interpreting_menu(call_request: Request, attempt: int) -> VoiceResponse:
    """The language menu of the caller's helpline."""
    menu = language_menu(db_session(), call_request.helpline, now())
    return interp_twiml.language_menu(menu, urls(), attempt)


def _dispatch(call_request: Request, code: str, call_sid: str) -> VoiceResponse:
    try:
        interpreting.check_budget(db_session(), call_request, code, now(), call_sid=call_sid)
    except interpreting.ApprovalNeededError:
        return nurse_response(call_request, call_sid, interp_twiml.BUDGET_EXHAUSTED)
    dispatch = interpreting.request_interpreter(
        db_session(), call_request, code, now(), urls(), gp_call_sid=call_sid
    )
    if dispatch.kind == "dispatching":
        return interp_twiml.gp_waits_for_interpreter(dispatch.room, code, urls())
    return nurse_response(
        call_request,
        call_sid,
        interp_twiml.no_interpreter_for(code) + " " + interp_twiml.TO_NURSE,
    )


@bp.post("/language")
def language() -> Response:
    """The keypad menu of languages (also the target of "choose another language")."""
    voice = parse_voice_request(request.form)
    attempt = optional_int_arg("attempt", 1)
    response = interpreting_menu(_gp_request(voice.call_sid), attempt)
    return twiml(response)


@bp.post("/language-choice")
def language_choice() -> Response:
    """A language by its key, 9 for speech, 0 for the nurse; nothing twice goes to the nurse."""
    voice = parse_voice_request(request.form)
    digits = parse_gather_input(request.form).digits
    attempt = optional_int_arg("attempt", 1)
    session = db_session()
    call_request = _gp_request(voice.call_sid)
    menu = interp_twiml.pinned_menu(request.args.get("menu")) or language_menu(
        session, call_request.helpline, now()
    )
    code = keypad_choice(menu, digits)
    if code is not None:
        services.log_event(
            session,
            call_request,
            "language_chosen",
            now(),
            call_sid=voice.call_sid,
            detail={"language": code, "by": "keypad"},
            dedupe_key=f"language:{voice.call_sid}:{attempt}",
        )
        response = _dispatch(call_request, code, voice.call_sid)
    elif digits == OTHER_LANGUAGE_KEY:
        hints = speech_hints(pool_languages(session))
        response = interp_twiml.ask_language_by_speech(hints, urls(), attempt=1)
    elif digits == NURSE_KEY or attempt >= MAX_ATTEMPTS:
        response = nurse_response(call_request, voice.call_sid)
    else:
        response = interp_twiml.language_menu(menu, urls(), attempt + 1)
    return twiml(response)


@bp.post("/speech")
def speech() -> Response:
    """The language said aloud: read back for confirmation; not understood twice, the nurse."""
    voice = parse_voice_request(request.form)
    said = parse_gather_input(request.form).speech
    attempt = optional_int_arg("attempt", 1)
    session = db_session()
    call_request = _gp_request(voice.call_sid)
    pool = pool_languages(session)
    match = match_spoken_language(said, pool) if said else None
    services.log_event(
        session,
        call_request,
        "language_said",
        now(),
        call_sid=voice.call_sid,
        detail={"understood": match.code if match else None, "confidence": match.confidence}
        if match
        else {"understood": None},
        dedupe_key=f"speech:{voice.call_sid}:{attempt}",
    )
    if match is not None and match.is_available:
        response = interp_twiml.confirm_language(match.code, urls())
    elif match is not None:
        response = nurse_response(
            call_request,
            voice.call_sid,
            interp_twiml.no_interpreter_for(match.code) + " " + interp_twiml.TO_NURSE,
        )
    elif attempt < MAX_ATTEMPTS:
        response = interp_twiml.ask_language_by_speech(speech_hints(pool), urls(), attempt + 1)
    else:
        response = nurse_response(
            call_request,
            voice.call_sid,
            interp_twiml.NOT_UNDERSTOOD + " " + interp_twiml.TO_NURSE,
        )
    return twiml(response)


@bp.post("/confirm")
def confirm() -> Response:
    """1 or no key: ring the interpreters; 2: the language menu again."""
    voice = parse_voice_request(request.form)
    digits = parse_gather_input(request.form).digits
    code = language_tag(request.args.get("language"))
    call_request = _gp_request(voice.call_sid)
    if digits == "2":
        return twiml(interpreting_menu(call_request, attempt=1))
    services.log_event(
        db_session(),
        call_request,
        "language_chosen",
        now(),
        call_sid=voice.call_sid,
        detail={"language": code, "by": "speech"},
        dedupe_key=f"language:{voice.call_sid}:speech",
    )
    response = _dispatch(call_request, code, voice.call_sid)
    return twiml(response)


@bp.post("/wait")
def wait() -> Response:
    """The GP alone in the room while interpreters are rung."""
    return twiml(interp_twiml.interpreter_hold(language_tag(request.args.get("language"))))


@bp.post("/screen")
def screen() -> Response:
    """An interpreter picked up: which language, for whom; press 1 to take it."""
    session_id, step = int_arg("session"), int_arg("step")
    interpreter_id = optional_int_arg("interpreter") or 0
    found = db_session().get(InterpretingSession, session_id)
    if found is None or found.status != SessionStatus.DISPATCHING:
        return twiml(interp_twiml.taken())
    call_request = db_session().get(Request, found.request_id)
    assert call_request is not None
    accept_url = urls().accept(session_id, step, interpreter_id)
    return twiml(
        interp_twiml.screen_interpreter(
            found.language, call_request.helpline.name, call_request.reference, accept_url
        )
    )


@bp.post("/accept")
def accept() -> Response:
    """1 takes the call if nobody has; the first to press wins, the others hear it is taken."""
    voice = parse_voice_request(request.form)
    digits = parse_gather_input(request.form).digits
    session_id, step = int_arg("session"), int_arg("step")
    interpreter_id = optional_int_arg("interpreter") or None
    if digits != "1":
        return twiml(interp_twiml.not_accepted())
    taken = interpreting.take_call(
        db_session(), session_id, step, interpreter_id, voice.call_sid, now()
    )
    if taken is None:
        return twiml(interp_twiml.taken())
    label = interpreter_label(taken.id)
    return twiml(interp_twiml.interpreter_joins(taken.conference_name, label, urls()))


@bp.post("/agency")
def agency() -> Response:
    """An agency's line answered (its menu): into the room; it connects when it joins."""
    session_id = int_arg("session")
    found = db_session().get(InterpretingSession, session_id)
    if found is None or found.status != SessionStatus.DISPATCHING:
        return twiml(interp_twiml.hang_up())
    label = interpreter_label(found.id)
    return twiml(interp_twiml.agency_joins(found.conference_name, label, urls()))


@bp.post("/agency-reached")
def agency_reached() -> Response:
    """Announced to the GP when the agency's line has joined the room."""
    return twiml(interp_twiml.agency_reached())


@bp.post("/leg-status")
def leg_status() -> tuple[str, int]:
    """Progress of an interpreter's leg."""
    callback = parse_call_status(request.form)
    session_id, step = int_arg("session"), int_arg("step")
    interpreter_id = optional_int_arg("interpreter") or None
    session = db_session()
    call = services.record_call_status(session, callback, now())
    interpreting.leg_status(
        session, call, callback, session_id, step, interpreter_id, now(), urls()
    )
    return "", 204


@bp.post("/none")
def none_found() -> Response:
    """The GP's leg, redirected when no interpreter answered within the budget."""
    session_id = int_arg("session")
    found = db_session().get(InterpretingSession, session_id)
    code = found.language if found is not None else ""
    return twiml(interp_twiml.none_found(code, urls(), session_id))


@bp.post("/none-choice")
def none_choice() -> Response:
    """After no interpreter: 2 for the nurse, 3 (or nothing) for a callback."""
    voice = parse_voice_request(request.form)
    digits = parse_gather_input(request.form).digits
    session = db_session()
    call_request = _gp_request(voice.call_sid)
    if digits == "2":
        response = nurse_response(call_request, voice.call_sid)
    else:
        hooks.want_callback(session, call_request, CallbackReason.NO_INTERPRETER, now(), now())
        response = interp_twiml.callback_promised(call_request.reference)
    return twiml(response)


# --- what interpreting adds to the voice flow (connected by interpreter_pool.init_app) ------


def menu_branch(call_request: Request, call_sid: str) -> VoiceResponse:
    """The main menu's "an interpreter": the language menu (the budget is checked on dispatch)."""
    return interpreting_menu(call_request, attempt=1)


def on_gp_left(_app: Flask, *, session: Session, call: Call, now: datetime) -> None:
    """The GP's call ended: stop ringing the interpreters."""
    interpreting.gp_left(session, call, now)


def on_presence_changed(
    _app: Flask, *, session: Session, presence: Participation, event: str, now: datetime
) -> None:
    """An agency's line joined a room without pressing 1: it connects the session."""
    if event == "participant-join":
        agency_line.participant_joined(session, presence, now, urls())


def on_presence_closed(
    _app: Flask, *, session: Session, presence: Participation, now: datetime
) -> None:
    """An interpreter's stay in the room is known from join to leave: post the charge."""
    finance.on_participation(session, presence, now)
