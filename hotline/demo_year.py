"""The demo's past year: the directory, the rota, the pool and the grants it needs, then ~400
requests played by ``hotline.demo_player`` and the callbacks the nurses made after them.

Deterministic (a seeded generator), idempotent (a second run finds the year and adds nothing),
timed. A composition root, like ``hotline.demo``: it wires every feature, inside an
application's context (the features' hooks and outbox handlers are the app's).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks import attempts, calling
from callbacks.models import CallbackStatus, CallbackTask
from hotline import demo_tables, hooks
from hotline.demo_plan import PlannedProfessional, PlannedRequest, plan_directory, plan_year
from hotline.demo_player import YearPlayer, YearSeeded
from hotline.demo_structures import seed_workplaces
from hotline.demo_twilio import voice_of
from hotline.directory import PhoneEntry, ProfessionalDetails, save_professional
from hotline.hooks import CallbackReason
from hotline.models import (
    Call,
    Helpline,
    OutboxMessage,
    ProfessionalPhone,
    Request,
    User,
)
from hotline.refusals import Refusal
from hotline.services import record_call_status
from hotline.telephony.parsing import (
    CallStatusCallback,
)
from interpreter_pool.admin import add_budget, add_contract, add_interpreter
from interpreter_pool.models import Budget, Contract
from routing.admin import ShiftOverlapError, add_shift
from routing.twiml import nurse_label

logger = logging.getLogger(__name__)


def _leg(player: YearPlayer, message: OutboxMessage, status: str, at: datetime) -> Call:
    """A leg the outbox made, at one of its statuses (created at its first callback)."""
    sid = str((message.result or {}).get("sid"))
    params = message.payload["params"]
    known = player.session.scalars(select(Call).where(Call.sid == sid)).first()
    if known is not None:
        since = known.answered_at if status == "completed" else None
        duration = round((at - since).total_seconds()) if since else None
        return player.status(known, status, at, duration)
    player.sequence += 1
    voice = voice_of(sid, params["from_"], params["to"], "outbound-api")
    return record_call_status(
        player.session,
        CallStatusCallback(voice, status, at, player.sequence, None),
        at,
    )


def _call_back(player: YearPlayer, task: CallbackTask, at: datetime, reached: bool) -> None:
    """One attempt of a callback: the nurse's phone, her key 1, the professional's phone."""
    nurse = player.on_duty(at)
    request = player.session.get(Request, task.request_id)
    if nurse is None or request is None:
        return
    mark = len(player.twilio.made)
    if not calling.start_now(player.session, task, nurse, at, player.callback_urls):
        player.settle(at)
        return
    player.settle(at)
    made = player.twilio.made[mark:]
    if not made:
        return
    attempt = task.attempts
    answered = at + timedelta(seconds=8)
    nurse_leg = _leg(player, made[0], "in-progress", answered)
    calling.nurse_accepts(
        player.session, task.id, attempt, nurse_leg.sid, answered, player.callback_urls
    )
    player.settle(answered)
    dialled = player.twilio.made[mark + 1 :]
    if not dialled:
        return
    room_sid = player.twilio.sid("CF")
    label = nurse_label(nurse.id, nurse_leg.sid)
    player.room(request, "participant-join", answered, nurse_leg.sid, label, room_sid)
    picked = answered + timedelta(seconds=15)
    if reached:
        gp_leg = _leg(player, dialled[0], "in-progress", picked)
        calling.gp_answered(player.session, task.id, attempt, "human", picked)
        player.room(request, "participant-join", picked, gp_leg.sid, "gp", room_sid)
        ended = picked + timedelta(minutes=2 + player.rnd.randrange(8))
        player.room(request, "participant-leave", ended, gp_leg.sid, "gp", room_sid)
        gp_leg = _leg(player, dialled[0], "completed", ended)
    else:
        ended = answered + timedelta(seconds=30)
        gp_leg = _leg(player, dialled[0], "no-answer", ended)
    calling.leg_ended(player.session, task.id, attempt, gp_leg, "gp", ended, "human")
    player.settle(ended)
    player.room(request, "participant-leave", ended, nurse_leg.sid, label, room_sid)
    nurse_leg = _leg(player, made[0], "completed", ended)
    calling.leg_ended(player.session, task.id, attempt, nurse_leg, "nurse", ended)
    player.settle(ended)
    player.bill(request, ended + timedelta(minutes=3))
    if attempts.awaits_outcome(task):
        code = player.rnd.choices(
            [code for code, _ in demo_tables.FOLLOW_UP_OUTCOMES],
            weights=[weight for _, weight in demo_tables.FOLLOW_UP_OUTCOMES],
        )[0]
        note = demo_tables.FOLLOW_UP_NOTES[code]
        attempts.record_outcome(
            player.session, task, nurse, code, note, ended + timedelta(minutes=2)
        )
    plan = player.to_log_after_callback.pop(request.id, None) if reached else None
    if plan is not None:
        player.log(request, plan, nurse, ended + timedelta(minutes=3))


def _directory(session: Session, people: list[PlannedProfessional]) -> None:
    """The directory, saved as the admin's form does (shared lines held by two)."""
    for person in people:
        if _held(session, person.numbers[-1]):
            continue
        details = ProfessionalDetails(
            last_name=person.last_name,
            first_name=person.first_name,
            title=person.title,
            profession=person.profession,
            organisation=person.organisation,
            territory=person.commune.name,
            commune=person.commune.name,
            insee_code=person.commune.insee,
            phones=[PhoneEntry(number) for number in person.numbers],
        )
        try:
            save_professional(session, details)
        except Refusal:
            # A practice's line already held by his partner, where the directory allows a
            # number to one professional only: he keeps his own mobile.
            own = [PhoneEntry(n) for n in person.numbers if not _held(session, n)]
            save_professional(session, replace(details, phones=own))


def _held(session: Session, number: str) -> bool:
    return (
        session.scalars(
            select(ProfessionalPhone.id).where(ProfessionalPhone.number == number)
        ).first()
        is not None
    )


def _rota(
    session: Session, helpline: Helpline, nurses: list[User], first: date, last: date
) -> None:
    """Weekdays of the past year: one nurse on duty, the other her backup, a week each (days a
    shift already covers are left as they are)."""
    starts, ends = demo_tables.ROTA_HOURS
    day = first
    while day <= last:
        if day.weekday() < 5:
            week = day.isocalendar().week
            for index, nurse in enumerate(nurses):
                rank = "on_duty" if (week + index) % 2 == 0 else "backup"
                try:
                    add_shift(session, helpline, nurse, f"{day} {starts}", f"{day} {ends}", rank)
                except ShiftOverlapError:
                    continue
        day += timedelta(days=1)


def _pool(session: Session, since: date) -> None:
    """The interpreters of the languages the demo's pool lacks, on the liberal rate."""
    for name, phone, languages, priority in demo_tables.EXTRA_INTERPRETERS:
        interpreter = add_interpreter(session, name, phone, languages, priority=priority)
        if session.scalars(
            select(Contract).where(Contract.interpreter_id == interpreter.id)
        ).first():
            continue
        add_contract(
            session, interpreter, "Tarif interprète libéral", unit="minute",
            unit_price=Decimal("3.50"), valid_from=since, minimum_s=900, night_pct=Decimal(25),
            night_hours="20:00-08:00", saturday_pct=Decimal(25), sunday_pct=Decimal(25),
        )  # fmt: skip


def _budgets(session: Session, today: date) -> None:
    """Last year's grant, beside this year's (``hotline.demo``), for the months before January."""
    last_year = today.year - 1
    if session.scalars(select(Budget).where(Budget.starts_on == date(last_year, 1, 1))).first():
        return
    add_budget(
        session,
        f"Interprétariat {last_year}",
        date(last_year, 1, 1),
        date(last_year, 12, 31),
        Decimal(60000),
        funder_line="ARS – Fonds d'intervention régional",
        hours_cap=250,
    )


def seed_year(
    app: Flask,
    session: Session,
    helpline: Helpline,
    nurses: list[User],
    now: datetime,
    seed: int = demo_tables.SEED,
    requests: int = demo_tables.REQUESTS_A_YEAR,
) -> YearSeeded:
    """Play the past year of the demo helpline (once: a second run finds it and adds nothing)."""
    started = time.perf_counter()
    player = YearPlayer(session, helpline, app.extensions["hotline"].settings.public_root, seed)
    first_sid = player.twilio.sid()
    if session.scalars(select(Call.id).where(Call.sid == first_sid)).first() is not None:
        return YearSeeded(0, time.perf_counter() - started, already=True)
    player.twilio.counter = 0
    rnd = random.Random(seed)
    today = now.astimezone(player.tz).date()
    people = plan_directory(rnd)
    plans = plan_year(rnd, now, helpline.timezone, people, requests)
    # The year's budget alerts are recorded, not news: no warning for each at start-up.
    logging.disable(logging.WARNING)
    try:
        _play(app, player, people, plans, nurses, today, now)
    finally:
        logging.disable(logging.NOTSET)
    session.flush()
    seconds = time.perf_counter() - started
    logger.info("demo year: %s requests in %.1f s", len(plans), seconds)
    return YearSeeded(len(plans), seconds)


def _play(
    app: Flask,
    player: YearPlayer,
    people: list[PlannedProfessional],
    plans: list[PlannedRequest],
    nurses: list[User],
    today: date,
    now: datetime,
) -> None:
    session, helpline = player.session, player.helpline
    with app.app_context():
        _directory(session, people)
        seed_workplaces(
            session,
            [(people[place].numbers[-1], names) for place, names in demo_tables.YEAR_WORKPLACES],
        )
        _pool(session, today - timedelta(days=400))
        _budgets(session, today)
        _rota(session, helpline, nurses, today - timedelta(days=366), today - timedelta(days=1))
        for plan in plans:
            player.play(plan)
        _callbacks(player, now)
        _follow_ups_due(player, now)


# Follow-ups the nurses promised for today: the board's "callbacks due" has something to show.
FOLLOW_UPS_DUE = 3


def _follow_ups_due(player: YearPlayer, now: datetime) -> None:
    """A few of the latest closed requests get a follow-up callback due now (the callbacks
    feature moves it into the next opening hours)."""
    session = player.session
    latest = session.scalars(
        select(Request)
        .where(Request.professional_id.is_not(None), Request.closed_at.is_not(None))
        .order_by(Request.opened_at.desc())
        .limit(FOLLOW_UPS_DUE)
    ).all()
    for request in latest:
        hooks.want_callback(session, request, CallbackReason.FOLLOW_UP, now, now)
    session.flush()


def _callbacks(player: YearPlayer, now: datetime) -> None:
    """The callbacks due before today are made (the follow-ups their calls promise too): most
    reach the professional at once."""
    session = player.session
    tried: set[int] = set()
    while tasks := [
        task
        for task in session.scalars(
            select(CallbackTask)
            .where(CallbackTask.status == CallbackStatus.PENDING)
            .order_by(CallbackTask.due_at, CallbackTask.id)
        ).all()
        if task.id not in tried
    ]:
        for task in tasks:
            tried.add(task.id)
            at = player.working_moment(task.due_at)
            for attempt in range(2):
                if at >= now - timedelta(hours=2) or task.status != CallbackStatus.PENDING:
                    break
                _call_back(player, task, at, reached=attempt > 0 or player.rnd.random() < 0.8)
                at = player.working_moment(task.next_attempt_at or at + timedelta(hours=2))
