"""After a concertation meeting: its decision books a follow-up callback of the referring
professional, closed later with a coded outcome; the agenda e-mail reaches a real SMTP server
with the references and no identity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from callbacks.models import CallbackTask, FollowUpOutcome
from callbacks.network.meeting_models import AgendaItem, Consent, Meeting, MeetingParticipant
from hotline import outbox
from hotline.anonymity import identities
from hotline.app import create_app
from hotline.db import Database
from hotline.hooks import CallbackReason
from hotline.mailbox import Mailbox, attach
from hotline.models import OutboxMessage, Request
from hotline.web import EXTENSION_KEY
from routing import admin
from tests.conftest import (
    PUBLIC_BASE_URL,
    Clock,
    RecordingDispatcher,
    make_settings,
    post_signed,
    voice_form,
)
from tests.factories import (
    make_helpline,
    make_member,
    make_professional,
    make_user,
    the_helpline,
)
from tests.integration.test_console_access import csrf_of, sign_in
from tests.integration.test_follow_ups import (
    GP_SID,
    NURSE_LEG,
    PROFESSIONAL_LEG,
    a_callback,
    his_leg_ends,
    ring_professional,
)
from tests.integration.test_network_meetings import CLEAN_SUMMARY, console
from tests.integration.test_nurse_routing import set_up_rota

__all__ = ["console"]  # the fixture, imported for these tests

PARIS = ZoneInfo("Europe/Paris")


def a_situation_on_the_agenda(
    client: FlaskClient, session: Session, starts_at: datetime
) -> tuple[Request, Meeting, AgendaItem]:
    """Dr Martin called about a complex situation; with consent, it is on a meeting's agenda."""
    amelie, _paul = set_up_rota(session)
    make_professional(session, "+33612345678")
    post_signed(client, "/twilio/voice/incoming", voice_form(GP_SID))
    call_request = session.scalars(select(Request)).one()
    call_request.category = "complex_situation"
    coordinator = make_user(session, "coordinator", "coord@example.org")
    session.add(
        Consent(
            request_id=call_request.id, is_given=True, given_to="Dr Martin",
            given_on=date(2026, 11, 20), recorded_by=amelie.id,
        )
    )  # fmt: skip
    meeting = Meeting(
        helpline_id=call_request.helpline_id, kind="rcp", starts_at=starts_at,
        place="Salle du réseau", created_by=coordinator.id,
    )  # fmt: skip
    session.add(meeting)
    session.flush()
    item = AgendaItem(
        meeting_id=meeting.id, request_id=call_request.id, summary=CLEAN_SUMMARY,
        proposed_by=amelie.id,
    )  # fmt: skip
    session.add(item)
    session.commit()
    return call_request, meeting, item


def test_the_meetings_decision_books_a_follow_up_callback_closed_later_with_a_coded_outcome(
    client: FlaskClient, console: FlaskClient, session: Session, clock: Clock
) -> None:
    held = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    call_request, meeting, item = a_situation_on_the_agenda(client, session, held)
    assert sign_in(console, "coord@example.org") == 302
    page = f"/console/network/meetings/{meeting.id}"
    response = console.post(
        f"/console/network/agenda/{item.id}/decision",
        data={
            "decision": "Orientation vers le DAC, bilan social.",
            "orientation_codes": ["dac"],
            "orientations": "",
            "follow_up_on": "2026-11-24",
            "csrf_token": csrf_of(console, page),
        },
    )
    assert response.status_code == 302

    # The follow-up callback of the referring professional, due on the follow-up date.
    task = session.scalars(
        select(CallbackTask).where(CallbackTask.request_id == call_request.id)
    ).one()
    assert task.reason == CallbackReason.FOLLOW_UP
    assert task.due_at.astimezone(PARIS) == datetime(2026, 11, 24, 9, 0, tzinfo=PARIS)
    assert task.phone == "+33612345678"
    session.refresh(item)
    assert item.follow_up_callback_id == task.id and item.follow_up_on == date(2026, 11, 24)

    # That day the nurse calls him back and reaches him...
    amelie = admin.add_nurse(session, "amelie@example.org", "Amélie Roux", "06 00 00 00 01")
    admin.add_shift(session, the_helpline(session), amelie, "2026-11-24 08:00", "2026-11-24 20:00")
    session.commit()
    clock.at = task.due_at
    ring = ring_professional(session, task, NURSE_LEG, task.due_at)
    his_leg_ends(client, ring, PROFESSIONAL_LEG, "completed", "240")
    # ... and closes the follow-up with its coded outcome, through the follow-ups' own form.
    console.get("/console/logout")
    make_user(session, "nurse", "nora@example.org")
    session.commit()
    assert sign_in(console, "nora@example.org") == 302
    outcome_path = f"/console/callbacks/{task.id}/outcome"
    saved = console.post(
        outcome_path,
        data={
            "outcome": "improved",
            "note": "Droits ouverts, suivi par le DAC.",
            "csrf_token": csrf_of(console, outcome_path),
        },
    )
    assert saved.status_code == 302
    session.expire_all()
    closed = session.get(CallbackTask, task.id)
    assert closed is not None and closed.follow_up_outcome == FollowUpOutcome.IMPROVED


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A local SMTP server keeping what it receives."""
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def app(
    connection: Connection, clock: Clock, dispatched: RecordingDispatcher, mailbox: Mailbox
) -> Flask:
    """The application, its e-mail going to the local SMTP server."""
    settings = make_settings(smtp_url=mailbox.url, mail_from="reseau@example.org")
    return create_app(settings, database=Database(connection), clock=clock, dispatcher=dispatched)


def test_the_agenda_email_reaches_the_local_smtp_server_with_the_reference_and_no_identity(
    app: Flask,
    client: FlaskClient,
    console: FlaskClient,
    session: Session,
    clock: Clock,
    dispatched: RecordingDispatcher,
    mailbox: Mailbox,
) -> None:
    coming = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
    call_request, meeting, _item = a_situation_on_the_agenda(client, session, coming)
    assert sign_in(console, "coord@example.org") == 302
    page = f"/console/network/meetings/{meeting.id}"
    for name, email in (("Dr Karim Benali (partenaire)", "k.benali@example.org"),
                        ("Assistante sociale du CCAS", "as.ccas@example.org")):  # fmt: skip
        added = console.post(
            f"{page}/participants",
            data={"name": name, "email": email, "csrf_token": csrf_of(console, page)},
        )
        assert added.status_code == 302
    assert len(session.scalars(select(MeetingParticipant)).all()) == 2

    sent = console.post(f"{page}/send", data={"csrf_token": csrf_of(console, page)})
    assert sent.status_code == 302
    assert mailbox.messages() == []  # nothing leaves before the commit point hands it over
    [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "send_mail"))
    assert message.id in dispatched.submitted

    # The dispatcher's work, done here: over a real socket to the local SMTP server.
    state = app.extensions[EXTENSION_KEY]
    outcome = outbox.send_message(
        state.database, state.rest_client_factory(), message.id, clock, PUBLIC_BASE_URL
    )
    assert outcome.claimed
    [kept] = mailbox.messages()
    assert kept.mail_from == "reseau@example.org"
    assert sorted(kept.recipients) == ["as.ccas@example.org", "k.benali@example.org"]
    assert kept.subject == "Ordre du jour de la réunion du 03/12/2026"
    assert call_request.reference in kept.body and CLEAN_SUMMARY in kept.body
    assert "03/12/2026 à 14:00" in kept.body and "Salle du réseau" in kept.body
    # No identity: neither the caller's name or number, nor anything the checker flags.
    assert "Martin" not in kept.body and "12 34 56 78" not in kept.body
    assert "+33612345678" not in kept.body
    assert identities(kept.body) == []
    session.expire_all()
    assert session.get(OutboxMessage, message.id).status == "sent"  # type: ignore[union-attr]

    # The demo's page shows what the local server kept.
    assert "Aucun serveur de courriel local" in console.get("/console/network/mails").get_data(
        as_text=True
    )
    attach(app, mailbox)
    shown = console.get("/console/network/mails").get_data(as_text=True)
    assert "Ordre du jour de la réunion du 03/12/2026" in shown and CLEAN_SUMMARY in shown
    # Tagged with its meeting: a coordinator of another helpline does not read it.
    assert kept.tag == f"meeting:{meeting.id}"
    line_b = make_helpline(session, name="Ligne B", phone_number="+33561000002")
    make_member(session, make_user(session, "coordinator", "b@example.org"), line_b, "coordinator")
    session.commit()
    stranger = app.test_client()
    stranger.environ_base.update(console.environ_base)
    assert sign_in(stranger, "b@example.org") == 302
    elsewhere = stranger.get("/console/network/mails").get_data(as_text=True)
    assert "Ordre du jour" not in elsewhere and call_request.reference not in elsewhere


def test_a_follow_up_note_holding_an_identity_is_refused_and_kept_on_the_form(
    client: FlaskClient, console: FlaskClient, session: Session
) -> None:
    _request, task = a_callback(client, session, "follow_up")
    ring = ring_professional(session, task, NURSE_LEG)
    his_leg_ends(client, ring, PROFESSIONAL_LEG, "completed", "240")
    make_user(session, "nurse", "nora@example.org")
    session.commit()
    assert sign_in(console, "nora@example.org") == 302
    path = f"/console/callbacks/{task.id}/outcome"
    note = "Vu M. Dupont, né le 3 avril 1990"
    refused = console.post(
        path, data={"outcome": "improved", "note": note, "csrf_token": csrf_of(console, path)}
    )
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "semble contenir une identité" in body and note in body
    session.expire_all()
    assert session.get(CallbackTask, task.id).follow_up_outcome is None  # type: ignore[union-attr]


def test_an_agenda_the_relay_never_took_shows_as_not_sent(
    app: Flask, client: FlaskClient, console: FlaskClient, session: Session, clock: Clock
) -> None:
    coming = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
    _request, meeting, _item = a_situation_on_the_agenda(client, session, coming)
    session.add(MeetingParticipant(meeting_id=meeting.id, name="PASS", email="pass@example.org"))
    session.commit()
    assert sign_in(console, "coord@example.org") == 302
    page = f"/console/network/meetings/{meeting.id}"
    assert (
        console.post(f"{page}/send", data={"csrf_token": csrf_of(console, page)}).status_code == 302
    )
    session.refresh(meeting)
    assert meeting.agenda_sent_at is not None
    [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "send_mail"))
    outbox.fail_message(session, message, clock(), "relay down for good", PUBLIC_BASE_URL)
    session.commit()
    session.refresh(meeting)
    assert meeting.agenda_sent_at is None
