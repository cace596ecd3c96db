"""Twilio REST API 2010-04-01, the account's side: IncomingPhoneNumbers, Applications, Keys,
OutgoingCallerIds and Recordings, served on the same blueprint (and authentication) as Calls.

The sandbox's numbers (``Engine.numbers``, configured with ``add_number``) are the account's
IncomingPhoneNumbers: updating one changes what the engine fetches when the number is called.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask import Response, current_app, jsonify, request

from hotline.sandbox.account import Account, ApiKey, Application, CallerId
from hotline.sandbox.engine import API_VERSION, SandboxError
from hotline.sandbox.model import Number, Recording, rfc2822
from hotline.sandbox.rest import account_path, bp, form_dict, page_json

if TYPE_CHECKING:
    from hotline.sandbox.server import Sandbox

HTTP_METHODS = ("GET", "POST")
# Twilio's errors for a phone number's configuration: 21402 "Invalid Url" ("You attempted to
# update the URL handler associated with a phone number, but the URL you specified was not
# valid"), 21403 "Invalid Method" ("Valid Method values are GET or POST"). TwiML apps get the same.
INVALID_URL = 21402
INVALID_METHOD = 21403
RECORDING_PRICE = "-0.00250"


def _sandbox() -> Sandbox:
    sandbox: Sandbox = current_app.config["SANDBOX"]
    return sandbox


def _account() -> Account:
    return _sandbox().account


def _not_found(path: str) -> SandboxError:
    return SandboxError(404, 20404, f"The requested resource {path} was not found")


def _method(form: dict[str, Any], name: str, current: str) -> str:
    value = form.get(name)
    if value is None or value == "":
        return current
    method = str(value).upper()
    if method not in HTTP_METHODS:
        raise SandboxError(400, INVALID_METHOD, f"{name} must be GET or POST, not {value!r}")
    return method


def _url(form: dict[str, Any], name: str, current: str | None) -> str | None:
    """A URL field: absent keeps the value, empty clears it (as in Twilio's console)."""
    if name not in form:
        return current
    value = str(form[name] or "")
    if value and not re.match(r"https?://", value):
        raise SandboxError(400, INVALID_URL, f"{name} is not a valid URL: {value!r}")
    return value or None


# ----- IncomingPhoneNumbers ------------------------------------------------------------------


def _stamp(number: Number) -> None:
    now = _sandbox().clock.now()
    number.created_at = number.created_at or now
    number.updated_at = number.updated_at or number.created_at


def number_json(number: Number) -> dict[str, Any]:
    """A sandbox number as `api.v2010.account.incoming_phone_number`."""
    sandbox = _sandbox()
    _stamp(number)
    return {
        "account_sid": sandbox.account_sid,
        "address_sid": None,
        "address_requirements": "none",
        "api_version": API_VERSION,
        "beta": False,
        "capabilities": {"voice": True, "sms": False, "mms": False, "fax": False},
        "date_created": rfc2822(number.created_at),
        "date_updated": rfc2822(number.updated_at),
        "friendly_name": number.friendly_name or number.phone_number,
        "identity_sid": None,
        "phone_number": number.phone_number,
        "origin": "twilio",
        "sid": number.sid,
        "sms_application_sid": None,
        "sms_fallback_method": "POST",
        "sms_fallback_url": None,
        "sms_method": "POST",
        "sms_url": None,
        "status_callback": number.status_callback,
        "status_callback_method": number.status_callback_method,
        "trunk_sid": None,
        "uri": f"{account_path(sandbox.account_sid)}/IncomingPhoneNumbers/{number.sid}.json",
        "voice_receive_mode": "voice",
        "voice_application_sid": number.voice_application_sid,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": number.fallback_method,
        "voice_fallback_url": number.fallback_url,
        "voice_method": number.method,
        "voice_url": number.voice_url or None,
        "emergency_status": "Inactive",
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "bundle_sid": None,
        "status": "in-use",
        "type": "local",
    }


def _number_matches(number: Number, pattern: str) -> bool:
    # Spec, ListIncomingPhoneNumber.PhoneNumber: "You can specify partial numbers and use '*'
    # as a wildcard for any digit."
    wanted = re.compile("".join(r"\d" if c == "*" else re.escape(c) for c in pattern))
    return wanted.search(number.phone_number) is not None


@bp.get("/IncomingPhoneNumbers.json")
def list_incoming_numbers(account_sid: str) -> Response:
    """ListIncomingPhoneNumber, filtered by PhoneNumber (partial, '*') and FriendlyName."""
    sandbox = _sandbox()
    phone, name = request.args.get("PhoneNumber"), request.args.get("FriendlyName")
    with sandbox.lock:
        numbers = [
            number
            for number in sandbox.numbers.values()
            if (not phone or _number_matches(number, phone))
            and (name is None or (number.friendly_name or number.phone_number) == name)
        ]
        return jsonify(page_json("incoming_phone_numbers", [number_json(n) for n in numbers]))


def _number(sid: str) -> Number:
    for number in _sandbox().numbers.values():
        if number.sid == sid:
            return number
    raise _not_found(f"/IncomingPhoneNumbers/{sid}.json")


@bp.get("/IncomingPhoneNumbers/<sid>.json")
def fetch_incoming_number(account_sid: str, sid: str) -> Response:
    """FetchIncomingPhoneNumber."""
    with _sandbox().lock:
        return jsonify(number_json(_number(sid)))


@bp.post("/IncomingPhoneNumbers/<sid>.json")
def update_incoming_number(account_sid: str, sid: str) -> Response:
    """UpdateIncomingPhoneNumber: voice URL, method, fallback, status callback, TwiML app."""
    sandbox = _sandbox()
    form = form_dict()
    with sandbox.lock:
        number = _number(sid)
        _stamp(number)
        app_sid = form.get("VoiceApplicationSid", number.voice_application_sid)
        if app_sid and app_sid not in _account().applications:
            # No documented code found for this one: Twilio's generic "invalid parameter".
            raise SandboxError(400, 20001, f"VoiceApplicationSid {app_sid} is not an application")
        # Everything is validated before anything changes: a refused update changes nothing.
        voice_url = _url(form, "VoiceUrl", number.voice_url or None)
        method = _method(form, "VoiceMethod", number.method)
        fallback_url = _url(form, "VoiceFallbackUrl", number.fallback_url)
        fallback_method = _method(form, "VoiceFallbackMethod", number.fallback_method)
        status_callback = _url(form, "StatusCallback", number.status_callback)
        status_method = _method(form, "StatusCallbackMethod", number.status_callback_method)
        number.voice_url, number.method = voice_url or "", method
        number.fallback_url, number.fallback_method = fallback_url, fallback_method
        number.status_callback, number.status_callback_method = status_callback, status_method
        number.voice_application_sid = app_sid or None
        if "FriendlyName" in form:
            number.friendly_name = form["FriendlyName"] or None
        number.updated_at = sandbox.clock.now()
        return jsonify(number_json(number))


# ----- Applications (TwiML apps) -------------------------------------------------------------


def application_json(app: Application) -> dict[str, Any]:
    """A TwiML app as `api.v2010.account.application`."""
    sandbox = _sandbox()
    return {
        "account_sid": sandbox.account_sid,
        "api_version": API_VERSION,
        "date_created": rfc2822(app.created_at),
        "date_updated": rfc2822(app.updated_at),
        "friendly_name": app.friendly_name,
        "message_status_callback": None,
        "sid": app.sid,
        "sms_fallback_method": "POST",
        "sms_fallback_url": None,
        "sms_method": "POST",
        "sms_status_callback": None,
        "sms_url": None,
        "status_callback": app.status_callback,
        "status_callback_method": app.status_callback_method,
        "uri": f"{account_path(sandbox.account_sid)}/Applications/{app.sid}.json",
        "voice_caller_id_lookup": False,
        "voice_fallback_method": app.voice_fallback_method,
        "voice_fallback_url": app.voice_fallback_url,
        "voice_method": app.voice_method,
        "voice_url": app.voice_url,
        "public_application_connect_enabled": False,
    }


def _apply_application(app: Application, form: dict[str, Any]) -> None:
    # Validated first, then applied: a refused update changes nothing.
    voice_url = _url(form, "VoiceUrl", app.voice_url)
    voice_method = _method(form, "VoiceMethod", app.voice_method)
    fallback_url = _url(form, "VoiceFallbackUrl", app.voice_fallback_url)
    fallback_method = _method(form, "VoiceFallbackMethod", app.voice_fallback_method)
    status_callback = _url(form, "StatusCallback", app.status_callback)
    status_method = _method(form, "StatusCallbackMethod", app.status_callback_method)
    if "FriendlyName" in form:
        app.friendly_name = form["FriendlyName"] or None
    app.voice_url, app.voice_method = voice_url, voice_method
    app.voice_fallback_url, app.voice_fallback_method = fallback_url, fallback_method
    app.status_callback, app.status_callback_method = status_callback, status_method


@bp.get("/Applications.json")
def list_applications(account_sid: str) -> Response:
    """ListApplication, oldest first, filtered by FriendlyName."""
    sandbox = _sandbox()
    name = request.args.get("FriendlyName")
    with sandbox.lock:
        apps = [
            app
            for app in _account().applications.values()
            if name is None or app.friendly_name == name
        ]
        return jsonify(page_json("applications", [application_json(app) for app in apps]))


@bp.post("/Applications.json")
def create_application(account_sid: str) -> tuple[Response, int]:
    """CreateApplication."""
    sandbox = _sandbox()
    form = form_dict()
    with sandbox.lock:
        app = _account().new_application(sandbox.clock.now())
        try:
            _apply_application(app, form)
        except SandboxError:
            del _account().applications[app.sid]
            raise
        return jsonify(application_json(app)), 201


def _application(sid: str) -> Application:
    app = _account().applications.get(sid)
    if app is None:
        raise _not_found(f"/Applications/{sid}.json")
    return app


@bp.get("/Applications/<sid>.json")
def fetch_application(account_sid: str, sid: str) -> Response:
    """FetchApplication."""
    with _sandbox().lock:
        return jsonify(application_json(_application(sid)))


@bp.post("/Applications/<sid>.json")
def update_application(account_sid: str, sid: str) -> Response:
    """UpdateApplication."""
    sandbox = _sandbox()
    form = form_dict()
    with sandbox.lock:
        app = _application(sid)
        _apply_application(app, form)
        app.updated_at = sandbox.clock.now()
        return jsonify(application_json(app))


# ----- Keys ----------------------------------------------------------------------------------


def key_json(key: ApiKey, with_secret: bool = False) -> dict[str, Any]:
    """An API key as `api.v2010.account.key` (`new_key`, with its secret, on creation only)."""
    body: dict[str, Any] = {
        "sid": key.sid,
        "friendly_name": key.friendly_name,
        "date_created": rfc2822(key.created_at),
        "date_updated": rfc2822(key.updated_at),
    }
    if with_secret:
        body["secret"] = key.secret
    return body


@bp.post("/Keys.json")
def create_key(account_sid: str) -> tuple[Response, int]:
    """CreateNewKey: the only answer that carries the secret."""
    sandbox = _sandbox()
    form = form_dict()
    with sandbox.lock:
        key = _account().new_key(form.get("FriendlyName") or None, sandbox.clock.now())
        return jsonify(key_json(key, with_secret=True)), 201


@bp.get("/Keys.json")
def list_keys(account_sid: str) -> Response:
    """ListKey, oldest first (no secrets)."""
    with _sandbox().lock:
        keys = list(_account().keys.values())
        return jsonify(page_json("keys", [key_json(key) for key in keys]))


@bp.get("/Keys/<sid>.json")
def fetch_key(account_sid: str, sid: str) -> Response:
    """FetchKey (no secret)."""
    with _sandbox().lock:
        key = _account().keys.get(sid)
        if key is None:
            raise _not_found(f"/Keys/{sid}.json")
        return jsonify(key_json(key))


# ----- OutgoingCallerIds ---------------------------------------------------------------------


def caller_id_json(caller: CallerId) -> dict[str, Any]:
    """A verified caller ID as `api.v2010.account.outgoing_caller_id`."""
    sandbox = _sandbox()
    return {
        "sid": caller.sid,
        "date_created": rfc2822(caller.created_at),
        "date_updated": rfc2822(caller.created_at),
        "friendly_name": caller.friendly_name or caller.phone_number,
        "account_sid": sandbox.account_sid,
        "phone_number": caller.phone_number,
        "uri": f"{account_path(sandbox.account_sid)}/OutgoingCallerIds/{caller.sid}.json",
    }


@bp.get("/OutgoingCallerIds.json")
def list_caller_ids(account_sid: str) -> Response:
    """ListOutgoingCallerId, filtered by PhoneNumber and FriendlyName."""
    phone, name = request.args.get("PhoneNumber"), request.args.get("FriendlyName")
    with _sandbox().lock:
        callers = [
            caller
            for caller in _account().caller_ids.values()
            if (phone is None or caller.phone_number == phone)
            and (name is None or (caller.friendly_name or caller.phone_number) == name)
        ]
        return jsonify(page_json("outgoing_caller_ids", [caller_id_json(c) for c in callers]))


# ----- Recordings ----------------------------------------------------------------------------


def recording_json(recording: Recording) -> dict[str, Any]:
    """A recording made by <Record> as `api.v2010.account.recording`."""
    sandbox = _sandbox()
    base = f"{account_path(recording.account_sid)}/Recordings/{recording.sid}"
    return {
        "account_sid": recording.account_sid,
        "api_version": API_VERSION,
        "call_sid": recording.call_sid,
        "conference_sid": None,
        "date_created": rfc2822(recording.created_at),
        "date_updated": rfc2822(recording.created_at),
        "start_time": rfc2822(recording.created_at),
        "duration": str(recording.duration_s),
        "sid": recording.sid,
        "price": RECORDING_PRICE,
        "price_unit": "USD",
        "status": "completed",
        "channels": 1,
        "source": "RecordVerb",
        "error_code": None,
        "uri": f"{base}.json",
        "encryption_details": None,
        "subresource_uris": {
            "add_on_results": f"{base}/AddOnResults.json",
            "transcriptions": f"{base}/Transcriptions.json",
        },
        "media_url": f"{sandbox.base_url}{base}",
    }


def _recording(sid: str) -> Recording:
    recording = _sandbox().recordings.get(sid)
    if recording is None:
        raise _not_found(f"/Recordings/{sid}.json")
    return recording


@bp.get("/Recordings/<sid>.json")
def fetch_recording(account_sid: str, sid: str) -> Response:
    """FetchRecording."""
    with _sandbox().lock:
        return jsonify(recording_json(_recording(sid)))


@bp.delete("/Recordings/<sid>.json")
def delete_recording(account_sid: str, sid: str) -> tuple[str, int]:
    """DeleteRecording: the recording and its media are gone (404 from then on)."""
    sandbox = _sandbox()
    with sandbox.lock:
        _recording(sid)
        del sandbox.recordings[sid]
    return "", 204
