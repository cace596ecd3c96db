"""Pages that stay bounded on a region's years of history: the finance pages read the last
twelve months unless an earlier date is typed, and the CSV exports stream their rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_helpline, make_ledger_entry, make_member, make_request, make_user
from tests.integration.test_console_access import console, sign_in

__all__ = ["console"]


def _ledger(session: Session) -> None:
    helpline = make_helpline(session, name="Permanence Garonne")
    for label, at in (
        ("Séance récente", datetime(2026, 11, 20, 9, tzinfo=UTC)),
        ("Séance de l'an dernier", datetime(2025, 10, 15, 9, tzinfo=UTC)),
    ):
        make_ledger_entry(
            session, helpline_id=helpline.id, service_at=at, posted_at=at,
            amount=Decimal("10.00"), label=label,
        )  # fmt: skip
    finance = make_user(session, "finance", "finance@example.org")
    make_member(session, finance, helpline, "finance")


def test_the_ledger_reads_the_last_twelve_months_unless_an_earlier_date_is_typed(
    console: FlaskClient, session: Session
) -> None:
    _ledger(session)
    assert sign_in(console, "finance@example.org") == 302
    page = console.get("/finance/ledger").get_data(as_text=True)
    assert "Séance récente" in page and "Séance de l&#39;an dernier" not in page
    assert 'id="default-period"' in page and "depuis le 01/12/2025" in page
    further = console.get("/finance/ledger?from=2025-01-01").get_data(as_text=True)
    assert "Séance récente" in further and "Séance de l&#39;an dernier" in further
    assert 'id="default-period"' not in further


def test_the_ledger_and_requests_csv_are_streamed_as_they_are_read(
    console: FlaskClient, session: Session
) -> None:
    _ledger(session)
    assert sign_in(console, "finance@example.org") == 302
    ledger = console.get("/finance/ledger.csv?from=2025-01-01")
    assert ledger.is_streamed
    text = ledger.get_data(as_text=True)
    assert "Séance récente" in text and "Séance de l'an dernier" in text
    nurse = make_user(session, "nurse", "nurse@example.org")
    make_request(session, reference="2026-00042")
    assert sign_in(console, nurse.email) == 302
    requests = console.get("/console/requests.csv")
    assert requests.is_streamed and "2026-00042" in requests.get_data(as_text=True)
