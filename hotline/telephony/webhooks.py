"""Blueprints for Twilio webhooks: every route signature-checked, every failure safe TwiML."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, request, url_for
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from hotline.telephony.parsing import WebhookFormError
from hotline.telephony.signature import is_signed_by_twilio, public_request_url
from hotline.telephony.twiml import to_xml
from hotline.voice_twiml import technical_problem
from hotline.web import settings

logger = logging.getLogger(__name__)


def twilio_blueprint(
    name: str,
    import_name: str,
    url_prefix: str,
    *,
    document_endpoints: frozenset[str] | None = None,
) -> Blueprint:
    """A blueprint whose routes only Twilio can call.

    Before anything is read or written, the request's signature is checked against the public
    URL. A malformed form gets 400; any other failure is logged, rolled back, and answered with
    TwiML putting the caller through to the fallback number on voice document routes, or an
    empty 204 on callback routes: Twilio does not retry a 5xx unless the URL's connection
    overrides ask it to, so a 5xx would only put an error in Twilio's debugger. A callback lost
    this way is made up for by the flows' own deadlines (the clock), never awaited.
    ``document_endpoints`` names the routes that answer TwiML; when None, every route does.
    """
    bp = Blueprint(name, import_name, url_prefix=url_prefix)

    @bp.before_request
    def require_twilio_signature() -> None:
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
        if isinstance(error, HTTPException):
            return error
        if isinstance(error, WebhookFormError):
            logger.warning("malformed webhook on %s: %s", request.path, error)
            return f"malformed webhook: {error}", 400
        logger.exception("webhook %s failed", request.path)
        endpoint = (request.endpoint or "").rpartition(".")[2]
        is_document = document_endpoints is None or endpoint in document_endpoints
        if not is_document:
            return "", 204
        return twiml(technical_problem(settings().fallback_number))

    return bp


def twiml(response: VoiceResponse) -> Response:
    """A TwiML document as an HTTP response."""
    return Response(to_xml(response), mimetype="text/xml")


def int_arg(name: str) -> int:
    """A whole number from the query string the app put in its own webhook URL; 400 if absent."""
    value = request.args.get(name, type=int)
    if value is None:
        raise WebhookFormError(f"missing or malformed query parameter {name}")
    return value


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute public URL of an endpoint, the one Twilio calls and signs."""
    return settings().public_root + url_for(endpoint, **values)
