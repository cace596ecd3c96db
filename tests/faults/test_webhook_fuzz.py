"""Signed webhooks full of hostile values, on every Twilio route: never a 5xx, never HTML."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ACCOUNT_SID, call_sid, post_signed


def twilio_routes(app: Flask) -> list[str]:
    """Every route of the app under /twilio/ (the ones Twilio calls)."""
    return sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/twilio/"))


def _routes() -> list[str]:
    from hotline.app import create_app
    from tests.conftest import make_settings

    return twilio_routes(create_app(make_settings()))


ROUTES = _routes()

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "1",
        "2",
        "-1",
        "0",
        "2147483648",
        "9223372036854775808",
        "1e309",
        "NaN",
        "x" * 5000,
        "CA" + "f" * 40,
        "é" * 100,
        "<Say>hi</Say>",
        "'; DROP TABLE requests; --",
    ]
)
VALUE = st.one_of(
    HOSTILE_TEXT,
    st.text(max_size=50),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
FORM_NAMES = [
    "CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "ParentCallSid",
    "Digits", "SpeechResult", "Confidence", "Timestamp", "SequenceNumber", "CallDuration",
    "ConferenceSid", "FriendlyName", "StatusCallbackEvent", "ParticipantLabel",
    "ReasonConferenceEnded", "RecordingSid", "RecordingUrl", "RecordingDuration",
    "RecordingStatus", "AnsweredBy",
]  # fmt: skip
QUERY_NAMES = [
    "task", "attempt", "user", "interpreter", "session", "step", "routing", "language",
    "kind", "reason", "menu",
]  # fmt: skip
BASE_FORM = {
    "CallSid": call_sid(7),
    "AccountSid": ACCOUNT_SID,
    "From": "+33612345678",
    "To": "+33561000000",
    "CallStatus": "in-progress",
    "Direction": "inbound",
}
FORMS = st.dictionaries(st.sampled_from(FORM_NAMES), VALUE, max_size=6).map(
    lambda changes: BASE_FORM | changes
)
QUERIES = st.dictionaries(st.sampled_from(QUERY_NAMES), VALUE, max_size=4)


@pytest.mark.parametrize("route", ROUTES)
@settings(
    derandomize=True,
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=FORMS, query=QUERIES)
def test_a_signed_hostile_webhook_is_refused_or_handled_never_a_5xx_nor_a_crash(
    app: Flask,
    caplog: pytest.LogCaptureFixture,
    route: str,
    form: dict[str, str],
    query: dict[str, str],
) -> None:
    path = f"{route}?{urlencode(query)}" if query else route
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        response = post_signed(app.test_client(), path, form)
    assert response.status_code < 500, (route, query, form, response.data[:300])
    # Malformed input is refused (4xx) or handled: it never reaches the "webhook failed" safety
    # net, which answers safe TwiML but loses the event.
    crashes = [r.getMessage() + str(r.exc_info and r.exc_info[1]) for r in caplog.records]
    assert not crashes, (route, query, form, crashes)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_another_method_gets_405_without_an_html_page(app: Flask, route: str, method: str) -> None:
    response = app.test_client().open(route, method=method)
    assert response.status_code == 405
    assert b"<html" not in response.data.lower()
    assert b"<!doctype" not in response.data.lower()
