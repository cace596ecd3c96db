"""Finance pages: budgets and their forecast, spend by month, language and provider, the ledger,
its CSV export, and the check of a provider's invoice (pure finance rules: interpreter_pool)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth import current_user, require_roles
from hotline.i18n import gettext as _
from hotline.inputs import parse_id
from hotline.spreadsheet import NotTextError, csv_text, decode_upload
from hotline.web import db_session, now, settings
from interpreter_pool import finance, spending
from interpreter_pool.invoices import match_invoice, parse_invoice_csv
from interpreter_pool.languages import language_name
from interpreter_pool.models import (
    Budget,
    BudgetAlert,
    Interpreter,
    LedgerEntry,
)
from reports.budget_assignment import ledger_lines

bp = Blueprint("finance", __name__, url_prefix="/finance", template_folder="templates")
MAX_INVOICE_BYTES = 1024 * 1024


def _tz() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def _entries(session: Session) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.service_at.desc())))


def _providers(session: Session) -> dict[int, str]:
    rows = session.execute(select(Interpreter.id, Interpreter.name)).tuples()
    return {interpreter_id: name for interpreter_id, name in rows}


def spend_by(entries: list[LedgerEntry], key: Any) -> list[tuple[str, Decimal, int]]:
    """(label, amount, billable seconds) per key, largest amount first."""
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    seconds: dict[str, int] = defaultdict(int)
    for entry in entries:
        label = key(entry)
        amounts[label] += entry.amount
        seconds[label] += entry.billable_s
    return sorted(((k, amounts[k], seconds[k]) for k in amounts), key=lambda r: -r[1])


@bp.get("")
@require_roles("finance", "admin")
def overview() -> str:
    """Budgets with gauges and forecasts, alerts, and spend by month, language and provider."""
    session = db_session()
    tz_name = settings().timezone
    budgets = [
        spending.budget_status(session, b, now(), tz_name)
        for b in session.scalars(select(Budget).order_by(Budget.starts_on.desc()))
    ]
    alerts = session.scalars(select(BudgetAlert).order_by(BudgetAlert.fired_at.desc())).all()
    entries = _entries(session)
    providers = _providers(session)
    tz = _tz()
    by_month = sorted(
        spend_by(entries, lambda e: e.service_at.astimezone(tz).strftime("%Y-%m")),
        key=lambda row: row[0],
        reverse=True,
    )
    by_language = spend_by(
        entries, lambda e: language_name(e.language, "fr", capitalise=True) if e.language else "—"
    )
    by_provider = spend_by(entries, lambda e: providers.get(e.interpreter_id or 0, "—"))
    telephony = finance.telephony_costs(session, tz_name)
    interpreting_by_month = {label: amount for label, amount, _seconds in by_month}
    months = sorted({c.month for c in telephony} | set(interpreting_by_month), reverse=True)
    costs_by_month = [
        (
            month,
            interpreting_by_month.get(month),
            [c for c in telephony if c.month == month],
        )
        for month in months
    ]
    return render_template(
        "reports/finance.html",
        user=current_user(),
        budgets=budgets,
        alerts=alerts,
        by_month=by_month,
        by_language=by_language,
        by_provider=by_provider,
        costs_by_month=costs_by_month,
        recent=entries[:20],
        providers=providers,
        tz=tz_name,
    )


@bp.get("/ledger")
@require_roles("finance", "admin")
def ledger() -> str:
    """Every ledger entry, newest service first."""
    session = db_session()
    entries = _entries(session)
    return render_template(
        "reports/ledger.html",
        user=current_user(),
        entries=entries,
        providers=_providers(session),
        budget_lines=ledger_lines(session, entries),
        tz=settings().timezone,
    )


@bp.get("/ledger.csv")
@require_roles("finance", "admin")
def ledger_csv() -> Response:
    """The ledger as a CSV file a spreadsheet in French opens as is (;, decimal comma, BOM)."""
    session = db_session()
    providers = _providers(session)
    tz = _tz()
    rows: list[list[object]] = [
        ["date", "heure", "type", "prestataire", "langue", "durée (s)", "facturé (s)",
         "montant (€)", "libellé", "écriture"]
    ]  # fmt: skip
    for entry in reversed(_entries(session)):
        local = entry.service_at.astimezone(tz)
        rows.append(
            [
                local.date().isoformat(),
                local.strftime("%H:%M:%S"),
                entry.kind,
                providers.get(entry.interpreter_id or 0, ""),
                entry.language or "",
                entry.duration_s,
                entry.billable_s,
                f"{entry.amount:.2f}".replace(".", ","),
                entry.label,
                entry.id,
            ]
        )
    body = "\ufeff" + csv_text(rows)  # every text cell neutralised (no formulas)
    day = now().astimezone(_tz()).date()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=ledger-{day}.csv"},
    )


@bp.route("/invoice-check", methods=["GET", "POST"])
@require_roles("finance", "admin")
def invoice_check() -> str:
    """Upload a provider's monthly invoice (CSV) and see what differs from our timings."""
    session = db_session()
    providers = session.scalars(select(Interpreter).order_by(Interpreter.name)).all()
    findings = None
    errors: list[str] = []
    chosen: dict[str, str] = {}
    if request.method == "POST":
        chosen = {
            "provider": request.form.get("provider", ""),
            "month": request.form.get("month", ""),
        }
        upload = request.files.get("invoice")
        provider_id = parse_id(chosen["provider"])
        provider = session.get(Interpreter, provider_id) if provider_id else None
        try:
            month = datetime.strptime(chosen["month"], "%Y-%m").date()  # noqa: DTZ007 - a month
        except ValueError:
            month = None
        if month is not None and not 2000 <= month.year <= 2100:
            month = None
        if provider is None or month is None:
            flash(_("Choisissez un prestataire et un mois."), "error")
        elif upload is None or not upload.filename:
            flash(_("Joignez la facture au format CSV."), "error")
        else:
            raw = upload.read(MAX_INVOICE_BYTES + 1)
            if len(raw) > MAX_INVOICE_BYTES:
                flash(_("Fichier trop volumineux (1 Mo au plus)."), "error")
            else:
                try:
                    text = decode_upload(raw)
                except NotTextError:
                    flash(
                        _("Ce fichier n'est pas un CSV lisible : enregistrez la facture au format "
                          "CSV (séparateur ; ou ,) et joignez-la de nouveau."),
                        "error",
                    )  # fmt: skip
                else:
                    lines, errors = parse_invoice_csv(text, settings().timezone)
                    findings = match_invoice(
                        lines,
                        finance.priced_sessions(session, provider.id, month, settings().timezone),
                    )
    return render_template(
        "reports/invoice_check.html",
        user=current_user(),
        providers=providers,
        findings=findings,
        errors=errors,
        chosen=chosen,
        tz=settings().timezone,
    )
