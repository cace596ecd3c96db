"""Press 2: the nurse on duty rings, takes the call by pressing 1, or the GP leaves a message."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from callbacks.jobs import advance_overdue_steps
from callbacks.models import CallbackTask
from hotline.demo import DEMO_HOTLINE_NUMBER, DEMO_HOURS, DemoStack
from hotline.models import Call, Helpline, OutboxMessage, Participation, Request, User
from hotline.outbox import resend_unsent
from hotline.sandbox import Leg
from hotline.sandbox.speech import say_seconds
from hotline.sandbox.webhooks import WebhookRecord
from hotline.telephony.client import build_rest_client
from routing.admin import add_closure
from routing.models import Closure, NurseRouting
from routing.twiml import GP_WAITS
from tests.csrf import console_cookie, signed_csrf_token
from tests.e2e.conftest import eventually, listen, until, until_ended, until_input

PARIS = ZoneInfo("Europe/Paris")
NURSE = "+33600000001"
BACKUP = "+33600000002"


def call_and_press_2(stack: DemoStack, db: Session) -> tuple[Leg, Request]:
    """Dr Martin calls the helpline and asks for the nurse."""
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    stack.sandbox.settle()
    until_input(stack, gp)
    gp.press("2")
    call = eventually(
        lambda: db.scalars(select(Call).where(Call.sid == gp.sid)).first(), what="the GP's leg"
    )
    request = db.get(Request, call.request_id)
    assert request is not None
    return gp, request


def routing_of(db: Session, request: Request) -> NurseRouting:
    db.expire_all()
    return db.scalars(select(NurseRouting).where(NurseRouting.request_id == request.id)).one()


def labels_in_room(stack: DemoStack, request: Request) -> set[str | None]:
    room = stack.sandbox.conference(f"req-{request.id}")
    return {p.label for p in room.participants.values()}


def test_the_nurse_on_duty_rings_within_a_second_presses_1_and_joins_the_gp(
    stack: DemoStack, db: Session
) -> None:
    nurse = stack.sandbox.person(NURSE)
    gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
    stack.sandbox.settle()

    until_input(stack, gp)
    pressed_at = stack.sandbox.clock.now()
    gp.press("2")
    # The GP hears that the nurse is being called (speech takes time), then enters the room:
    # the nurse's phone rings within a second of that, in real time and in sandbox time.
    listen(stack, gp, GP_WAITS)
    until(stack, lambda: gp.conference is not None, "the GP in the room", step_s=0.05)
    joined = time.monotonic()
    leg = nurse.wait_for_ring(timeout=1.0)
    assert leg is not None, "the nurse's phone did not ring within one second of the GP's join"
    assert time.monotonic() - joined < 1.0
    rung_after = (stack.sandbox.clock.now() - pressed_at).total_seconds()
    assert rung_after <= say_seconds(GP_WAITS) + 1.0
    stack.sandbox.settle()
    listen(stack, gp, "Nous appelons l'infirmière de permanence")
    assert "Nous appelons l'infirmière de permanence" in gp.heard_text()
    assert "Merci de patienter" in gp.heard_text()  # the room's waiting message

    leg.answer()
    stack.sandbox.settle()
    listen(stack, leg, "appel de docteur Martin")
    assert "appel de docteur Martin" in leg.heard_text()
    listen(stack, leg, "tapez 1")
    assert "tapez 1" in leg.heard_text()
    until_input(stack, leg)
    leg.press("1")
    stack.sandbox.settle()
    until(stack, lambda: leg.conference is not None, "the nurse in the room")

    request = db.get(Request, db.scalars(select(Call.request_id).where(Call.sid == gp.sid)).one())
    assert request is not None
    nurse_id = db.scalars(select(User.id).where(User.phone == NURSE)).one()
    assert labels_in_room(stack, request) == {"gp", f"nurse-{nurse_id}"}
    listen(stack, leg, "Vous êtes en relation avec docteur Martin")
    assert "Vous êtes en relation avec docteur Martin" in leg.heard_text()
    routing = routing_of(db, request)
    assert routing.status == "connected"
    assert routing.connected_call_sid == leg.sid

    def story() -> list[str] | None:
        db.expire_all()
        kinds = [e.kind for e in db.get(Request, request.id).events]  # type: ignore[union-attr]
        return (
            kinds if "participant_join" in kinds and kinds.count("participant_join") >= 2 else None
        )

    kinds = eventually(story, what="both participants' join events")
    for expected in ("received", "menu_choice", "nurse_ringing", "nurse_answered"):
        assert expected in kinds
    assert kinds.index("received") < kinds.index("menu_choice") < kinds.index("nurse_ringing")
    assert kinds.index("nurse_ringing") < kinds.index("nurse_answered")
    events = db.get(Request, request.id).events  # type: ignore[union-attr]
    assert all(e.at.tzinfo is not None for e in events)
    times = [e.at for e in events]
    assert times == sorted(times)
    presences = db.scalars(
        select(Participation).where(Participation.request_id == request.id)
    ).all()
    assert {p.label for p in presences if p.joined_at is not None} == {"gp", f"nurse-{nurse_id}"}


def test_the_nurses_browser_is_rung_from_the_helpline_number_with_the_reference_and_caller(
    stack: DemoStack, db: Session
) -> None:
    amelie = db.scalars(select(User).where(User.phone == NURSE)).one()
    amelie.browser_identity = f"nurse-{amelie.id}"
    amelie.is_in_console, amelie.console_seen_at = True, stack.sandbox.clock.now()
    db.commit()
    browser = stack.sandbox.person(f"client:{amelie.browser_identity}")
    gp, request = call_and_press_2(stack, db)
    leg = browser.wait_for_ring(timeout=2)
    assert leg is not None

    [create] = [
        r
        for r in stack.sandbox.rest_requests
        if r.method == "POST"
        and r.path.endswith("/Calls.json")
        and r.form.get("To", [""])[0].startswith("client:")
    ]
    # CreateCall's From: a number of the account (the helpline), never the GP's own number.
    assert create.form["From"] == [stack.settings.hotline_number]
    address, _, query = create.form["To"][0].partition("?")
    assert address == f"client:{amelie.browser_identity}"
    assert parse_qs(query) == {"reference": [request.reference], "caller": ["+33612345678"]}
    assert leg.from_ == stack.settings.hotline_number
    assert leg.custom_params == {"reference": request.reference, "caller": "+33612345678"}
    gp.hang_up()  # the flow ends here: its last intents are sent while the stack runs
    eventually(lambda: leg.status == "canceled", what="the browser leg cancelled")
    db.expire_all()
    amelie = db.get(User, amelie.id)  # type: ignore[assignment]
    amelie.browser_identity, amelie.is_in_console = None, False
    db.commit()


def test_no_answer_rings_the_backup_then_the_gp_leaves_a_message_and_a_callback_exists(
    stack: DemoStack, db: Session
) -> None:
    nurse, backup = stack.sandbox.person(NURSE), stack.sandbox.person(BACKUP)
    gp, request = call_and_press_2(stack, db)
    first = nurse.wait_for_ring(timeout=2)
    assert first is not None
    assert backup.ringing == []

    stack.sandbox.clock.advance(26)  # the nurse's 20 s ring timeout + Twilio's 5 s buffer
    second = backup.wait_for_ring(timeout=2)
    assert second is not None
    stack.sandbox.settle()
    assert first.status == "no-answer"

    stack.sandbox.clock.advance(26)
    listen(stack, gp, "Après le bip")
    stack.sandbox.settle()
    listen(stack, gp, "L'infirmière de permanence n'est pas disponible")
    assert "L'infirmière de permanence n'est pas disponible" in gp.heard_text()
    until_input(stack, gp)  # the beep: the recording starts
    gp.speak(12)
    gp.press("#")
    stack.sandbox.settle()
    listen(stack, gp, "Votre message est enregistré sous la référence")
    assert "Votre message est enregistré sous la référence" in gp.heard_text()

    def callback() -> CallbackTask | None:
        db.expire_all()
        return db.scalars(
            select(CallbackTask).where(
                CallbackTask.request_id == request.id, CallbackTask.recording_sid.is_not(None)
            )
        ).first()

    task = eventually(callback, what="a callback with the recording")
    assert task.recording_sid is not None and task.recording_sid.startswith("RE")
    assert task.recording_url is not None and task.recording_sid in task.recording_url
    assert task.recording_duration_s == 12
    assert task.phone == "+33612345678"
    assert task.status == "pending"
    assert db.scalars(select(CallbackTask).where(CallbackTask.request_id == request.id)).all() == [
        task
    ]
    kinds = [e.kind for e in db.get(Request, request.id).events]  # type: ignore[union-attr]
    assert kinds.count("nurse_ringing") == 2
    assert "nurse_voicemail" in kinds and "voicemail_left" in kinds
    assert routing_of(db, request).status == "voicemail"


def run_deadline_job(stack: DemoStack) -> int:
    """One run of the clock's job that advances overdue steps, as the clock process runs it."""
    state = stack.app.extensions["hotline"]
    return advance_overdue_steps(
        state.database, build_rest_client(stack.settings), state.clock, stack.settings.public_root
    )


def test_with_every_callback_of_the_ringing_leg_lost_the_gp_reaches_the_backup_by_the_deadline(
    stack: DemoStack, db: Session
) -> None:
    nurse, backup = stack.sandbox.person(NURSE), stack.sandbox.person(BACKUP)
    sandbox = getattr(stack.sandbox, "engine", stack.sandbox)
    lost: list[WebhookRecord] = []

    def is_lost(record: WebhookRecord) -> bool:
        if "/twilio/nurse/leg-status" in record.url and "step=0" in record.url:
            lost.append(record)
            return True
        return False

    undo = sandbox.drop_webhooks(is_lost)
    try:
        gp, request = call_and_press_2(stack, db)
        first = nurse.wait_for_ring(timeout=2)
        assert first is not None
        routing = routing_of(db, request)
        deadline = routing.step_deadline_at
        assert deadline is not None
        tick = stack.settings.clock_tick_s
        clock = stack.sandbox.clock
        while not backup.legs:
            assert clock.now() <= deadline + timedelta(seconds=tick), "the GP still waits"
            clock.advance(tick)
            stack.sandbox.settle()
            run_deadline_job(stack)
            stack.sandbox.settle()
            if clock.now() < deadline:
                assert backup.legs == [], "the backup rang before the deadline"
        assert backup.wait_for_ring(timeout=2) is not None
        assert first.status == "no-answer"  # it rang out, and the app was never told
        assert {r.params.get("CallStatus") for r in lost} >= {"ringing", "no-answer"}
        db.expire_all()
        leg = db.scalars(select(Call).where(Call.sid == first.sid)).first()
        assert leg is None or leg.status not in ("no-answer", "completed", "canceled")
        routing = routing_of(db, request)
        assert routing.status == "ringing" and routing.current_step == 1
        kinds = [e.kind for e in db.get(Request, request.id).events]  # type: ignore[union-attr]
        assert "nurse_step_deadline" in kinds
        assert gp.status == "in-progress"
        gp.hang_up()  # the flow ends here: its last intents are sent while the stack runs
        eventually(lambda: backup.legs[0].status == "canceled", what="the backup's leg cancelled")
    finally:
        undo()


def test_a_personal_voicemail_answering_the_nurse_leg_never_connects_the_gp(
    stack: DemoStack, db: Session
) -> None:
    nurse, backup = stack.sandbox.person(NURSE), stack.sandbox.person(BACKUP)
    gp, request = call_and_press_2(stack, db)
    leg = nurse.wait_for_ring(timeout=2)
    assert leg is not None
    leg.answer()  # her voicemail picks up, and presses nothing
    stack.sandbox.settle()
    listen(stack, leg, "tapez 1")
    assert "tapez 1" in leg.heard_text()
    stack.sandbox.clock.advance(9)  # past the screening's 8 s
    stack.sandbox.settle()
    listen(stack, leg, "Appel non accepté")
    assert "Appel non accepté" in leg.heard_text()
    until_ended(stack, leg)
    assert leg.status == "completed"
    assert labels_in_room(stack, request) == {"gp"}

    assert backup.wait_for_ring(timeout=2) is not None  # the next target rings instead
    assert routing_of(db, request).status == "ringing"
    assert routing_of(db, request).connected_call_sid is None
    assert gp.status == "in-progress"


def test_the_gp_hanging_up_while_the_nurse_rings_stops_the_ring_and_promises_a_callback(
    stack: DemoStack, db: Session
) -> None:
    nurse = stack.sandbox.person(NURSE)
    gp, request = call_and_press_2(stack, db)
    leg = nurse.wait_for_ring(timeout=2)
    assert leg is not None
    gp.hang_up()
    eventually(lambda: leg.status == "canceled", what="the nurse's leg cancelled")
    assert routing_of(db, request).status == "abandoned"
    task = db.scalars(select(CallbackTask).where(CallbackTask.request_id == request.id)).one()
    assert task.reason == "abandoned"


@pytest.fixture
def restore_hours(db: Session) -> Iterator[None]:
    """The module shares one database: put the demo's hours back and drop added closures."""
    yield
    db.rollback()
    db.execute(delete(Closure))
    db.scalars(
        select(Helpline).where(Helpline.phone_number == DEMO_HOTLINE_NUMBER)
    ).one().opening_hours = DEMO_HOURS
    db.commit()


SUNDAY = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
BASTILLE_DAY = datetime(2027, 7, 14, 8, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Paris
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sandbox_clock", "closure", "reason", "reopens"),
    [
        (SUNDAY, None, "hors horaires", "demain à 9 heures"),
        (BASTILLE_DAY, None, "Fête nationale", "demain à 9 heures"),
        (MONDAY, "journée de formation", "journée de formation", "demain à 9 heures"),
    ],
    indirect=["sandbox_clock"],
    ids=["sunday", "14-july", "closure"],
)
@pytest.mark.usefixtures("restore_hours")
def test_when_closed_the_gp_hears_the_hours_and_the_voicemail_offer(
    stack: DemoStack, db: Session, closure: str | None, reason: str, reopens: str
) -> None:
    helpline = db.scalars(
        select(Helpline).where(Helpline.phone_number == DEMO_HOTLINE_NUMBER)
    ).one()
    helpline.opening_hours = "mon-fri 09:00-18:00"
    if closure:
        add_closure(db, helpline, date(2026, 11, 23), date(2026, 11, 23), closure)
    db.commit()
    nurse = stack.sandbox.person(NURSE)

    gp, request = call_and_press_2(stack, db)
    listen(stack, gp, "Après le bip")
    heard = gp.heard_text()
    assert f"La permanence infirmière est actuellement fermée : {reason}" in heard
    assert "du lundi au vendredi, de 9 heures à 18 heures" in heard
    assert f"Elle rouvrira {reopens}" in heard
    assert nurse.legs == []
    task = db.scalars(select(CallbackTask).where(CallbackTask.request_id == request.id)).one()
    assert task.reason == "out_of_hours"
    assert task.due_at > stack.sandbox.clock.now()
    assert task.due_at.astimezone(PARIS).time() == dt_time(9, 0)  # at the next opening


def test_rings_left_unsent_by_a_stopped_worker_are_sent_once_by_the_clock_job(
    stack: DemoStack, db: Session
) -> None:
    # The module's database outlives each test's stack: intents an earlier test's stack left
    # unsent when it stopped are not this test's, and a clock would count them too.
    db.execute(delete(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending"))))
    db.commit()
    nurse = stack.sandbox.person(NURSE)
    state = stack.app.extensions["hotline"]
    state.dispatcher.shutdown()  # this worker stops: intents recorded now are not sent by it

    gp, request = call_and_press_2(stack, db)
    listen(stack, gp, "Merci de patienter")
    assert nurse.wait_for_ring(timeout=0.5) is None
    message = db.scalars(
        select(OutboxMessage).where(OutboxMessage.payload["request_id"].as_integer() == request.id)
    ).one()
    assert message.status == "pending"

    stack.sandbox.clock.advance(11)  # older than the live workers' grace period
    client = build_rest_client(stack.settings)
    barrier = threading.Barrier(2)
    taken: list[int] = []

    def clock_process() -> None:
        barrier.wait()
        taken.append(resend_unsent(state.database, client, state.clock, stack.settings.public_root))

    clocks = [threading.Thread(target=clock_process) for _ in range(2)]
    for thread in clocks:
        thread.start()
    for thread in clocks:
        thread.join()

    assert sorted(taken) == [0, 1]
    assert nurse.wait_for_ring(timeout=2) is not None
    assert resend_unsent(state.database, client, state.clock, stack.settings.public_root) == 0
    stack.sandbox.settle()
    assert len(nurse.legs) == 1
    db.expire_all()
    sent = db.get(OutboxMessage, message.id)
    assert sent is not None and sent.status == "sent" and sent.attempts == 1
    assert sent.result is not None and sent.result["sid"] == nurse.legs[0].sid


def test_a_nurse_transfers_the_call_to_a_colleague_and_hangs_up_the_gp_stays_with_her(
    stack: DemoStack, db: Session
) -> None:
    amelie, paul = stack.sandbox.person(NURSE), stack.sandbox.person(BACKUP)
    gp, request = call_and_press_2(stack, db)
    first = amelie.wait_for_ring(timeout=2)
    assert first is not None
    first.answer()
    stack.sandbox.settle()
    until_input(stack, first)
    first.press("1")
    stack.sandbox.settle()

    app = stack.app
    amelie_user = db.scalars(select(User).where(User.phone == NURSE)).one()
    paul_user = db.scalars(select(User).where(User.phone == BACKUP)).one()
    cookie = console_cookie(app, amelie_user, "t")
    handed = requests.post(
        f"{stack.settings.public_root}/console/requests/{request.id}/transfer",
        data={"nurse": str(paul_user.id), "csrf_token": signed_csrf_token(app, "t")},
        cookies=cookie,
        allow_redirects=False,
        timeout=5,
    )
    assert handed.status_code == 302
    second = paul.wait_for_ring(timeout=2)
    assert second is not None
    second.answer()
    stack.sandbox.settle()
    listen(stack, second, "tapez 1")
    assert "tapez 1" in second.heard_text()
    until_input(stack, second)
    second.press("1")
    stack.sandbox.settle()
    until(
        stack,
        lambda: second.conference is not None or second.status != "in-progress",
        "the colleague joined or was hung up",
    )
    until(stack, lambda: gp.conference is not None, "the GP in the room")
    room = stack.sandbox.conference(f"req-{request.id}")
    amelie_label, paul_label = f"nurse-{amelie_user.id}", f"nurse-{paul_user.id}"
    # Twilio refuses a label already in the room (16025): each nurse's leg has its own.
    assert {p.label: sid for sid, p in room.participants.items()} == {
        "gp": gp.sid,
        amelie_label: first.sid,
        paul_label: second.sid,
    }

    eventually(
        lambda: not room.participants[first.sid].options.end_on_exit,
        what="the first nurse's leaving no longer ends the room",
    )
    first.hang_up()
    stack.sandbox.settle()
    assert gp.status == "in-progress"
    assert {p.label: sid for sid, p in room.participants.items()} == {
        "gp": gp.sid,
        paul_label: second.sid,
    }
    db.expire_all()
    events = db.get(Request, request.id).events  # type: ignore[union-attr]
    kinds = [e.kind for e in events]
    assert "transfer_requested" in kinds and "transfer_done" in kinds
    # The hand-over follows the colleague's arrival in the room, never precedes it.
    paul_joined = next(
        i for i, e in enumerate(events) if e.kind == "participant_join" and e.call_sid == second.sid
    )
    assert paul_joined < kinds.index("transfer_done")


def test_the_nurse_puts_the_gp_on_hold_and_takes_him_back(stack: DemoStack, db: Session) -> None:
    amelie = stack.sandbox.person(NURSE)
    gp, request = call_and_press_2(stack, db)
    leg = amelie.wait_for_ring(timeout=2)
    assert leg is not None
    leg.answer()
    stack.sandbox.settle()
    until_input(stack, leg)
    leg.press("1")
    stack.sandbox.settle()
    until(stack, lambda: leg.conference is not None, "the nurse in the room")
    until(stack, lambda: gp.conference is not None, "the GP in the room")
    app = stack.app
    nurse_user = db.scalars(select(User).where(User.phone == NURSE)).one()
    cookie = console_cookie(app, nurse_user, "t")
    room = stack.sandbox.conference(f"req-{request.id}")
    url = f"{stack.settings.public_root}/console/requests/{request.id}/hold"
    token = signed_csrf_token(app, "t")
    held = requests.post(url, data={"hold": "1", "csrf_token": token}, cookies=cookie, timeout=5,
                         allow_redirects=False)  # fmt: skip
    assert held.status_code == 302
    eventually(lambda: room.participants[gp.sid].hold, what="the GP on hold")
    resumed = requests.post(url, data={"hold": "0", "csrf_token": token}, cookies=cookie,
                            timeout=5, allow_redirects=False)  # fmt: skip
    assert resumed.status_code == 302
    eventually(lambda: not room.participants[gp.sid].hold, what="the GP back")
