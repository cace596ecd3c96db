"""Ringing legs: one implementation for every flow that rings people, whoever they are.

A flow owns a row (a nurse routing, an interpreting session) that rings its plan step by step:
while its ``status`` is the flow's ringing status, the legs of its ``current_step`` are rung
through outbox intents keyed ``<prefix>:<owner>:<step>:<n>``. Each leg is marked with its owner
and step once Twilio gave its SID or its first status came. A step is over when every leg of it
has ended (Twilio reported it, or refused to create it) or its deadline passed (the clock); the
flow then rings its next step (``advance``: a conditional update, so two callbacks arriving
together advance it once) or gives up. The first leg to take the call claims the owner row by a
conditional update (``take``), so exactly one leg wins; the others are cancelled.

What differs between flows (whom a leg rings, what happens after the last step) is passed in a
``Flow``: the ground floor knows no feature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline import outbox
from hotline.callstate import TERMINAL_STATUSES, CallStatus, call_status
from hotline.db import claim
from hotline.models import Call, OutboxMessage, OutboxStatus, Request
from hotline.services import log_event

# CreateCall's Timeout: "For some call flows, we will add a 5-second buffer to the timeout value
# you provide", so a leg may ring that much longer than asked.
RING_BUFFER_S = 5
# Past the ring: the intent is sent just after the commit, a phone leg is screened once answered
# (a prompt, then 8 s for the key), a webhook may be slow. Only a lost callback waits this long.
DEADLINE_MARGIN_S = 30
RING_STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


def step_deadline(now: datetime, ring_timeout_s: int) -> datetime:
    """When a step rung at ``now`` is over whatever its legs' callbacks say (or never say)."""
    return now + timedelta(seconds=ring_timeout_s + RING_BUFFER_S + DEADLINE_MARGIN_S)


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


def ring_leg(
    session: Session,
    now: datetime,
    *,
    to: str,
    from_: str,
    url: str,
    status_callback: str,
    timeout: int,
    dedupe_key: str,
    payload: Mapping[str, Any] | None = None,
    **more_params: Any,
) -> OutboxMessage:
    """Record the intent that rings one leg (a CreateCall reporting every status change)."""
    params: dict[str, Any] = {
        "to": to,
        "from_": from_,
        "url": url,
        "method": "POST",
        "status_callback": status_callback,
        "status_callback_method": "POST",
        "status_callback_event": RING_STATUS_EVENTS,
        "timeout": timeout,
        **more_params,
    }
    body = {"params": params, **(payload or {})}
    return outbox.enqueue(session, outbox.CREATE_CALL, body, now, dedupe_key=dedupe_key)


def cancel_leg(
    session: Session, call_sid: str, status: str, now: datetime, answered_twiml: str | None = None
) -> None:
    """Stop a leg: Twilio cancels one not yet answered and completes (hangs up) one that was;
    with ``answered_twiml``, an answered leg hears it (ending with its hang-up) instead."""
    if status == CallStatus.IN_PROGRESS and answered_twiml is not None:
        params: dict[str, str] = {"twiml": answered_twiml}
    elif status == CallStatus.IN_PROGRESS:
        params = {"status": CallStatus.COMPLETED}
    else:
        params = {"status": CallStatus.CANCELED}
    outbox.enqueue(
        session,
        outbox.UPDATE_CALL,
        {"call_sid": call_sid, "params": params},
        now,
        dedupe_key=f"cancel:{call_sid}",
    )


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
        status=call_status((message.result or {}).get("status") or CallStatus.QUEUED),
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(call)
    except IntegrityError:  # its first status callback, arriving at this very moment
        return session.scalars(select(Call).where(Call.sid == sid)).one()
    return call


# --- flows that ring a plan step by step ---------------------------------------------------


@dataclass(frozen=True)
class Leg:
    """One target of a step: whom it rings and how, and what the ringing event says of it."""

    person_id: int | None
    to: str
    url: str
    status_callback: str
    timeout: int
    detail: dict[str, Any]
    more_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Flow:
    """What a flow that rings a plan tells the shared plumbing.

    The owner model has ``id``, ``request_id``, ``status``, ``current_step``,
    ``step_deadline_at`` and ``connected_call_sid``.
    """

    kind: str  # the outbox handler's name
    model: type[Any]
    ringing: str  # the owner's status while its steps ring
    role: str  # Call.role of its legs
    leg_owner: str  # the Call column naming the owner ("routing_id")
    leg_person: str  # the Call column naming whom the leg rings ("user_id")
    owner_key: str  # the intent's payload field naming the owner
    person_key: str  # the intent's payload field naming whom the leg rings
    ring_prefix: str  # the intents' dedupe keys: "<ring_prefix>:<owner>:<step>:<n>"
    ringing_event: str  # logged once a leg
    ringing_prefix: str  # its dedupe key: "<ringing_prefix>:<owner>:<step>:<n>"
    deadline_event: str  # logged when the clock ends a step
    deadline_prefix: str  # its dedupe key: "<deadline_prefix>:<owner>:<step>"
    deadline_detail: Callable[[Any, int, datetime, list[str]], dict[str, Any]]
    # every leg of the step ended without taking the call: the next step, or give up
    step_over: Callable[[Session, Any, int, datetime, Any], None]
    urls: Callable[[str], Any]  # the flow's URLs from the public root (for outbox follow-ups)

    def of_owner(self, owner_id: int) -> ColumnElement[bool]:
        """Legs of this owner."""
        column: ColumnElement[bool] = getattr(Call, self.leg_owner) == owner_id
        return column


def lock(session: Session, flow: Flow, owner_id: int) -> Any | None:
    """The owner row, locked: its legs' news are handled one at a time, each seeing the others'."""
    return session.scalars(
        select(flow.model).where(flow.model.id == owner_id).with_for_update()
    ).first()


def note_leg(
    session: Session, flow: Flow, call: Call, owner: Any, step: int, person_id: int | None
) -> None:
    """Mark a leg as a leg of this owner's step (whichever of its news came first)."""
    call.role = flow.role
    setattr(call, flow.leg_owner, owner.id)
    call.routing_step = step
    setattr(call, flow.leg_person, person_id)
    call.request_id = owner.request_id
    session.flush()


def ring_step(
    session: Session,
    flow: Flow,
    owner: Any,
    request: Request,
    step: int,
    legs: Sequence[Leg],
    now: datetime,
) -> None:
    """Record the intents that ring every leg of a step at once, and its deadline."""
    owner.step_deadline_at = step_deadline(now, max((leg.timeout for leg in legs), default=0))
    for index, leg in enumerate(legs):
        ring_leg(
            session,
            now,
            to=leg.to,
            from_=request.helpline.phone_number,
            url=leg.url,
            status_callback=leg.status_callback,
            timeout=leg.timeout,
            dedupe_key=f"{flow.ring_prefix}:{owner.id}:{step}:{index}",
            payload={
                flow.owner_key: owner.id,
                "step": step,
                flow.person_key: leg.person_id,
                "request_id": request.id,
                "on_sent": flow.kind,
                "on_failure": flow.kind,
            },
            **leg.more_params,
        )
        log_event(
            session,
            request,
            flow.ringing_event,
            now,
            detail=leg.detail,
            dedupe_key=f"{flow.ringing_prefix}:{owner.id}:{step}:{index}",
        )


def step_is_over(session: Session, flow: Flow, owner: Any, step: int, expected: int) -> bool:
    """Whether all ``expected`` legs of a step have ended or could not be created."""
    ended = session.scalar(
        select(func.count(Call.id)).where(
            flow.of_owner(owner.id), Call.routing_step == step, Call.status.in_(TERMINAL_STATUSES)
        )
    )
    failed = session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.dedupe_key.like(f"{flow.ring_prefix}:{owner.id}:{step}:%"),
            OutboxMessage.status == OutboxStatus.FAILED,
        )
    )
    return (ended or 0) + (failed or 0) >= expected


def leg_ended(
    session: Session, flow: Flow, owner: Any, step: int, expected: int, now: datetime, urls: Any
) -> None:
    """A leg of the step ended without taking the call: when it was the last, the step is over."""
    if owner.status != flow.ringing or owner.current_step != step:
        return
    if step_is_over(session, flow, owner, step, expected):
        flow.step_over(session, owner, step, now, urls)


def advance(session: Session, flow: Flow, owner: Any, step: int) -> bool:
    """Move the owner from ``step`` to the next one; true for one caller only."""
    moved = claim(
        session,
        flow.model,
        owner.id,
        flow.ringing,
        flow.model.current_step == step,
        current_step=step + 1,
    )
    if moved:
        session.refresh(owner)
    return moved


def stop_open_legs(
    session: Session, flow: Flow, owner_id: int, now: datetime, *, step: int | None = None,
    keep_sid: str | None = None, answered_twiml: str | None = None,
) -> list[str]:  # fmt: skip
    """Stop, through the outbox, the owner's legs (of a step) not known to have ended; their SIDs.

    ``keep_sid``: the leg that took the call, left alone. ``answered_twiml``: what a leg already
    answered hears before it is hung up (a late taker told the call is taken).
    """
    conditions = [flow.of_owner(owner_id), Call.status.not_in(TERMINAL_STATUSES)]
    if step is not None:
        conditions.append(Call.routing_step == step)
    if keep_sid is not None:
        conditions.append(Call.sid != keep_sid)
    open_legs = session.scalars(select(Call).where(*conditions)).all()
    for leg in open_legs:
        cancel_leg(session, leg.sid, leg.status, now, answered_twiml)
    return [leg.sid for leg in open_legs]


def step_deadline_passed(
    session: Session, flow: Flow, owner_id: int, now: datetime, urls: Any
) -> bool:
    """The clock: a step past its deadline is over as if every leg had ended; its legs stop.

    A lost or refused final callback must never keep the caller waiting: the legs Twilio still
    rings are cancelled, and the flow's next step (or its end) follows.
    """
    owner = lock(session, flow, owner_id)
    if owner is None or owner.status != flow.ringing:
        return False
    deadline = owner.step_deadline_at
    if deadline is None or deadline > now:
        return False
    step = owner.current_step
    stopped = stop_open_legs(session, flow, owner.id, now, step=step)
    request = session.get(Request, owner.request_id)
    assert request is not None
    log_event(
        session,
        request,
        flow.deadline_event,
        now,
        detail=flow.deadline_detail(owner, step, deadline, stopped),
        dedupe_key=f"{flow.deadline_prefix}:{owner.id}:{step}",
    )
    owner.step_deadline_at = None  # the next step (if any) sets its own
    flow.step_over(session, owner, step, now, urls)
    return True


Taken = Literal["taken", "again", "lost"]


def take(session: Session, flow: Flow, owner: Any, call_sid: str, **values: Any) -> Taken:
    """Claim the owner for this leg: "taken" for exactly one leg, whatever the timing; "again"
    when Twilio delivered the winning leg's answer twice; "lost" for every other leg."""
    won = claim(session, flow.model, owner.id, flow.ringing, connected_call_sid=call_sid, **values)
    session.refresh(owner)
    if won:
        return "taken"
    return "again" if owner.connected_call_sid == call_sid else "lost"


def _on_ring_sent(flow: Flow, session: Session, message: OutboxMessage, now: datetime) -> None:
    """Note the new leg's SID; if it is no longer wanted (taken, step over), cancel it at once."""
    # The leg's row first, then the lock: the order of the leg-status webhook, which may be
    # writing the same leg at this moment (the opposite order can deadlock).
    call = leg_of_sent_ring(session, message, now)
    if call is None:
        return
    owner = lock(session, flow, int(message.payload[flow.owner_key]))
    if owner is None:
        return
    step = int(message.payload["step"])
    note_leg(session, flow, call, owner, step, message.payload[flow.person_key])
    wanted = owner.status == flow.ringing and owner.current_step == step
    if (
        not wanted
        and call.status not in TERMINAL_STATUSES
        and call.sid != (owner.connected_call_sid or "")
    ):
        cancel_leg(session, call.sid, call.status, now)


def register(flow: Flow, expected: Callable[[Any, int], int]) -> None:
    """Register the flow's outbox follow-ups: a sent ring notes its leg, a refused one ends it.

    ``expected(owner, step)`` is how many legs the step rings.
    """

    def on_sent(session: Session, message: OutboxMessage, now: datetime, root: str) -> None:
        _on_ring_sent(flow, session, message, now)

    def on_failure(session: Session, message: OutboxMessage, now: datetime, root: str) -> None:
        # A ring Twilio refused counts as a leg that did not answer.
        owner = lock(session, flow, int(message.payload[flow.owner_key]))
        if owner is None:
            return
        step = int(message.payload["step"])
        leg_ended(session, flow, owner, step, expected(owner, step), now, flow.urls(root))

    outbox.register(flow.kind, on_sent=on_sent, on_failure=on_failure)
