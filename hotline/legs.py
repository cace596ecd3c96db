"""Rung legs shared by the flows that ring several people (nurses, interpreters, callbacks).

A flow rings the targets of a step through outbox intents keyed ``<prefix>:<owner>:<step>:<n>``
and marks each leg with its owner and step. These helpers note a leg once Twilio gave its SID,
tell when every leg of a step has ended (Twilio reported it, or refused to create it), and
stop a leg that is no longer wanted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline import outbox
from hotline.callstate import TERMINAL_STATUSES
from hotline.models import Call, OutboxMessage

# CreateCall's Timeout: "For some call flows, we will add a 5-second buffer to the timeout value
# you provide", so a leg may ring that much longer than asked.
RING_BUFFER_S = 5
# Past the ring: the intent is sent just after the commit, a phone leg is screened once answered
# (a prompt, then 8 s for the key), a webhook may be slow. Only a lost callback waits this long.
DEADLINE_MARGIN_S = 30


def step_deadline(now: datetime, ring_timeout_s: int) -> datetime:
    """When a step rung at ``now`` is over whatever its legs' callbacks say (or never say)."""
    return now + timedelta(seconds=ring_timeout_s + RING_BUFFER_S + DEADLINE_MARGIN_S)


def stop_open_legs(
    session: Session, of_owner: ColumnElement[bool], step: int, now: datetime
) -> list[str]:
    """Stop, through the outbox, every leg of a step not known to have ended; their SIDs."""
    open_legs = session.scalars(
        select(Call).where(
            of_owner, Call.routing_step == step, Call.status.not_in(TERMINAL_STATUSES)
        )
    ).all()
    for leg in open_legs:
        cancel_leg(session, leg.sid, leg.status, now)
    return [leg.sid for leg in open_legs]


def client_address(identity: str, **parameters: str | None) -> str:
    """The ``To`` of a call to a browser phone, carrying custom parameters for the Voice SDK.

    Twilio's Call resource: "Custom parameters can be passed to the specified Client ID, SIP
    endpoint, or TwiML application in the to field using query string notation. For example:
    client:alice?mycustomparam1=foo&mycustomparam2=bar"; the SDK's incoming Call exposes them
    as ``customParameters``.
    """
    shown = {name: value for name, value in parameters.items() if value}
    return f"client:{identity}" + (f"?{urlencode(shown)}" if shown else "")


def address_of(to: str) -> str:
    """A called address without the custom parameters of a client address."""
    return to.partition("?")[0] if to.startswith("client:") else to


def leg_of_sent_ring(session: Session, message: OutboxMessage, now: datetime) -> Call | None:
    """The leg a sent ring created (made here if its status callbacks have not come yet)."""
    sid = (message.result or {}).get("sid")
    if not sid:
        return None
    call = session.scalars(select(Call).where(Call.sid == sid)).first()
    if call is not None:
        return call
    call = Call(
        sid=sid,
        direction="outbound-api",
        to_number=address_of(message.payload["params"]["to"]),
        from_number=message.payload["params"]["from_"],
        status=(message.result or {}).get("status") or "queued",
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(call)
    except IntegrityError:  # its first status callback, arriving at this very moment
        return session.scalars(select(Call).where(Call.sid == sid)).one()
    return call


def step_is_over(
    session: Session,
    of_owner: ColumnElement[bool],
    step: int,
    ring_prefix: str,
    expected: int,
) -> bool:
    """Whether all ``expected`` legs of a step have ended or could not be created."""
    ended = session.scalar(
        select(func.count(Call.id)).where(
            of_owner, Call.routing_step == step, Call.status.in_(TERMINAL_STATUSES)
        )
    )
    failed = session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.dedupe_key.like(f"{ring_prefix}:{step}:%"),
            OutboxMessage.status == "failed",
        )
    )
    return (ended or 0) + (failed or 0) >= expected


def cancel_leg(session: Session, call_sid: str, status: str, now: datetime) -> None:
    """Stop a leg: Twilio cancels one not yet answered and completes (hangs up) one that was."""
    outbox.enqueue(
        session,
        outbox.UPDATE_CALL,
        {
            "call_sid": call_sid,
            "params": {"status": "completed" if status == "in-progress" else "canceled"},
        },
        now,
        dedupe_key=f"cancel:{call_sid}",
    )
