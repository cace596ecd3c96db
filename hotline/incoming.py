"""The incoming call's fast path: open its request in as few statements as the answer needs.

An incoming call costs at most four statements: the caller (his name and his only structure, one
read on the indexed E.164 number; none for a withheld number), the request (its reference made in
the same INSERT), the call's leg (an upsert that also tells a retried webhook from a first one)
and the "received" event. The helpline comes from ``HelplineCache``.

References never queue concurrent calls: on PostgreSQL the INSERT calls ``request_reference``, a
function over one sequence per year (migration 0027); on SQLite, which writes one transaction at
a time anyway, the INSERT reads the year's counter and a trigger moves it on. A retried webhook
whose first delivery committed leaves a gap in the year's numbers, never a duplicate.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Executable,
    Integer,
    Table,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.orm import Session

from hotline.callstate import CallStatus, call_status
from hotline.db import insert_on_conflict
from hotline.live import tell_boards
from hotline.models import (
    Call,
    Helpline,
    Professional,
    ProfessionalPhone,
    ProfessionalStructure,
    Request,
    RequestEvent,
    RequestStatus,
    Structure,
)
from hotline.phones import mask_for_log, normalise_caller
from hotline.request_numbers import reference_of_year
from hotline.services import helpline_for_number
from hotline.telephony.parsing import VoiceRequest

logger = logging.getLogger(__name__)

# How long a worker trusts its copy of a helpline's settings. A save in this worker is seen at
# once (``watch_helpline_changes``); another gunicorn worker sees it within this time.
HELPLINE_TTL_S = 5.0
_CHANGED = "hotline_helplines_changed"


@dataclass(frozen=True)
class HelplineSnapshot:
    """What the incoming call needs of a helpline: its id, greeting and time zone."""

    id: int
    greeting: str
    timezone: str

    @classmethod
    def of(cls, helpline: Helpline) -> HelplineSnapshot:
        """The snapshot of a loaded helpline."""
        return cls(id=helpline.id, greeting=helpline.greeting, timezone=helpline.timezone)


@dataclass(frozen=True)
class Caller:
    """A known caller as the greeting names him."""

    id: int
    title: str | None
    last_name: str | None
    structure_id: int | None


@dataclass(frozen=True)
class OpenedRequest:
    """The request an incoming call belongs to, and who is calling (None when unknown)."""

    request_id: int
    reference: str
    helpline: HelplineSnapshot
    caller: Caller | None
    is_new: bool


class _Generation:
    """A process-wide count of committed (or flushed) changes to helplines."""

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.value += 1


HELPLINE_CHANGES = _Generation()


def _note_flush(session: Session, _context: Any) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    if any(isinstance(obj, Helpline) for obj in changed):
        session.info[_CHANGED] = True
        HELPLINE_CHANGES.bump()


def _note_commit(session: Session) -> None:
    # Bumped again at commit: a copy read between the flush and the commit is not kept.
    if session.info.pop(_CHANGED, False):
        HELPLINE_CHANGES.bump()


def watch_helpline_changes() -> None:
    """Forget this worker's helpline copies whenever a session of it writes a helpline
    (installed once by ``create_app``)."""
    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "after_commit", _note_commit)


class HelplineCache:
    """This worker's copies of the helplines a call reaches, by called number.

    A copy is used for ``ttl_s`` at most, and not at all once a helpline was written in this
    process since it was read: an admin's save is heard at once by his worker and within
    ``ttl_s`` by the others (gunicorn's other workers, other machines).
    """

    def __init__(
        self, ttl_s: float = HELPLINE_TTL_S, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.monotonic = monotonic
        self._copies: dict[tuple[str, str], tuple[float, int, HelplineSnapshot]] = {}

    def reached_by(self, session: Session, number: str, default_number: str) -> HelplineSnapshot:
        """The helpline a call to ``number`` reaches (``helpline_for_number``'s rule)."""
        key = (number, default_number)
        now = self.monotonic()
        generation = HELPLINE_CHANGES.value
        copy = self._copies.get(key)
        if copy is not None and copy[1] == generation and now - copy[0] < self.ttl_s:
            return copy[2]
        snapshot = HelplineSnapshot.of(helpline_for_number(session, number, default_number))
        # Stored with the generation read before loading: a helpline made or changed meanwhile
        # (the default one, made by this very call) is read again next time.
        self._copies[key] = (now, generation, snapshot)
        return snapshot

    def clear(self) -> None:
        """Forget every copy."""
        self._copies.clear()


@dataclass(frozen=True)
class _Statements:
    """The fast path's statements, built and compiled once per backend (bound at each call)."""

    caller: Executable
    retry: Executable
    request: Executable
    leg: Executable
    event: Executable


_BUILT: dict[str, _Statements] = {}


def _statements(dialect: str) -> _Statements:
    built = _BUILT.get(dialect)
    if built is None:
        built = _BUILT[dialect] = _build(dialect)
    return built


def _build(dialect: str) -> _Statements:
    in_active_structure = (
        ProfessionalStructure.professional_id == Professional.id,
        Structure.is_active,
    )
    links = select(ProfessionalStructure.structure_id).join(
        Structure, Structure.id == ProfessionalStructure.structure_id
    )
    caller = (
        select(
            Professional.id,
            Professional.title,
            Professional.last_name,
            links.with_only_columns(func.count(ProfessionalStructure.structure_id))
            .where(*in_active_structure)
            .scalar_subquery(),
            links.with_only_columns(func.min(ProfessionalStructure.structure_id))
            .where(*in_active_structure)
            .scalar_subquery(),
        )
        .join(ProfessionalPhone, ProfessionalPhone.professional_id == Professional.id)
        .where(ProfessionalPhone.number == bindparam("number"), Professional.is_active)
        .limit(2)
    )
    # A retried webhook is told by its leg, read with the caller: a retry then opens nothing
    # (no reference number taken, nothing written).
    opened = (
        select(Call.request_id)
        .where(Call.sid == bindparam("sid"), Call.request_id.is_not(None))
        .scalar_subquery()
    )
    retry = select(opened.label("opened"))
    known = caller.subquery()
    retry_sub = retry.subquery()
    caller = select(retry_sub.c.opened, *known.c).select_from(retry_sub.outerjoin(known, true()))
    requests = cast(Table, Request.__table__)
    request = (
        insert(requests)
        .values(
            reference=reference_of_year(dialect, bindparam("year", type_=Integer)),
            **{name: bindparam(name) for name in _REQUEST_FIELDS},
        )
        .returning(requests.c.id, requests.c.reference)
    )
    calls = cast(Table, Call.__table__)
    # The leg takes this request unless it has one (a retried webhook); textual, so that its
    # compiled form is cached (SQLAlchemy compiles its dialects' upserts at every execution).
    leg_once = insert_on_conflict(
        calls,
        _LEG_FIELDS,
        ("sid",),
        'DO UPDATE SET "request_id" = excluded."request_id", '
        '"helpline_id" = excluded."helpline_id" WHERE "calls"."request_id" IS NULL',
        (calls.c.id,),
    )
    event = insert(cast(Table, RequestEvent.__table__)).values(
        {name: bindparam(name) for name in _EVENT_FIELDS}
    )
    return _Statements(caller, retry, request, leg_once, event)


_REQUEST_FIELDS = (
    "helpline_id",
    "professional_id",
    "structure_id",
    "caller_number",
    "is_caller_withheld",
    "channel",
    "status",
    "opened_at",
)
_LEG_FIELDS = (
    "sid",
    "direction",
    "status",
    "from_number",
    "to_number",
    "role",
    "created_at",
    "request_id",
    "helpline_id",
)
_EVENT_FIELDS = ("request_id", "at", "kind", "call_sid", "detail", "dedupe_key")


def find_caller(
    session: Session, e164: str | None, call_sid: str
) -> tuple[int | None, Caller | None]:
    """The request a first delivery of this call opened already (a retried webhook), and the
    active professional with this number if exactly one has it, with his structure when he
    works in exactly one active structure: one read on the legs' and phones' indexes."""
    statements = _statements(session.get_bind().dialect.name)
    if e164 is None:
        return session.execute(statements.retry, {"sid": call_sid}).scalar(), None
    rows = session.execute(statements.caller, {"number": e164, "sid": call_sid}).all()
    opened = rows[0][0] if rows else None
    if len(rows) != 1 or rows[0][1] is None:
        return opened, None
    _opened, professional_id, title, last_name, count, only = rows[0]
    return opened, Caller(professional_id, title, last_name, only if count == 1 else None)


def open_request(
    session: Session,
    voice: VoiceRequest,
    now: datetime,
    helpline: HelplineSnapshot,
) -> OpenedRequest:
    """Open the request of an incoming call, or find the one a retried webhook opened."""
    dialect = session.get_bind().dialect.name
    statements = _statements(dialect)
    if dialect != "postgresql":
        # On PostgreSQL the request's INSERT tells the boards (trigger of migration 0033).
        tell_boards(session, helpline.id)  # a new call is on the board after commit
    number = normalise_caller(voice.from_)
    opened, caller = find_caller(session, number.e164, voice.call_sid)
    if opened is not None:
        return _already_opened(session, voice.call_sid)
    request_id, reference = session.execute(
        statements.request,
        {
            "year": now.astimezone(ZoneInfo(helpline.timezone)).year,
            "helpline_id": helpline.id,
            "professional_id": caller.id if caller else None,
            "structure_id": caller.structure_id if caller else None,
            "caller_number": number.e164,
            "is_caller_withheld": number.is_withheld,
            "channel": "phone",
            "status": RequestStatus.RECEIVED,
            "opened_at": now,
        },
    ).one()
    leg = {
        "sid": voice.call_sid,
        "direction": voice.direction,
        "status": _first_status(voice.call_status),
        "from_number": voice.from_,
        "to_number": voice.to,
        "role": "gp",
        "created_at": now,
        "request_id": request_id,
        "helpline_id": helpline.id,
    }
    # The leg's upsert gives it this request unless it has one: then this is a retried webhook
    # whose first delivery opened the request already.
    if session.execute(statements.leg, leg).first() is None:
        session.execute(delete(Request).where(Request.id == request_id))
        return _already_opened(session, voice.call_sid)
    session.execute(
        statements.event,
        {
            "request_id": request_id,
            "at": now,
            "kind": "received",
            "call_sid": voice.call_sid,
            "detail": {"caller_known": caller is not None, "caller_withheld": number.is_withheld},
            "dedupe_key": f"received:{voice.call_sid}",
        },
    )
    logger.info(
        "request %s opened for call %s from %s",
        reference,
        voice.call_sid,
        mask_for_log(number.e164),
    )
    return OpenedRequest(request_id, reference, helpline, caller, is_new=True)


def _first_status(status: str) -> CallStatus:
    # A status Twilio does not send does not stop the caller being answered: the leg's own
    # status callbacks say where it is.
    try:
        return call_status(status or CallStatus.RINGING)
    except ValueError:
        return CallStatus.RINGING


def _already_opened(session: Session, call_sid: str) -> OpenedRequest:
    call = session.scalars(select(Call).where(Call.sid == call_sid)).one()
    request = call.request
    assert request is not None
    professional = request.professional
    caller = (
        Caller(professional.id, professional.title, professional.last_name, request.structure_id)
        if professional is not None
        else None
    )
    return OpenedRequest(
        request.id, request.reference, HelplineSnapshot.of(request.helpline), caller, False
    )
