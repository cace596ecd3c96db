"""Twilio's documented webhook forms, extras included, read by hotline/telephony/parsing.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.telephony.parsing import (
    WebhookFormError,
    bounded_int,
    check_printable,
    language_tag,
    parse_call_status,
    parse_conference_event,
    parse_gather_input,
    parse_recording,
    parse_voice_request,
)
from tests.contract import payloads as tw

ACCOUNT = tw.sid("AC", "account")
LEG = tw.sid("CA", "nurse-leg")
AT = datetime(2026, 11, 23, 9, 0, 12, tzinfo=UTC)
ANSWERED = tw.outbound_answered(
    account_sid=ACCOUNT, call_sid=LEG, from_="+33561000000", to="+33600000001"
)


def test_an_inbound_call_with_every_extra_reads_as_its_standard_parameters() -> None:
    form = tw.inbound_call(
        account_sid=ACCOUNT, call_sid=LEG, from_="+33612345678", to="+33561000000"
    )
    assert {"CallToken", "StirVerstat", "CallerName", "FromCountry", "CalledZip"} <= set(form)

    voice = parse_voice_request(form)

    assert (voice.call_sid, voice.from_, voice.to) == (LEG, "+33612345678", "+33561000000")
    assert (voice.call_status, voice.direction, voice.parent_call_sid) == (
        "ringing",
        "inbound",
        None,
    )


def test_the_final_call_progress_event_gives_its_order_time_and_duration() -> None:
    form = tw.call_progress(ANSWERED, "completed", 3, AT, duration_s=288, sip_response_code="200")

    callback = parse_call_status(form)

    assert (callback.status, callback.sequence_number, callback.duration_s) == ("completed", 3, 288)
    assert callback.timestamp == AT
    assert callback.call.direction == "outbound-api"


def test_an_early_call_progress_event_has_no_duration() -> None:
    callback = parse_call_status(tw.call_progress(ANSWERED, "ringing", 1, AT))
    assert (callback.status, callback.sequence_number, callback.duration_s) == ("ringing", 1, None)


def test_a_key_press_keeps_the_digits_without_the_finishing_key() -> None:
    gathered = parse_gather_input(tw.gather_digits(ANSWERED, "1420", finished_on_key="#"))
    assert (gathered.digits, gathered.speech, gathered.confidence) == ("1420", "", None)


def test_speech_comes_with_its_confidence() -> None:
    gathered = parse_gather_input(tw.gather_speech(ANSWERED, "Tigrigna.", "0.8734"))
    assert (gathered.digits, gathered.speech, gathered.confidence) == ("", "Tigrigna.", 0.8734)


def test_a_participant_leave_gives_the_call_its_label_and_time() -> None:
    form = tw.conference_event(
        account_sid=ACCOUNT,
        conference_sid=tw.sid("CF", "req-1"),
        friendly_name="req-1",
        event="participant-leave",
        sequence=5,
        at=AT,
        call_sid=LEG,
        label="nurse",
        ParticipantCallStatus="completed",
        ReasonParticipantLeft="participant_hung_up",
    )

    event = parse_conference_event(form)

    assert (event.event, event.call_sid, event.label, event.sequence_number) == (
        "participant-leave",
        LEG,
        "nurse",
        5,
    )
    assert event.timestamp == AT


def test_the_end_of_a_conference_gives_its_reason() -> None:
    form = tw.conference_event(
        account_sid=ACCOUNT,
        conference_sid=tw.sid("CF", "req-1"),
        friendly_name="req-1",
        event="conference-end",
        sequence=6,
        at=AT,
        CallSidEndingConference=LEG,
        ParticipantLabelEndingConference="gp",
        ReasonConferenceEnded="participant-with-end-conference-on-exit-left",
        Reason="Participant gp with endConferenceOnExit left the conference",
    )

    event = parse_conference_event(form)

    assert (event.event, event.call_sid, event.friendly_name) == ("conference-end", None, "req-1")
    assert event.reason_ended == "participant-with-end-conference-on-exit-left"


def test_the_record_action_and_the_recording_callback_read_as_the_same_recording() -> None:
    recording = tw.sid("RE", "message")
    action = parse_recording(tw.record_action(ANSWERED, recording, 42, digits="hangup"))
    status = parse_recording(
        tw.recording_status(
            account_sid=ACCOUNT,
            call_sid=LEG,
            recording_sid=recording,
            status="completed",
            duration_s=42,
            started_at=AT,
        )
    )
    assert action == status
    assert action is not None and action.duration_s == 42


def test_an_absent_recording_without_url_is_no_recording() -> None:
    form = tw.recording_status(
        account_sid=ACCOUNT,
        call_sid=LEG,
        recording_sid=tw.sid("RE", "nothing"),
        status="absent",
        duration_s=0,
        started_at=AT,
    )
    form["RecordingUrl"] = ""
    assert parse_recording(form) is None


@pytest.mark.parametrize("missing", ["CallSid", "AccountSid"])
def test_a_form_without_the_call_or_the_account_is_malformed(missing: str) -> None:
    form = {k: v for k, v in ANSWERED.items() if k != missing}
    with pytest.raises(WebhookFormError, match=missing):
        parse_voice_request(form)


def test_an_answer_with_machine_detection_reads_as_the_same_voice_request() -> None:
    form = tw.outbound_answered(
        account_sid=ACCOUNT,
        call_sid=LEG,
        from_="+33561000000",
        to="+33612345678",
        AnsweredBy="machine_start",
        MachineDetectionDuration="2350",
    )
    assert parse_voice_request(form).call_status == "in-progress"


def test_the_asynchronous_machine_detection_callback_is_no_call_progress_event() -> None:
    # No CallStatus in Twilio's AsyncAmd callback: a route for it needs a parser of its own.
    form = tw.amd_result(
        account_sid=ACCOUNT, call_sid=LEG, answered_by="machine_end_beep", detection_ms=4100
    )
    assert parse_voice_request(form).call_sid == LEG
    with pytest.raises(WebhookFormError, match="CallStatus"):
        parse_call_status(form)


def test_a_browser_call_reads_with_its_custom_parameters_left_alone() -> None:
    form = tw.sdk_outgoing(
        account_sid=ACCOUNT,
        application_sid=tw.sid("AP", "phone"),
        call_sid=LEG,
        identity="nurse_3",
        request="2026-00042",
    )
    voice = parse_voice_request(form)
    assert (voice.from_, voice.to, voice.direction) == ("client:nurse_3", "", "inbound")


# --- hostile values (issue 13): refused as malformed, never passed on to the database ------


@pytest.mark.parametrize(
    "changes",
    [
        {"SequenceNumber": "2147483648"},
        {"SequenceNumber": "9223372036854775808"},
        {"CallDuration": "-1"},
        {"CallDuration": "1e3"},
        {"CallSid": "CA" + "0" * 33},
        {"ParentCallSid": "CA" + "0" * 40},
        {"CallStatus": "exploded"},
        {"CallStatus": "\x00"},
    ],
)
def test_a_status_callback_with_a_value_no_column_holds_is_malformed(
    changes: dict[str, str],
) -> None:
    form = {
        "CallSid": "CA" + "0" * 32,
        "AccountSid": "AC" + "0" * 32,
        "CallStatus": "completed",
    } | changes
    with pytest.raises(WebhookFormError):
        parse_call_status(form)


def test_a_nul_byte_anywhere_in_a_webhook_is_malformed() -> None:
    with pytest.raises(WebhookFormError):
        check_printable([("From", "+33\x00")])
    check_printable([("From", "+33612345678")])


@pytest.mark.parametrize("value", ["", "é", "fr'", "x" * 40, "a\x00", "12"])
def test_a_malformed_language_tag_is_refused(value: str) -> None:
    with pytest.raises(WebhookFormError):
        language_tag(value)


@pytest.mark.parametrize("value", ["fr", "ar-SD", "prs", "zh-Hant-TW"])
def test_a_language_tag_of_the_apps_urls_is_accepted(value: str) -> None:
    assert language_tag(value) == value


@pytest.mark.parametrize(
    ("value", "expected"), [("", None), ("0", 0), ("2147483647", 2**31 - 1), (" 12 ", 12)]
)
def test_a_bounded_whole_number_is_read(value: str, expected: int | None) -> None:
    assert bounded_int(value, "n") == expected


@pytest.mark.parametrize("value", ["2147483648", "-1", "1.0", "١٢", "0x10", "1" * 30])
def test_a_whole_number_out_of_bounds_is_malformed(value: str) -> None:
    with pytest.raises(WebhookFormError):
        bounded_int(value, "n")
