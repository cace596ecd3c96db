"""What the clock and the flows do for a record reaches the people of that record's helpline
only: a due callback rings a nurse of its helpline, a voicemail texts its helpline's nurse on
duty, a call rings its helpline's rota, a call is handed to a colleague of its helpline, a
meeting's agenda goes to staff of its helpline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks import calling
from callbacks.models import CallbackStatus
from callbacks.network.meeting_models import Meeting, MeetingKind, MeetingParticipant
from callbacks.twiml import CallbackUrls
from hotline.models import Helpline, User
from hotline.sms import SmsMessage
from routing import admin as rota
from routing.console import call_actions_panel
from routing.models import RoutingStatus
from routing.notify import on_duty_nurse, on_voicemail_left
from routing.rota import routing_plan
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import (
    T0,
    make_call,
    make_callback_task,
    make_helpline,
    make_member,
    make_nurse_routing,
    make_request,
    make_shift,
    make_user,
)
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests


@pytest.fixture
def lines(session: Session) -> tuple[Helpline, Helpline, User, User]:
    """Helplines A and B, Amélie a nurse of A only, Bruno a nurse of B only (both on duty)."""
    line_a = make_helpline(session, name="Ligne A")
    line_b = make_helpline(session, name="Ligne B", phone_number="+33561000002",
                           is_voicemail_sms_enabled=True)  # fmt: skip
    amelie = make_user(session, "nurse", "amelie@example.org", display_name="Amélie Roux",
                       phone="+33600000001", is_available=True)  # fmt: skip
    bruno = make_user(session, "nurse", "bruno@example.org", display_name="Bruno Petit",
                      phone="+33600000002", is_available=True)  # fmt: skip
    make_member(session, amelie, line_a, "nurse")
    make_member(session, bruno, line_b, "nurse")
    return line_a, line_b, amelie, bruno


def test_a_due_callback_rings_a_nurse_of_its_helpline_not_an_assignee_of_another(
    session: Session, lines: tuple[Helpline, Helpline, User, User]
) -> None:
    _line_a, line_b, amelie, bruno = lines
    make_shift(session, bruno, line_b)
    task = make_callback_task(session, make_request(session, line_b), phone="+33612345678",
                              assignee_id=amelie.id)  # fmt: skip
    [claimed] = calling.claim_due(session, T0)
    assert calling.fire(session, claimed, T0, CallbackUrls(PUBLIC_BASE_URL))
    assert claimed.calling_user_id == bruno.id
    assert claimed.status == CallbackStatus.CALLING
    assert task.id == claimed.id


def test_a_callback_whose_helpline_has_no_nurse_to_ring_rings_nobody_elsewhere(
    session: Session, lines: tuple[Helpline, Helpline, User, User]
) -> None:
    _line_a, line_b, amelie, _bruno = lines
    make_shift(session, amelie, line_b)  # a shift left on B's rota to a nurse of A only
    task = make_callback_task(session, make_request(session, line_b), phone="+33612345678",
                              assignee_id=amelie.id)  # fmt: skip
    [claimed] = calling.claim_due(session, T0)
    assert not calling.fire(session, claimed, T0, CallbackUrls(PUBLIC_BASE_URL))
    assert claimed.calling_user_id is None
    assert task.next_attempt_at is not None  # retried later, as when nobody is on duty


def test_a_voicemail_texts_the_nurse_on_duty_of_its_helpline_only(
    session: Session, lines: tuple[Helpline, Helpline, User, User]
) -> None:
    _line_a, line_b, amelie, bruno = lines
    make_shift(session, amelie, line_b)  # not one of B's nurses: never told of B's voicemails
    assert on_duty_nurse(session, line_b.id, T0 + timedelta(hours=1)) is None
    make_shift(session, bruno, line_b)
    assert on_duty_nurse(session, line_b.id, T0 + timedelta(hours=1)) == bruno
    call_request = make_request(session, line_b)
    on_voicemail_left(None, session=session, request=call_request, recording_sid="RE" + "1" * 32,
                      now=T0 + timedelta(hours=1))  # fmt: skip
    texted = session.scalars(
        select(SmsMessage.to_number).where(SmsMessage.request_id == call_request.id)
    ).all()
    assert texted == [bruno.phone]


def test_a_call_rings_the_nurses_of_its_helpline_s_rota_only(
    session: Session, lines: tuple[Helpline, Helpline, User, User]
) -> None:
    _line_a, line_b, amelie, bruno = lines
    make_shift(session, amelie, line_b)
    make_shift(session, bruno, line_b, rank="backup")
    plan = routing_plan(session, line_b, T0 + timedelta(hours=1))
    assert {target.nurse_id for target in plan.targets} == {bruno.id}


def test_putting_a_nurse_on_a_helpline_s_rota_makes_her_one_of_its_nurses(
    session: Session, lines: tuple[Helpline, Helpline, User, User]
) -> None:
    _line_a, line_b, amelie, _bruno = lines
    rota.add_shift(session, line_b, amelie, "2026-11-23 08:00", "2026-11-23 20:00")
    plan = routing_plan(session, line_b, T0 + timedelta(hours=1))
    assert {target.nurse_id for target in plan.targets} == {amelie.id}


def test_a_meeting_s_agenda_goes_to_staff_of_its_helpline_only(
    console: FlaskClient, session: Session, lines: tuple[Helpline, Helpline, User, User]
) -> None:
    line_a, _line_b, amelie, bruno = lines
    coordinator = make_member(session, make_user(session, "coordinator", "coord@example.org"),
                              line_a, "coordinator")  # fmt: skip
    meeting = Meeting(helpline_id=line_a.id, kind=MeetingKind.RCP, created_by=coordinator.id,
                      starts_at=T0 + timedelta(days=2), place="Salle 1")  # fmt: skip
    session.add(meeting)
    session.commit()
    assert sign_in(console, coordinator.email) == 302
    page_url = f"/console/network/meetings/{meeting.id}"
    page = console.get(page_url).get_data(as_text=True)
    assert "Amélie Roux" in page and "Bruno Petit" not in page
    token = csrf_of(console, page_url)
    refused = console.post(f"{page_url}/participants",
                           data={"csrf_token": token, "user_id": str(bruno.id)})  # fmt: skip
    assert refused.status_code == 400
    assert "Compte inconnu." in refused.get_data(as_text=True)
    added = console.post(f"{page_url}/participants",
                         data={"csrf_token": token, "user_id": str(amelie.id)})  # fmt: skip
    assert added.status_code == 302
    emails = session.scalars(
        select(MeetingParticipant.email).where(MeetingParticipant.meeting_id == meeting.id)
    ).all()
    assert emails == [amelie.email]


def test_the_nurse_hands_her_call_over_to_a_colleague_of_its_helpline_only(
    session: Session, lines: tuple[Helpline, Helpline, User, User]
) -> None:
    line_a, _line_b, amelie, bruno = lines
    chloe = make_user(session, "nurse", "chloe@example.org", display_name="Chloé Martin")
    make_member(session, chloe, line_a, "nurse")
    call_request = make_request(session, line_a)
    make_call(session, request_id=call_request.id, role="gp", status="in-progress",
              created_at=T0 - timedelta(minutes=1))  # fmt: skip
    make_nurse_routing(session, call_request, status=RoutingStatus.CONNECTED,
                       connected_user_id=amelie.id)  # fmt: skip
    panel = call_actions_panel(session, call_request, amelie, T0)
    assert panel is not None
    assert [colleague.id for colleague in panel.context["colleagues"]] == [chloe.id]
    assert bruno.id not in {colleague.id for colleague in panel.context["colleagues"]}
