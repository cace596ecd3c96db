"""The yearly report's downloads: ``/reports/export?format=xlsx|ods|pdf|csv`` for coordinators,
finance officers and administrators, on the helplines where they hold one of those roles; and
the writer every format shares with ``hotline report`` (the same ``Report``, so the same figures).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from typing import IO

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_babel import force_locale

from hotline.auth import require_roles
from hotline.console.scoping import in_scope_or_404, visible_ids
from hotline.i18n import current_locale
from hotline.i18n import gettext as _
from hotline.spreadsheet import csv_export, ods_export, xlsx_export
from hotline.web import db_session, now, settings
from reports.indicator_data import FILTER_KEYS, Filters
from reports.report_content import Report
from reports.report_data import yearly_report
from reports.report_pdf import pdf_export

bp = Blueprint("report_exports", __name__, template_folder="templates")

FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "pdf": ("application/pdf", "pdf"),
    "csv": ("text/csv", "csv"),
}
MODES = ("internal", "external")
# Who may download the report, in a helpline.
REPORT_ROLES = ("coordinator", "finance", "admin")
CHUNK = 64 * 1024


def write_report(
    report: Report, fmt: str, output: IO[bytes], locale: str, *, table: str | None = None
) -> None:
    """The report in one format: the workbooks hold every section, the PDF every section but
    the request list, the CSV one table (``table``: a section's key) or all of them."""
    if fmt == "xlsx":
        xlsx_export(report.sheets, output)
    elif fmt == "ods":
        ods_export(report.sheets, output)
    elif fmt == "pdf":
        with force_locale(locale):
            pdf_export(report, locale, output)
    elif fmt == "csv":
        sections = [s for s in report.sections if table is None or s.key == table]
        if not sections:
            raise ValueError(f"unknown table {table!r}")
        output.write(csv_export([s.sheet for s in sections], french=True).encode("utf-8"))
    else:
        raise ValueError(f"unknown format {fmt!r}")


def _date(name: str, default: date) -> date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, _("Date invalide : {value} (attendu AAAA-MM-JJ).", value=raw[:20]))


def report_scope() -> list[int]:
    """The helplines whose report the signed-in person may download, narrowed to ``helpline``
    when asked (404 for one he may not see, as every record of another helpline)."""
    allowed = visible_ids(*REPORT_ROLES)
    wanted = request.args.get("helpline", "").strip()
    if not wanted:
        return allowed
    if not wanted.isdigit():
        abort(404)
    in_scope_or_404(int(wanted), *REPORT_ROLES)
    return [int(wanted)]


@bp.get("/reports/export")
@require_roles(*REPORT_ROLES)
def export() -> Response:
    """The report of ``from``–``to`` (default: last year) for the person's helplines, in
    ``format``, masked for outside readers unless ``mode=internal``; CSV of one ``table``."""
    fmt = request.args.get("format", "xlsx")
    mode = request.args.get("mode", "external")
    if fmt not in FORMATS or mode not in MODES:
        abort(400, _("Format ou mode d'export inconnu."))
    table = request.args.get("table") or None
    today = now().date()
    first = _date("from", date(today.year - 1, 1, 1))
    last = _date("to", date(today.year - 1, 12, 31))
    if last < first:
        abort(400, _("La fin de la période précède son début."))
    scope = report_scope()
    if not scope:
        abort(404)
    filters = Filters(**{key: request.args.get(key) or None for key in FILTER_KEYS})
    locale = current_locale()
    report = yearly_report(
        db_session(),
        scope,
        first,
        last,
        locale=locale,
        external=mode == "external",
        mask_below=settings().report_mask_below,
        now=now(),
        filters=filters,
    )
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        write_report(report, fmt, spool, locale, table=table)
    except ValueError:
        spool.close()
        abort(400, _("Tableau inconnu."))
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(CHUNK):
                yield block

    mimetype, extension = FORMATS[fmt]
    stem = f"rapport-{first.isoformat()}-{last.isoformat()}-{mode}"
    return Response(
        stream_with_context(chunks()),
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={stem}.{extension}"},
    )
