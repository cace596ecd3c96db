"""Every page, list, JSON answer and export of the nurse's and coordinator's console holds only
the records of the reader's helplines: a nurse of helpline A reads none of helpline B's requests,
callers, callbacks, live calls, follow-ups, meetings or cases, and B's record pages and actions
answer her 404 (B's reference numbers are not confirmed); a regional administrator reads both,
each row with its helpline, and filters on one."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.models import CallbackTask
from callbacks.network.meeting_models import (
    ActivityKind,
    AgendaItem,
    Meeting,
    MeetingKind,
    NetworkActivity,
)
from callbacks.network.orientation_models import AppointmentFollowUp, Orientation
from hotline.models import Helpline, Request, RequestStatus, User
from tests.factories import (
    make_call,
    make_callback_task,
    make_helpline,
    make_member,
    make_partner,
    make_professional,
    make_request,
    make_user,
)
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the clock fixture's time


@dataclass
class Side:
    """One helpline and what happened on it: a request (with a live call, a callback, an
    orientation's follow-up, a meeting that discussed it and published it, an activity)."""

    helpline: Helpline
    nurse: User
    request: Request
    earlier: Request  # another request of the other side's caller, on this helpline
    task: CallbackTask
    follow_up: AppointmentFollowUp
    meeting: Meeting
    item: AgendaItem
    markers: tuple[str, ...]  # what only this side's records show


def _side(session: Session, helpline: Helpline, tag: str, digit: int, nurse: User) -> Side:
    caller = make_professional(session, f"+3361200000{digit}", last_name=f"Appelant{tag}")
    call_request = make_request(
        session, helpline, reference=f"2026-9{digit}001", professional_id=caller.id,
        caller_number=f"+3361200000{digit}", status=RequestStatus.TO_COMPLETE,
        category="complex_situation", opened_at=T0 - timedelta(minutes=5),
    )  # fmt: skip
    make_call(session, request_id=call_request.id, role="gp", status="in-progress",
              created_at=T0 - timedelta(minutes=2))  # fmt: skip
    task = make_callback_task(session, call_request, phone=f"+3361200000{digit}",
                              recording_url=f"https://api.twilio.com/rec/RE{digit}")  # fmt: skip
    partner = make_partner(session, name=f"Partenaire{tag}")
    orientation = Orientation(
        request_id=call_request.id,
        partner_id=partner.id,
        appointment_at=T0 - timedelta(days=1),
        created_by_id=nurse.id,
    )
    session.add(orientation)
    session.flush()
    follow_up = AppointmentFollowUp(orientation_id=orientation.id, request_id=call_request.id,
                                    due_at=T0 - timedelta(hours=1))  # fmt: skip
    meeting = Meeting(helpline_id=helpline.id, kind=MeetingKind.RCP, created_by=nurse.id,
                      starts_at=T0 - timedelta(days=2), place=f"Salle{tag}")  # fmt: skip
    session.add_all([follow_up, meeting])
    session.flush()
    item = AgendaItem(meeting_id=meeting.id, request_id=call_request.id, proposed_by=nurse.id,
                      summary=f"Situation{tag} anonymisée", decision=f"Décision{tag}",
                      published_at=T0 - timedelta(days=1), published_by=nurse.id)  # fmt: skip
    activity = NetworkActivity(helpline_id=helpline.id, kind=ActivityKind.TRAINING,
                               held_on=date(2026, 11, 2), theme=f"Formation{tag}", count=12,
                               created_by=nurse.id)  # fmt: skip
    session.add_all([item, activity])
    session.flush()
    return Side(
        helpline, nurse, call_request, call_request, task, follow_up, meeting, item,
        (call_request.reference, f"Appelant{tag}", f"Partenaire{tag}", f"Salle{tag}",
         f"Situation{tag}", f"Formation{tag}"),
    )  # fmt: skip


@dataclass
class Region:
    """Two helplines side by side, a nurse (and coordinator) of each, a regional admin."""

    a: Side
    b: Side
    regional: User


@pytest.fixture
def region(session: Session) -> Region:
    line_a = make_helpline(session, name="Ligne A")
    line_b = make_helpline(session, name="Ligne B", phone_number="+33561000002")
    nurse_a = make_member(session, make_user(session, "nurse", "a@example.org"), line_a,
                          "nurse", "coordinator")  # fmt: skip
    nurse_b = make_member(session, make_user(session, "nurse", "b@example.org"), line_b,
                          "nurse", "coordinator")  # fmt: skip
    a = _side(session, line_a, "Alpha", 1, nurse_a)
    b = _side(session, line_b, "Bravo", 2, nurse_b)
    # A caller of both helplines: A's page of his request lists no B request.
    both = make_professional(session, "+33612000009", last_name="Commun")
    a.earlier = make_request(session, line_a, reference="2026-91002", professional_id=both.id)
    b.earlier = make_request(session, line_b, reference="2026-92002", professional_id=both.id)
    regional = make_user(session, "admin", "region@example.org", is_regional_admin=True)
    session.commit()
    return Region(a, b, regional)


# Every list, page, JSON answer and export of the console that shows requests' records.
LISTS = [
    "/console/board",
    "/console/api/board",
    "/console/requests",
    "/console/requests?q=2026-9",
    "/console/requests.csv",
    "/console/callbacks",
    "/console/follow-ups",
    "/console/network/meetings",
    "/console/network/cases",
    "/console/network/cases.csv",
    "/console/network/activities",
    "/console/directory?q=Appelant",
]


def _read(console: FlaskClient, path: str) -> str:
    response = console.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", LISTS)
def test_a_nurse_of_helpline_a_reads_none_of_helpline_b_s_records_in_any_list_or_export(
    console: FlaskClient, region: Region, path: str
) -> None:
    assert sign_in(console, region.a.nurse.email) == 302
    body = _read(console, path)
    if path.startswith("/console/directory"):
        # The directory is regional: both callers are in it, none of their requests.
        assert "AppelantBravo" in body and "2026-92001" not in body
        return
    if path == "/console/board":
        return  # the page itself lists no record: its script reads /console/api/board
    shown = [marker for marker in region.a.markers if marker in body]
    assert shown, f"{path} shows none of A's records: the test would prove nothing"
    leaked = [marker for marker in region.b.markers if marker in body]
    assert leaked == [], f"{path} shows helpline B's {leaked}"


def test_the_board_s_figures_count_the_nurse_s_helpline_only(
    console: FlaskClient, region: Region
) -> None:
    assert sign_in(console, region.a.nurse.email) == 302
    state = console.get("/console/api/board").get_json()
    assert [call["reference"] for call in state["calls"]] == ["2026-91001"]
    figures = {item["key"]: item["count"] for item in state["summary"]}
    assert figures["calls_today"] == 2  # A's two requests, not B's two
    assert figures["callbacks_due"] == 1
    assert figures["appointment_follow_ups_due"] == 1
    assert figures["to_complete"] == 1
    assert state["several_helplines"] is False


def test_the_request_page_lists_the_caller_s_earlier_requests_of_the_nurse_s_helplines_only(
    console: FlaskClient, region: Region
) -> None:
    assert sign_in(console, region.a.nurse.email) == 302
    page = _read(console, f"/console/requests/{region.a.earlier.id}")
    assert "Commun" in page  # the caller (the directory is shared)
    assert "2026-92002" not in page  # but not his request to helpline B


# Every page and action on one record: B's answer A's nurse 404, as a missing record would.
RECORD_URLS = [
    ("GET", "/console/requests/{request}"),
    ("POST", "/console/requests/{request}"),
    ("POST", "/console/requests/{request}/close"),
    ("POST", "/console/requests/{request}/reopen"),
    ("POST", "/console/requests/{request}/caller"),
    ("GET", "/console/requests/{request}/caller/new"),
    ("POST", "/console/requests/{request}/caller/new"),
    ("POST", "/console/requests/{request}/transfer"),
    ("POST", "/console/requests/{request}/hold"),
    ("POST", "/console/requests/{request}/interpreter"),
    ("POST", "/console/requests/{request}/interpreter/remove"),
    ("POST", "/console/requests/{request}/consent"),
    ("POST", "/console/requests/{request}/structure"),
    ("GET", "/console/requests/{request}/orientations/new"),
    ("POST", "/console/requests/{request}/orientations/new"),
    ("POST", "/console/api/requests/{request}/interpreter"),
    ("DELETE", "/console/api/requests/{request}/interpreter"),
    ("POST", "/console/callbacks/{task}/call"),
    ("GET", "/console/callbacks/{task}/recording"),
    ("GET", "/console/callbacks/{task}/outcome"),
    ("POST", "/console/callbacks/{task}/outcome"),
    ("GET", "/console/follow-ups/{follow_up}"),
    ("POST", "/console/follow-ups/{follow_up}"),
    ("GET", "/console/network/meetings/{meeting}"),
    ("POST", "/console/network/meetings/{meeting}/participants"),
    ("POST", "/console/network/meetings/{meeting}/agenda"),
    ("POST", "/console/network/meetings/{meeting}/send"),
    ("POST", "/console/network/agenda/{item}/decision"),
    ("POST", "/console/network/agenda/{item}/publish"),
]


def _url(template: str, side: Side) -> str:
    return template.format(
        request=side.request.id, task=side.task.id, follow_up=side.follow_up.id,
        meeting=side.meeting.id, item=side.item.id,
    )  # fmt: skip


def _send(console: FlaskClient, method: str, url: str, token: str) -> int:
    if method == "GET":
        return console.get(url).status_code
    headers = {"X-CSRFToken": token, "X-CSRF-Token": token}
    if "/api/" in url:
        return console.open(
            url, method=method, json={"language": "ar"}, headers=headers
        ).status_code
    form = {"csrf_token": token, "reference": "2026-92001", "summary": "Situation", "nurse": "1"}
    return console.open(url, method=method, data=form, headers=headers).status_code


@pytest.mark.parametrize(("method", "template"), RECORD_URLS)
def test_helpline_b_s_record_pages_and_actions_answer_404_to_a_nurse_of_helpline_a(
    console: FlaskClient, session: Session, region: Region, method: str, template: str
) -> None:
    assert sign_in(console, region.a.nurse.email) == 302
    token = csrf_of(console, "/console/requests")
    before = (region.b.request.status, region.b.request.notes, region.b.task.status)
    assert _send(console, method, _url(template, region.b), token) == 404
    session.expire_all()
    assert (region.b.request.status, region.b.request.notes, region.b.task.status) == before
    if method == "GET" and not template.endswith("/recording"):  # her own helpline's opens
        assert console.get(_url(template, region.a)).status_code == 200


def test_a_nurse_of_helpline_a_cannot_put_a_request_of_helpline_b_on_her_meeting_s_agenda(
    console: FlaskClient, session: Session, region: Region
) -> None:
    assert sign_in(console, region.a.nurse.email) == 302
    url = f"/console/network/meetings/{region.a.meeting.id}/agenda"
    token = csrf_of(console, f"/console/network/meetings/{region.a.meeting.id}")
    response = console.post(url, data={"csrf_token": token, "reference": "2026-92001",
                                       "summary": "Une situation"})  # fmt: skip
    assert response.status_code == 400
    assert "Aucune demande n&#39;a la référence « 2026-92001 »" in response.get_data(as_text=True)
    items = session.scalars(select(AgendaItem).where(AgendaItem.request_id == region.b.request.id))
    assert len(items.all()) == 1  # B's own item only


def test_a_nurse_of_both_helplines_reads_both_with_each_row_s_helpline(
    console: FlaskClient, session: Session, region: Region
) -> None:
    make_member(session, region.a.nurse, region.b.helpline, "nurse")
    session.commit()
    assert sign_in(console, region.a.nurse.email) == 302
    page = _read(console, "/console/requests")
    assert "2026-91001" in page and "2026-92001" in page
    assert '<th scope="col">Ligne</th>' in page and "<td>Ligne B</td>" in page
    callbacks = _read(console, "/console/callbacks")
    assert "2026-92001" in callbacks and "<td>Ligne B</td>" in callbacks
    # B's record pages open to her now.
    assert console.get(f"/console/requests/{region.b.request.id}").status_code == 200


def test_the_regional_administrator_reads_both_helplines_and_filters_on_one(
    console: FlaskClient, region: Region
) -> None:
    assert sign_in(console, region.regional.email) == 302
    for path in ("/console/requests", "/console/callbacks", "/console/follow-ups",
                 "/console/network/meetings", "/console/network/cases"):  # fmt: skip
        body = _read(console, path)
        assert any(marker in body for marker in region.a.markers), path
        assert any(marker in body for marker in region.b.markers), path
    assert " · Ligne B</li>" in _read(console, "/console/network/meetings")
    activities = _read(console, "/console/network/activities")
    assert "FormationAlpha" in activities and "FormationBravo" in activities
    assert "<td>Ligne B</td>" in activities
    board = _read(console, "/console/board")
    assert 'id="calls"' in board and 'id="phone"' not in board  # read-only: no phone, no duty
    state = console.get("/console/api/board").get_json()
    assert {(c["reference"], c["helpline"]) for c in state["calls"]} == {
        ("2026-91001", "Ligne A"),
        ("2026-92001", "Ligne B"),
    }
    assert state["several_helplines"] is True
    only_b = _read(console, f"/console/callbacks?helpline={region.b.helpline.id}")
    assert "2026-92001" in only_b and "2026-91001" not in only_b
    text = _read(console, "/console/requests.csv").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert {row[0] for row in rows[1:]} == {"2026-91001", "2026-91002", "2026-92001", "2026-92002"}
    assert {row[10] for row in rows[1:]} == {"Ligne A", "Ligne B"}
    by_line = _read(console, f"/console/requests.csv?helpline={region.a.helpline.id}")
    assert "2026-92001" not in by_line and "2026-91001" in by_line
    # He reads a nurse's pages; he does not act on them (he is not a nurse).
    page = _read(console, f"/console/requests/{region.b.request.id}")
    assert 'id="read-only"' in page and 'id="save"' not in page and 'id="close"' not in page
    token = csrf_of(console, "/console/requests")
    closing = f"/console/requests/{region.b.request.id}/close"
    assert console.post(closing, data={"csrf_token": token}).status_code == 403


def test_a_helpline_filter_naming_a_helpline_the_nurse_does_not_see_is_refused(
    console: FlaskClient, region: Region
) -> None:
    assert sign_in(console, region.a.nurse.email) == 302
    for path in ("/console/requests", "/console/callbacks", "/console/follow-ups"):
        response = console.get(f"{path}?helpline={region.b.helpline.id}")
        body = response.get_data(as_text=True)
        assert response.status_code == 400, path
        assert f"Choix « {region.b.helpline.id} » inconnu" in body, path
        assert "2026-92001" not in body, path
    csv_answer = console.get(f"/console/requests.csv?helpline={region.b.helpline.id}")
    assert csv_answer.status_code == 400 and "2026-92001" not in csv_answer.get_data(as_text=True)
