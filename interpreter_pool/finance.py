"""Money: price each interpreting session by its contract, post it once, follow the budgets.

A charge is posted when both the interpreter's join and leave times are known (whichever event
arrives last), keyed by the session, so duplicates and reordering post it once. Reconciliation
later reads the leg's duration and price from Twilio's REST API and posts any difference as an
adjustment. Entries are never edited. Each posting checks the budgets covering its service date
and records each threshold crossed, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException

from hotline.db import Database
from hotline.models import Call, Participation, Request
from hotline.services import log_event
from interpreter_pool import billing
from interpreter_pool.budget import Forecast, crossed, forecast, parse_thresholds, percent
from interpreter_pool.invoices import OurSession
from interpreter_pool.models import (
    Budget,
    BudgetAlert,
    Contract,
    InterpretingSession,
    LedgerEntry,
)

if TYPE_CHECKING:
    from twilio.rest import Client

logger = logging.getLogger(__name__)

RECONCILE_AFTER = timedelta(minutes=2)


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
    """A participant joined or left: once an interpreter has both times, post the charge."""
    if presence.label != "interpreter" or presence.joined_at is None or presence.left_at is None:
        return
    interpreting = session.scalars(
        select(InterpretingSession).where(
            InterpretingSession.connected_call_sid == presence.call_sid
        )
    ).first()
    if interpreting is None:
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
    entry = _post(
        session,
        LedgerEntry(
            posted_at=now,
            kind="charge",
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
        ),
    )
    if entry is None:
        return None
    log_event(
        session,
        request,
        "charge_posted",
        now,
        detail={"session_id": interpreting.id, "amount": str(charge.total)},
        dedupe_key=f"charge:{interpreting.id}",
    )
    check_budget_alerts(session, joined_at, now)
    return entry


def reconcile(
    database: Database, client: Client, clock: Callable[[], datetime], limit: int = 100
) -> int:
    """The clock's job: check posted charges against Twilio's legs; return how many were."""
    now = clock()
    with database.session() as session:
        due = session.execute(
            select(InterpretingSession.id, InterpretingSession.connected_call_sid)
            .join(LedgerEntry, LedgerEntry.interpreting_session_id == InterpretingSession.id)
            .where(
                LedgerEntry.kind == "charge",
                LedgerEntry.posted_at <= now - RECONCILE_AFTER,
                InterpretingSession.reconciled_at.is_(None),
            )
            .limit(limit)
        ).all()
    done = 0
    for session_id, call_sid in due:
        if not call_sid:
            continue
        try:
            leg = client.calls(call_sid).fetch()
        except TwilioRestException as error:
            logger.warning(
                "session %s: leg %s not read from Twilio: %s", session_id, call_sid, error
            )
            if error.status == 404:  # Twilio has no such leg: nothing to compare, ever
                with database.session() as session:
                    found = session.get(InterpretingSession, session_id)
                    if found is not None and found.reconciled_at is None:
                        found.reconciled_at = clock()
                        session.commit()
            continue
        with database.session() as session:
            interpreting = session.get(InterpretingSession, session_id)
            if interpreting is None or interpreting.reconciled_at is not None:
                continue
            reconcile_session(session, interpreting, leg, clock())
            session.commit()
            done += 1
    return done


def reconcile_session(
    session: Session, interpreting: InterpretingSession, leg: Any, now: datetime
) -> LedgerEntry | None:
    """Price the session again with the leg's duration from Twilio; post the difference."""
    interpreting.reconciled_at = now
    call = session.scalars(select(Call).where(Call.sid == leg.sid)).first()
    duration = int(leg.duration or 0)
    if call is not None:
        call.duration_s = duration
        call.price = Decimal(leg.price) if leg.price not in (None, "") else None
        call.price_unit = leg.price_unit
    charge_entry = session.scalars(
        select(LedgerEntry).where(LedgerEntry.dedupe_key == f"charge:{interpreting.id}")
    ).one()
    joined_at = charge_entry.service_at
    charge, row = price(session, interpreting, joined_at, joined_at + timedelta(seconds=duration))
    difference = charge.total - charge_entry.amount
    session.flush()
    if not difference:
        return None
    entry = _post(
        session,
        LedgerEntry(
            posted_at=now,
            kind="adjustment",
            interpreting_session_id=interpreting.id,
            interpreter_id=interpreting.interpreter_id,
            contract_id=row.id,
            language=interpreting.language,
            service_at=joined_at,
            duration_s=charge.duration_s - charge_entry.duration_s,
            billable_s=charge.billable_s - charge_entry.billable_s,
            amount=difference,
            label=f"Ajustement : durée Twilio {duration} s contre {charge_entry.duration_s} s",
            detail={"twilio_duration_s": duration, "twilio_price": leg.price},
            dedupe_key=f"reconcile:{interpreting.id}",
        ),
    )
    if entry is not None:
        check_budget_alerts(session, joined_at, now)
    return entry


def priced_sessions(
    session: Session, interpreter_id: int, month: date, tz_name: str
) -> list[OurSession]:
    """A provider's sessions in a local month as we priced them (charge plus adjustments), to
    check its invoice against."""
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
            LedgerEntry.kind.in_(("charge", "adjustment")),
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


# --- budgets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetStatus:
    """Where a budget stands."""

    budget: Budget
    consumed: Decimal
    remaining: Decimal
    pct: Decimal
    hours_used: Decimal
    forecast: Forecast

    @property
    def is_exhausted(self) -> bool:
        """Nothing left."""
        return self.remaining <= 0


def _period(budget: Budget, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(budget.starts_on, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(budget.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start, end


def budget_status(
    session: Session, budget: Budget, now: datetime, tz_name: str = "Europe/Paris"
) -> BudgetStatus:
    """Consumption, percentage, hours and forecast of a budget at ``now``."""
    tz = ZoneInfo(tz_name)
    start, end = _period(budget, tz)
    in_period = (LedgerEntry.service_at >= start, LedgerEntry.service_at < end)
    consumed = Decimal(
        session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(*in_period))
        or 0
    )
    seconds = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.billable_s), 0)).where(*in_period)
    )
    rows = session.execute(select(LedgerEntry.service_at, LedgerEntry.amount).where(*in_period))
    by_day: dict[date, Decimal] = {}
    for at, amount in rows.tuples():
        day = at.astimezone(tz).date()
        by_day[day] = by_day.get(day, Decimal(0)) + Decimal(amount)
    amount = Decimal(budget.amount)
    remaining = amount - consumed
    return BudgetStatus(
        budget=budget,
        consumed=consumed.quantize(Decimal("0.01")),
        remaining=remaining.quantize(Decimal("0.01")),
        pct=percent(consumed, amount),
        hours_used=(Decimal(seconds or 0) / 3600).quantize(Decimal("0.01")),
        forecast=forecast(
            by_day.items(),
            remaining,
            now.astimezone(tz).date(),
            budget.starts_on,
            budget.ends_on,
        ),
    )


def budgets_covering(session: Session, day: date) -> list[Budget]:
    """Budgets whose period includes this local date."""
    return list(
        session.scalars(
            select(Budget).where(Budget.starts_on <= day, Budget.ends_on >= day).order_by(Budget.id)
        )
    )


def check_budget_alerts(
    session: Session, service_at: datetime, now: datetime, tz_name: str = "Europe/Paris"
) -> list[BudgetAlert]:
    """Record each threshold newly crossed by the budgets covering this service, once."""
    fired: list[BudgetAlert] = []
    for budget in budgets_covering(session, service_at.astimezone(ZoneInfo(tz_name)).date()):
        status = budget_status(session, budget, now, tz_name)
        for threshold in crossed(
            parse_thresholds(budget.thresholds), status.consumed, budget.amount
        ):
            alert = BudgetAlert(
                budget_id=budget.id,
                threshold=threshold,
                fired_at=now,
                consumed=status.consumed,
                message=(
                    f"Budget « {budget.name} » : {status.pct} % consommés "
                    f"({status.consumed} € sur {budget.amount} €), seuil de {threshold} % atteint."
                ),
            )
            known = session.scalars(
                select(BudgetAlert.id).where(
                    BudgetAlert.budget_id == budget.id, BudgetAlert.threshold == threshold
                )
            ).first()
            if known is None and _post_alert(session, alert):
                logger.warning("%s", alert.message)
                fired.append(alert)
    return fired


def _post_alert(session: Session, alert: BudgetAlert) -> bool:
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        return False
    return True


def needs_approval(session: Session, now: datetime, tz_name: str = "Europe/Paris") -> Budget | None:
    """An exhausted budget with the "approval" policy covering today, if any."""
    for budget in budgets_covering(session, now.astimezone(ZoneInfo(tz_name)).date()):
        if (
            budget.policy == "approval"
            and budget_status(session, budget, now, tz_name).is_exhausted
        ):
            return budget
    return None
