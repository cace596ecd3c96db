"""The finance exports as sheets (``hotline.spreadsheet`` writes them as CSV or XLSX): the
ledger, the spend summary and the costs, each read with the page's filters and carrying the
page's totals; and the download of sheets in the format asked for."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import IO

from flask import Response, request, stream_with_context
from sqlalchemy.orm import Session

from hotline.i18n import gettext as _
from hotline.i18n import ngettext
from hotline.spreadsheet import Column, Sheet, csv_chunks, xlsx_export
from reports.finance_context import FinanceView
from reports.finance_query import (
    Dimension,
    SpendRow,
    TelephonyCost,
    Totals,
    entry_rows,
    spend_by,
    spend_summary,
    totals,
)
from reports.telephony_query import telephony_costs

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# An XLSX is sent from its temporary file this many bytes at a time.
XLSX_CHUNK = 64 * 1024
KIND_LABELS = {"charge": "séance", "adjustment": "ajustement", "invoice_correction": "correction"}


def hours(seconds: int) -> Decimal:
    """Seconds as hours with two decimals (what budgets count in)."""
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


def ledger_sheet(session: Session, view: FinanceView) -> Sheet:
    """Every entry the filters select, oldest first, and their totals."""
    filters, names, tz = view.parsed.filters, view.names, view.tz
    columns = [
        Column(_("date"), "date", 11),
        Column(_("heure"), "text", 9),
        Column(_("type"), "text", 11),
        Column(_("prestataire"), "text", 22),
        Column(_("langue"), "text", 14),
        Column(_("permanence"), "text", 20),
        Column(_("structure"), "text", 20),
        Column(_("ligne budgétaire"), "text", 22),
        Column(_("durée (s)"), "integer", 10),
        Column(_("facturé (s)"), "integer", 10),
        Column(_("montant (€)"), "money", 12),
        Column(_("libellé"), "text", 40),
        Column(_("écriture"), "integer", 9),
    ]

    kinds = {kind: _(label) for kind, label in KIND_LABELS.items()}  # once, not once a row

    def rows() -> Iterator[list[object]]:
        for entry in entry_rows(session, filters, view.scope, tz):
            local = entry.service_at.astimezone(tz)
            yield [
                local.date(),
                local.strftime("%H:%M:%S"),
                kinds.get(entry.kind) or _(entry.kind),
                names.of("provider", entry.interpreter_id) if entry.interpreter_id else "",
                entry.language or "",
                names.of("helpline", entry.helpline_id) if entry.helpline_id else "",
                names.of("structure", entry.structure_id) if entry.structure_id else "",
                names.of("budget_line", entry.budget_line_id),
                entry.duration_s,
                entry.billable_s,
                entry.amount,
                entry.label,
                entry.id,
            ]

    summed = totals(session, filters, view.scope, tz)
    total_row: list[object] = [_("Total"), *[None] * 7]
    total_row += [summed.duration_s, summed.billable_s, summed.amount]
    total_row += [ngettext("{n} écriture", "{n} écritures", summed.count), None]
    return Sheet(_("Grand livre"), columns, rows(), total_row)


def spend_sheet(
    session: Session,
    view: FinanceView,
    dimension: Dimension,
    title: str,
    summed: Totals,
    found: Sequence[SpendRow] | None = None,
) -> Sheet:
    """The spend by one dimension (``found`` when already read), and the totals of the
    filters."""
    heading = {
        "month": _("mois"),
        "language": _("langue"),
        "provider": _("prestataire"),
        "budget_line": _("ligne budgétaire"),
        "helpline": _("permanence"),
        "structure": _("structure"),
    }[dimension]
    columns = [
        Column(heading, "text", 26),
        Column(_("écritures"), "integer", 10),
        Column(_("heures facturées"), "decimal", 12),
        Column(_("montant (€)"), "money", 12),
    ]
    rows = [
        [view.names.of(dimension, row.key), row.count, hours(row.billable_s), row.amount]
        for row in (
            found
            if found is not None
            else spend_by(session, view.parsed.filters, view.scope, view.tz, dimension)
        )
    ]
    total_row = [_("Total"), summed.count, hours(summed.billable_s), summed.amount]
    return Sheet(title, columns, rows, total_row)


def costs_rows(
    by_month: dict[str, Decimal], telephony: Sequence[TelephonyCost]
) -> list[tuple[str, Decimal | None, list[TelephonyCost]]]:
    """Interpreting and telephony costs side by side, by month, newest first."""
    months = sorted({cost.month for cost in telephony} | set(by_month), reverse=True)
    return [
        (month, by_month.get(month), [cost for cost in telephony if cost.month == month])
        for month in months
    ]


def telephony_totals(telephony: Sequence[TelephonyCost]) -> list[TelephonyCost]:
    """The telephony cost of the whole period, by currency."""
    found: dict[str, TelephonyCost] = {}
    for cost in telephony:
        before = found.get(
            cost.currency, TelephonyCost("", cost.currency, Decimal(0), Decimal(0), 0)
        )
        found[cost.currency] = TelephonyCost(
            "",
            cost.currency,
            before.amount + cost.amount,
            before.interpreters + cost.interpreters,
            before.legs + cost.legs,
        )
    return [found[currency] for currency in sorted(found)]


def costs_sheet(
    session: Session, view: FinanceView, summed: Totals, months: Sequence[SpendRow] | None = None
) -> Sheet:
    """Interpreting cost (the ledger, €) and telephony cost (Twilio's price of each leg, in the
    account's currency) apart, by month (``months``: the spend by month, when already read),
    with the totals."""
    filters = view.parsed.filters
    if months is None:
        months = spend_by(session, filters, view.scope, view.tz, "month")
    by_month = {str(row.key): row.amount for row in months}
    telephony = telephony_costs(session, filters, view.scope, view.tz)
    columns = [
        Column(_("mois"), "text", 10),
        Column(_("coût d'interprétariat (€)"), "money", 16),
        Column(_("coût téléphonique"), "money", 16),
        Column(_("dont appels aux interprètes"), "money", 16),
        Column(_("devise"), "text", 8),
        Column(_("appels"), "integer", 8),
    ]
    rows: list[list[object]] = []
    for month, interpreting, costs in costs_rows(by_month, telephony):
        for index, cost in enumerate(costs or [None]):
            rows.append(
                [
                    month,
                    interpreting if index == 0 else None,
                    cost.amount if cost else None,
                    cost.interpreters if cost else None,
                    cost.currency if cost else "",
                    cost.legs if cost else None,
                ]
            )
    overall = telephony_totals(telephony)
    # One currency (the usual case) sits on the totals row; others each get a row of their own.
    for cost in overall[1:]:
        rows.append([_("Total"), None, cost.amount, cost.interpreters, cost.currency, cost.legs])
    first = overall[0] if overall else None
    total_row: list[object] = [
        _("Total"),
        summed.amount,
        first.amount if first else None,
        first.interpreters if first else None,
        first.currency if first else "",
        first.legs if first else None,
    ]
    return Sheet(_("Coûts"), columns, rows, total_row)


def summary_sheets(session: Session, view: FinanceView) -> list[Sheet]:
    """The spend summary: by month, language, provider, budget line (and helpline when several
    are shown), then the costs apart."""
    dimensions: list[tuple[Dimension, str]] = [
        ("month", _("Par mois")),
        ("language", _("Par langue")),
        ("provider", _("Par prestataire")),
        ("budget_line", _("Par ligne budgétaire")),
    ]
    if view.is_consolidated:
        dimensions.append(("helpline", _("Par permanence")))
    # Every dimension and the totals read together (the months once, for the costs too).
    spend, summed = spend_summary(
        session, view.parsed.filters, view.scope, view.tz, [d for d, _title in dimensions]
    )
    sheets = [
        spend_sheet(session, view, dimension, title, summed, spend[dimension])
        for dimension, title in dimensions
    ]
    sheets.append(costs_sheet(session, view, summed, spend["month"]))
    return sheets


def download(sheets: Sequence[Sheet], fmt: str, stem: str) -> Response:
    """Sheets as a file to download: XLSX, or CSV in the French number format unless the query
    string asks for ``numbers=intl``. The CSV is streamed (its rows read from the database as
    the file is sent, within the request's session); the XLSX is written whole to a temporary
    file first (a zip is only complete at its close), then sent from it in chunks."""
    headers = {"Content-Disposition": f"attachment; filename={stem}.{fmt}"}
    if fmt == "xlsx":
        # The zip is only whole at the workbook's close: written (row by row) to a temporary
        # file, then sent from it in chunks, so the worker never holds the file in memory.
        spooled = tempfile.TemporaryFile()  # noqa: SIM115 - closed once sent
        try:
            xlsx_export(sheets, spooled)
            headers["Content-Length"] = str(spooled.tell())
            spooled.seek(0)
        except BaseException:
            spooled.close()
            raise
        body: Iterator[bytes] | Iterator[str] = _file_chunks(spooled)
        mimetype = XLSX_MIMETYPE
    else:
        french = request.args.get("numbers") != "intl"
        body = stream_with_context(csv_chunks(sheets, french=french))
        mimetype = "text/csv"
    return Response(body, mimetype=mimetype, headers=headers)


def _file_chunks(handle: IO[bytes], size: int = XLSX_CHUNK) -> Iterator[bytes]:
    """A file's bytes a chunk at a time; the file closed at the end (or when the download
    stops)."""
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()
