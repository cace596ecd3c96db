"""Money: price each interpreting session by its contract, post it once, follow the budgets.

A charge is posted when both the interpreter's join and leave times are known (whichever event
arrives last), keyed by the session, so duplicates and reordering post it once: interpreting is
priced from presence in the room. Reconciliation later reads the leg from Twilio's REST API,
prices the time in the room by Twilio's clock and posts any difference as an adjustment; it
records each leg's own Twilio price, the telephony cost, a figure kept apart from the
interpreting cost. Entries are never edited. Each entry records its helpline, structure and the
one budget line it is charged to (``interpreter_pool.funding``: a charge by the rules, an
adjustment on the line its session's charge sits on); each posting checks that line and records
each threshold crossed, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException

from hotline.callstate import TERMINAL_STATUSES
from hotline.db import Database
from hotline.models import Call, Participation, Request
from hotline.services import log_event
from interpreter_pool import billing, funding
from interpreter_pool.invoices import OurSession
from interpreter_pool.labels import session_of_label
from interpreter_pool.models import (
    Budget,
    Contract,
    InterpretingSession,
    LedgerEntry,
    LedgerKind,
)
from interpreter_pool.spending import check_line_alerts

if TYPE_CHECKING:
    from twilio.rest import Client

logger = logging.getLogger(__name__)

RECONCILE_AFTER = timedelta(minutes=2)
# How long an ended leg's price is looked for (Twilio may take a while to price a call).
PRICE_WINDOW = timedelta(days=2)


def to_billing(row: Contract) -> billing.Contract:
    """The pure rate card of a contract row."""
    return billing.Contract(
        id=str(row.id),
        name=row.name,
        unit="block" if row.unit == "block" else "minute",
        unit_price=Decimal(row.unit_price),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        block_s=row.block_s,
        increment_s=row.increment_s,
        minimum_s=row.minimum_s,
        connection_fee=Decimal(row.connection_fee),
        night_pct=Decimal(row.night_pct),
        night_start=row.night_start,
        night_end=row.night_end,
        saturday_pct=Decimal(row.saturday_pct),
        sunday_pct=Decimal(row.sunday_pct),
        holiday_pct=Decimal(row.holiday_pct),
        urgent_pct=Decimal(row.urgent_pct),
        surcharge_mode="pro_rata" if row.surcharge_mode == "pro_rata" else "start",
        surcharge_rule="sum" if row.surcharge_rule == "sum" else "highest",
        language_overrides={k: Decimal(v) for k, v in (row.language_overrides or {}).items()},
    )


@lru_cache(maxsize=8)
def holiday_calendar(subdivision: str | None) -> Callable[[date], bool]:
    """French public holidays (with a subdivision's own days) as a predicate."""
    calendar = holidays.country_holidays("FR", subdiv=subdivision)
    return lambda day: day in calendar


def price(
    session: Session, interpreting: InterpretingSession, joined_at: datetime, left_at: datetime
) -> tuple[billing.Charge, Contract]:
    """The charge of a session under the interpreter's contract valid at the join date."""
    request = session.get(Request, interpreting.request_id)
    assert request is not None
    tz = request.helpline.timezone
    rows = session.scalars(
        select(Contract).where(Contract.interpreter_id == interpreting.interpreter_id)
    ).all()
    contract = billing.contract_for([to_billing(r) for r in rows], joined_at, tz)
    row = next(r for r in rows if str(r.id) == contract.id)
    charge = billing.price_session(
        joined_at,
        left_at,
        contract,
        tz,
        holiday_calendar(request.helpline.holiday_subdivision),
        language=interpreting.language,
    )
    return charge, row


def _post(session: Session, entry: LedgerEntry) -> LedgerEntry | None:
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        return None  # posted already (a duplicate event, or another worker)
    return entry


def on_participation(session: Session, presence: Participation, now: datetime) -> None:
    """A participant joined or left: once an interpreter has both times, post the charge.

    An interpreter is recognised by the label's prefix ("interpreter-<session id>"), and only
    the leg that connected the session is charged.
    """
    session_id = session_of_label(presence.label)
    if session_id is None or presence.joined_at is None or presence.left_at is None:
        return
    interpreting = session.get(InterpretingSession, session_id)
    if interpreting is None or interpreting.connected_call_sid != presence.call_sid:
        return
    post_session_charge(session, interpreting, presence.joined_at, presence.left_at, now)


def post_session_charge(
    session: Session,
    interpreting: InterpretingSession,
    joined_at: datetime,
    left_at: datetime,
    now: datetime,
) -> LedgerEntry | None:
    """Post the session's charge, once; None when posted already or no contract applies."""
    if session.scalars(
        select(LedgerEntry.id).where(LedgerEntry.dedupe_key == f"charge:{interpreting.id}")
    ).first():
        return None
    request = session.get(Request, interpreting.request_id)
    assert request is not None
    try:
        charge, row = price(session, interpreting, joined_at, left_at)
    except billing.ContractError as error:
        log_event(
            session,
            request,
            "charge_not_priced",
            now,
            detail={"session_id": interpreting.id, "reason": str(error)},
            dedupe_key=f"unpriced:{interpreting.id}",
        )
        logger.warning("session %s not priced: %s", interpreting.id, error)
        return None
    entry = LedgerEntry(
        posted_at=now,
        kind=LedgerKind.CHARGE,
        interpreting_session_id=interpreting.id,
        interpreter_id=interpreting.interpreter_id,
        contract_id=row.id,
        language=interpreting.language,
        service_at=joined_at,
        duration_s=charge.duration_s,
        billable_s=charge.billable_s,
        amount=charge.total,
        label=f"Séance {request.reference} ({interpreting.language}), {row.name}",
        detail={
            "lines": [
                {"kind": line.kind, "label": line.label, "amount": str(line.amount)}
                for line in charge.lines
            ],
            "joined_at": joined_at.isoformat(),
            "left_at": left_at.isoformat(),
        },
        dedupe_key=f"charge:{interpreting.id}",
    )
    funding.assign(session, entry, request)
    if _post(session, entry) is None:
        return None
    log_event(
        session,
        request,
        "charge_posted",
        now,
        detail={"session_id": interpreting.id, "amount": str(charge.total)},
        dedupe_key=f"charge:{interpreting.id}",
    )
    _check_line(session, entry, request.helpline.timezone, now)
    return entry


def _check_line(session: Session, entry: LedgerEntry, tz_name: str, now: datetime) -> None:
    line = session.get(Budget, entry.budget_line_id) if entry.budget_line_id else None
    if line is not None:
        check_line_alerts(session, [line], now, tz_name)


def reconcile(
    database: Database, client: Client, clock: Callable[[], datetime], limit: int = 100
) -> int:
    """The clock's job: check posted charges against Twilio's legs, and record what Twilio
    charged for each leg; return how many charges were checked."""
    now = clock()
    with database.session() as session:
        due = session.execute(
            select(InterpretingSession.id, InterpretingSession.connected_call_sid)
            .join(LedgerEntry, LedgerEntry.interpreting_session_id == InterpretingSession.id)
            .where(
                LedgerEntry.kind == LedgerKind.CHARGE,
                LedgerEntry.posted_at <= now - RECONCILE_AFTER,
                InterpretingSession.reconciled_at.is_(None),
            )
            .limit(limit)
        ).all()
    done = 0
    for session_id, call_sid in due:
        if not call_sid:
            continue
        leg = _fetch_leg(client, call_sid)
        if leg is None:
            with database.session() as session:
                found = session.get(InterpretingSession, session_id)
                if found is not None and found.reconciled_at is None:
                    found.reconciled_at = clock()
                    session.commit()
            continue
        if leg is _NOT_READ:
            continue
        with database.session() as session:
            interpreting = session.get(InterpretingSession, session_id)
            if interpreting is None or interpreting.reconciled_at is not None:
                continue
            reconcile_session(session, interpreting, leg, clock())
            session.commit()
            done += 1
    price_legs(database, client, clock, limit)
    return done


_NOT_READ = object()


def _fetch_leg(client: Client, call_sid: str) -> Any:
    """The leg from Twilio's REST API; None when Twilio has no such leg (404, nothing to
    compare, ever), ``_NOT_READ`` when it could not be read this time."""
    try:
        return client.calls(call_sid).fetch()
    except TwilioRestException as error:
        logger.warning("leg %s not read from Twilio: %s", call_sid, error)
        return None if error.status == 404 else _NOT_READ


def record_leg_price(call: Call, leg: Any, now: datetime) -> None:
    """Keep Twilio's own figures of a leg: its duration, and its price, the telephony cost.

    Call resource (Twilio API spec): ``price`` is "the charge for this call, in the currency
    associated with the account. Populated after the call is completed. May not be immediately
    available"; a string, negative for a charge (the spec's example: "-0.03000"). A leg without
    a price yet is read again later, unless it was never answered (nothing to charge).
    """
    call.duration_s = int(leg.duration or 0)
    if leg.price not in (None, ""):
        price = Decimal(str(leg.price))
        # Read again unchanged (the reconciliation after the pricing), a price keeps the time
        # it was first read: the daily telephony costs hold it from then.
        if call.priced_at is None or call.price != price or call.price_unit != leg.price_unit:
            call.price = price
            call.price_unit = leg.price_unit
            call.priced_at = now
    elif not call.duration_s:
        call.priced_at = now


def price_legs(
    database: Database, client: Client, clock: Callable[[], datetime], limit: int = 100
) -> int:
    """Read Twilio's price of ended legs not priced yet (every leg the helpline made or took:
    the GP's, the nurses', the interpreters'); return how many were."""
    now = clock()
    with database.session() as session:
        sids = session.scalars(
            select(Call.sid)
            .where(
                Call.priced_at.is_(None),
                Call.status.in_(TERMINAL_STATUSES),
                Call.ended_at <= now - RECONCILE_AFTER,
                Call.ended_at > now - PRICE_WINDOW,
            )
            .order_by(Call.id)
            .limit(limit)
        ).all()
    priced = 0
    for sid in sids:
        leg = _fetch_leg(client, sid)
        with database.session() as session:
            call = session.scalars(select(Call).where(Call.sid == sid)).first()
            if call is None or call.priced_at is not None or leg is _NOT_READ:
                continue
            if leg is None:
                call.priced_at = clock()  # Twilio has no such leg: nothing to read, ever
            else:
                record_leg_price(call, leg, clock())
            priced += call.price is not None
            session.commit()
    return priced


def twilio_left_at(leg: Any) -> datetime | None:
    """When the leg ended by Twilio's clock: its end time, else its start plus its duration."""
    if leg.end_time is not None:
        return cast(datetime, leg.end_time)
    if leg.start_time is not None and leg.duration not in (None, ""):
        return cast(datetime, leg.start_time) + timedelta(seconds=int(leg.duration))
    return None


def reconcile_session(
    session: Session, interpreting: InterpretingSession, leg: Any, now: datetime
) -> LedgerEntry | None:
    """Price the session again with Twilio's figures; post the difference.

    Like with like: the charge is the interpreter's time in the room (participant-join to
    participant-leave). The leg's ``duration`` runs from its answer, so it also counts the
    screening prompt and the key press (or an agency's menu before it joins): it is not
    compared as such. Twilio's time in the room is from the join (the conference event's own
    timestamp) to the leg's end by Twilio's clock; an interpreter leaves the room by hanging
    up, or the room ends and her call with it.
    """
    interpreting.reconciled_at = now
    call = session.scalars(select(Call).where(Call.sid == leg.sid)).first()
    if call is not None:
        record_leg_price(call, leg, now)
    charge_entry = session.scalars(
        select(LedgerEntry).where(LedgerEntry.dedupe_key == f"charge:{interpreting.id}")
    ).one()
    joined_at = charge_entry.service_at
    left_at = twilio_left_at(leg)
    session.flush()
    if left_at is None:
        logger.warning("session %s: Twilio gives no end for leg %s", interpreting.id, leg.sid)
        return None
    in_room_s = max(0, round((left_at - joined_at).total_seconds()))
    charge, row = price(session, interpreting, joined_at, joined_at + timedelta(seconds=in_room_s))
    difference = charge.total - charge_entry.amount
    if not difference:
        return None
    entry = LedgerEntry(
        posted_at=now,
        kind=LedgerKind.ADJUSTMENT,
        interpreting_session_id=interpreting.id,
        interpreter_id=interpreting.interpreter_id,
        contract_id=row.id,
        language=interpreting.language,
        service_at=joined_at,
        duration_s=charge.duration_s - charge_entry.duration_s,
        billable_s=charge.billable_s - charge_entry.billable_s,
        amount=difference,
        label=(
            f"Ajustement : {in_room_s} s en conférence selon Twilio "
            f"contre {charge_entry.duration_s} s"
        ),
        detail={
            "twilio_in_room_s": in_room_s,
            "twilio_duration_s": int(leg.duration or 0),
            "twilio_price": leg.price,
        },
        dedupe_key=f"reconcile:{interpreting.id}",
    )
    funding.follow_charge(session, entry, charge_entry)
    if _post(session, entry) is None:
        return None
    request = session.get(Request, interpreting.request_id)
    _check_line(session, entry, request.helpline.timezone if request else "Europe/Paris", now)
    return entry


def priced_sessions(
    session: Session,
    interpreter_id: int,
    month: date,
    tz_name: str,
    helpline_ids: Collection[int] | None = None,
) -> list[OurSession]:
    """A provider's sessions in a local month as we priced them (charge plus adjustments), to
    check its invoice against; only those of these helplines when given."""
    tz = ZoneInfo(tz_name)
    start = datetime.combine(month.replace(day=1), datetime.min.time(), tzinfo=tz)
    end = datetime.combine(
        (month.replace(day=28) + timedelta(days=4)).replace(day=1), datetime.min.time(), tzinfo=tz
    )
    rows = session.execute(
        select(LedgerEntry, InterpretingSession, Request.reference)
        .join(InterpretingSession, LedgerEntry.interpreting_session_id == InterpretingSession.id)
        .join(Request, InterpretingSession.request_id == Request.id)
        .where(
            LedgerEntry.interpreter_id == interpreter_id,
            LedgerEntry.service_at >= start,
            LedgerEntry.service_at < end,
            LedgerEntry.kind.in_((LedgerKind.CHARGE, LedgerKind.ADJUSTMENT)),
            *([] if helpline_ids is None else [Request.helpline_id.in_(helpline_ids)]),
        )
    ).tuples()
    found: dict[int, dict[str, Any]] = {}
    for entry, interpreting, reference in rows:
        item = found.setdefault(
            interpreting.id,
            {
                "reference": reference,
                "started_at": entry.service_at,
                "duration_s": 0,
                "amount": Decimal(0),
                "language": interpreting.language,
            },
        )
        item["duration_s"] += entry.duration_s
        item["amount"] += entry.amount
    return [
        OurSession(session_id, **values)
        for session_id, values in sorted(found.items(), key=lambda kv: kv[1]["started_at"])
    ]
