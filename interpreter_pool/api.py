"""JSON endpoints the nurse's console calls: bring an interpreter into her call, remove them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, session
from werkzeug.exceptions import HTTPException

from hotline import audit
from hotline.console.scoping import visible_ids
from hotline.models import Request, User
from hotline.web import db_session, now, settings
from interpreter_pool import on_call
from interpreter_pool import services as interpreting
from interpreter_pool.admin import parse_languages
from interpreter_pool.languages import language_name
from interpreter_pool.twiml import InterpretingUrls

bp = Blueprint("interpreting_api", __name__, url_prefix="/console/api")


@bp.errorhandler(HTTPException)
def as_json(error: HTTPException) -> tuple[Response, int]:
    """Errors of the API as JSON with a message for a person."""
    return jsonify(error=error.name, message=error.description), error.code or 500


def signed_in_nurse() -> User:
    """The nurse signed in to the console (the session is set by the console's sign-in)."""
    user_id = session.get("user_id")
    user = db_session().get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        abort(401, "Connectez-vous à la console (sign in to the console).")
    if not user.has_role("nurse"):
        abort(403, "Réservé aux infirmières (nurses only).")
    return user


def _json_body() -> dict[str, Any]:
    # JSON only: a cross-site form cannot send it without a preflight, which is refused.
    if not request.is_json:
        abort(415, "Envoyez du JSON (send JSON).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "Corps JSON invalide (invalid JSON body).")
    return body


def _request(request_id: int) -> Request:
    # Another helpline's request is as unknown as a missing one (its reference is not confirmed).
    found = db_session().get(Request, request_id)
    if found is None or found.helpline_id not in visible_ids("nurse"):
        abort(404, "Demande inconnue (unknown request).")
    return found


@bp.post("/requests/<int:request_id>/interpreter")
def add_interpreter(request_id: int) -> tuple[Response, int]:
    """Ring interpreters of a language into the nurse's call: {"language": "ar"}."""
    nurse = signed_in_nurse()
    body = _json_body()
    call_request = _request(request_id)
    try:
        [code] = parse_languages(str(body.get("language", "")))[:1]
    except ValueError as error:
        abort(400, str(error))
    try:
        interpreting.check_budget(
            db_session(),
            call_request,
            code,
            now(),
            nurse_id=nurse.id,
            approved=body.get("approved") is True,
        )
    except interpreting.ApprovalNeededError as refused:
        abort(
            409,
            f"Budget « {refused.budget.name} » épuisé : confirmez pour appeler un interprète "
            '(budget exhausted: send "approved": true to go ahead).',
        )
    try:
        found = on_call.add_interpreter(
            db_session(),
            call_request,
            code,
            nurse.id,
            now(),
            InterpretingUrls(settings().public_root),
        )
    except PermissionError as error:
        abort(403, str(error))
    except ValueError as error:
        abort(400, str(error))
    audit.record(
        db_session(), nurse, "add_interpreter", "request", call_request.id, now(), language=code
    )
    payload = {
        "session_id": found.id,
        "status": found.status,
        "language": found.language,
        "language_name": language_name(found.language, "fr"),
        "targets": sum(len(step) for step in found.plan),
    }
    return jsonify(payload), 202


@bp.delete("/requests/<int:request_id>/interpreter")
def remove_interpreter(request_id: int) -> tuple[Response, int]:
    """Hang up the interpreter; the GP and the nurse stay together."""
    nurse = signed_in_nurse()
    call_request = _request(request_id)
    try:
        on_call.held_by(db_session(), call_request, nurse.id)
        found = on_call.remove_interpreter(db_session(), call_request, now())
    except PermissionError as error:
        abort(403, str(error))
    except ValueError as error:
        abort(409, str(error))
    audit.record(db_session(), nurse, "remove_interpreter", "request", call_request.id, now())
    payload = {"session_id": found.id, "outcome": found.outcome}
    return jsonify(payload), 200
