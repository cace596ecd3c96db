"""Webhooks of callbacks: the GP keys a time; the nurse's and the professional's legs."""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from callbacks import calling
from callbacks import twiml as cb_twiml
from callbacks.models import CallbackStatus, CallbackTask
from callbacks.services import promise_callback
from hotline import services
from hotline.console.board import national
from hotline.hooks import CallbackReason
from hotline.models import Request
from hotline.telephony.parsing import (
    WebhookFormError,
    parse_call_status,
    parse_gather_input,
    parse_voice_request,
)
from hotline.telephony.webhooks import int_arg, twilio_blueprint, twiml
from hotline.web import db_session, now, settings
from routing.hours import describe_moment_fr
from routing.rota import opening_hours

MAX_TIME_ATTEMPTS = 2


bp = twilio_blueprint(
    "callback",
    __name__,
    "/twilio/callback",
    document_endpoints=frozenset({"time", "nurse", "nurse_accept", "gp"}),
)


def urls() -> cb_twiml.CallbackUrls:
    """The callback flow's public URLs."""
    return cb_twiml.CallbackUrls(settings().public_root)


def ask_time(call_request: Request) -> VoiceResponse:
    """Menu 3: the time to call back, unless the number is withheld."""
    if not call_request.caller_number:
        return cb_twiml.withheld()
    return cb_twiml.ask_time(urls(), attempt=1)


@bp.post("/time")
def time() -> Response:
    """The keyed time (1420), or 0: book the callback in opening hours and read it back."""
    voice = parse_voice_request(request.form)
    digits = parse_gather_input(request.form).digits
    attempt = request.args.get("attempt", default=1, type=int)
    session = db_session()
    call_request = services.request_for_call(session, voice.call_sid)
    if call_request is None:
        raise WebhookFormError(f"no request for call {voice.call_sid}")
    helpline = call_request.helpline
    wanted = calling.parse_callback_time(digits, now(), helpline.timezone) if digits else None
    if wanted is None and attempt < MAX_TIME_ATTEMPTS:
        return twiml(cb_twiml.ask_time(urls(), attempt + 1, again=bool(digits)))
    task = promise_callback(session, call_request, CallbackReason.REQUESTED, wanted or now(), now())
    services.log_event(
        session,
        call_request,
        "callback_requested",
        now(),
        call_sid=voice.call_sid,
        detail={"digits": digits, "due_at": task.due_at.isoformat(), "callback_id": task.id},
        dedupe_key=f"cb-requested:{voice.call_sid}",
    )
    hours = opening_hours(session, helpline)
    when_said = describe_moment_fr(task.due_at, hours, now())
    reference = call_request.reference
    number = national(task.phone)
    return twiml(cb_twiml.callback_booked(when_said, number, reference))


@bp.post("/nurse")
def nurse() -> Response:
    """The nurse picked up: whom she calls back; a browser dials at once, a phone presses 1."""
    voice = parse_voice_request(request.form)
    task_id, attempt = int_arg("task"), int_arg("attempt")
    session = db_session()
    task = session.get(CallbackTask, task_id)
    if task is None or task.status != CallbackStatus.CALLING or task.attempts != attempt:
        return twiml(cb_twiml.stale())
    if request.args.get("kind") == "client":
        return _accept(task_id, attempt, voice.call_sid)
    return twiml(
        cb_twiml.nurse_screen(calling.about(session, task), urls().nurse_accept(task_id, attempt))
    )


@bp.post("/nurse-accept")
def nurse_accept() -> Response:
    """1: dial the professional into the room; anything else: not now."""
    voice = parse_voice_request(request.form)
    if parse_gather_input(request.form).digits != "1":
        return twiml(cb_twiml.stale())
    return _accept(int_arg("task"), int_arg("attempt"), voice.call_sid)


def _accept(task_id: int, attempt: int, call_sid: str) -> Response:
    accepted = calling.nurse_accepts(db_session(), task_id, attempt, call_sid, now(), urls())
    if accepted is None:
        return twiml(cb_twiml.stale())
    room, caller, label = accepted
    return twiml(cb_twiml.nurse_waits(room, caller, label, urls()))


@bp.post("/gp")
def gp() -> Response:
    """The professional picked up: who calls back and why, then the room with the nurse."""
    task_id, attempt = int_arg("task"), int_arg("attempt")
    session = db_session()
    answered_by = request.form.get("AnsweredBy") or None  # synchronous detection only
    if not calling.gp_answered(session, task_id, attempt, answered_by, now()):
        return twiml(cb_twiml.stale())
    task = session.get(CallbackTask, task_id)
    assert task is not None
    call_request = session.get(Request, task.request_id)
    assert call_request is not None
    return twiml(
        cb_twiml.gp_joins(
            call_request.helpline.name,
            call_request.reference,
            f"req-{call_request.id}",
            urls(),
        )
    )


def _leg_status(who: str) -> tuple[str, int]:
    callback = parse_call_status(request.form)
    task_id, attempt = int_arg("task"), int_arg("attempt")
    session = db_session()
    call = services.record_call_status(session, callback, now())
    answered_by = request.form.get("AnsweredBy") or None
    calling.leg_ended(session, task_id, attempt, call, who, now(), answered_by)
    return "", 204


@bp.post("/gp-amd")
def gp_amd() -> tuple[str, int]:
    """The answering machine detection's verdict: a machine fails the attempt (and is told)."""
    voice = parse_voice_request(request.form)
    answered_by = request.form.get("AnsweredBy", "").strip()
    if not answered_by:
        raise WebhookFormError("missing AnsweredBy")
    task_id, attempt = int_arg("task"), int_arg("attempt")
    calling.machine_detected(db_session(), task_id, attempt, voice.call_sid, answered_by, now())
    return "", 204


@bp.post("/nurse-status")
def nurse_status() -> tuple[str, int]:
    """Progress of the nurse's leg of an attempt."""
    return _leg_status("nurse")


@bp.post("/gp-status")
def gp_status() -> tuple[str, int]:
    """Progress of the professional's leg of an attempt."""
    return _leg_status("gp")


# --- what callbacks add to the voice flow (connected by callbacks.init_app) -----------------


def menu_branch(call_request: Request, call_sid: str) -> VoiceResponse:
    """The main menu's "call me back"."""
    return ask_time(call_request)
