"""A request's lifecycle: received → in call → to complete → closed; closing needs a category and
an outcome; reopening is audited; a call's end, delivered twice or late, moves it once; the page
of an ended call shows no live controls."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from callbacks.jobs import sweep_stale_calls
from hotline import lifecycle
from hotline.db import Database
from hotline.models import AuditEvent, Request, RequestStatus, User
from routing.models import RoutingStatus
from tests.conftest import Clock, call_sid, post_signed, voice_form
from tests.factories import make_call, make_nurse_routing, make_request, make_user
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIVE_CONTROLS = ('id="transfer"', 'id="add-interpreter"', "routing_console.hold", "/hold")


@pytest.fixture
def nurse(session: Session) -> User:
    return make_user(session, "nurse", "nurse@example.org", display_name="Amélie Roux")


@pytest.fixture
def nurse_console(console: FlaskClient, nurse: User) -> FlaskClient:
    """A nurse signed in on the console."""
    assert sign_in(console, nurse.email) == 302
    return console


def status_form(sid: str, status: str, seq: int, at_s: int, duration: str = "") -> dict[str, str]:
    form = voice_form(
        sid,
        CallStatus=status,
        SequenceNumber=str(seq),
        Timestamp=format_datetime(T0 + timedelta(seconds=at_s)),
        CallbackSource="call-progress-events",
    )
    if duration:
        form["CallDuration"] = duration
    return form


def gp_calls(app: Flask, session: Session, n: int = 1) -> Request:
    """A GP calls the helpline: the request is received, his leg live."""
    sid = call_sid(n)
    assert post_signed(app.test_client(), "/twilio/voice/incoming", voice_form(sid)).status_code
    found = session.scalars(select(Request).order_by(Request.id.desc())).first()
    assert found is not None
    return found


def gp_hangs_up(app: Flask, n: int = 1, seq: int = 3, at_s: int = 130) -> None:
    form = status_form(call_sid(n), "completed", seq, at_s, str(at_s - 6))
    assert post_signed(app.test_client(), "/twilio/voice/status", form).status_code == 204


def post(console: FlaskClient, path: str, page: str, **data: str) -> str:
    token = csrf_of(console, page)
    response = console.post(path, data={"csrf_token": token, **data}, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_call_is_received_taken_then_to_complete_when_the_gp_hangs_up(
    app: Flask, session: Session, nurse: User
) -> None:
    call_request = gp_calls(app, session)
    assert call_request.status == RequestStatus.RECEIVED
    answered = status_form(call_sid(1), "in-progress", 2, 6)
    post_signed(app.test_client(), "/twilio/voice/status", answered)
    join = {
        "ConferenceSid": "CF" + "1" * 32,
        "FriendlyName": f"req-{call_request.id}",
        "StatusCallbackEvent": "participant-join",
        "CallSid": call_sid(2),
        "ParticipantLabel": f"nurse-{nurse.id}",
        "AccountSid": "AC" + "0123456789abcdef" * 2,
        "SequenceNumber": "1",
        "Timestamp": format_datetime(T0 + timedelta(seconds=20)),
    }
    assert post_signed(app.test_client(), "/twilio/voice/conference", join).status_code == 204
    session.refresh(call_request)
    assert call_request.status == RequestStatus.IN_CALL
    gp_hangs_up(app)
    session.refresh(call_request)
    assert call_request.status == RequestStatus.TO_COMPLETE
    assert call_request.closed_at is None
    assert [e.kind for e in call_request.events].count("call_ended") == 1


def test_duplicated_and_reordered_call_end_callbacks_move_the_request_once(
    app: Flask, session: Session, clock: Clock
) -> None:
    call_request = gp_calls(app, session)
    gp_hangs_up(app)
    # Twilio delivers the end again, then an earlier status late: nothing moves back.
    gp_hangs_up(app)
    late = status_form(call_sid(1), "in-progress", 2, 6)
    post_signed(app.test_client(), "/twilio/voice/status", late)
    session.refresh(call_request)
    assert call_request.status == RequestStatus.TO_COMPLETE
    assert [e.kind for e in call_request.events].count("call_ended") == 1
    # A nurse's answer delivered after the GP's hang-up does not put it back "in call".
    lifecycle.call_taken(session, call_request, clock())
    assert call_request.status == RequestStatus.TO_COMPLETE


def test_the_end_of_a_call_before_its_answer_is_still_to_complete(
    app: Flask, session: Session
) -> None:
    call_request = gp_calls(app, session)
    gp_hangs_up(app, seq=2, at_s=20)
    gp_hangs_up(app, seq=2, at_s=20)
    session.refresh(call_request)
    assert call_request.status == RequestStatus.TO_COMPLETE


def test_closing_is_refused_without_category_and_outcome_and_said(
    session: Session, nurse_console: FlaskClient
) -> None:
    call_request = make_request(session, status=RequestStatus.TO_COMPLETE)
    page = f"/console/requests/{call_request.id}"
    shown = post(nurse_console, f"{page}/close", page)
    assert "choisissez d&#39;abord sa catégorie et son issue" in shown
    session.refresh(call_request)
    assert call_request.status == RequestStatus.TO_COMPLETE and call_request.closed_at is None
    call_request.category = "orientation"
    session.flush()
    shown = post(nurse_console, f"{page}/close", page)
    assert "choisissez d&#39;abord" in shown  # the outcome is still missing
    session.refresh(call_request)
    assert call_request.status == RequestStatus.TO_COMPLETE


def test_a_nurse_closes_a_completed_request_then_reopens_it_audited(
    session: Session, nurse_console: FlaskClient, nurse: User, clock: Clock
) -> None:
    call_request = make_request(
        session,
        status=RequestStatus.TO_COMPLETE,
        category="orientation",
        outcome="oriented",
    )
    page = f"/console/requests/{call_request.id}"
    shown = post(nurse_console, f"{page}/close", page)
    assert f"Demande {call_request.reference} clôturée." in shown
    session.refresh(call_request)
    assert call_request.status == RequestStatus.CLOSED
    assert call_request.closed_at == clock()
    assert 'id="reopen"' in shown and 'id="close"' not in shown

    clock.at += timedelta(hours=1)
    shown = post(nurse_console, f"{page}/reopen", page, reason="Issue à corriger")
    assert f"Demande {call_request.reference} rouverte." in shown
    session.refresh(call_request)
    assert call_request.status == RequestStatus.TO_COMPLETE
    assert call_request.closed_at is None
    kinds = [e.kind for e in call_request.events]
    assert kinds[-2:] == ["request_closed", "request_reopened"]
    audits = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "request", AuditEvent.object_id == str(call_request.id)
        )
    ).all()
    reopened = [a for a in audits if a.action == "reopen"]
    assert [a.action for a in audits if a.action in ("close", "reopen")] == ["close", "reopen"]
    assert reopened[0].user_id == nurse.id
    assert reopened[0].detail["reason"] == "Issue à corriger"
    # Reopening what is not closed is refused, and said.
    shown = post(nurse_console, f"{page}/reopen", page)
    assert "n&#39;est pas clôturée" in shown


def test_a_request_in_call_cannot_be_closed(
    app: Flask, session: Session, nurse_console: FlaskClient
) -> None:
    call_request = gp_calls(app, session)
    call_request.category, call_request.outcome = "orientation", "oriented"
    session.flush()
    page = f"/console/requests/{call_request.id}"
    shown = post(nurse_console, f"{page}/close", page)
    assert "L&#39;appel est en cours" in shown
    session.refresh(call_request)
    assert call_request.status == RequestStatus.RECEIVED


def test_the_request_page_of_an_ended_call_shows_no_live_controls(
    app: Flask, session: Session, nurse_console: FlaskClient, nurse: User
) -> None:
    call_request = gp_calls(app, session)
    make_nurse_routing(
        session,
        call_request,
        gp_call_sid=call_sid(1),
        status=RoutingStatus.CONNECTED,
        connected_user_id=nurse.id,
        connected_call_sid=call_sid(2),
    )
    page = f"/console/requests/{call_request.id}"
    live = nurse_console.get(page).get_data(as_text=True)
    assert 'id="transfer"' in live and 'id="add-interpreter"' in live and "/hold" in live
    assert "Appel terminé" not in live and 'id="close"' not in live

    gp_hangs_up(app)
    ended = nurse_console.get(page).get_data(as_text=True)
    assert all(control not in ended for control in LIVE_CONTROLS)
    assert 'id="call-actions"' not in ended
    assert re.search(r"Appel terminé à [^<]*10:02:10", ended)  # on the helpline's clock
    assert "À compléter" in ended and 'id="close"' in ended


def test_a_stale_leg_older_than_the_live_window_shows_no_live_controls(
    session: Session, nurse_console: FlaskClient, nurse: User
) -> None:
    call_request = make_request(session, status=RequestStatus.IN_CALL)
    sid = call_sid(77)
    make_call(
        session,
        sid=sid,
        request_id=call_request.id,
        role="gp",
        status="in-progress",
        created_at=T0 - timedelta(hours=7),
    )
    make_nurse_routing(
        session, call_request, gp_call_sid=sid, status=RoutingStatus.CONNECTED,
        connected_user_id=nurse.id,
    )  # fmt: skip
    shown = nurse_console.get(f"/console/requests/{call_request.id}").get_data(as_text=True)
    assert 'id="transfer"' not in shown and 'id="add-interpreter"' not in shown


def test_actions_on_the_line_posted_from_a_page_left_open_after_the_end_are_refused(
    app: Flask, session: Session, nurse_console: FlaskClient, nurse: User
) -> None:
    call_request = gp_calls(app, session)
    make_nurse_routing(
        session, call_request, gp_call_sid=call_sid(1), status=RoutingStatus.CONNECTED,
        connected_user_id=nurse.id, connected_call_sid=call_sid(2),
    )  # fmt: skip
    colleague = make_user(session, "nurse", "paul@example.org", display_name="Paul")
    page = f"/console/requests/{call_request.id}"
    token = csrf_of(nurse_console, page)
    gp_hangs_up(app)
    for action, data in (
        ("transfer", {"nurse": str(colleague.id)}),
        ("hold", {"hold": "1"}),
        ("interpreter", {"language": "ar"}),
    ):
        response = nurse_console.post(
            f"{page}/{action}", data={"csrf_token": token, **data}, follow_redirects=True
        )
        assert "L&#39;appel est terminé" in response.get_data(as_text=True), action
    kinds = [e.kind for e in call_request.events]
    assert "transfer_requested" not in kinds and "interpreter_requested" not in kinds


class _Leg:
    status, duration = "completed", "42"


class _Calls:
    def fetch(self) -> _Leg:
        return _Leg()


class FakeTwilio:
    """Twilio's REST client as the clock's sweep reads it: every leg asked about has completed."""

    def calls(self, sid: str) -> _Calls:
        return _Calls()


def test_a_call_whose_end_was_lost_is_to_complete_once_the_clock_sweeps_it(
    app: Flask, session: Session, clock: Clock
) -> None:
    call_request = gp_calls(app, session)
    clock.at += timedelta(hours=4)
    connection = session.connection()
    assert isinstance(connection, Connection)
    fixed = sweep_stale_calls(Database(connection), FakeTwilio(), clock)  # type: ignore[arg-type]
    assert fixed == 1
    session.refresh(call_request)
    assert call_request.status == RequestStatus.TO_COMPLETE
    assert [e.kind for e in call_request.events].count("call_ended") == 1
