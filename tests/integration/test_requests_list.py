"""The console's requests list: search by reference, professional or number written any way,
filters, sort, pages, the same list as CSV (no formulas), bad filters said, the board's summary."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hotline import hooks
from hotline.models import AuditEvent, RequestStatus, User
from tests.factories import (
    make_callback_task,
    make_helpline,
    make_member,
    make_professional,
    make_request,
    make_user,
    the_helpline,
)
from tests.integration.test_console_access import console, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def nurse(session: Session) -> User:
    return make_user(session, "nurse", "nurse@example.org", display_name="Amélie Roux")


@pytest.fixture
def nurse_console(console: FlaskClient, nurse: User) -> FlaskClient:
    assert sign_in(console, nurse.email) == 302
    return console


def references(console: FlaskClient, query: str = "") -> list[str]:
    response = console.get(f"/console/requests{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.findall(
        r'<th scope="row"><a href="[^"]+">([^<]+)</a>', response.get_data(as_text=True)
    )


def test_the_list_is_in_the_nurse_s_navigation_and_accessible(
    session: Session, nurse_console: FlaskClient
) -> None:
    make_request(session, reference="2026-00001")
    page = nurse_console.get("/console/requests").get_data(as_text=True)
    assert '<a href="/console/requests">Demandes</a>' in page
    assert "<caption>" in page and '<th scope="col"' in page
    assert '<p role="status" id="result-count">1 demande trouvée' in page
    assert 'aria-sort="descending"' in page
    assert all(f'for="{name}"' in page for name in ("q", "from", "to", "state", "nurse"))


def test_the_search_finds_a_request_by_the_caller_s_number_written_any_way(
    session: Session, nurse_console: FlaskClient
) -> None:
    make_request(session, reference="2026-00001", caller_number="+33612345678")
    make_request(session, reference="2026-00002", caller_number="+33699999999")
    # A request from another number of the same professional is found too.
    claire = make_professional(session, "+33612345678", "+33561223344")
    make_request(session, reference="2026-00003", caller_number=None, professional_id=claire.id)
    for written in ("06 12 34 56 78", "0612345678", "+33 6 12 34 56 78", "0033612345678"):
        found = references(nurse_console, f"?q={written.replace('+', '%2B')}")
        assert sorted(found) == ["2026-00001", "2026-00003"], written


def test_the_search_finds_by_reference_and_by_the_professional_s_name(
    session: Session, nurse_console: FlaskClient
) -> None:
    claire = make_professional(session, "+33612345678")
    paul = make_professional(session, first_name="Paul", last_name="Durand_50%")
    make_request(session, reference="2026-00041", professional_id=claire.id)
    make_request(session, reference="2026-00042", professional_id=paul.id)
    assert references(nurse_console, "?q=2026-00042") == ["2026-00042"]
    assert references(nurse_console, "?q=martin") == ["2026-00041"]
    assert references(nurse_console, "?q=Claire+Martin") == ["2026-00041"]
    assert references(nurse_console, "?q=Durand_50%25") == ["2026-00042"]
    assert references(nurse_console, "?q=_") == ["2026-00042"]  # LIKE wildcards escaped


def test_filters_by_period_state_category_language_nurse_and_helpline(
    session: Session, nurse_console: FlaskClient, nurse: User
) -> None:
    other_nurse = make_user(session, "nurse", "paul@example.org", display_name="Paul")
    main = the_helpline(session)
    second = make_helpline(session, name="Autre ligne", phone_number="+33561000001")
    make_member(session, nurse, second, "nurse")  # she works on both: the list holds both
    make_request(
        session,
        reference="2026-00001",
        opened_at=T0 - timedelta(days=10),
        status=RequestStatus.CLOSED,
        category="orientation",
        nurse_id=nurse.id,
    )
    make_request(
        session,
        reference="2026-00002",
        opened_at=T0,
        language="ar",
        status=RequestStatus.TO_COMPLETE,
        nurse_id=other_nurse.id,
    )
    make_request(session, reference="2026-00003", opened_at=T0 + timedelta(hours=1),
                 helpline=second, status=RequestStatus.TO_COMPLETE)  # fmt: skip
    assert references(nurse_console, "?from=2026-11-20") == ["2026-00003", "2026-00002"]
    assert references(nurse_console, "?to=20/11/2026") == ["2026-00001"]
    assert references(nurse_console, "?from=2026-11-23&to=2026-11-23") == [
        "2026-00003",
        "2026-00002",
    ]
    assert references(nurse_console, "?state=to_complete") == ["2026-00003", "2026-00002"]
    assert references(nurse_console, "?category=orientation") == ["2026-00001"]
    assert references(nurse_console, "?language=ar") == ["2026-00002"]
    page = nurse_console.get("/console/requests").get_data(as_text=True)
    assert ">Arabe</option>" in page  # named by the package that knows languages
    assert references(nurse_console, f"?nurse={nurse.id}") == ["2026-00001"]
    assert references(nurse_console, f"?helpline={second.id}") == ["2026-00003"]
    assert references(nurse_console, f"?helpline={main.id}&state=to_complete") == ["2026-00002"]


def test_sort_by_reference_or_date_both_ways(session: Session, nurse_console: FlaskClient) -> None:
    make_request(session, reference="2026-00002", opened_at=T0)
    make_request(session, reference="2026-00001", opened_at=T0 + timedelta(hours=1))
    make_request(session, reference="2026-00003", opened_at=T0 - timedelta(hours=1))
    assert references(nurse_console) == ["2026-00001", "2026-00002", "2026-00003"]
    assert references(nurse_console, "?dir=asc") == ["2026-00003", "2026-00002", "2026-00001"]
    assert references(nurse_console, "?sort=reference&dir=asc") == [
        "2026-00001",
        "2026-00002",
        "2026-00003",
    ]
    assert references(nurse_console, "?sort=reference") == [
        "2026-00003",
        "2026-00002",
        "2026-00001",
    ]


def test_pages_of_fifty_read_in_a_fixed_number_of_queries(
    app: Flask, session: Session, nurse_console: FlaskClient
) -> None:
    for n in range(120):
        claire = make_professional(session, f"+336123456{n:02d}", last_name=f"Martin{n}")
        make_request(session, reference=f"2026-{n:05d}", opened_at=T0 + timedelta(minutes=n),
                     professional_id=claire.id, caller_number=f"+336123456{n:02d}")  # fmt: skip
    session.expire_all()
    statements: list[str] = []
    engine = session.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        first = references(nurse_console)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert first[0] == "2026-00119" and len(first) == 50
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) < 15, selects  # no query per row (callers loaded in one go)
    third = nurse_console.get("/console/requests?page=3").get_data(as_text=True)
    assert "page 3 sur 3" in third and "120 demandes trouvées" in third
    assert references(nurse_console, "?page=3")[-1] == "2026-00000"
    assert len(references(nurse_console, "?page=99")) == 20  # past the end: the last page


def test_bad_filters_are_said_not_a_500(session: Session, nurse_console: FlaskClient) -> None:
    make_request(session, reference="2026-00001")
    for query, message in (
        ("?from=31/02/2026", "Date « 31/02/2026 » illisible"),
        ("?from=2026-12-01&to=2026-11-01", "La période commence après sa fin"),
        ("?state=lost", "État « lost » inconnu."),
        ("?sort=name", "Choix « name » inconnu pour « tri »."),
        ("?nurse=abc", "Choix « abc » inconnu"),
        ("?nurse=99999999999", "Choix « 99999999999 » inconnu"),
        ("?helpline=424242", "Choix « 424242 » inconnu"),
        ("?page=-1&q=" + "x" * 200, "Recherche trop longue"),
        ("?q=%00", "Recherche trop longue"),
    ):
        response = nurse_console.get(f"/console/requests{query}")
        assert response.status_code == 400, query
        assert message in response.get_data(as_text=True), query
        assert nurse_console.get(f"/console/requests.csv{query}").status_code == 400


def test_the_csv_is_the_same_filtered_list_without_formulas_and_audited(
    session: Session, nurse_console: FlaskClient, nurse: User
) -> None:
    evil = make_professional(
        session, "+33612345678", title=None, first_name="=HYPERLINK(1)", last_name="X"
    )
    make_request(
        session,
        reference="2026-00001",
        professional_id=evil.id,
        caller_number="+33612345678",
        status=RequestStatus.TO_COMPLETE,
    )
    make_request(session, reference="2026-00002", status=RequestStatus.CLOSED)  # fmt: skip
    response = nurse_console.get("/console/requests.csv?state=to_complete")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][:3] == ["Référence", "Reçue le", "État"]
    assert [row[0] for row in rows[1:]] == ["2026-00001"]
    assert rows[1][2] == "À compléter"
    assert rows[1][3].startswith("'=")  # neutralised: no formula for the spreadsheet
    assert rows[1][5] == "06 12 34 56 78"
    exported = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.user_id == nurse.id)
    ).one()
    assert exported.detail == {"rows": 1, "state": "to_complete"}


def test_the_list_is_for_nurses(session: Session, console: FlaskClient) -> None:
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    assert console.get("/console/requests").status_code == 403
    assert console.get("/console/requests.csv").status_code == 403


def test_the_board_shows_the_day_at_a_glance_on_the_helpline_s_clock(
    app: Flask, session: Session, nurse_console: FlaskClient
) -> None:
    make_request(session, opened_at=T0)  # 10:00 in Paris, today
    make_request(session, opened_at=T0 - timedelta(hours=9, minutes=30))  # 00:30 in Paris
    make_request(session, opened_at=T0 - timedelta(hours=11), status=RequestStatus.TO_COMPLETE)
    late = make_request(session, opened_at=T0 - timedelta(days=2), status=RequestStatus.TO_COMPLETE)
    make_callback_task(session, late, due_at=T0 + timedelta(hours=5))  # due today
    make_callback_task(session, late, due_at=T0 + timedelta(days=3))  # not yet
    make_callback_task(session, late, due_at=T0, status="done")
    state = nurse_console.get("/console/api/board").get_json()
    summary = {item["key"]: item for item in state["summary"]}
    assert [item["key"] for item in state["summary"]] == [
        "calls_today",
        "callbacks_due",
        "appointment_follow_ups_due",
        "to_complete",
    ]
    assert summary["calls_today"]["count"] == 2  # 23:00 the day before is yesterday in Paris
    assert summary["callbacks_due"]["count"] == 1
    assert summary["to_complete"]["count"] == 2
    assert summary["to_complete"]["url"] == "/console/requests?state=to_complete"
    assert state["at_local"] == "10:00:00"  # the helpline's clock, not UTC nor the browser's
    page = nurse_console.get("/console/board").get_data(as_text=True)
    assert "Mis à jour à 10:00:00" in page
    assert 'href="/console/requests?state=to_complete">Demandes à compléter</a>' in page
    assert len(references(nurse_console, "?state=to_complete")) == 2
    assert hooks.registries(app).board_summaries  # the callbacks package registered its figure


def test_the_list_reads_in_english(session: Session, nurse_console: FlaskClient) -> None:
    make_request(session, reference="2026-00001", status=RequestStatus.TO_COMPLETE)
    page = nurse_console.get("/console/requests?lang=en").get_data(as_text=True)
    assert "1 request found" in page and "To complete" in page
    assert "Download this list (CSV)" in page and "<caption>Requests, newest first" in page
