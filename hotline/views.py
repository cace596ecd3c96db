"""Voice webhooks the helpline number points at: thin views over services and TwiML builders.

The menu's branches, and what happens when a GP leaves or a participant comes and goes, are the
features' (registered from their ``init_app`` through ``hotline.hooks``): this module names none.
"""

from __future__ import annotations

import logging

from flask import Response, request

from hotline import hooks, lifecycle, services, voice_twiml
from hotline import incoming as incoming_calls
from hotline.models import Request
from hotline.telephony.parsing import (
    parse_call_status,
    parse_conference_event,
    parse_gather_input,
    parse_voice_request,
)
from hotline.telephony.webhooks import optional_int_arg, public_url, twilio_blueprint, twiml
from hotline.web import app_state, db_session, now, settings

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
    helpline = app_state().helplines.reached_by(session, voice.to, settings().hotline_number)
    # Written now, inside the view (statements, not a deferred flush): a database that fails
    # here still gets the fallback TwiML (the commit, after the view, is answered the same way).
    opened = incoming_calls.open_request(session, voice, now(), helpline)
    caller_name = voice_twiml.spoken_name(opened.caller)
    return twiml(
        voice_twiml.greeting_and_menu(helpline.greeting, caller_name, _menu_urls(), _prompt())
    )


@bp.post("/menu")
def menu() -> Response:
    """The caller's choice in the main menu, or the lack of one."""
    voice = parse_voice_request(request.form)
    choice = parse_gather_input(request.form).digits
    attempt = optional_int_arg("attempt", 1)
    session = db_session()
    call_request = services.request_for_call(session, voice.call_sid)
    if call_request is None:
        call_request = services.start_request(
            session, voice, now(), settings().hotline_number
        ).request
    branches = hooks.registries().menu_branches
    if not choice:
        response = voice_twiml.menu_again(_menu_urls(), attempt, voice_twiml.NO_CHOICE, _prompt())
        kind = "menu_abandoned" if attempt > voice_twiml.MAX_MENU_ATTEMPTS else "menu_no_choice"
        services.log_event(
            session,
            call_request,
            kind,
            now(),
            call_sid=voice.call_sid,
            dedupe_key=f"menu:{voice.call_sid}:{attempt}",
        )
    elif choice not in branches:
        response = voice_twiml.menu_again(
            _menu_urls(), attempt + 1, voice_twiml.INVALID_CHOICE, _prompt()
        )
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
        services.log_event(
            session,
            call_request,
            "menu_choice",
            now(),
            call_sid=voice.call_sid,
            detail={"choice": _branch_name(choice)},
            dedupe_key=f"menu:{voice.call_sid}:{attempt}",
        )
        # The branch answers in this response: the caller waits for no second webhook.
        response = branches[choice](call_request, voice.call_sid)
    return twiml(response)


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
        if call.request is not None:
            lifecycle.calls_ended(session, call.request, call, now())
        hooks.send(hooks.gp_left, session=session, call=call, now=now())
    return "", 204


@bp.post("/conference")
def conference() -> tuple[str, int]:
    """Conference and participant events of every room: who was in it, from when to when."""
    event = parse_conference_event(request.form)
    session = db_session()
    presence = services.record_conference_event(session, event, now())
    if presence is not None:
        if event.event == "participant-join" and (presence.label or "gp") != "gp":
            taken = session.get(Request, presence.request_id) if presence.request_id else None
            if taken is not None:
                lifecycle.call_taken(session, taken, now())
        hooks.send(
            hooks.presence_changed, session=session, presence=presence, event=event.event, now=now()
        )
        if presence.joined_at is not None and presence.left_at is not None:
            hooks.send(hooks.presence_closed, session=session, presence=presence, now=now())
    return "", 204


def _menu_urls() -> voice_twiml.MenuUrls:
    return voice_twiml.MenuUrls(menu=public_url("voice.menu"))


def _branch_name(key: str) -> str:
    option = hooks.registries().menu_options.get(key)
    return option.name if option is not None else key


def _prompt() -> str:
    return voice_twiml.menu_prompt(hooks.menu_prompts())
