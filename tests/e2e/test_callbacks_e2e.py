"""Callbacks: a promise kept on time, the nurse rung first, then the professional."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from callbacks.calling import MAX_ATTEMPTS
from callbacks.jobs import advance_overdue_steps, fire_due_callbacks
from callbacks.models import CallbackAttempt, CallbackTask
from hotline.demo import DEMO_HOURS, DemoStack
from hotline.models import Call, Helpline, Request, User
from hotline.sandbox import Answer, Ignore, Voicemail
from hotline.sandbox.webhooks import WebhookRecord
from hotline.telephony.client import build_rest_client
from hotline.voice_twiml import spoken_reference
from routing.models import Shift
from tests.e2e.conftest import eventually, listen, until, until_input
from tests.factories import make_shift

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
    make_shift(db, amelie, helpline_id=1, starts_at=FRIDAY_NIGHT - timedelta(hours=12),
               ends_at=FRIDAY_NIGHT + timedelta(hours=10))  # fmt: skip
    make_shift(db, paul, helpline_id=1, starts_at=datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
               ends_at=datetime(2026, 11, 23, 19, 0, tzinfo=UTC))  # fmt: skip
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
    assert sorted(p.label or "" for p in room.participants.values()) == ["gp", f"nurse-{paul.id}"]
    stack.sandbox.clock.advance(120)
    back.hang_up()
    stack.sandbox.settle()

    done = eventually(
        lambda: the_task(db, request_id).status == "done" and the_task(db, request_id),
        what="the callback done",
    )
    assert done.outcome == "reached" and done.attempts == 1
    [attempt] = db.scalars(select(CallbackAttempt).where(CallbackAttempt.callback_id == done.id))
    assert (attempt.number, attempt.result, attempt.user_id) == (1, "reached", paul.id)
    assert attempt.started_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert attempt.ended_at is not None and attempt.ended_at > attempt.started_at
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
    amelie = stack.sandbox.person(AMELIE, Answer(after_s=1, press="1"))
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
        # She answers after 1 s and presses 1 once the prompt is said; then the app (its outbox,
        # in real time) rings the GP.
        until(stack, lambda: amelie.legs[-1].conference is not None, "the nurse in the room")
        eventually(
            lambda: len(stack.sandbox.person(DR_MARTIN).ringing) == 1, 10, what="the GP rung"
        )
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


def ask_to_be_called_back_now(stack: DemoStack, db: Session) -> int:
    gp = stack.sandbox.place_call(from_=DR_MARTIN, to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("3")
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("0#")  # as soon as possible
    stack.sandbox.settle()
    gp.hang_up()
    stack.sandbox.settle()
    request_id = db.scalars(select(Call.request_id).where(Call.sid == gp.sid)).one()
    assert request_id is not None
    return int(request_id)


def rung_after_the_nurse(stack: DemoStack, person: Any) -> Any:
    """The professional's phone, rung once the nurse has answered and pressed 1."""

    def rung() -> Any:
        stack.sandbox.clock.advance(1)  # she answers, hears whom she calls back, presses 1
        stack.sandbox.settle()
        return person.ringing and person.ringing[0]

    return eventually(rung, what="the professional rung")


def test_a_callback_answered_by_the_professionals_voicemail_is_not_reached_and_is_retried(
    stack: DemoStack, db: Session
) -> None:

    stack.sandbox.person(AMELIE, Answer(after_s=1, press="1"))
    dr_martin = stack.sandbox.person(
        DR_MARTIN, Voicemail(after_s=20.0, greeting_s=6.0, max_s=120.0)
    )
    request_id = ask_to_be_called_back_now(stack, db)
    reference = db.get(Request, request_id).reference  # type: ignore[union-attr]

    assert fire(stack) == 1
    back = rung_after_the_nurse(stack, dr_martin)
    for _ in range(40):  # his voicemail answers at 20 s, greets for 6 s, then beeps
        stack.sandbox.clock.advance(1)
        stack.sandbox.settle()
    task = eventually(
        lambda: the_task(db, request_id).status != "calling" and the_task(db, request_id),
        what="the attempt over",
    )
    assert task.status == "pending" and task.outcome is None  # not reached: retried
    assert task.attempts == 1 and task.next_attempt_at is not None
    assert task.answered_by is not None and task.answered_by.startswith("machine_end")
    request = db.get(Request, request_id)
    assert request is not None
    kinds = [e.kind for e in request.events]
    assert "callback_machine" in kinds and "callback_retry" in kinds
    assert "callback_reached" not in kinds

    # The message left on his voicemail: the request's reference, never a name.
    def message_left() -> str | None:
        stack.sandbox.clock.advance(1)  # the redirect is sent after the commit, then spoken
        stack.sandbox.settle()
        heard = back.voicemail.heard_text() if back.voicemail else ""
        return heard if "Nous avons essayé" in heard else None

    heard = eventually(message_left, what="the message left on the voicemail")
    assert "Nous avons essayé de vous rappeler" in heard
    assert spoken_reference(reference) in heard
    assert "Martin" not in heard

    advance_to(stack, task.next_attempt_at)
    assert fire(stack) == 1  # the retry policy runs: the next attempt rings the nurse again


def test_a_callback_answered_by_the_professional_in_person_is_reached(
    stack: DemoStack, db: Session
) -> None:

    stack.sandbox.person(AMELIE, Answer(after_s=1, press="1"))
    dr_martin = stack.sandbox.person(DR_MARTIN, Answer(after_s=4))
    request_id = ask_to_be_called_back_now(stack, db)

    assert fire(stack) == 1
    back = rung_after_the_nurse(stack, dr_martin)
    for _ in range(10):
        stack.sandbox.clock.advance(1)
        stack.sandbox.settle()
    assert back.status == "in-progress"
    assert "Je vous passe l'infirmière" in back.heard_text()  # at once, not after the detection
    eventually(lambda: the_task(db, request_id).answered_by == "human", what="detected a person")
    stack.sandbox.clock.advance(60)
    back.hang_up()
    stack.sandbox.settle()
    done = eventually(
        lambda: the_task(db, request_id).status == "done" and the_task(db, request_id),
        what="the callback done",
    )
    assert done.outcome == "reached" and done.attempts == 1


def test_an_attempt_whose_callbacks_are_all_lost_is_failed_and_retried_by_its_deadline(
    stack: DemoStack, db: Session
) -> None:

    stack.sandbox.person(AMELIE, Answer(after_s=1, press="1"))
    dr_martin = stack.sandbox.person(DR_MARTIN, Ignore())
    sandbox = getattr(stack.sandbox, "engine", stack.sandbox)
    lost: list[WebhookRecord] = []

    def is_lost(record: WebhookRecord) -> bool:
        if "/twilio/callback/gp-status" in record.url:
            lost.append(record)
            return True
        return False

    undo = sandbox.drop_webhooks(is_lost)
    try:
        request_id = ask_to_be_called_back_now(stack, db)
        assert fire(stack) == 1
        back = rung_after_the_nurse(stack, dr_martin)
        deadline = the_task(db, request_id).step_deadline_at
        assert deadline is not None
        tick = timedelta(seconds=stack.settings.clock_tick_s)
        clock = stack.sandbox.clock
        state = stack.app.extensions["hotline"]
        client = build_rest_client(stack.settings)
        while the_task(db, request_id).status == "calling":
            assert clock.now() <= deadline + tick, "the attempt still waits"
            clock.advance(tick.total_seconds())
            stack.sandbox.settle()
            advance_overdue_steps(state.database, client, state.clock, stack.settings.public_root)
            stack.sandbox.settle()
        assert back.status == "no-answer"  # his phone rang out; the app was never told
        assert "no-answer" in {r.params.get("CallStatus") for r in lost}
        task = the_task(db, request_id)
        assert task.status == "pending" and task.attempts == 1
        assert task.next_attempt_at is not None
        request = db.get(Request, request_id)
        assert request is not None
        kinds = [e.kind for e in request.events]
        assert "callback_step_deadline" in kinds and "callback_retry" in kinds
    finally:
        undo()
