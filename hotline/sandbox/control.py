"""Control API (JSON) and the one-page telephone simulator for driving the sandbox by hand."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import phonenumbers
from flask import Blueprint, Response, current_app, jsonify, request

from hotline.sandbox.engine import SandboxError
from hotline.sandbox.model import (
    Conference,
    ConferenceWait,
    DialWait,
    GatherWait,
    Leg,
    PauseWait,
    Person,
    RecordWait,
)
from hotline.sandbox.policies import (
    AgencyMenu,
    Answer,
    Decline,
    Ignore,
    Manual,
    Policy,
    Silent,
    Voicemail,
)
from hotline.sandbox.speech import PromptedGather, SayWait

if TYPE_CHECKING:
    from hotline.sandbox.server import Sandbox

bp = Blueprint("sandbox_control", __name__)
PAGE_PATH = Path(__file__).parent / "static" / "simulator.html"

WAIT_NAMES = {
    SayWait: "say",
    PromptedGather: "gather",
    GatherWait: "gather",
    RecordWait: "record",
    DialWait: "dial",
    ConferenceWait: "conference",
    PauseWait: "pause",
}


def _sandbox() -> Sandbox:
    sandbox: Sandbox = current_app.config["SANDBOX"]
    return sandbox


@bp.errorhandler(SandboxError)
def _refused(exc: SandboxError) -> tuple[Response, int]:
    return jsonify({"error": exc.message, "code": exc.code}), exc.status


@bp.errorhandler(ValueError)
def _malformed(exc: ValueError) -> tuple[Response, int]:
    return jsonify({"error": f"valeur invalide : {exc}"}), 400


@bp.errorhandler(KeyError)
def _unknown(exc: KeyError) -> tuple[Response, int]:
    return jsonify({"error": f"inconnu : {exc.args[0]}"}), 404


KIND_LABELS = {
    "manual": "sonne (réponse à la main)",
    "answer": "personne qui décroche",
    "decline": "refuse l'appel",
    "ignore": "ne décroche jamais",
    "voicemail": "messagerie vocale",
    "agency": "standard d'agence d'interprétariat",
    "silent": "décroche sans rien dire",
}
POLICY_KINDS = {
    Manual: "manual",
    Answer: "answer",
    Decline: "decline",
    Ignore: "ignore",
    Voicemail: "voicemail",
    AgencyMenu: "agency",
    Silent: "silent",
}


def policy_json(policy: Policy) -> dict[str, Any]:
    """A party's ringing policy as JSON: its kind and its settings."""
    data: dict[str, Any] = {"kind": POLICY_KINDS[type(policy)]}
    data.update(asdict(policy))
    return data


def policy_label(policy: Policy) -> str:
    """What kind of party this is, in French, with its settings (the page's list)."""
    label = KIND_LABELS[POLICY_KINDS[type(policy)]]
    if isinstance(policy, Answer | Voicemail | Silent) and policy.after_s:
        label += f", décroche après {policy.after_s:g} s"
    if isinstance(policy, Voicemail):
        label += f", annonce de {policy.greeting_s:g} s"
    if isinstance(policy, AgencyMenu):
        label += (
            f", code d'accès {policy.digits}, interprète en ligne "
            f"{policy.interpreter_after_s:g} s après le code"
        )
    if isinstance(policy, Answer) and policy.press:
        label += f", tape {policy.press}"
    return label


def _number(data: dict[str, Any], name: str, default: float) -> float:
    raw = data.get(name)
    return default if raw is None or raw == "" else float(raw)


def policy_from_json(data: dict[str, Any]) -> Policy:
    """Build a ringing policy from {kind, after_s, press, greeting_s, max_s, digits, ...}.

    Kinds: manual, answer, decline, ignore, voicemail, agency (needs its `digits`), silent.
    """
    kind = str(data.get("kind", "manual")).lower()
    if kind == "answer":
        return Answer(after_s=_number(data, "after_s", 0), press=data.get("press") or None)
    if kind == "voicemail":
        return Voicemail(
            after_s=_number(data, "after_s", 20),
            greeting_s=_number(data, "greeting_s", 6),
            max_s=_number(data, "max_s", 120),
        )
    if kind == "agency":
        digits = str(data.get("digits") or "").strip()
        if not digits:
            raise SandboxError(400, 0, "le standard d'agence a besoin de son code d'accès")
        return AgencyMenu(
            digits=digits,
            interpreter_after_s=_number(data, "interpreter_after_s", 20),
            timeout_s=_number(data, "timeout_s", 10),
        )
    if kind == "silent":
        return Silent(after_s=_number(data, "after_s", 0))
    policies: dict[str, Policy] = {"manual": Manual(), "decline": Decline(), "ignore": Ignore()}
    if kind not in policies:
        raise SandboxError(400, 0, f"unknown policy {kind!r}")
    return policies[kind]


def leg_json(sandbox: Sandbox, leg: Leg) -> dict[str, Any]:
    """A leg as the page shows it (lock held)."""
    room = sandbox.conferences.get(leg.conference_sid or "")
    participant = room.participants.get(leg.sid) if room else None
    return {
        "sid": leg.sid,
        "parent_sid": leg.parent_sid,
        "from": leg.from_,
        "to": leg.to,
        "person": leg.person,
        "direction": leg.direction,
        "status": leg.status,
        "waiting": WAIT_NAMES.get(type(leg.wait)) if leg.wait else None,
        "conference": room.friendly_name if room else None,
        "label": participant.label if participant else None,
        "muted": participant.muted if participant else None,
        "hold": participant.hold if participant else None,
        "bridged_with": leg.bridged_with,
        "heard": list(leg._heard),
        "said": [
            {"text": said.text, "voice": said.voice, "language": said.language}
            for said in leg._said
        ],
        "digits_received": list(leg.digits_received),
        "keys_received": leg.keys_received,
        "keys_pressed": "".join(leg.keys_pressed),
        "answered_by": leg.answered_by,
        "agency_interpreter_on": leg.agency_interpreter_on,
        "voicemail": (
            {
                "heard": list(leg._voicemail.heard),
                "duration": leg._voicemail.duration_s,
            }
            if leg._voicemail is not None
            else None
        ),
        "rings_person": leg.rings_person,
        "duration": leg.duration_s,
        "custom_parameters": dict(leg.custom_params),
    }


def person_json(sandbox: Sandbox, person: Person) -> dict[str, Any]:
    """A simulated phone and its calls (lock held)."""
    legs = [sandbox.calls_by_sid[sid] for sid in person.leg_sids if sid in sandbox.calls_by_sid]
    return {
        "address": person.address,
        "policy": policy_json(person.policy),
        "kind": policy_label(person.policy),
        "calls": [leg.sid for leg in legs],
    }


def conference_summary(room: Conference) -> dict[str, Any]:
    """A conference as the page shows it (lock held)."""
    return {
        "sid": room.sid,
        "friendly_name": room.friendly_name,
        "status": room.status,
        "reason_ended": room.reason_ended,
        "participants": [
            {
                "call_sid": p.call_sid,
                "label": p.label,
                "status": p.status,
                "muted": p.muted,
                "hold": p.hold,
            }
            for p in [*room.participants.values(), *room.pending.values()]
        ],
        "events": list(room.events),
    }


@bp.get("/sandbox/state")
def state() -> Response:
    """Everything the page shows, polled every second."""
    sandbox = _sandbox()
    with sandbox.lock:
        return jsonify(
            {
                "base_url": sandbox.base_url,
                "account_sid": sandbox.account_sid,
                "now": sandbox.clock.now().isoformat(),
                "manual_clock": bool(getattr(sandbox.clock, "is_manual", False)),
                "numbers": [
                    {"phone_number": n.phone_number, "voice_url": n.voice_url}
                    for n in sandbox.numbers.values()
                ],
                "calls": [leg_json(sandbox, leg) for leg in sandbox.calls_by_sid.values()],
                "people": [person_json(sandbox, p) for p in sandbox.people.values()],
                "conferences": [conference_summary(c) for c in sandbox.conferences.values()],
                "webhooks": [
                    {
                        "kind": w.kind,
                        "url": w.url,
                        "status": w.status_code,
                        "error": w.error,
                        "params": w.params,
                        "duration_ms": round(w.duration_s * 1000),
                    }
                    for w in sandbox.webhooks[-40:]
                ],
            }
        )


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return data
    return dict(request.form)


@bp.post("/sandbox/calls")
def place_call() -> tuple[Response, int]:
    """A simulated professional dials a configured number: {from, to}."""
    sandbox = _sandbox()
    data = _body()
    to = data.get("to") or next(iter(sandbox.numbers), "")
    if not data.get("from"):
        raise SandboxError(400, 21603, "from est obligatoire")
    leg = sandbox.place_call(from_=str(data["from"]), to=str(to))
    with sandbox.lock:
        return jsonify(leg_json(sandbox, leg)), 201


@bp.post("/sandbox/calls/<sid>/<action>")
def act(sid: str, action: str) -> Response:
    """press {digits} | say {text} | speak {seconds} | hangup | answer | decline."""
    sandbox = _sandbox()
    data = _body()
    leg = sandbox.get_leg(sid)
    if action == "press":
        leg.press(str(data.get("digits", "")))
    elif action == "say":
        leg.say(str(data.get("text", "")))
    elif action == "speak":
        leg.speak(float(data.get("seconds", 5)))
    elif action == "hangup":
        leg.hang_up()
    elif action == "answer":
        leg.answer()
    elif action == "decline":
        leg.decline()
    else:
        raise SandboxError(404, 0, f"action inconnue : {action}")
    with sandbox.lock:
        return jsonify(leg_json(sandbox, leg))


def party_address(typed: str) -> str:
    """A number as typed on the page (06 40 00 00 00, +33 6…) in E.164; `client:…` as it is."""
    typed = typed.strip()
    if not typed or typed.startswith("client:"):
        return typed
    try:
        number = phonenumbers.parse(typed, "FR")
    except phonenumbers.NumberParseException:
        return typed
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@bp.post("/sandbox/people")
def configure_person() -> tuple[Response, int]:
    """Add a party (a simulated phone) and what it does: {address, policy: {kind, ...}}."""
    sandbox = _sandbox()
    data = _body()
    address = party_address(str(data.get("address") or ""))
    if not address:
        raise SandboxError(400, 0, "address est obligatoire")
    policy = data.get("policy")
    person = sandbox.person(address, policy_from_json(policy) if isinstance(policy, dict) else None)
    with sandbox.lock:
        return jsonify(person_json(sandbox, person)), 201


@bp.post("/sandbox/clock/advance")
def advance_clock() -> Response:
    """Move a manual clock forward: {seconds}."""
    sandbox = _sandbox()
    advance = getattr(sandbox.clock, "advance", None)
    if advance is None:
        raise SandboxError(409, 0, "l'horloge est réelle")
    advance(float(_body().get("seconds", 1)))
    return jsonify({"now": sandbox.clock.now().isoformat()})


@bp.get("/")
def page() -> Response:
    """The telephone simulator page."""
    return Response(PAGE_PATH.read_text(encoding="utf-8"), mimetype="text/html")


# --- the browser phone's stand-in ---------------------------------------------------------------
# The console loads the Voice SDK from VOICE_SDK_URL; in the demo and the browser tests that is
# this sandbox's /device.js, which offers the SDK's Device and Call (the subset the console
# uses) and drives the simulated `client:<identity>` phone through these endpoints.

DEVICE_PATH = Path(__file__).parent / "static" / "device.js"


@bp.after_request
def allow_console_origin(response: Response) -> Response:
    """The console runs on another port: let its scripts call the simulated device's API."""
    if request.path.startswith(("/sandbox/", "/device.js")):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    return response


@bp.route("/sandbox/<path:_any>", methods=["OPTIONS"])
def preflight(_any: str) -> Response:
    """CORS preflight of the device's JSON calls."""
    return Response(status=204)


@bp.get("/device.js")
def device_script() -> Response:
    """The stand-in for Twilio's Voice JavaScript SDK."""
    return Response(DEVICE_PATH.read_text(encoding="utf-8"), mimetype="text/javascript")


@bp.post("/sandbox/devices")
def register_device() -> tuple[Response, int]:
    """A browser registers as `client:<identity>`: calls to it ring until answered by hand."""
    sandbox = _sandbox()
    identity = str(_body().get("identity", "")).strip()
    if not identity:
        raise SandboxError(400, 0, "identity est obligatoire")
    person = sandbox.person(f"client:{identity}", Manual())
    with sandbox.lock:
        return jsonify(person_json(sandbox, person)), 201


@bp.get("/sandbox/devices/<identity>")
def device_calls(identity: str) -> Response:
    """The legs at this browser: what the device shows (ringing, in progress, ended)."""
    sandbox = _sandbox()
    person = sandbox.person(f"client:{identity}")
    with sandbox.lock:
        legs = [leg_json(sandbox, leg) for leg in person.legs]
    return jsonify({"identity": identity, "calls": legs})
