"""Twilio REST API 2010-04-01, Programmable Messaging: Messages, on the same blueprint (and
authentication) as Calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, current_app, jsonify, request

from hotline.sandbox.engine import SandboxError
from hotline.sandbox.messaging import message_json
from hotline.sandbox.rest import bp, form_dict, page_json

if TYPE_CHECKING:
    from hotline.sandbox.server import Sandbox


def _sandbox() -> Sandbox:
    sandbox: Sandbox = current_app.config["SANDBOX"]
    return sandbox


@bp.post("/Messages.json")
def create_message(account_sid: str) -> tuple[Response, int]:
    """CreateMessage: 201 with the new message, ``queued``."""
    sandbox = _sandbox()
    message = sandbox.create_message(form_dict())
    with sandbox.lock:
        return jsonify(message_json(message)), 201


@bp.get("/Messages.json")
def list_messages(account_sid: str) -> Response:
    """ListMessage, newest first, filtered by To and From."""
    sandbox = _sandbox()
    to, from_ = request.args.get("To"), request.args.get("From")
    with sandbox.lock:
        found = [
            message_json(m)
            for m in reversed(list(sandbox.messages.values()))
            if (to is None or m.to == to) and (from_ is None or m.from_ == from_)
        ]
        return jsonify(page_json("messages", found))


@bp.get("/Messages/<sid>.json")
def fetch_message(account_sid: str, sid: str) -> Response:
    """FetchMessage."""
    sandbox = _sandbox()
    with sandbox.lock:
        message = sandbox.messages.get(sid)
        if message is None:
            raise SandboxError(
                404, 20404, f"The requested resource /Messages/{sid}.json was not found"
            )
        return jsonify(message_json(message))
