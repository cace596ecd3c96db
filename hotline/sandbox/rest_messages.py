"""Twilio REST API 2010-04-01, Programmable Messaging: Messages, on the same blueprint (and
authentication) as Calls."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from flask import Response, current_app, jsonify, request

from hotline.sandbox.engine import SandboxError
from hotline.sandbox.messaging import Message, message_json
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
        answer = jsonify(message_json(message))
    delay_s = sandbox.create_message_answer_delay_s
    if delay_s > 0:
        time.sleep(delay_s)  # outside the lock: the message exists, and can be listed, meanwhile
    return answer, 201


def _sent_day(value: str) -> date:
    """A DateSent filter's GMT day: Twilio documents ``YYYY-MM-DD``; a moment (ISO 8601, as the
    twilio library sends a date, or RFC 2822, as the spec's examples show) counts for its GMT
    day. 400 for anything else."""
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            moment = parsedate_to_datetime(text)
    except (TypeError, ValueError) as exc:
        raise SandboxError(400, 20001, f"Invalid DateSent value: {value}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def _sent_filter(message: Message, op: str, day: date) -> bool:
    """Whether a message passes ``DateSent`` (op ``=``), ``DateSent<`` (on or before the day) or
    ``DateSent>`` (on or after); a message not sent yet (no ``date_sent``) never does."""
    if message.sent_at is None:
        return False
    sent = message.sent_at.astimezone(UTC).date()
    if op == "<":
        return sent <= day
    if op == ">":
        return sent >= day
    return sent == day


@bp.get("/Messages.json")
def list_messages(account_sid: str) -> Response:
    """ListMessage, newest first, filtered by To, From and DateSent (``=``, ``<``, ``>``)."""
    sandbox = _sandbox()
    to, from_ = request.args.get("To"), request.args.get("From")
    sent_filters = [
        (op, _sent_day(request.args[name]))
        for name, op in (("DateSent", "="), ("DateSent<", "<"), ("DateSent>", ">"))
        if name in request.args
    ]
    with sandbox.lock:
        found = [
            message_json(m)
            for m in sorted(
                reversed(list(sandbox.messages.values())),
                key=lambda m: m.created_at,
                reverse=True,
            )
            if (to is None or m.to == to)
            and (from_ is None or m.from_ == from_)
            and all(_sent_filter(m, op, bound) for op, bound in sent_filters)
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
