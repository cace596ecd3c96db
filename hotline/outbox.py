"""The outbox: Twilio REST intents written with the state change that needs them, sent after it.

A service calls ``enqueue`` inside its transaction; the view commits, then hands the new ids to
the ``Dispatcher``, which sends them from a thread pool so no webhook waits on Twilio. Sending
claims the row first (``pending`` → ``sending`` by a conditional UPDATE), so a message is sent by
one worker only. Messages a crashed or stopped worker never sent stay ``pending``; the clock's
``resend_unsent`` job sends them. A REST call whose answer never came (a read timeout, a worker
that died during it) has an unknown outcome: idempotent kinds are sent again; a CreateCall is
sent again only when Twilio's call list shows no call it could have made (same To and From,
created since it was claimed, not the result of another message): a nurse is never rung twice
for one intent. The found call's SID becomes the message's result. A text (CreateMessage) is
settled the same way from Twilio's message list (same To, From and Body): a GP never receives
the same text twice.

A feature may add a kind it performs itself, not through Twilio (the meetings' e-mail), with
``register_kind``; such a kind is not idempotent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException

from hotline.db import Database, claim, insert_once
from hotline.models import OutboxMessage, OutboxStatus
from hotline.outbox_lookup import Lookup, look_up_call
from hotline.outbox_lookup_sms import look_up_message

if TYPE_CHECKING:
    from twilio.rest import Client

logger = logging.getLogger(__name__)

CREATE_CALL = "create_call"
UPDATE_CALL = "update_call"
UPDATE_PARTICIPANT = "update_participant"
DELETE_RECORDING = "delete_recording"
SEND_SMS = "send_sms"
KINDS = frozenset({CREATE_CALL, UPDATE_CALL, UPDATE_PARTICIPANT, DELETE_RECORDING, SEND_SMS})
# Sending these twice does no harm: a redirect or a hang-up of the same leg, a hold, a deletion.
IDEMPOTENT_KINDS = frozenset({UPDATE_CALL, UPDATE_PARTICIPANT, DELETE_RECORDING})
SESSION_KEY = "outbox_new_ids"
# Kinds whose unanswered request is settled by looking its result up in Twilio's lists.
LOOKUPS: dict[str, Callable[[Database, Client, OutboxMessage], Lookup]] = {
    CREATE_CALL: look_up_call,
    SEND_SMS: look_up_message,
}
# A CreateCall (CreateMessage) whose call (message) Twilio could not tell us about for this long
# is given up (failed, its failure handler runs): by then any ring it made is long over.
GIVE_UP_LOOKUP_AFTER = timedelta(minutes=30)
FINISH_ATTEMPTS = 3
# Twilio's answer when a call can no longer be changed: it ended already. Not an error for us.
CALL_NOT_UPDATABLE = frozenset({20404, 21220})

# Follow-ups by name, given (session, message, now, public_root): "on_sent" after a message was
# sent (e.g. to note a leg's SID), "on_failure" when it cannot be; they may enqueue more. A
# message names them in its payload's "on_sent" and "on_failure"; features fill these tables
# from their ``init_app`` with ``register``.
Handler = Callable[[Session, OutboxMessage, datetime, str], None]
SENT_HANDLERS: dict[str, Handler] = {}
FAILURE_HANDLERS: dict[str, Handler] = {}


# Kinds a feature sends itself, not through Twilio (an e-mail): kind → a function making the
# call from the payload and returning what is worth keeping (``register_kind``).
Performer = Callable[[dict[str, Any]], dict[str, Any]]
PERFORMERS: dict[str, Performer] = {}


def register_kind(kind: str, perform: Performer) -> None:
    """A kind of intent a feature performs itself after the commit (registering again
    replaces); it is not idempotent: a message lost mid-send is failed, not sent twice."""
    PERFORMERS[kind] = perform


def register(kind: str, on_sent: Handler | None = None, on_failure: Handler | None = None) -> None:
    """Follow-ups of the messages whose payload names ``kind`` (registering again replaces)."""
    if on_sent is not None:
        SENT_HANDLERS[kind] = on_sent
    if on_failure is not None:
        FAILURE_HANDLERS[kind] = on_failure


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Record an intent in the current transaction; the same dedupe key is recorded once."""
    if kind not in KINDS and kind not in PERFORMERS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    values = {
        "created_at": now,
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.PENDING,
    }
    if dedupe_key is None:
        message = OutboxMessage(**values)
        session.add(message)
        session.flush()
    else:
        # One statement: the same intent recorded before (or at the same moment, by a duplicate
        # webhook) inserts nothing, and the recorded one is returned.
        inserted = insert_once(session, OutboxMessage, ("dedupe_key",), values)
        if inserted is None:
            found = session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
            ).one()
            return found
        message = inserted
    session.info.setdefault(SESSION_KEY, []).append(message.id)
    return message


def take_new_ids(session: Session) -> list[int]:
    """The ids enqueued in this session since the last call (to dispatch after the commit)."""
    ids: list[int] = session.info.pop(SESSION_KEY, [])
    return ids


def perform(
    client: Client, kind: str, payload: dict[str, Any], public_root: str = ""
) -> dict[str, Any]:
    """Make the REST call an intent describes; return what is worth keeping of the answer."""
    if kind in PERFORMERS:
        return PERFORMERS[kind](payload)
    params = dict(payload.get("params", {}))
    if kind == SEND_SMS:
        # A text's status callback is the app's public address, known where it is sent.
        message = client.messages.create(
            **params, status_callback=public_root + payload["status_callback_path"]
        )
        return {"sid": message.sid, "status": message.status}
    if kind == CREATE_CALL:
        call = client.calls.create(**params)
        return {"sid": call.sid, "status": call.status}
    if kind == UPDATE_CALL:
        try:
            call = client.calls(payload["call_sid"]).update(**params)
        except TwilioRestException as exc:
            if exc.code in CALL_NOT_UPDATABLE or exc.status == 404:
                return {"skipped": f"call no longer updatable ({exc.code})"}
            raise
        return {"sid": call.sid, "status": call.status}
    if kind == UPDATE_PARTICIPANT:
        try:
            participant = (
                client.conferences(payload["conference_sid"])
                .participants(payload["call_sid"])
                .update(**params)
            )
        except TwilioRestException as exc:
            if exc.status == 404:
                return {"skipped": "participant no longer in the room"}
            raise
        return {"call_sid": participant.call_sid, "hold": participant.hold}
    if kind == DELETE_RECORDING:
        try:
            client.recordings(payload["recording_sid"]).delete()
        except TwilioRestException as exc:
            if exc.status == 404:
                # Gone already (deleted by an earlier attempt or by hand): what we wanted.
                return {"deleted": payload["recording_sid"], "already_gone": True}
            raise
        return {"deleted": payload["recording_sid"]}
    raise ValueError(f"unknown outbox kind {kind!r}")


def _claim(session: Session, message_id: int, now: datetime) -> bool:
    return claim(
        session, OutboxMessage, message_id, OutboxStatus.PENDING,
        status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1,
    )  # fmt: skip


@dataclass(frozen=True)
class Sent:
    """What became of one send: whether this worker sent it, and what its handlers enqueued."""

    claimed: bool
    follow_up: list[int]


def send_message(
    database: Database,
    client: Client,
    message_id: int,
    clock: Callable[[], datetime],
    public_root: str,
) -> Sent:
    """Send one message if it is still pending (claimed by this worker alone)."""
    with database.session() as session:
        if not _claim(session, message_id, clock()):
            session.rollback()
            return Sent(claimed=False, follow_up=[])
        session.commit()
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        kind, payload = message.kind, dict(message.payload)
        session.expunge(message)
    try:
        result = perform(client, kind, payload, public_root)
    except TwilioRestException as exc:
        logger.warning("outbox %s (%s) refused by Twilio: %s %s", message_id, kind, exc.status, exc)
        error = f"{exc.status} {exc.code}: {exc.msg}"
        follow_up = _finish(database, message_id, clock, public_root, error=error)
        return Sent(claimed=True, follow_up=follow_up)
    except Exception as exc:
        # Unknown whether Twilio got it (network, timeout).
        logger.warning("outbox %s (%s) not sent: %s", message_id, kind, exc)
        if kind in LOOKUPS:
            follow_up = _settle_by_lookup(database, client, message, clock, public_root)
            return Sent(claimed=True, follow_up=follow_up)
        with database.session() as session:
            claim(
                session, OutboxMessage, message_id, OutboxStatus.SENDING,
                status=OutboxStatus.PENDING, last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )  # fmt: skip
            session.commit()
        return Sent(claimed=True, follow_up=[])
    return Sent(
        claimed=True, follow_up=_finish(database, message_id, clock, public_root, result=result)
    )


def _settle_by_lookup(
    database: Database,
    client: Client,
    message: OutboxMessage,
    clock: Callable[[], datetime],
    public_root: str,
) -> list[int]:
    """A CreateCall (CreateMessage) without an answer: the call (message) it made becomes its
    result, or it goes again.

    When Twilio cannot tell (unreachable, or another ring or the same text to the same address
    in flight), the row stays ``sending``: the clock's stale sweep asks again.
    """
    try:
        lookup = LOOKUPS[message.kind](database, client, message)
    except Exception as exc:
        logger.warning("outbox %s: its %s cannot be looked up: %s", message.id, message.kind, exc)
        return []
    if lookup.outcome == "made" and lookup.result is not None:
        logger.info("outbox %s: made after all (%s)", message.id, lookup.result["sid"])
        return _finish(database, message.id, clock, public_root, result=lookup.result)
    if lookup.outcome == "not_made":
        with database.session() as session:
            claim(
                session, OutboxMessage, message.id, OutboxStatus.SENDING,
                status=OutboxStatus.PENDING, last_error="no answer from Twilio, and nothing made",
            )  # fmt: skip
            session.commit()
    return []


def _finish(
    database: Database,
    message_id: int,
    clock: Callable[[], datetime],
    public_root: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> list[int]:
    # The REST call is made: its outcome must be written. A deadlock or serialisation failure
    # with a concurrent webhook is retried rather than left for the stale-row sweep.
    for attempt in range(1, FINISH_ATTEMPTS + 1):
        try:
            return _write_outcome(database, message_id, clock, public_root, result, error)
        except OperationalError:
            if attempt == FINISH_ATTEMPTS:
                raise
            logger.warning(
                "outbox %s: outcome not written (attempt %s), retrying", message_id, attempt
            )
            time.sleep(0.05 * attempt)
    return []


def _write_outcome(
    database: Database,
    message_id: int,
    clock: Callable[[], datetime],
    public_root: str,
    result: dict[str, Any] | None,
    error: str | None,
) -> list[int]:
    with database.session() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        now = clock()
        if error is None:
            message.status, message.sent_at, message.result = OutboxStatus.SENT, now, result
            handler = SENT_HANDLERS.get(message.payload.get("on_sent", ""))
        else:
            message.status, message.last_error = OutboxStatus.FAILED, error[:2000]
            handler = FAILURE_HANDLERS.get(message.payload.get("on_failure", ""))
        session.flush()
        if handler is not None:
            handler(session, message, now, public_root)
        new_ids = take_new_ids(session)
        session.commit()
    return new_ids


def fail_message(
    session: Session, message: OutboxMessage, now: datetime, error: str, public_root: str
) -> None:
    """Mark a message failed (its outcome unknown or refused) and run its failure handler."""
    message.status, message.last_error = OutboxStatus.FAILED, error[:2000]
    session.flush()
    handler = FAILURE_HANDLERS.get(message.payload.get("on_failure", ""))
    if handler is not None:
        handler(session, message, now, public_root)


class Dispatcher:
    """Sends committed intents from a small thread pool, following up what they enqueue."""

    def __init__(
        self,
        database: Database,
        client_factory: Callable[[], Client],
        clock: Callable[[], datetime],
        public_root: str,
        max_workers: int = 8,
    ) -> None:
        self.database = database
        self.public_root = public_root
        self.client_factory = client_factory
        self.clock = clock
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="outbox")

    def submit(self, message_ids: Iterable[int]) -> None:
        """Send these messages soon; if this worker is stopping, the clock will send them."""
        for message_id in message_ids:
            try:
                self._executor.submit(self._send, message_id)
            except RuntimeError:
                logger.warning("outbox %s left for the clock: dispatcher stopped", message_id)

    def _send(self, message_id: int) -> None:
        try:
            outcome = send_message(
                self.database, self.client_factory(), message_id, self.clock, self.public_root
            )
        except Exception:
            logger.exception("outbox %s: sending failed", message_id)
            return
        self.submit(outcome.follow_up)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with ``wait``, finish what was submitted."""
        self._executor.shutdown(wait=wait)


def _settle_stale_lookups(
    database: Database,
    client: Client,
    clock: Callable[[], datetime],
    public_root: str,
    claimed_before: datetime,
) -> list[int]:
    with database.session() as session:
        stale = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.kind.in_(LOOKUPS),
                OutboxMessage.claimed_at <= claimed_before,
            )
            .order_by(OutboxMessage.id)
        ).all()
        session.expunge_all()
    follow_up: list[int] = []
    for message in stale:
        follow_up.extend(_settle_by_lookup(database, client, message, clock, public_root))
    return follow_up


def resend_unsent(
    database: Database,
    client: Client,
    clock: Callable[[], datetime],
    public_root: str,
    *,
    grace_s: float = 10.0,
    stale_after_s: float = 120.0,
) -> int:
    """The clock's job: send intents a worker left behind; return how many it took.

    ``pending`` rows older than ``grace_s`` (younger ones are still in a live worker's hands)
    are claimed one by one, so two clocks never send the same row. Rows stuck in ``sending``
    for ``stale_after_s`` lost their worker mid-call: idempotent kinds go back to ``pending``;
    a CreateCall or a text is settled by looking its call or message up (found: sent; not made:
    ``pending``); the others are failed and their failure handler runs.
    """
    now = clock()
    stale_before = now - timedelta(seconds=stale_after_s)
    settled = _settle_stale_lookups(database, client, clock, public_root, stale_before)
    with database.session() as session:
        stale = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.claimed_at <= now - timedelta(seconds=stale_after_s),
            )
        ).all()
        for message in stale:
            if message.kind in IDEMPOTENT_KINDS:
                message.status = OutboxStatus.PENDING
            elif message.kind in LOOKUPS and (
                message.claimed_at is None or message.claimed_at > now - GIVE_UP_LOOKUP_AFTER
            ):
                continue  # its call could not be looked up yet: the next sweep asks again
            else:
                fail_message(session, message, now, "worker lost during the REST call", public_root)
        session.commit()
        due = session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.created_at <= now - timedelta(seconds=grace_s),
            )
            .order_by(OutboxMessage.id)
        ).all()
    claimed = 0
    queue = [*settled, *due]
    while queue:
        outcome = send_message(database, client, queue.pop(0), clock, public_root)
        claimed += outcome.claimed
        queue.extend(outcome.follow_up)
    return claimed
