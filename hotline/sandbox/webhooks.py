"""Signed webhook requests to the app, as Twilio sends them, and their log."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from twilio.request_validator import RequestValidator

# Twilio gives up after 15 s without an answer (error 11205).
WEBHOOK_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class ConnectionOverrides:
    """Twilio's per-URL connection overrides, read from the URL's fragment.

    twilio.com/docs/usage/webhooks/webhooks-connection-overrides: "Connection overrides will be
    passed on a per webhook URL basis in the form of fragments ... key and value are separated by
    =, pairs are separated by &. The 1st key-value pair start with #." The table there:
    Connect Timeout (ct) min 100, max 10000, default 5000 ms; Read Timeout (rt) min 100, max
    15000, default 15000 ms; Total Timeout (tt) min 100, max 15000, default 15000 ms (all
    attempts together); Retry Count (rc) min 0, max 5, default 1; Retry Policy (rp) 4xx, 5xx, ct
    (connection failure), rt (read timeout) or all, default ct. So by default only a failed
    connection is tried again, once: a 5xx or a read timeout is not retried.
    """

    connect_timeout_ms: int = 5000
    read_timeout_ms: int = 15000
    total_timeout_ms: int = 15000
    retry_count: int = 1
    retry_policy: frozenset[str] = frozenset({"ct"})

    def retries(self, failure: str) -> bool:
        """True when a failure of this class (4xx, 5xx, ct, rt) is to be tried again."""
        return "all" in self.retry_policy or failure in self.retry_policy


def _bounded(raw: str | None, low: int, high: int, default: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return max(low, min(high, value))


def connection_overrides(url: str) -> ConnectionOverrides:
    """The overrides carried by `url`'s fragment (Twilio's defaults when there are none)."""
    pairs = dict(parse_qsl(urlsplit(url).fragment))
    policy = frozenset(
        part.strip() for part in pairs.get("rp", "ct").split(",") if part.strip()
    ) & {"4xx", "5xx", "ct", "rt", "all"}
    return ConnectionOverrides(
        connect_timeout_ms=_bounded(pairs.get("ct"), 100, 10000, 5000),
        read_timeout_ms=_bounded(pairs.get("rt"), 100, 15000, 15000),
        total_timeout_ms=_bounded(pairs.get("tt"), 100, 15000, 15000),
        retry_count=_bounded(pairs.get("rc"), 0, 5, 1),
        retry_policy=policy or frozenset({"ct"}),
    )


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
    attempts: int = 0
    dropped: bool = False

    @property
    def ok(self) -> bool:
        """True when the app answered with a 2xx status."""
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_request_parts(
    url: str, method: str, params: dict[str, str], auth_token: str
) -> tuple[str, dict[str, str] | None, str]:
    """Return (final url, form body or None, X-Twilio-Signature) for a Twilio-style request.

    A URL's fragment (where connection overrides live) is never sent over HTTP, so the app sees,
    and validates the signature against, the URL without it.
    """
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


def _failure(record: WebhookRecord, timed_out: bool) -> str | None:
    """The retry-policy class of an attempt's failure, or None when it succeeded."""
    if record.error is not None:
        return "rt" if timed_out else "ct"
    if record.status_code is not None and 400 <= record.status_code < 500:
        return "4xx"
    if record.status_code is not None and record.status_code >= 500:
        return "5xx"
    return None


def send_webhook(
    session: requests.Session,
    record: WebhookRecord,
    auth_token: str,
    timeout_s: float = WEBHOOK_TIMEOUT_S,
) -> WebhookRecord:
    """Perform the request described by `record` (with the URL's retries), filling in the outcome.

    Never raises. `timeout_s` caps the read timeout (the URL's `rt` override may lower it).
    """
    final, body, signature = signed_request_parts(
        record.url, record.method, record.params, auth_token
    )
    overrides = connection_overrides(record.url)
    record.signature = signature
    record.headers = {
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1 (hotline sandbox)",
        "Accept": "*/*",
    }
    started = time.monotonic()
    budget_s = overrides.total_timeout_ms / 1000
    while True:
        record.attempts += 1
        record.status_code, record.response_body, record.error = None, "", None
        timed_out = False
        remaining = max(0.1, budget_s - (time.monotonic() - started))
        try:
            response = session.request(
                record.method.upper(),
                final,
                data=body,
                headers=record.headers,
                timeout=(
                    min(overrides.connect_timeout_ms / 1000, remaining),
                    min(overrides.read_timeout_ms / 1000, timeout_s, remaining),
                ),
                allow_redirects=False,
            )
            record.status_code = response.status_code
            record.response_body = response.text
        except requests.ConnectTimeout as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        except requests.Timeout as exc:
            timed_out = True
            record.error = f"{type(exc).__name__}: {exc}"
        except requests.RequestException as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        failure = _failure(record, timed_out)
        if (
            failure is None
            or record.attempts > overrides.retry_count
            or not overrides.retries(failure)
            or time.monotonic() - started >= budget_s
        ):
            break
    record.duration_s = time.monotonic() - started
    return record
