"""Voice webhooks the helpline number points at: thin views over services and TwiML builders."""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from callbacks.views import ask_time as ask_callback_time
from hotline import services, voice_twiml
from hotline.models import Request
from hotline.telephony.parsing import (
    parse_call_status,
    parse_conference_event,
    parse_gather_input,
    parse_voice_request,
)
from hotline.telephony.webhooks import public_url, twilio_blueprint, twiml
from hotline.web import commit, db_session, now, settings
from interpreter_pool import agency, finance
from interpreter_pool import services as interpreting
from interpreter_pool.twiml import InterpretingUrls
from interpreter_pool.views import interpreting_menu
from routing import services as routing
from routing import transfer as nurse_actions
from routing.views import nurse_response

logger = logging.getLogger(__name__)


bp = twilio_blueprint(
    "voice",
    __name__,
    "/twilio/voice",
    document_endpoints=frozenset({"incoming", "menu", "browser_outgoing"}),
)


@bp.post("/incoming")
def incoming() -> Response:
    """A professional calls the helpline: open a request, greet, offer the menu."""
    voice = parse_voice_request(request.form)
    session = db_session()
    call = services.start_request(session, voice, now(), settings().hotline_number)
    caller_name = voice_twiml.spoken_name(call.professional)
    greeting = call.helpline.greeting
    commit()
    return twiml(voice_twiml.greeting_and_menu(greeting, caller_name, _menu_urls()))


@bp.post("/menu")
def menu() -> Response:
    """The caller's choice in the main menu, or the lack of one."""
    voice = parse_voice_request(request.form)
    choice = parse_gather_input(request.form).digits
    attempt = request.args.get("attempt", default=1, type=int)
    session = db_session()
    call_request = services.request_for_call(session, voice.call_sid)
    if call_request is None:
        call_request = services.start_request(
            session, voice, now(), settings().hotline_number
        ).request
    if not choice:
        response = voice_twiml.menu_again(_menu_urls(), attempt, voice_twiml.NO_CHOICE)
        kind = "menu_abandoned" if attempt > voice_twiml.MAX_MENU_ATTEMPTS else "menu_no_choice"
        services.log_event(
            session,
            call_request,
            kind,
            now(),
            call_sid=voice.call_sid,
            dedupe_key=f"menu:{voice.call_sid}:{attempt}",
        )
    elif choice not in voice_twiml.MENU_CHOICES:
        response = voice_twiml.menu_again(_menu_urls(), attempt + 1, voice_twiml.INVALID_CHOICE)
        services.log_event(
            session,
            call_request,
            "menu_invalid_choice",
            now(),
            call_sid=voice.call_sid,
            detail={"digits": choice},
            dedupe_key=f"menu:{voice.call_sid}:{attempt}",
        )
    else:
        branch = voice_twiml.MENU_CHOICES[choice]
        services.log_event(
            session,
            call_request,
            "menu_choice",
            now(),
            call_sid=voice.call_sid,
            detail={"choice": branch},
            dedupe_key=f"menu:{voice.call_sid}:{attempt}",
        )
        response = _branch(call_request, branch, voice.call_sid)
    commit()
    return twiml(response)


def _branch(call_request: Request, branch: str, call_sid: str) -> VoiceResponse:
    if branch == "nurse":
        return nurse_response(call_request, call_sid)
    if branch == "interpreter":
        return interpreting_menu(call_request, attempt=1)
    return ask_callback_time(call_request)


@bp.post("/browser-outgoing")
def browser_outgoing() -> Response:
    """Voice URL of the browser phone's TwiML app (`hotline twilio setup` points it here)."""
    return twiml(voice_twiml.browser_outgoing_unavailable())


@bp.post("/status")
def status() -> tuple[str, int]:
    """Call-progress events of any leg: folded idempotently into the call log."""
    callback = parse_call_status(request.form)
    session = db_session()
    call = services.record_call_status(session, callback, now())
    if call.role == "gp" and call.status in services.TERMINAL_STATUSES:
        routing.gp_left(session, call, now())
        interpreting.gp_left(session, call, now())
    commit()
    return "", 204


@bp.post("/conference")
def conference() -> tuple[str, int]:
    """Conference and participant events of every room: who was in it, from when to when."""
    event = parse_conference_event(request.form)
    session = db_session()
    presence = services.record_conference_event(session, event, now())
    if presence is not None:
        nurse_actions.participant_joined(session, presence, now())
        if event.event == "participant-join":
            agency.participant_joined(
                session, presence, now(), InterpretingUrls(settings().public_root)
            )
        finance.on_participation(session, presence, now())
    commit()
    return "", 204


def _menu_urls() -> voice_twiml.MenuUrls:
    return voice_twiml.MenuUrls(menu=public_url("voice.menu"))
