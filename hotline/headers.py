"""Security headers on the console's responses, and the page shown for an upload that is too large.

Every console and admin response carries a Content-Security-Policy that the console's own files
satisfy without ``'unsafe-inline'`` (scripts and styles come from static files; JSON data blocks
are not executed), refuses framing, sniffing and cross-site referrers, and asks browsers to stay
on https when the request came over https. Pages that show requests (all dynamic console, admin
and finance responses) are ``no-store``. Twilio's webhooks (TwiML) get only the harmless ones.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from hotline.auth import current_user
from hotline.i18n import gettext as _
from hotline.security import TWILIO_BLUEPRINTS
from hotline.web import settings

# The Voice SDK talks to Twilio over secure websockets and fetches its ring tones from Twilio.
TWILIO_CONNECT = "wss://*.twilio.com https://*.twilio.com"
TWILIO_MEDIA = "https://*.twilio.com https://media.twiliocdn.com"
HSTS = "max-age=31536000; includeSubDomains"
# Blueprints that are not the console: the development sandbox (its own one-page simulator).
NOT_CONSOLE_PREFIXES = ("sandbox_", "twilio_")


def script_origin(sdk_url: str) -> str:
    """The origin a CSP must allow for the phone SDK (``'self'`` for a file we serve)."""
    parts = urlsplit(sdk_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return "'self'"


def content_security_policy(sdk_url: str) -> str:
    """The console's policy: only its own files, plus the SDK's origin and Twilio's endpoints."""
    # The SDK's origin: its script, and what it asks of its own server (the sandbox's stand-in).
    scripts = " ".join(dict.fromkeys(["'self'", script_origin(sdk_url)]))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {scripts} {TWILIO_CONNECT}",
            f"media-src 'self' blob: {TWILIO_MEDIA}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _is_webhook() -> bool:
    blueprint = request.blueprint or ""
    return blueprint in TWILIO_BLUEPRINTS or blueprint.startswith(NOT_CONSOLE_PREFIXES)


def add_security_headers(response: Response) -> Response:
    """``after_request``: the headers above, by kind of response."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if _is_webhook() or response.mimetype in ("text/xml", "application/xml"):
        return response  # TwiML and the sandbox: nothing a browser renders as the console
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(settings().voice_sdk_url)
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def too_large(error: RequestEntityTooLarge) -> tuple[str | Response, int]:
    """An upload over the limit: a console page in the person's language, not a raw 413."""
    message = _("Fichier trop volumineux : {limit} Mo au plus.", limit=_limit_mb())
    if _is_webhook() or not request.accept_mimetypes.accept_html:
        return Response(message, mimetype="text/plain"), 413
    return render_template("console/too_large.html", user=current_user(), message=message), 413


def _limit_mb() -> int:
    return int((current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024))


def init_app(app: Flask) -> None:
    """Install the headers and the too-large page."""
    app.after_request(add_security_headers)
    app.register_error_handler(RequestEntityTooLarge, too_large)
