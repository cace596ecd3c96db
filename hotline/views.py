"""Voice webhooks the helpline number points at: thin views over services and TwiML builders."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request, url_for
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from hotline import services, voice_twiml
from hotline.models import Professional
from hotline.telephony.parsing import (
    WebhookFormError,
    parse_call_status,
    parse_gather_input,
    parse_voice_request,
)
from hotline.telephony.signature import is_signed_by_twilio, public_request_url
from hotline.telephony.twiml import to_xml
from hotline.web import db_session, now, settings

logger = logging.getLogger(__name__)

bp = Blueprint("voice", __name__, url_prefix="/twilio/voice")

_SPOKEN_TITLES = {"dr": "docteur", "pr": "professeur", "mme": "madame", "m.": "monsieur"}
_BRANCH_NAMES = {
    "interpreter": "d'interprétariat",
    "nurse": "de mise en relation avec l'infirmière",
    "callback": "de rappel",
}


@bp.before_request
def require_twilio_signature() -> None:
    """Refuse, before anything is read or written, a request Twilio did not sign."""
    config = settings()
    url = public_request_url(
        config.public_root, request.path, request.query_string.decode("latin-1")
    )
    signature = request.headers.get("X-Twilio-Signature")
    if not is_signed_by_twilio(config.twilio_auth_token, url, request.form, signature):
        logger.warning("refused an unsigned or forged webhook on %s", request.path)
        abort(403)


@bp.errorhandler(Exception)
def safe_twiml(error: Exception) -> Response | HTTPException | tuple[str, int]:
    """A failure never reaches the caller as an HTML error: voice documents get safe TwiML."""
    if isinstance(error, HTTPException):
        return error
    if isinstance(error, WebhookFormError):
        logger.warning("malformed webhook on %s: %s", request.path, error)
        return f"malformed webhook: {error}", 400
    logger.exception("webhook %s failed", request.path)
    if request.endpoint == "voice.status":
        return "", 500
    return twiml(voice_twiml.technical_problem(settings().fallback_number))


@bp.post("/incoming")
def incoming() -> Response:
    """A professional calls the helpline: open a request, greet, offer the menu."""
    voice = parse_voice_request(request.form)
    session = db_session()
    call = services.start_request(session, voice, now(), settings().hotline_number)
    caller_name = _spoken_name(call.professional)
    greeting = call.helpline.greeting
    session.commit()
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
        response = voice_twiml.not_yet_available(_BRANCH_NAMES[branch], call_request.reference)
    session.commit()
    return twiml(response)


@bp.post("/status")
def status() -> tuple[str, int]:
    """Call-progress events of any leg: folded idempotently into the call log."""
    callback = parse_call_status(request.form)
    session = db_session()
    services.record_call_status(session, callback, now())
    session.commit()
    return "", 204


def twiml(response: VoiceResponse) -> Response:
    """A TwiML document as an HTTP response."""
    return Response(to_xml(response), mimetype="text/xml")


def public_url(endpoint: str) -> str:
    """The absolute public URL of an endpoint, the one Twilio calls and signs."""
    return settings().public_root + url_for(endpoint)


def _menu_urls() -> voice_twiml.MenuUrls:
    return voice_twiml.MenuUrls(menu=public_url("voice.menu"))


def _spoken_name(professional: Professional | None) -> str | None:
    if professional is None:
        return None
    title = _SPOKEN_TITLES.get((professional.title or "").lower(), professional.title or "")
    return " ".join(p for p in (title, professional.last_name) if p)
