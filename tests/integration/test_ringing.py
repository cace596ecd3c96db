"""The shared ringing plumbing (hotline/ringing.py) and the one conditional-update claim."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.models import CallbackTask
from hotline import hooks, outbox, ringing
from hotline.db import claim
from hotline.models import Call, OutboxMessage, Request, RequestEvent
from routing.models import NurseRouting
from tests.conftest import HOTLINE_NUMBER, call_sid
from tests.factories import make_call, make_nurse_routing, make_request

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def over(_session: Session, owner: Any, step: int, _now: datetime, urls: Any) -> None:
    urls.append((owner.id, step))


FLOW = ringing.Flow(
    kind="test-ring",
    model=NurseRouting,
    ringing="ringing",
    role="nurse",
    leg_owner="routing_id",
    leg_person="user_id",
    owner_key="routing_id",
    person_key="user_id",
    ring_prefix="test-ring",
    ringing_event="test_ringing",
    ringing_prefix="test-ringing",
    deadline_event="test_deadline",
    deadline_prefix="test-deadline",
    deadline_detail=lambda owner, step, deadline, stopped: {"step": step, "stopped": stopped},
    step_over=over,
    urls=lambda root: [],
)


def make_owner(session: Session, steps: int = 2, legs: int = 2) -> tuple[Request, NurseRouting]:
    request = make_request(session, reference="2026-09999", opened_at=T0)
    routing = make_nurse_routing(
        session,
        request,
        gp_call_sid=call_sid(1),
        plan=[[{"n": n} for n in range(legs)] for _ in range(steps)],
        created_at=T0,
    )
    return request, routing


def the_legs(step: int, timeouts: tuple[int, ...] = (20, 25)) -> list[ringing.Leg]:
    return [
        ringing.Leg(
            person_id=None,
            to=f"+3361000000{n}",
            url=f"https://example.org/screen?step={step}&n={n}",
            status_callback=f"https://example.org/status?step={step}&n={n}",
            timeout=timeout,
            detail={"step": step, "n": n},
        )
        for n, timeout in enumerate(timeouts)
    ]


def a_leg(session: Session, routing: NurseRouting, n: int, status: str, step: int = 0) -> Call:
    return make_call(
        session,
        sid=call_sid(100 + n),
        direction="outbound-api",
        status=status,
        routing_id=routing.id,
        routing_step=step,
        created_at=T0,
    )


def intents(session: Session, like: str) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like(like))
            .order_by(OutboxMessage.id)
        )
    )


def test_a_claim_moves_a_row_for_the_first_caller_only(session: Session) -> None:
    _, routing = make_owner(session)
    assert claim(session, NurseRouting, routing.id, "ringing", status="connected")
    assert not claim(session, NurseRouting, routing.id, "ringing", status="voicemail")
    session.refresh(routing)
    assert routing.status == "connected"


def test_a_claim_also_needs_its_extra_conditions(session: Session) -> None:
    _, routing = make_owner(session)
    wrong_step = NurseRouting.current_step == 1
    assert not claim(session, NurseRouting, routing.id, "ringing", wrong_step, current_step=2)
    right_step = NurseRouting.current_step == 0
    assert claim(session, NurseRouting, routing.id, "ringing", right_step, current_step=1)
    session.refresh(routing)
    assert (routing.status, routing.current_step) == ("ringing", 1)


def test_ringing_a_step_records_one_intent_and_one_event_a_leg_and_the_deadline(
    session: Session,
) -> None:
    request, routing = make_owner(session)
    ringing.ring_step(session, FLOW, routing, request, 0, the_legs(0), T0)
    ringing.ring_step(session, FLOW, routing, request, 0, the_legs(0), T0)  # a duplicate
    sent = intents(session, f"test-ring:{routing.id}:0:%")
    assert [m.kind for m in sent] == [outbox.CREATE_CALL, outbox.CREATE_CALL]
    first = sent[0].payload
    assert first["params"]["from_"] == HOTLINE_NUMBER
    assert first["params"]["status_callback_event"] == ringing.RING_STATUS_EVENTS
    assert first["params"]["timeout"] == 20
    assert (first["routing_id"], first["step"], first["request_id"]) == (
        routing.id,
        0,
        request.id,
    )
    assert first["on_sent"] == first["on_failure"] == "test-ring"
    events = session.scalars(
        select(RequestEvent).where(
            RequestEvent.request_id == request.id, RequestEvent.kind == "test_ringing"
        )
    ).all()
    assert len(events) == 2
    assert routing.step_deadline_at == ringing.step_deadline(T0, 25)


def test_a_step_is_over_when_each_leg_ended_or_was_refused(session: Session) -> None:
    request, routing = make_owner(session)
    ringing.ring_step(session, FLOW, routing, request, 0, the_legs(0), T0)
    ended: list[tuple[int, int]] = []
    a_leg(session, routing, 0, "no-answer")
    ringing.leg_ended(session, FLOW, routing, 0, 2, T0, ended)
    assert ended == []
    refused = intents(session, f"test-ring:{routing.id}:0:1")[0]
    refused.status = "failed"
    session.flush()
    ringing.leg_ended(session, FLOW, routing, 0, 2, T0, ended)
    assert ended == [(routing.id, 0)]


def test_the_news_of_a_step_already_left_changes_nothing(session: Session) -> None:
    _, routing = make_owner(session)
    ended: list[tuple[int, int]] = []
    assert ringing.advance(session, FLOW, routing, 0)
    assert not ringing.advance(session, FLOW, routing, 0)  # a second callback, same moment
    a_leg(session, routing, 0, "completed")
    ringing.leg_ended(session, FLOW, routing, 0, 1, T0, ended)
    assert routing.current_step == 1
    assert ended == []


def test_one_leg_takes_the_call_its_retry_is_told_so_and_the_others_lose(
    session: Session,
) -> None:
    _, routing = make_owner(session)
    assert ringing.take(session, FLOW, routing, call_sid(100), status="connected") == "taken"
    assert ringing.take(session, FLOW, routing, call_sid(100), status="connected") == "again"
    assert ringing.take(session, FLOW, routing, call_sid(101), status="connected") == "lost"
    assert routing.connected_call_sid == call_sid(100)


def test_stopping_the_other_legs_keeps_the_winner_and_leaves_ended_legs_alone(
    session: Session,
) -> None:
    _, routing = make_owner(session)
    winner = a_leg(session, routing, 0, "in-progress")
    a_leg(session, routing, 1, "ringing")
    a_leg(session, routing, 2, "in-progress")
    a_leg(session, routing, 3, "busy")
    stopped = ringing.stop_open_legs(session, FLOW, routing.id, T0, keep_sid=winner.sid)
    assert sorted(stopped) == [call_sid(101), call_sid(102)]
    cancels = {m.payload["call_sid"]: m.payload["params"] for m in intents(session, "cancel:%")}
    assert cancels == {
        call_sid(101): {"status": "canceled"},
        call_sid(102): {"status": "completed"},
    }


def test_a_step_past_its_deadline_stops_its_legs_and_is_over_once(session: Session) -> None:
    request, routing = make_owner(session)
    ringing.ring_step(session, FLOW, routing, request, 0, the_legs(0), T0)
    a_leg(session, routing, 0, "ringing")
    ended: list[tuple[int, int]] = []
    early = T0 + timedelta(seconds=30)
    assert not ringing.step_deadline_passed(session, FLOW, routing.id, early, ended)
    late = T0 + timedelta(minutes=5)
    assert ringing.step_deadline_passed(session, FLOW, routing.id, late, ended)
    assert ended == [(routing.id, 0)]
    assert [m.payload["call_sid"] for m in intents(session, "cancel:%")] == [call_sid(100)]
    assert routing.step_deadline_at is None
    assert not ringing.step_deadline_passed(session, FLOW, routing.id, late, ended)


def test_a_ring_sent_after_the_call_was_taken_is_cancelled_but_never_the_winner(
    session: Session,
) -> None:
    request, routing = make_owner(session)
    flow = replace(FLOW, kind="test-ring-sent")
    ringing.register(flow, lambda owner, step: len(owner.plan[step]))
    ringing.ring_step(session, flow, routing, request, 0, the_legs(0), T0)
    first, second = intents(session, f"test-ring:{routing.id}:0:%")
    assert ringing.take(session, flow, routing, call_sid(200), status="connected") == "taken"
    for message, sid in ((first, call_sid(200)), (second, call_sid(201))):
        message.status, message.result = "sent", {"sid": sid, "status": "queued"}
        session.flush()
        outbox.SENT_HANDLERS[flow.kind](session, message, T0, "https://example.org")
    legs = {c.sid: c for c in session.scalars(select(Call).where(Call.routing_id == routing.id))}
    assert set(legs) == {call_sid(200), call_sid(201)}
    assert all(leg.role == "nurse" and leg.routing_step == 0 for leg in legs.values())
    assert [m.payload["call_sid"] for m in intents(session, "cancel:%")] == [call_sid(201)]


def test_a_refused_ring_counts_as_a_leg_that_did_not_answer(session: Session) -> None:
    request, routing = make_owner(session, legs=1)
    ended: list[tuple[int, int]] = []
    flow = replace(FLOW, kind="test-ring-refused", urls=lambda root: ended)
    ringing.register(flow, lambda owner, step: len(owner.plan[step]))
    ringing.ring_step(session, flow, routing, request, 0, the_legs(0, (20,)), T0)
    [message] = intents(session, f"test-ring:{routing.id}:0:%")
    outbox.fail_message(session, message, T0, "21215 refused", "https://example.org")
    assert ended == [(routing.id, 0)]


def test_a_flow_that_wants_a_callback_gets_one_through_the_signal(
    app: Flask, session: Session
) -> None:
    request, _ = make_owner(session)
    hooks.want_callback(session, request, "no_answer", T0, T0)
    hooks.want_callback(session, request, "no_answer", T0, T0)  # a second wish adds nothing
    tasks = session.scalars(select(CallbackTask).where(CallbackTask.request_id == request.id)).all()
    assert [(t.reason, t.status) for t in tasks] == [("no_answer", "pending")]
