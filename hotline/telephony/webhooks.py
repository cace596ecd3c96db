"""Blueprints for Twilio webhooks: every route signature-checked, every failure safe TwiML."""

from __future__ import annotations

import logging
from typing import Any, overload

from flask import Blueprint, Response, abort, request, url_for
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from hotline.telephony.parsing import WebhookFormError, bounded_int, check_printable
from hotline.telephony.signature import is_signed_by_twilio, public_request_url
from hotline.telephony.twiml import to_xml
from hotline.voice_twiml import technical_problem
from hotline.web import limit_database_waits, settings

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
        # Only now that the request is Twilio's: parameters no column can hold are refused,
        # and the database waits no longer than Twilio does.
        check_printable(request.args.items(multi=True))
        check_printable(request.form.items(multi=True))
        limit_database_waits()

    # A wrong method is refused while routing, before any blueprint is known: the app's handler.
    bp.record_once(lambda state: state.app.register_error_handler(405, plain_method_not_allowed))

    @bp.errorhandler(Exception)
    def safe_twiml(error: Exception) -> Response | HTTPException | tuple[str, int]:
        if isinstance(error, HTTPException):
            return plain_error(error)
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


TWILIO_PREFIX = "/twilio/"


def plain_error(error: HTTPException) -> Response:
    """An HTTP error as a line of plain text: Twilio's debugger shows it, nobody renders it."""
    response = Response(f"{error.code} {error.name}\n", status=error.code, mimetype="text/plain")
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def plain_method_not_allowed(error: HTTPException) -> Response | HTTPException:
    """405 on a Twilio route in plain text; other routes keep the app's usual page."""
    if request.path.startswith(TWILIO_PREFIX):
        return plain_error(error)
    return error


def twiml(response: VoiceResponse) -> Response:
    """A TwiML document as an HTTP response."""
    return Response(to_xml(response), mimetype="text/xml")


def int_arg(name: str) -> int:
    """A whole number from the query string the app put in its own webhook URL; 400 if absent."""
    value = bounded_int(request.args.get(name), name)
    if value is None:
        raise WebhookFormError(f"missing query parameter {name}")
    return value


@overload
def optional_int_arg(name: str) -> int | None: ...
@overload
def optional_int_arg(name: str, default: int) -> int: ...
def optional_int_arg(name: str, default: int | None = None) -> int | None:
    """A whole number from the query string, ``default`` when absent; 400 if malformed."""
    value = bounded_int(request.args.get(name), name)
    return default if value is None else value


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute public URL of an endpoint, the one Twilio calls and signs."""
    return settings().public_root + url_for(endpoint, **values)
