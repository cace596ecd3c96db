"""Checking X-Twilio-Signature on the public URL Twilio called."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator


def public_request_url(public_root: str, path: str, query_string: str) -> str:
    """The URL Twilio signed: the public base, the path, and the query string as received."""
    url = public_root.rstrip("/") + path
    return f"{url}?{query_string}" if query_string else url


def is_signed_by_twilio(
    auth_token: str, url: str, form: Mapping[str, object], signature: str | None
) -> bool:
    """Whether the signature matches the URL and form parameters under this auth token."""
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, form, signature))
