"""Callbacks: a promise kept on time, the nurse rung first, then the professional."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from callbacks.calling import MAX_ATTEMPTS
from callbacks.jobs import fire_due_callbacks
from callbacks.models import CallbackTask
from hotline.demo import DEMO_HOURS, DemoStack
from hotline.models import Call, Helpline, Request, User
from hotline.telephony.client import build_rest_client
from routing.models import Shift
from tests.e2e.conftest import eventually, listen, until, until_input

AMELIE, PAUL = "+33600000001", "+33600000002"
DR_MARTIN = "+33612345678"
FRIDAY_NIGHT = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # 22:00 in Paris
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Paris


@pytest.fixture(autouse=True)
def office_hours(db: Session) -> Iterator[None]:
    """The nurse line keeps office hours in these tests; the demo's are put back after."""
    db.execute(update(Helpline).values(opening_hours="mon-fri 09:00-18:00"))
    db.commit()
    yield
    db.rollback()
    db.execute(update(Helpline).values(opening_hours=DEMO_HOURS))
    db.execute(update(CallbackTask).values(status="cancelled"))
    db.commit()


def fire(stack: DemoStack) -> int:
    state = stack.app.extensions["hotline"]
    return fire_due_callbacks(
        state.database, build_rest_client(stack.settings), state.clock, stack.settings.public_root
    )


def advance_to(stack: DemoStack, moment: datetime) -> None:
    clock = stack.sandbox.clock
    while clock.now() < moment:
        clock.advance(min(3600.0, (moment - clock.now()).total_seconds()))
    stack.sandbox.settle()


def the_task(db: Session, request_id: int) -> CallbackTask:
    db.expire_all()
    return db.scalars(select(CallbackTask).where(CallbackTask.request_id == request_id)).one()


@pytest.mark.parametrize("sandbox_clock", [FRIDAY_NIGHT], indirect=True)
def test_a_friday_night_voicemail_is_called_back_on_monday_at_opening_by_mondays_nurse(
    stack: DemoStack, db: Session
) -> None:
    amelie = db.scalars(select(User).where(User.phone == AMELIE)).one()
    paul = db.scalars(select(User).where(User.phone == PAUL)).one()
    db.execute(delete(Shift))
    db.add(Shift(helpline_id=1, user_id=amelie.id, starts_at=FRIDAY_NIGHT - timedelta(hours=12),
                 ends_at=FRIDAY_NIGHT + timedelta(hours=10)))  # fmt: skip
    db.add(Shift(helpline_id=1, user_id=paul.id, starts_at=datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
                 ends_at=datetime(2026, 11, 23, 19, 0, tzinfo=UTC)))  # fmt: skip
    db.commit()

    gp = stack.sandbox.place_call(from_=DR_MARTIN, to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("2")
    listen(stack, gp, "Après le bip")
    stack.sandbox.settle()
    gp.speak(10)
    until_input(stack, gp)
    gp.press("#")
    stack.sandbox.settle()
    request_id = db.scalars(select(Call.request_id).where(Call.sid == gp.sid)).one()
    assert request_id is not None

    task = eventually(lambda: the_task(db, request_id).recording_sid and the_task(db, request_id),
                      what="the callback with the message")  # fmt: skip
    assert task.due_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 9:00 in Paris
    assert task.assignee_id == paul.id  # Monday's nurse on duty, not Friday's
    assert fire(stack) == 0  # nothing is due over the weekend

    paul_phone, dr_martin = stack.sandbox.person(PAUL), stack.sandbox.person(DR_MARTIN)
    advance_to(stack, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert fire(stack) == 1
    leg = paul_phone.wait_for_ring(timeout=2)
    assert leg is not None
    assert stack.sandbox.person(AMELIE).ringing == []
    assert dr_martin.ringing == []  # the nurse first
    leg.answer()
    stack.sandbox.settle()
    listen(stack, leg, "Rappel de docteur Martin")
    assert "Rappel de docteur Martin" in leg.heard_text()
    listen(stack, leg, "il a laissé un message")
    assert "il a laissé un message" in leg.heard_text()
    until_input(stack, leg)
    leg.press("1")
    back = dr_martin.wait_for_ring(timeout=2)
    assert back is not None
    assert back.from_ == stack.settings.hotline_number  # the helpline's number as caller ID
    back.answer()
    stack.sandbox.settle()
    listen(stack, back, "Nous vous rappelons au sujet de votre demande")
    assert "Nous vous rappelons au sujet de votre demande" in back.heard_text()
    until(stack, lambda: back.conference is not None, "Dr Martin in the room")
    room = stack.sandbox.conference(f"req-{request_id}")
    assert sorted(p.label or "" for p in room.participants.values()) == ["gp", "nurse"]
    stack.sandbox.clock.advance(120)
    back.hang_up()
    stack.sandbox.settle()

    done = eventually(
        lambda: the_task(db, request_id).status == "done" and the_task(db, request_id),
        what="the callback done",
    )
    assert done.outcome == "reached" and done.attempts == 1
    request = db.get(Request, request_id)
    assert request is not None
    story = [e.kind for e in request.events]
    for kind in ("received", "menu_choice", "nurse_closed", "callback_created", "voicemail_left",
                 "callback_started", "callback_dialling", "callback_reached"):  # fmt: skip
        assert kind in story, kind
    assert (
        story.index("voicemail_left")
        < story.index("callback_started")
        < story.index("callback_reached")
    )


def test_the_gp_keys_1420_and_at_1420_the_nurse_rings_first_then_the_gp(
    stack: DemoStack, db: Session
) -> None:
    amelie, dr_martin = stack.sandbox.person(AMELIE), stack.sandbox.person(DR_MARTIN)
    gp = stack.sandbox.place_call(from_=DR_MARTIN, to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("3")
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("1420")
    stack.sandbox.settle()
    listen(stack, gp, "nous vous rappellerons aujourd'hui à 14 heures 20 au 06 12 34 56 78")
    assert "nous vous rappellerons aujourd'hui à 14 heures 20 au 06 12 34 56 78" in gp.heard_text()
    request_id = db.scalars(select(Call.request_id).where(Call.sid == gp.sid)).one()
    assert request_id is not None
    assert the_task(db, request_id).due_at == datetime(2026, 11, 23, 13, 20, tzinfo=UTC)

    advance_to(stack, datetime(2026, 11, 23, 13, 19, tzinfo=UTC))
    assert fire(stack) == 0
    assert amelie.ringing == []
    advance_to(stack, datetime(2026, 11, 23, 13, 20, tzinfo=UTC))
    assert fire(stack) == 1
    leg = amelie.wait_for_ring(timeout=2)
    assert leg is not None
    assert dr_martin.ringing == []
    leg.answer()
    stack.sandbox.settle()
    listen(stack, leg, "rappel demandé")
    assert "rappel demandé" in leg.heard_text()
    until_input(stack, leg)
    leg.press("1")
    assert dr_martin.wait_for_ring(timeout=2) is not None


def test_a_professional_who_does_not_answer_is_tried_three_times_then_the_task_fails(
    stack: DemoStack, db: Session
) -> None:
    from hotline.sandbox import Answer, Ignore

    stack.sandbox.person(AMELIE, Answer(after_s=1, press="1"))
    stack.sandbox.person(DR_MARTIN, Ignore())
    gp = stack.sandbox.place_call(from_=DR_MARTIN, to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("3")
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("0#")  # as soon as possible
    stack.sandbox.settle()
    request_id = db.scalars(select(Call.request_id).where(Call.sid == gp.sid)).one()
    assert request_id is not None

    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert fire(stack) == 1
        # She answers after 1 s and presses 1 once the prompt is said.
        until(stack, lambda: len(stack.sandbox.person(DR_MARTIN).ringing) == 1, "the GP rung")
        stack.sandbox.clock.advance(36)  # his phone rings out (30 s + Twilio's 5 s buffer)
        task = eventually(
            lambda: (
                the_task(db, request_id).status in ("pending", "failed")
                and the_task(db, request_id)
            ),
            what=f"attempt {attempt} over",
        )
        assert task.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert task.status == "pending"
            assert task.next_attempt_at is not None
            assert task.next_attempt_at - stack.sandbox.clock.now() > timedelta(minutes=14)
            advance_to(stack, task.next_attempt_at)
    assert task.status == "failed"
    request = db.get(Request, request_id)
    assert request is not None
    kinds = [e.kind for e in request.events]
    assert kinds.count("callback_retry") == 2 and kinds.count("callback_failed") == 1
