"""Twilio REST API 2010-04-01 (Calls, Conferences, Participants) served by the sandbox."""

from __future__ import annotations

import io
import time
import wave
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import phonenumbers
from flask import Blueprint, Response, current_app, g, jsonify, request

from hotline.sandbox.account import check_caller_id, check_send_digits
from hotline.sandbox.engine import API_VERSION, SandboxError
from hotline.sandbox.model import (
    FINAL_STATUSES,
    Conference,
    Leg,
    Participant,
    rfc2822,
)

if TYPE_CHECKING:
    from hotline.sandbox.server import Sandbox

LIST_FIELDS = frozenset(
    {"StatusCallbackEvent", "ConferenceStatusCallbackEvent", "RecordingStatusCallbackEvent"}
)
CALL_SUBRESOURCES = {
    "notifications": "Notifications",
    "recordings": "Recordings",
    "payments": "Payments",
    "events": "Events",
    "siprec": "Siprec",
    "streams": "Streams",
    "transcriptions": "Transcriptions",
    "user_defined_message_subscriptions": "UserDefinedMessageSubscriptions",
    "user_defined_messages": "UserDefinedMessages",
}
SAMPLE_RATE = 8000

bp = Blueprint("twilio_rest", __name__, url_prefix=f"/{API_VERSION}/Accounts/<account_sid>")


@dataclass
class RestRecord:
    """One REST request the app made to the sandbox, and the answer."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    at: datetime
    status: int = 0
    body: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _sandbox() -> Sandbox:
    sandbox: Sandbox = current_app.config["SANDBOX"]
    return sandbox


def twilio_error(status: int, code: int, message: str) -> tuple[Response, int]:
    """A JSON error shaped like Twilio's."""
    return (
        jsonify(
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            }
        ),
        status,
    )


def form_dict() -> dict[str, Any]:
    """The request form as a dict; Twilio's list fields (repeated keys) become lists."""
    form: dict[str, Any] = {}
    for key in request.form:
        base = key.removesuffix("[]")
        if base in LIST_FIELDS:
            form[base] = [v for v in request.form.getlist(key) if v]
        else:
            form[base] = request.form.get(key)
    return form


def _credentials_valid(sandbox: Sandbox, username: str | None, password: str | None) -> bool:
    """The account SID and auth token, or an API key's SID and secret (as Twilio accepts)."""
    if username == sandbox.account_sid:
        return password == sandbox.auth_token
    key = sandbox.account.keys.get(username or "")
    return key is not None and password == key.secret


@bp.before_request
def _authenticate() -> tuple[Response, int] | None:
    sandbox = _sandbox()
    g.rest_record = RestRecord(
        method=request.method,
        path=request.path,
        query={k: request.args.getlist(k) for k in request.args},
        form={k: request.form.getlist(k) for k in request.form},
        at=sandbox.clock.now(),
    )
    auth = request.authorization
    if auth is None or not _credentials_valid(sandbox, auth.username, auth.password):
        return twilio_error(401, 20003, "Authenticate")
    account = (request.view_args or {}).get("account_sid")
    if account != sandbox.account_sid:
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
    return None


@bp.after_request
def _log(response: Response) -> Response:
    record: RestRecord | None = g.get("rest_record")
    if record is not None:
        record.status = response.status_code
        record.body = response.get_json(silent=True)
        with _sandbox().lock:
            _sandbox().rest_requests.append(record)
    return response


@bp.errorhandler(SandboxError)
def _sandbox_error(exc: SandboxError) -> tuple[Response, int]:
    # Twilio's debugger lists the REST requests it refused too (a 404 on a missing resource
    # included), so the app's mistakes show up on the simulator's debugger page.
    _sandbox().record_error(exc.code, exc.message, url=request.url)
    return twilio_error(exc.status, exc.code, exc.message)


# ----- JSON shapes ---------------------------------------------------------------------------


def _formatted(address: str) -> str:
    if not address.startswith("+"):
        return address
    try:
        number = phonenumbers.parse(address)
    except phonenumbers.NumberParseException:
        return address
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def account_path(account_sid: str) -> str:
    """The path prefix of an account's resources."""
    return f"/{API_VERSION}/Accounts/{account_sid}"


def call_json(leg: Leg) -> dict[str, Any]:
    """A leg as `api.v2010.account.call`."""
    base = f"{account_path(leg.account_sid)}/Calls/{leg.sid}"
    ended = leg.status in FINAL_STATUSES
    duration = leg.duration_s if ended and leg.start_time is not None else None
    return {
        "sid": leg.sid,
        "date_created": rfc2822(leg.created_at),
        "date_updated": rfc2822(leg.updated_at),
        "parent_call_sid": leg.parent_sid,
        "account_sid": leg.account_sid,
        "to": leg.to,
        "to_formatted": _formatted(leg.to),
        "from": leg.from_,
        "from_formatted": _formatted(leg.from_),
        "phone_number_sid": leg.phone_number_sid,
        "status": leg.status,
        "start_time": rfc2822(leg.start_time),
        "end_time": rfc2822(leg.end_time),
        "duration": None if duration is None else str(duration),
        "price": leg.price,
        "price_unit": leg.price_unit,
        "direction": leg.direction,
        "answered_by": leg.answered_by,
        "api_version": API_VERSION,
        "forwarded_from": None,
        "group_sid": None,
        "caller_name": None,
        "queue_time": "0",
        "trunk_sid": None,
        "uri": f"{base}.json",
        "subresource_uris": {key: f"{base}/{name}.json" for key, name in CALL_SUBRESOURCES.items()},
    }


def conference_json(room: Conference) -> dict[str, Any]:
    """A conference as `api.v2010.account.conference`."""
    base = f"{account_path(room.account_sid)}/Conferences/{room.sid}"
    return {
        "account_sid": room.account_sid,
        "date_created": rfc2822(room.created_at),
        "date_updated": rfc2822(room.updated_at),
        "api_version": API_VERSION,
        "friendly_name": room.friendly_name,
        "region": "us1",
        "sid": room.sid,
        "status": room.status,
        "uri": f"{base}.json",
        "subresource_uris": {
            "participants": f"{base}/Participants.json",
            "recordings": f"{base}/Recordings.json",
        },
        "reason_conference_ended": room.reason_ended,
        "call_sid_ending_conference": room.call_sid_ending,
    }


def participant_json(
    room: Conference, participant: Participant, created: bool = False
) -> dict[str, Any]:
    """A participant as `api.v2010.account.conference.participant`."""
    return {
        "account_sid": room.account_sid,
        "call_sid": participant.call_sid,
        "label": participant.label,
        "call_sid_to_coach": None,
        "coaching": participant.options.coaching,
        "conference_sid": room.sid,
        "date_created": rfc2822(participant.created_at),
        "date_updated": rfc2822(participant.updated_at),
        "end_conference_on_exit": participant.options.end_on_exit,
        "muted": participant.muted,
        "hold": participant.hold,
        "start_conference_on_enter": participant.options.start_on_enter,
        "status": participant.status,
        "queue_time": "0" if created else None,
        "uri": (
            f"{account_path(room.account_sid)}/Conferences/{room.sid}"
            f"/Participants/{participant.call_sid}.json"
        ),
    }


def page_json(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A list response with Twilio's paging envelope (PageSize, Page)."""
    try:
        page_size = max(1, min(1000, int(request.args.get("PageSize", "50"))))
        page = max(0, int(request.args.get("Page", "0")))
    except ValueError:
        page_size, page = 50, 0
    filters = [
        (k, v)
        for k in request.args
        if k not in ("PageSize", "Page", "PageToken")
        for v in request.args.getlist(k)
    ]

    def uri(number: int) -> str:
        query = urlencode([*filters, ("PageSize", page_size), ("Page", number)])
        return f"{request.path}?{query}"

    start = page * page_size
    chunk = items[start : start + page_size]
    has_next = start + page_size < len(items)
    return {
        key: chunk,
        "end": start + len(chunk) - 1 if chunk else 0,
        "first_page_uri": uri(0),
        "next_page_uri": (uri(page + 1) + f"&PageToken=PA{page + 1}") if has_next else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": uri(page - 1) if page > 0 else None,
        "start": start,
        "uri": uri(page),
    }


# ----- Calls ---------------------------------------------------------------------------------


@bp.post("/Calls.json")
def create_call(account_sid: str) -> tuple[Response, int]:
    """CreateCall, refused as Twilio refuses a caller ID or SendDigits it does not accept."""
    form = form_dict()
    check_caller_id(_sandbox(), _sandbox().account, form)
    check_send_digits(form)
    leg = _sandbox().create_call(form)
    with _sandbox().lock:
        answer = jsonify(call_json(leg))
    delay_s = _sandbox().create_call_answer_delay_s
    if delay_s > 0:
        time.sleep(delay_s)  # outside the lock: the call rings, and can be listed, meanwhile
    return answer, 201


@bp.get("/Calls.json")
def list_calls(account_sid: str) -> Response:
    """ListCall, newest first, filtered by To, From, Status, ParentCallSid."""
    sandbox = _sandbox()
    filters = {
        "to": request.args.get("To"),
        "from_": request.args.get("From"),
        "status": request.args.get("Status"),
        "parent_sid": request.args.get("ParentCallSid"),
    }
    with sandbox.lock:
        legs = [
            leg
            for leg in reversed(list(sandbox.calls_by_sid.values()))
            if all(value is None or getattr(leg, attr) == value for attr, value in filters.items())
        ]
        return jsonify(page_json("calls", [call_json(leg) for leg in legs]))


def _leg(sid: str) -> Leg:
    leg = _sandbox().calls_by_sid.get(sid)
    if leg is None:
        raise SandboxError(404, 20404, f"The requested resource /Calls/{sid}.json was not found")
    return leg


@bp.get("/Calls/<sid>.json")
def fetch_call(account_sid: str, sid: str) -> Response:
    """FetchCall."""
    with _sandbox().lock:
        return jsonify(call_json(_leg(sid)))


@bp.post("/Calls/<sid>.json")
def update_call(account_sid: str, sid: str) -> Response:
    """UpdateCall: Url/Twiml redirect, Status=canceled|completed."""
    leg = _sandbox().update_call(sid, form_dict())
    with _sandbox().lock:
        return jsonify(call_json(leg))


@bp.delete("/Calls/<sid>.json")
def delete_call(account_sid: str, sid: str) -> tuple[str, int]:
    """DeleteCall (finished calls only)."""
    _sandbox().delete_call(sid)
    return "", 204


# ----- Conferences ---------------------------------------------------------------------------


@bp.get("/Conferences.json")
def list_conferences(account_sid: str) -> Response:
    """ListConference, newest first, filtered by FriendlyName and Status."""
    sandbox = _sandbox()
    name, status = request.args.get("FriendlyName"), request.args.get("Status")
    if status is not None and status not in ("init", "in-progress", "completed"):
        raise SandboxError(400, 20001, f"Invalid Status {status!r}")
    with sandbox.lock:
        rooms = [
            room
            for room in reversed(list(sandbox.conferences.values()))
            if (name is None or room.friendly_name == name)
            and (status is None or room.status == status)
        ]
        return jsonify(page_json("conferences", [conference_json(room) for room in rooms]))


@bp.get("/Conferences/<sid>.json")
def fetch_conference(account_sid: str, sid: str) -> Response:
    """FetchConference (by CF SID)."""
    with _sandbox().lock:
        room = _sandbox().conferences.get(sid)
        if room is None:
            raise SandboxError(
                404, 20404, f"The requested resource /Conferences/{sid}.json was not found"
            )
        return jsonify(conference_json(room))


@bp.post("/Conferences/<sid>.json")
def update_conference(account_sid: str, sid: str) -> Response:
    """UpdateConference: Status=completed ends it; AnnounceUrl plays to everyone."""
    room = _sandbox().update_conference(sid, form_dict())
    with _sandbox().lock:
        return jsonify(conference_json(room))


@bp.get("/Conferences/<conference>/Participants.json")
def list_participants(account_sid: str, conference: str) -> Response:
    """ListParticipant: the active participants (connected, or being dialled)."""
    sandbox = _sandbox()
    with sandbox.lock:
        room = sandbox.conference_for_rest(conference, create=False, sid_only=True)
        people = [*room.participants.values(), *room.pending.values()]
        for flag in ("Muted", "Hold", "Coaching"):
            wanted = request.args.get(flag)
            if wanted is not None:
                attr = {"Muted": "muted", "Hold": "hold"}.get(flag)
                people = [
                    p
                    for p in people
                    if (getattr(p, attr) if attr else p.options.coaching)
                    == (wanted.lower() == "true")
                ]
        return jsonify(page_json("participants", [participant_json(room, p) for p in people]))


@bp.post("/Conferences/<conference>/Participants.json")
def create_participant(account_sid: str, conference: str) -> tuple[Response, int]:
    """CreateParticipant (the path may be the conference's friendly name)."""
    sandbox = _sandbox()
    form = form_dict()
    check_caller_id(sandbox, sandbox.account, form)
    participant = sandbox.create_participant(conference, form)
    with sandbox.lock:
        room = sandbox.conferences[participant.conference_sid]
        return jsonify(participant_json(room, participant, created=True)), 201


@bp.get("/Conferences/<conference>/Participants/<key>.json")
def fetch_participant(account_sid: str, conference: str, key: str) -> Response:
    """FetchParticipant by CallSid or label."""
    with _sandbox().lock:
        room, participant = _sandbox().participant_for_rest(conference, key)
        return jsonify(participant_json(room, participant))


@bp.post("/Conferences/<conference>/Participants/<key>.json")
def update_participant(account_sid: str, conference: str, key: str) -> Response:
    """UpdateParticipant by CallSid or label."""
    sandbox = _sandbox()
    participant = sandbox.update_participant(conference, key, form_dict())
    with sandbox.lock:
        room = sandbox.conferences[participant.conference_sid]
        return jsonify(participant_json(room, participant))


@bp.delete("/Conferences/<conference>/Participants/<key>.json")
def delete_participant(account_sid: str, conference: str, key: str) -> tuple[str, int]:
    """DeleteParticipant by CallSid or label: kicks them out."""
    _sandbox().delete_participant(conference, key)
    return "", 204


# ----- Recordings media (public, like Twilio's default) ------------------------------------


def silence_wav(seconds: int) -> bytes:
    """A valid mono 8 kHz 16-bit WAV of `seconds` of silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(b"\x00\x00" * SAMPLE_RATE * max(0, seconds))
    return buffer.getvalue()


media = Blueprint("twilio_media", __name__)


@media.get(f"/{API_VERSION}/Accounts/<account_sid>/Recordings/<name>")
def recording_media(account_sid: str, name: str) -> tuple[Response, int] | Response:
    """The audio of a recording: silence of the recorded length (WAV; .mp3 also answers WAV)."""
    sandbox = _sandbox()
    sid = name.split(".", 1)[0]
    with sandbox.lock:
        recording = sandbox.recordings.get(sid)
    if recording is None or account_sid != sandbox.account_sid:
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
    return Response(silence_wav(recording.duration_s), mimetype="audio/x-wav")
