"""The clock's jobs: each one a function of (database, REST client, clock), safe to run twice.

Every job works from the database: it claims what it does with a conditional update (and SKIP
LOCKED on PostgreSQL), commits, then talks to Twilio. Two clocks never do the same work, and a
clock killed at any point leaves the rest to the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Select, delete, literal, select, union_all, update
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException

from callbacks.calling import (
    attempt_deadline_passed,
    claim_due,
    fire,
    recover_stuck,
)
from callbacks.models import CallbackAttempt, CallbackStatus, CallbackTask
from callbacks.retention import delete_recordings
from callbacks.twiml import CallbackUrls
from hotline import hooks, lifecycle
from hotline.callstate import TERMINAL_STATUSES, call_status
from hotline.db import Database
from hotline.models import Call, Request
from hotline.outbox import send_message, take_new_ids
from hotline.sms import SmsMessage
from interpreter_pool import services as interpreting
from interpreter_pool import spending
from interpreter_pool.models import InterpretingSession, SessionStatus
from interpreter_pool.twiml import InterpretingUrls
from routing import services as routing
from routing.models import NurseRouting, RoutingStatus
from routing.twiml import NurseUrls

if TYPE_CHECKING:
    from twilio.rest import Client

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def send_all(database: Database, client: Client, ids: list[int], clock: Clock, root: str) -> None:
    """Send intents now (and what their handlers enqueue); failures stay for resend_unsent."""
    queue = list(ids)
    while queue:
        message_id = queue.pop(0)
        try:
            queue.extend(send_message(database, client, message_id, clock, root).follow_up)
        except Exception:
            logger.exception("outbox %s: not sent, left for the next run", message_id)


@contextmanager
def job_transaction(
    database: Database,
    client: Client | None = None,
    clock: Clock | None = None,
    public_root: str = "",
) -> Iterator[Session]:
    """One transaction of a job: committed once when the block ends, rolled back if it raises.

    The Twilio intents recorded in it are sent after the commit when a ``client`` is given
    (else the clock's ``resend_unsent`` sends them).
    """
    with database.session() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        new_ids = take_new_ids(session)
        session.commit()
    if client is not None and clock is not None and new_ids:
        send_all(database, client, new_ids, clock, public_root)


def fire_due_callbacks(
    database: Database, client: Client, clock: Clock, public_root: str, batch: int = 50
) -> int:
    """Ring the nurse for every callback that is due; return how many attempts started."""
    urls = CallbackUrls(public_root)
    started = 0
    with job_transaction(database) as session:
        recover_stuck(session, clock())
    while True:
        with job_transaction(database, client, clock, public_root) as session:
            tasks = claim_due(session, clock(), batch)
            for task in tasks:
                fire(session, task, clock(), urls)
        started += len(tasks)
        if len(tasks) < batch:
            return started


def overdue_steps(session: Session, now: datetime) -> list[tuple[str, int]]:
    """Every ringing step past its deadline, in one statement (the clock asks at each tick):
    ("routing", id) for nurse routings, ("interpreting", id) for dispatches, ("callback", id)
    for callback attempts."""
    query = union_all(
        select(literal("routing").label("kind"), NurseRouting.id.label("id")).where(
            NurseRouting.status == RoutingStatus.RINGING, NurseRouting.step_deadline_at <= now
        ),
        select(literal("interpreting"), InterpretingSession.id).where(
            InterpretingSession.status == SessionStatus.DISPATCHING,
            InterpretingSession.step_deadline_at <= now,
        ),
        select(literal("callback"), CallbackTask.id).where(
            CallbackTask.status == CallbackStatus.CALLING, CallbackTask.step_deadline_at <= now
        ),
    )
    return [(str(kind), int(owner_id)) for kind, owner_id in session.execute(query).all()]


def advance_overdue_steps(
    database: Database, client: Client, clock: Clock, public_root: str
) -> int:
    """Every ringing step past its deadline is over as if its legs had ended; return how many.

    Nurse routing steps, interpreter dispatch steps and callback attempts each keep their
    deadline in the database; a lost final callback (or a webhook Twilio could not deliver)
    therefore delays a flow by at most the deadline plus one tick of this job.
    """
    now = clock()
    with database.session() as session:
        overdue = overdue_steps(session, now)
    advanced = 0
    for kind, owner_id in overdue:
        try:
            with job_transaction(database, client, clock, public_root) as session:
                if kind == "routing":
                    done = routing.step_deadline_passed(
                        session, owner_id, clock(), NurseUrls(public_root)
                    )
                elif kind == "interpreting":
                    done = interpreting.step_deadline_passed(
                        session, owner_id, clock(), InterpretingUrls(public_root)
                    )
                else:
                    done = attempt_deadline_passed(session, owner_id, clock())
        except Exception:
            logger.exception("%s %s: overdue step not advanced", kind, owner_id)
            continue
        advanced += done
    return advanced


def check_budgets(database: Database, clock: Clock, tz_name: str) -> int:
    """Record thresholds crossed by today's budgets (postings check too; this catches edits)."""
    now = clock()
    with job_transaction(database) as session:
        fired = spending.check_budget_alerts(session, now, now, tz_name)
    return len(fired)


def purge_old_records(
    database: Database,
    clock: Clock,
    months: int,
    client: Client | None = None,
    public_root: str = "",
) -> int:
    """Retention: requests older than ``months`` lose phone numbers, recordings and free text.

    The rows stay (counts, categories, outcomes, languages, durations and amounts are what the
    reports use); what identifies a person goes. A voicemail is deleted at Twilio first, through
    the outbox (sent now with ``client``, else by the clock's resend): its URL is cleared when
    Twilio confirms. The features are told first (``hooks.retention_due``, in the same
    transaction): when the reports kept their aggregates of those days, the ended nurse queue
    entries of the purged requests go too (their plans name the nurses' phones; nothing but the
    reports reads a queue entry once it ended).
    """
    cutoff = clock() - timedelta(days=round(months * 30.44))
    with job_transaction(database, client, clock, public_root) as session:
        kept = hooks.before_retention(session, cutoff, clock())
        old = select(Request.id).where(Request.opened_at < cutoff)
        if kept is not None:
            forget_queue_entries(session, select(Request.id).where(Request.opened_at < kept))
        purged = session.execute(
            update(Request)
            .where(
                Request.opened_at < cutoff,
                Request.caller_number.is_not(None) | Request.notes.is_not(None),
            )
            .values(caller_number=None, notes=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Call)
            .where(Call.request_id.in_(old))
            .values(from_number=None, to_number=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(CallbackTask)
            .where(CallbackTask.request_id.in_(old))
            .values(phone=None, follow_up_note=None)
            .execution_options(synchronize_session=False)
        )
        old_callbacks = select(CallbackTask.id).where(CallbackTask.request_id.in_(old))
        session.execute(
            update(CallbackAttempt)
            .where(CallbackAttempt.callback_id.in_(old_callbacks))
            .values(phone=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(SmsMessage)
            .where(SmsMessage.request_id.in_(old))
            .values(to_number=None)
            .execution_options(synchronize_session=False)
        )
        delete_recordings(session, old, clock())
    count = int(getattr(purged, "rowcount", 0) or 0)
    if count:
        logger.info("retention: %s requests older than %s months purged", count, months)
    return count


def forget_queue_entries(session: Session, request_ids: Select[tuple[int]]) -> int:
    """Delete the ended nurse queue entries (routings) of these requests; return how many."""
    ended = select(NurseRouting.id).where(
        NurseRouting.request_id.in_(request_ids),
        NurseRouting.ended_at.is_not(None),
        NurseRouting.status != RoutingStatus.RINGING,
    )
    session.execute(
        update(Call)
        .where(Call.routing_id.in_(ended))
        .values(routing_id=None)
        .execution_options(synchronize_session=False)
    )
    deleted = session.execute(
        delete(NurseRouting)
        .where(NurseRouting.id.in_(ended.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(deleted, "rowcount", 0) or 0)


def sweep_stale_calls(
    database: Database, client: Client, clock: Clock, older_than: timedelta = timedelta(hours=3)
) -> int:
    """Legs left "in progress" by lost callbacks: ask Twilio how they ended."""
    now = clock()
    with database.session() as session:
        stale = session.scalars(
            select(Call.sid).where(
                Call.status.not_in(TERMINAL_STATUSES), Call.created_at < now - older_than
            )
        ).all()
    fixed = 0
    for sid in stale:
        try:
            leg = client.calls(sid).fetch()
            status, duration = str(leg.status), int(leg.duration or 0)
        except TwilioRestException as error:
            if error.status != 404:
                continue
            status, duration = "failed", 0
        if status not in TERMINAL_STATUSES:
            continue
        with job_transaction(database) as session:
            call = session.scalars(select(Call).where(Call.sid == sid)).first()
            if call is not None and call.status not in TERMINAL_STATUSES:
                call.status, call.duration_s = call_status(status), duration
                call.ended_at = call.ended_at or now
                fixed += 1
                if call.role == "gp" and call.request is not None:
                    lifecycle.calls_ended(session, call.request, call, now)
    return fixed
