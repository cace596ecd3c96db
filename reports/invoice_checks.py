"""Invoice checks kept: a provider's invoice matched against our sessions of a month (rules in
``interpreter_pool.invoices``), recorded with its findings and its totals on each side, listed
within the helplines a person may see, opened again and exported."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from hotline.i18n import gettext as _
from hotline.spreadsheet import Column, Sheet, clock_duration
from interpreter_pool.finance import priced_sessions
from interpreter_pool.invoices import (
    CheckTotals,
    InvoiceLine,
    SideTotals,
    check_totals,
    match_invoice,
)
from interpreter_pool.models import InvoiceCheck, InvoiceCheckLine
from reports.finance_filters import FinanceFilters
from reports.finance_query import Scope

FINDING_LABELS = {
    "ok": "conforme",
    "duration": "durée différente",
    "amount": "montant différent",
    "missing_in_ours": "absente chez nous",
    "missing_in_invoice": "absente de la facture",
}


def run_check(
    session: Session,
    *,
    provider_id: int,
    helpline_id: int | None,
    month: date,
    filename: str,
    lines: Sequence[InvoiceLine],
    unread: Sequence[str],
    tz_name: str,
    user_id: int | None,
    now: datetime,
) -> InvoiceCheck:
    """Match the invoice's lines with our sessions of the month (of this helpline, or of every
    helpline when None) and keep the result with its totals; flushes."""
    ours = priced_sessions(
        session, provider_id, month, tz_name, None if helpline_id is None else [helpline_id]
    )
    findings = match_invoice(lines, ours)
    summed = check_totals(findings)
    check = InvoiceCheck(
        interpreter_id=provider_id,
        helpline_id=helpline_id,
        month=month.replace(day=1),
        filename=filename[:200],
        checked_at=now,
        checked_by_id=user_id,
        unread=list(unread),
        invoice_count=summed.invoice.count,
        invoice_duration_s=summed.invoice.duration_s,
        invoice_amount=summed.invoice.amount,
        ledger_count=summed.ours.count,
        ledger_duration_s=summed.ours.duration_s,
        ledger_amount=summed.ours.amount,
    )
    for position, finding in enumerate(findings):
        line, mine = finding.line, finding.session
        check.lines.append(
            InvoiceCheckLine(
                position=position,
                kind=finding.kind,
                line_number=line.number if line else None,
                invoice_started_at=line.started_at if line else None,
                invoice_duration_s=line.duration_s if line else None,
                invoice_language=line.language if line else None,
                invoice_amount=line.amount if line else None,
                interpreting_session_id=mine.session_id if mine else None,
                session_reference=mine.reference if mine else None,
                session_started_at=mine.started_at if mine else None,
                session_duration_s=mine.duration_s if mine else None,
                session_language=mine.language if mine else None,
                session_amount=mine.amount if mine else None,
                message=finding.message,
            )
        )
    session.add(check)
    session.flush()
    return check


def totals_of(check: InvoiceCheck) -> CheckTotals:
    """The kept totals of a check, on each side."""
    return CheckTotals(
        SideTotals(check.invoice_count, check.invoice_duration_s, Decimal(check.invoice_amount)),
        SideTotals(check.ledger_count, check.ledger_duration_s, Decimal(check.ledger_amount)),
    )


def visible_checks(
    scope: Scope, filters: FinanceFilters | None = None
) -> Select[tuple[InvoiceCheck]]:
    """The kept checks a person may see, newest first (a check over every helpline only for a
    regional administrator), narrowed by the finance filters that apply to a check: its
    helpline, its provider, and its month within the period."""
    query = select(InvoiceCheck).order_by(InvoiceCheck.checked_at.desc(), InvoiceCheck.id.desc())
    if scope.helpline_ids is not None:
        query = query.where(InvoiceCheck.helpline_id.in_(scope.helpline_ids))
    if filters is None:
        return query
    if filters.helpline_id is not None:
        query = query.where(InvoiceCheck.helpline_id == filters.helpline_id)
    if filters.provider_id is not None:
        query = query.where(InvoiceCheck.interpreter_id == filters.provider_id)
    if filters.date_from is not None:
        query = query.where(InvoiceCheck.month >= filters.date_from.replace(day=1))
    if filters.date_to is not None:
        query = query.where(InvoiceCheck.month <= filters.date_to)
    return query


def check_for(session: Session, check_id: int, scope: Scope) -> InvoiceCheck | None:
    """A kept check with its lines, if the person may see it."""
    return session.scalars(
        visible_checks(scope)
        .where(InvoiceCheck.id == check_id)
        .options(selectinload(InvoiceCheck.lines))
    ).first()


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    return moment.astimezone(tz) if moment else None


def check_sheets(check: InvoiceCheck, provider: str, tz_name: str) -> list[Sheet]:
    """A kept check as sheets: its findings (durations in min:s) and its totals on each side."""
    tz = ZoneInfo(tz_name)
    summed = totals_of(check)
    columns = [
        Column(_("constat"), "text", 20),
        Column(_("ligne"), "integer", 7),
        Column(_("séance facturée"), "datetime", 19),
        Column(_("durée facturée"), "duration", 10),
        Column(_("langue"), "text", 8),
        Column(_("montant facturé (€)"), "money", 12),
        Column(_("référence"), "text", 12),
        Column(_("séance mesurée"), "datetime", 19),
        Column(_("durée mesurée"), "duration", 10),
        Column(_("montant calculé (€)"), "money", 12),
        Column(_("détail"), "text", 60),
    ]
    rows = [
        [
            _(FINDING_LABELS.get(line.kind, line.kind)),
            line.line_number,
            _local(line.invoice_started_at, tz),
            line.invoice_duration_s,
            line.invoice_language or line.session_language or "",
            line.invoice_amount,
            line.session_reference or "",
            _local(line.session_started_at, tz),
            line.session_duration_s,
            line.session_amount,
            line.message,
        ]
        for line in check.lines
    ]
    total_row: list[object] = [_("Total"), summed.invoice.count, None, summed.invoice.duration_s]
    total_row += [None, summed.invoice.amount, None, None, summed.ours.duration_s]
    total_row += [summed.ours.amount, None]
    findings = Sheet(
        _("Contrôle {provider} {month}", provider=provider, month=check.month.strftime("%m-%Y")),
        columns,
        rows,
        total_row,
    )
    side_columns = [
        Column("", "text", 22),
        Column(_("séances"), "integer", 10),
        Column(_("durée (min:s)"), "text", 10),
        Column(_("durée (s)"), "integer", 10),
        Column(_("montant (€)"), "money", 12),
    ]
    sides = [
        (_("Facture"), summed.invoice),
        (_("Nos données"), summed.ours),
        (_("Écart (facture − nos données)"), summed.difference),
    ]
    return [
        findings,
        Sheet(
            _("Totaux"),
            side_columns,
            [
                [label, side.count, clock_duration(side.duration_s), side.duration_s, side.amount]
                for label, side in sides
            ],
        ),
    ]
