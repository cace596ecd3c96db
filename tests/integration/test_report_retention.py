"""The retention purge keeps every report exact: the page and the XLSX of the older year read
the same figures before and after the purge, and the same as each other, though the purge
forgot the year's nurse queue entries (which only the reports read)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from python_calamine import CalamineWorkbook
from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from callbacks.jobs import purge_old_records
from hotline.db import Database
from hotline.models import Request
from reports.aggregate_tables import report_builds
from routing.models import NurseRouting
from tests.factories import make_nurse_routing, make_request, make_user
from tests.integration import indicator_history
from tests.integration.test_console_access import console, sign_in
from tests.integration.test_reports_page import row

__all__ = ["console"]  # the fixture, imported for these tests

PAGE_2026 = "/reports?from=01/01/2026&to=31/12/2026"
XLSX_2026 = "/reports/export?format=xlsx&mode=internal&from=2026-01-01&to=2026-12-31"
# Counts the page and the summary sheet both show as whole numbers; B01 and B08 read the queue.
COUNTS = ("A01", "A02", "B01", "B08", "C01")
ROWS = ("A01", "A02", "B01", "B02", "B03", "B04", "B05", "B06", "B08", "B09", "C01", "C03")
NOW = datetime(2028, 2, 1, 4, 0, tzinfo=UTC)


def _page(console: FlaskClient) -> dict[str, list[str]]:
    response = console.get(PAGE_2026)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return {indicator: row(page, indicator) for indicator in ROWS}


def _summary(console: FlaskClient) -> dict[str, list[object]]:
    response = console.get(XLSX_2026)
    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.get_data()))
    rows = sheet.get_sheet_by_name("Synthèse").to_python()
    return {str(row[0]): row for row in rows[1:] if row and row[0]}


def _second_year(session: Session, helpline_id: int) -> None:
    """Some of 2027: requests queued for a nurse in March, after the purge's cutoff."""
    for day in range(1, 6):
        request = make_request(
            session,
            helpline_id=helpline_id,
            opened_at=datetime(2027, 3, day, 10, tzinfo=UTC),
            caller_number="+33612345678",
        )
        entered = request.opened_at + timedelta(seconds=10)
        make_nurse_routing(
            session, request, status="abandoned", created_at=entered,
            ended_at=entered + timedelta(seconds=30),
        )  # fmt: skip


def _queue_entries(session: Session, year: int) -> int:
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    query = (
        select(func.count())
        .select_from(NurseRouting)
        .join(Request, Request.id == NurseRouting.request_id)
        .where(Request.opened_at >= start, Request.opened_at < end)
    )
    return session.scalar(query) or 0


def test_the_page_and_the_xlsx_agree_after_a_retention_purge_of_the_older_year(
    console: FlaskClient, session: Session, connection: Connection
) -> None:
    history = indicator_history.build(session)
    _second_year(session, history.helpline_id)
    older = Request.opened_at < datetime(2027, 1, 1, tzinfo=UTC)
    callers = session.execute(update(Request).where(older).values(caller_number="+33611111111"))
    make_user(session, "coordinator", "coordinator@example.org")
    session.commit()
    assert sign_in(console, "coordinator@example.org") == 302
    page, summary = _page(console), _summary(console)
    assert page["B01"][0] == "4" and summary["B01"][3] == 4  # the queue counts
    assert _queue_entries(session, 2026) == 5 and _queue_entries(session, 2027) == 5

    purged = purge_old_records(Database(connection), lambda: NOW, months=12)

    session.expire_all()
    assert purged == callers.rowcount > 10  # 2026's callers' numbers, none of 2027's
    assert (
        session.scalar(select(func.count()).where(older, Request.caller_number.is_not(None))) == 0
    )
    # The purge forgot 2026's queue entries, kept 2027's, and sealed the days it built.
    assert _queue_entries(session, 2026) == 0 and _queue_entries(session, 2027) == 5
    after_page, after_summary = _page(console), _summary(console)
    assert after_page == page
    assert after_summary == summary
    for indicator in COUNTS:
        assert after_page[indicator][0] == f"{after_summary[indicator][3]:g}", indicator
    sealed = session.scalar(select(func.max(report_builds.c.day)).where(report_builds.c.is_sealed))
    assert sealed is not None and sealed.isoformat() == "2027-01-31"
