"""Signed webhook requests to the app, as Twilio sends them, and their log."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from twilio.request_validator import RequestValidator

# Twilio gives up after 15 s without an answer (error 11205).
WEBHOOK_TIMEOUT_S = 15.0


@dataclass
class WebhookRecord:
    """One request the sandbox made to the app, and what came back."""

    kind: str  # voice, action, status, conference-status, recording-status, wait, fallback...
    url: str
    method: str
    params: dict[str, str]
    call_sid: str | None
    at: datetime
    status_code: int | None = None
    response_body: str = ""
    duration_s: float = 0.0
    error: str | None = None
    signature: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the app answered with a 2xx status."""
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_request_parts(
    url: str, method: str, params: dict[str, str], auth_token: str
) -> tuple[str, dict[str, str] | None, str]:
    """Return (final url, form body or None, X-Twilio-Signature) for a Twilio-style request."""
    validator = RequestValidator(auth_token)
    if method.upper() == "GET":
        # Twilio appends the parameters to the query string and signs the full URL alone.
        parts = urlsplit(url)
        extra = urlencode(params)
        query = f"{parts.query}&{extra}" if parts.query else extra
        final = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        return final, None, validator.compute_signature(final, {})
    final = urlunsplit(urlsplit(url)._replace(fragment=""))
    return final, params, validator.compute_signature(final, params)


def send_webhook(
    session: requests.Session,
    record: WebhookRecord,
    auth_token: str,
    timeout_s: float = WEBHOOK_TIMEOUT_S,
) -> WebhookRecord:
    """Perform the request described by `record`, filling in the outcome; never raises."""
    final, body, signature = signed_request_parts(
        record.url, record.method, record.params, auth_token
    )
    record.signature = signature
    record.headers = {
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1 (hotline sandbox)",
        "Accept": "*/*",
    }
    started = time.monotonic()
    try:
        response = session.request(
            record.method.upper(),
            final,
            data=body,
            headers=record.headers,
            timeout=timeout_s,
            allow_redirects=False,
        )
        record.status_code = response.status_code
        record.response_body = response.text
    except requests.RequestException as exc:
        record.error = f"{type(exc).__name__}: {exc}"
    record.duration_s = time.monotonic() - started
    return record
