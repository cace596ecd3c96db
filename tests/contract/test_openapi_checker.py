"""Tests of the contract checker itself: it passes Twilio's own examples and catches violations."""

from __future__ import annotations

import copy
import json
import re
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contract import openapi
from tests.contract.openapi import (
    load_spec,
    spec_file,
    validate_request,
    validate_response,
)

ACCOUNT = "AC" + "a" * 32
CALL = "CA" + "a" * 32
CONFERENCE = "CF" + "a" * 32
BASE = f"/2010-04-01/Accounts/{ACCOUNT}"
CALLS = f"{BASE}/Calls.json"
CALL_ITEM = f"{BASE}/Calls/{CALL}.json"
CONFERENCES = f"{BASE}/Conferences.json"
CONFERENCE_ITEM = f"{BASE}/Conferences/{CONFERENCE}.json"
PARTICIPANTS = f"{BASE}/Conferences/{CONFERENCE}/Participants.json"
PARTICIPANT_ITEM = f"{BASE}/Conferences/{CONFERENCE}/Participants/{CALL}.json"
_SID_PREFIX = {
    "Accounts": "AC",
    "Calls": "CA",
    "Conferences": "CF",
    "Participants": "CA",
    "Recordings": "RE",
    "IncomingPhoneNumbers": "PN",
    "Applications": "AP",
    "Keys": "SK",
    "Messages": "SM",
}

# Every (operation, status) of the checked subset that documents examples.
DOCUMENTED_BODIES = [
    ("ListCall", "200"),
    ("CreateCall", "201"),
    ("FetchCall", "200"),
    ("UpdateCall", "200"),
    ("ListCallRecording", "200"),
    ("CreateCallRecording", "200"),
    ("CreateCallRecording", "201"),
    ("FetchCallRecording", "200"),
    ("UpdateCallRecording", "200"),
    ("ListConference", "200"),
    ("FetchConference", "200"),
    ("UpdateConference", "200"),
    ("ListParticipant", "200"),
    ("CreateParticipant", "201"),
    ("FetchParticipant", "200"),
    ("UpdateParticipant", "200"),
    ("ListIncomingPhoneNumber", "200"),
    ("CreateIncomingPhoneNumber", "201"),
    ("FetchIncomingPhoneNumber", "200"),
    ("UpdateIncomingPhoneNumber", "200"),
    ("ListApplication", "200"),
    ("CreateApplication", "201"),
    ("FetchApplication", "200"),
    ("UpdateApplication", "200"),
    ("ListKey", "200"),
    ("CreateNewKey", "201"),
    ("FetchKey", "200"),
    ("UpdateKey", "200"),
    ("ListOutgoingCallerId", "200"),
    ("CreateValidationRequest", "200"),
    ("FetchRecording", "200"),
    ("ListMessage", "200"),
    ("CreateMessage", "201"),
    ("FetchMessage", "200"),
    ("UpdateMessage", "200"),
]


def concrete(template: str) -> str:
    """A real path for a template: each {Param} gets a sid of the collection before it."""
    return re.sub(
        r"(\w+)/\{\w+\}",
        lambda m: f"{m.group(1)}/{_SID_PREFIX[m.group(1)]}{'a' * 32}",
        template,
    )


def example(operation_id: str, status: str, name: str | None = None) -> dict[str, Any]:
    """A private deep copy of a spec example, safe to mutate."""
    return copy.deepcopy(load_spec().example(operation_id, status, name))


def violations(method: str, path: str, status: int, body: Any, **kwargs: Any) -> str:
    """The checker's message for a response that must fail."""
    raw = body if isinstance(body, bytes) else json.dumps(body)
    with pytest.raises(AssertionError) as caught:
        validate_response(method, path, status, raw, **kwargs)
    return str(caught.value)


def request_violations(method: str, path: str, form: dict[str, Any]) -> str:
    """The checker's message for a request that must fail."""
    with pytest.raises(AssertionError) as caught:
        validate_request(method, path, form)
    return str(caught.value)


# --- loading ---------------------------------------------------------------------------------


def test_spec_is_loaded_once_per_process_within_a_few_seconds() -> None:
    started = time.perf_counter()
    spec = load_spec()
    first_call = time.perf_counter() - started
    print(f"\nTwilio spec load: {spec.load_seconds:.2f} s (this call {first_call:.2f} s)")
    assert load_spec() is spec
    assert spec.load_seconds < 10


def test_spec_is_read_from_shared_dir_when_the_variable_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHARED_DIR", str(tmp_path))
    assert spec_file() == tmp_path / "twilio" / "twilio_api_v2010.yaml"


def test_spec_defaults_to_the_shared_folder_next_to_the_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SHARED_DIR", raising=False)
    repo = Path(openapi.__file__).resolve().parents[2]
    assert spec_file() == repo / ".." / "shared" / "twilio" / "twilio_api_v2010.yaml"


def test_pruned_spec_keeps_exactly_the_checked_paths() -> None:
    spec = load_spec()
    assert set(spec.document["paths"]) == set(openapi.CHECKED_PATHS)
    assert len(spec.all_paths) > len(openapi.CHECKED_PATHS)


def test_documented_bodies_table_covers_every_operation_of_the_subset() -> None:
    documented = {
        (op.operation_id, status)
        for op in load_spec().operations()
        for status, response in op.definition["responses"].items()
        if response.get("content", {}).get("application/json", {}).get("examples")
    }
    assert documented == set(DOCUMENTED_BODIES)


# --- the spec's own examples pass --------------------------------------------------------------


@pytest.mark.parametrize(("operation_id", "status"), DOCUMENTED_BODIES)
def test_every_documented_example_of_the_operation_validates_clean(
    operation_id: str, status: str
) -> None:
    op = load_spec().operation(operation_id)
    examples = op.definition["responses"][status]["content"]["application/json"]["examples"]
    assert examples
    for name in examples:
        body = json.dumps(example(operation_id, status, name))
        validate_response(op.method, concrete(op.template), int(status), body)


@pytest.mark.parametrize(
    ("method", "path", "status", "operation_id"),
    [
        ("POST", CALLS, 201, "CreateCall"),
        ("GET", CALL_ITEM, 200, "FetchCall"),
        ("GET", CALLS, 200, "ListCall"),
        ("GET", CONFERENCES, 200, "ListConference"),
        ("GET", CONFERENCE_ITEM, 200, "FetchConference"),
        ("POST", PARTICIPANTS, 201, "CreateParticipant"),
        ("GET", PARTICIPANTS, 200, "ListParticipant"),
        ("POST", PARTICIPANT_ITEM, 200, "UpdateParticipant"),
    ],
)
def test_first_documented_example_validates_at_a_concrete_path(
    method: str, path: str, status: int, operation_id: str
) -> None:
    body = example(operation_id, str(status))
    validate_response(method, path, status, json.dumps(body).encode())
    validate_response(method, path, status, json.dumps(body))


def test_a_full_sandbox_url_with_query_and_charset_is_accepted() -> None:
    url = f"http://127.0.0.1:8099{CONFERENCES}?Status=in-progress&PageSize=50"
    body = json.dumps(example("ListConference", "200", "readFull"))
    validate_response("GET", url, 200, body, content_type="application/json; charset=utf-8")


def test_a_participant_is_addressed_by_label_and_a_conference_by_friendly_name() -> None:
    by_label = f"{BASE}/Conferences/{CONFERENCE}/Participants/interpreter.json"
    validate_response("GET", by_label, 200, json.dumps(example("FetchParticipant", "200")))
    by_name = f"{BASE}/Conferences/req-2026-00042/Participants.json"
    validate_response("POST", by_name, 201, json.dumps(example("CreateParticipant", "201")))


def test_delete_answers_204_with_an_empty_body() -> None:
    validate_response("DELETE", CALL_ITEM, 204, b"")
    validate_response("DELETE", PARTICIPANT_ITEM, 204, "")


# --- mutated examples fail, and say why ----------------------------------------------------------


def _with(operation_id: str, http_status: str, /, **changes: Any) -> dict[str, Any]:
    return {**example(operation_id, http_status), **changes}


def _without(operation_id: str, http_status: str, key: str) -> dict[str, Any]:
    body = example(operation_id, http_status)
    del body[key]
    return body


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "expected"),
    [
        pytest.param(
            "GET",
            CALL_ITEM,
            200,
            _with("FetchCall", "200", duration=15),
            "body.duration: 15 is not of type 'string'",
            id="duration-as-int",
        ),
        pytest.param(
            "GET",
            CALL_ITEM,
            200,
            _with("FetchCall", "200", status="hung-up"),
            "body.status: 'hung-up' is not one of ['queued', 'ringing'",
            id="status-outside-enum",
        ),
        pytest.param(
            "GET",
            CALL_ITEM,
            200,
            _with("FetchCall", "200", status=None),
            "body.status: None for not nullable",
            id="status-null",
        ),
        pytest.param(
            "GET",
            CALL_ITEM,
            200,
            _without("FetchCall", "200", "price_unit"),
            "body: missing properties ['price_unit']",
            id="missing-property",
        ),
        pytest.param(
            "GET",
            CALL_ITEM,
            200,
            _with("FetchCall", "200", billable_seconds="12"),
            "body: undeclared properties ['billable_seconds']",
            id="extra-property",
        ),
        pytest.param(
            "POST",
            CALLS,
            200,
            example("CreateCall", "201"),
            "status 200 is not documented (documented: 201)",
            id="200-where-only-201",
        ),
        pytest.param(
            "GET",
            CALL_ITEM,
            200,
            _with("FetchCall", "200", date_created="2026-03-01T10:00:00Z"),
            "body.date_created: '2026-03-01T10:00:00Z' is not a 'date-time-rfc-2822'",
            id="iso-date",
        ),
        pytest.param(
            "GET",
            CALL_ITEM,
            200,
            _with("FetchCall", "200", sid="CA42"),
            "body.sid: 'CA42' is too short; 'CA42' does not match",
            id="short-sid",
        ),
        pytest.param(
            "GET",
            PARTICIPANT_ITEM,
            200,
            _with("FetchParticipant", "200", muted="false"),
            "body.muted: 'false' is not of type 'boolean'",
            id="boolean-as-string",
        ),
        pytest.param(
            "GET",
            CONFERENCE_ITEM,
            200,
            _with("FetchConference", "200", reason_conference_ended="gp-hung-up"),
            "body.reason_conference_ended: 'gp-hung-up' is not one of",
            id="reason-outside-enum",
        ),
        pytest.param(
            "DELETE",
            CALL_ITEM,
            204,
            {},
            "status 204 documents no body, got 2 bytes",
            id="body-on-204",
        ),
        pytest.param(
            "GET",
            CALL_ITEM,
            200,
            b"<Response/>",
            "body is not JSON: Expecting value: line 1 column 1 (char 0) (b'<Response/>')",
            id="not-json",
        ),
        pytest.param(
            "GET",
            f"{CONFERENCES}?Status=ringing",
            200,
            example("ListConference", "200", "readEmpty"),
            "query parameter Status: 'ringing' is not one of ['init', 'in-progress', 'completed']",
            id="bad-query-enum",
        ),
        pytest.param(
            "GET",
            f"{BASE}/Conferences/req-42.json",
            200,
            example("FetchConference", "200"),
            "path parameter Sid: 'req-42' is too short",
            id="fetch-conference-by-name",
        ),
    ],
)
def test_mutated_response_fails_with_a_readable_violation(
    method: str, path: str, status: int, body: Any, expected: str
) -> None:
    message = violations(method, path, status, body)
    assert expected in message
    assert "breaks Twilio's spec" in message


def test_an_unknown_path_fails_and_names_the_path() -> None:
    message = violations("GET", f"{BASE}/Calls/{CALL}/Hold.json", 200, {})
    assert message.startswith(f"unknown path: {BASE}/Calls/{CALL}/Hold.json")


def test_a_documented_path_outside_the_subset_says_so() -> None:
    message = violations("GET", f"{BASE}/Queues.json", 200, {})
    assert "Twilio documents it as /2010-04-01/Accounts/{AccountSid}/Queues.json" in message
    assert "outside CHECKED_PATHS" in message


def test_an_undocumented_method_fails() -> None:
    message = violations("PUT", CALLS, 200, {})
    assert "unknown method: PUT /2010-04-01/Accounts/{AccountSid}/Calls.json" in message


def test_a_wrong_content_type_fails() -> None:
    body = example("FetchCall", "200")
    message = violations("GET", CALL_ITEM, 200, body, content_type="text/html")
    assert "content type text/html is not documented (documented: ['application/json'])" in message


def test_every_fault_of_one_response_is_listed_on_its_own_line() -> None:
    body = example("FetchCall", "200")
    body.update(duration=15, status="hung-up", extra=True)
    del body["uri"]
    lines = violations("GET", CALL_ITEM, 200, body).splitlines()
    assert lines[0] == f"FetchCall GET {CALL_ITEM} -> 200 breaks Twilio's spec:"
    assert sorted(lines[1:]) == [
        "  - body.duration: 15 is not of type 'string'",
        "  - body.status: 'hung-up' is not one of ['queued', 'ringing', 'in-progress', "
        "'completed', 'busy', 'failed', 'no-answer', 'canceled']",
        "  - body: missing properties ['uri']",
        "  - body: undeclared properties ['extra']",
    ]


def test_a_fault_inside_a_list_page_names_the_item() -> None:
    page = example("ListParticipant", "200", "readFull")
    page["participants"][1]["hold"] = "no"
    del page["participants"][0]["label"]
    message = violations("GET", PARTICIPANTS, 200, page)
    assert "body.participants[1].hold: 'no' is not of type 'boolean'" in message
    assert "body.participants[0]: missing properties ['label']" in message


def test_a_list_page_without_its_paging_envelope_fails() -> None:
    message = violations("GET", CALLS, 200, {"calls": []})
    assert "body: missing properties ['end', 'first_page_uri', 'next_page_uri'" in message


def test_the_only_documented_error_is_a_408_on_update_call_recording() -> None:
    error = {"code": 20408, "message": "Request Timeout", "more_info": "", "status": 408}
    recording = f"{BASE}/Calls/{CALL}/Recordings/RE{'a' * 32}.json"
    validate_response("POST", recording, 408, json.dumps(error))
    message = violations("GET", CALL_ITEM, 404, {**error, "status": 404, "code": 20404})
    assert "status 404 is not documented (documented: 200)" in message


# --- spec quirks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("erratum", openapi.SPEC_ERRATA, ids=lambda e: e.target)
def test_each_erratum_is_still_needed_by_the_official_spec(erratum: openapi.Erratum) -> None:
    official = load_spec().official_nodes[erratum.target]
    assert {k: official.get(k) for k in erratum.patch} != dict(erratum.patch)


def test_an_in_progress_conference_with_null_reason_conference_ended_passes() -> None:
    in_progress = example("FetchConference", "200", "fetchValidRegionInProgress")
    assert in_progress["status"] == "in-progress"
    assert in_progress["reason_conference_ended"] is None
    validate_response("GET", CONFERENCE_ITEM, 200, json.dumps(in_progress))


def test_a_recording_price_as_a_number_now_fails() -> None:
    recording = f"{BASE}/Calls/{CALL}/Recordings/RE{'a' * 32}.json"
    body = _with("FetchCallRecording", "200", price=-0.0025)
    assert "body.price: -0.0025 is not of type 'string'" in violations("GET", recording, 200, body)


def test_the_erratum_does_not_make_other_conference_fields_nullable() -> None:
    body = _with("FetchConference", "200", status=None)
    assert "body.status: None for not nullable" in violations("GET", CONFERENCE_ITEM, 200, body)


@given(st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1)))
@settings(max_examples=50, deadline=None)
def test_any_rfc_2822_timestamp_is_a_twilio_date_and_its_iso_form_is_not(moment: datetime) -> None:
    assert openapi.is_rfc2822_date(format_datetime(moment))
    assert not openapi.is_rfc2822_date(moment.isoformat())


# --- form-encoded requests -----------------------------------------------------------------------

CREATE_CALL = {
    "To": "+33612345678",
    "From": "+33567000000",
    "Url": "https://hotline.example/twilio/voice/screen",
    "StatusCallback": "https://hotline.example/twilio/voice/status",
    "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
    "Timeout": "20",
}


def test_create_call_with_repeated_status_callback_event_passes() -> None:
    validate_request("POST", CALLS, CREATE_CALL)


def test_a_raw_form_body_with_repeated_keys_parsed_by_parse_qs_passes() -> None:
    body = (
        "To=%2B33612345678&From=%2B33567000000"
        "&StatusCallbackEvent=ringing&StatusCallbackEvent=answered"
    )
    validate_request("POST", CALLS, parse_qs(body))


def test_create_call_without_to_fails() -> None:
    form = {k: v for k, v in CREATE_CALL.items() if k != "To"}
    assert "body: 'To' is a required property" in request_violations("POST", CALLS, form)


@pytest.mark.parametrize(
    ("path", "form", "expected"),
    [
        pytest.param(
            CALLS,
            {**CREATE_CALL, "Method": "PATCH"},
            "body.Method: 'PATCH' is not one of ['GET', 'POST']",
            id="create-call-method",
        ),
        pytest.param(
            CALL_ITEM,
            {"Status": "ringing"},
            "body.Status: 'ringing' is not one of ['canceled', 'completed']",
            id="update-call-status",
        ),
        pytest.param(
            CONFERENCE_ITEM,
            {"Status": "init"},
            "body.Status: 'init' is not one of ['completed']",
            id="update-conference-status",
        ),
        pytest.param(
            CALLS,
            {**CREATE_CALL, "Record": "yes"},
            "body.Record: 'yes' is not a valid boolean",
            id="boolean",
        ),
        pytest.param(
            CALLS,
            {**CREATE_CALL, "Timeout": "twenty"},
            "body.Timeout: 'twenty' is not a valid integer",
            id="integer",
        ),
        pytest.param(
            CALLS,
            {**CREATE_CALL, "To": ["+33612345678", "+33698765432"]},
            "body.To: sent 2 times but is not an array",
            id="repeated-scalar",
        ),
        pytest.param(
            CALLS,
            {**CREATE_CALL, "StatusCallbackEvents": "ringing"},
            "body.StatusCallbackEvents: not a field of this operation",
            id="typo-field",
        ),
        pytest.param(
            PARTICIPANT_ITEM,
            {"Hold": "true", "Label": "interpreter"},
            "body.Label: not a field of this operation",
            id="label-is-create-only",
        ),
        pytest.param(
            CALLS.replace(ACCOUNT, "AC42"),
            CREATE_CALL,
            "path parameter AccountSid: 'AC42' is too short",
            id="bad-account-sid",
        ),
    ],
)
def test_bad_request_fails_with_a_readable_violation(
    path: str, form: dict[str, Any], expected: str
) -> None:
    message = request_violations("POST", path, form)
    assert expected in message
    assert "request POST" in message


def test_every_fault_of_one_request_is_listed() -> None:
    form = {"From": "+33567000000", "Method": "PATCH", "Timeout": "soon"}
    message = request_violations("POST", CALLS, form)
    assert "body: 'To' is a required property" in message
    assert "body.Method: 'PATCH' is not one of ['GET', 'POST']" in message
    assert "body.Timeout: 'soon' is not a valid integer" in message


def test_interpreter_participant_requests_of_the_helpline_pass() -> None:
    create = {
        "From": "+33567000000",
        "To": "+33611223344",
        "Label": "interpreter",
        "Beep": "false",
        "StartConferenceOnEnter": "true",
        "EndConferenceOnExit": "false",
        "EarlyMedia": "true",
        "StatusCallbackEvent": ["answered", "completed"],
        "ConferenceStatusCallbackEvent": ["start", "end", "join", "leave"],
    }
    validate_request("POST", f"{BASE}/Conferences/req-2026-00042/Participants.json", create)
    by_label = f"{BASE}/Conferences/{CONFERENCE}/Participants/interpreter.json"
    validate_request("POST", by_label, {"Hold": "true", "HoldUrl": "https://hotline.example/h"})


def test_a_get_request_with_a_form_body_fails() -> None:
    message = request_violations("GET", CALLS, {"To": "+33612345678"})
    assert "ListCall takes no form body" in message


@given(
    st.lists(
        st.sampled_from(["initiated", "ringing", "answered", "completed"]),
        min_size=1,
        max_size=4,
        unique=True,
    )
)
@settings(max_examples=20, deadline=None)
def test_any_set_of_call_progress_events_is_accepted_as_repeated_keys(events: list[str]) -> None:
    validate_request("POST", CALLS, {**CREATE_CALL, "StatusCallbackEvent": events})
