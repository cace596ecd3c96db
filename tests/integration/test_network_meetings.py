"""Concertation meetings over HTTP with CSRF: a complex situation goes on an agenda only with the
patient's consent and an anonymised summary; the meeting's decision books a follow-up callback;
published cases are read and exported; activities are entered; roles are kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.network.meeting_models import (
    AgendaItem,
    Consent,
    Meeting,
    MeetingParticipant,
    NetworkActivity,
)
from callbacks.network.partner_models import Partner
from hotline.anonymity import identities
from hotline.demo import seed_demo
from hotline.models import AuditEvent, Request
from tests.conftest import Clock
from tests.factories import make_partner, make_request, make_user, the_helpline
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

NIR_SUMMARY = "Patiente 1 85 05 78 006 084 36, sans droits ouverts."
BIRTH_SUMMARY = "Patiente née le 12/03/1985, sans droits ouverts."
CLEAN_SUMMARY = "Femme de 40 ans, sans droits ouverts, douleurs abdominales, hébergée au 115."
MEETING_AT = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # 14:00 in Paris


def a_meeting(session: Session, starts_at: datetime = MEETING_AT) -> Meeting:
    coordinator = make_user(
        session, "coordinator", "coord@example.org", display_name="Claire Coord"
    )
    meeting = Meeting(
        helpline_id=the_helpline(session).id, kind="intervision", starts_at=starts_at,
        place="Salle du réseau", created_by=coordinator.id,
    )  # fmt: skip
    session.add(meeting)
    session.flush()
    return meeting


def a_complex_situation(session: Session) -> Request:
    return make_request(session, category="complex_situation", reference="2026-00042")


def post(console: FlaskClient, path: str, page: str, **data: str) -> tuple[int, str]:
    response = console.post(path, data={**data, "csrf_token": csrf_of(console, page)})
    return response.status_code, response.get_data(as_text=True)


def test_a_complex_situation_goes_on_an_agenda_only_with_consent_and_an_anonymised_summary(
    console: FlaskClient, session: Session
) -> None:
    meeting = a_meeting(session)
    call_request = a_complex_situation(session)
    make_user(session, "nurse", "nora@example.org", display_name="Nora Blanc")
    session.commit()
    assert sign_in(console, "nora@example.org") == 302
    page = f"/console/requests/{call_request.id}"
    agenda = f"/console/network/meetings/{meeting.id}/agenda"

    # No consent recorded: refused, with a clear message, the summary kept.
    status, body = post(console, agenda, page, reference="2026-00042", summary=CLEAN_SUMMARY)
    assert status == 400
    assert "consentement du patient n&#39;est pas enregistré" in body
    assert CLEAN_SUMMARY in body
    # The request page offers the consent form.
    assert 'id="consent-panel"' in console.get(page).get_data(as_text=True)

    # Consent refused: refused too.
    consent = f"/console/requests/{call_request.id}/consent"
    given = {"given_to": "Dr Martin, médecin traitant", "given_on": "2026-11-22"}
    assert post(console, consent, page, answer="refused", **given)[0] == 302
    status, body = post(console, agenda, page, reference="2026-00042", summary=CLEAN_SUMMARY)
    assert status == 400 and "Le patient a refusé" in body

    # Consent given: a summary holding an identity is refused, saying what was found.
    assert post(console, consent, page, answer="given", **given)[0] == 302
    recorded = session.scalars(select(Consent)).one()
    assert recorded.is_given and recorded.given_to == "Dr Martin, médecin traitant"
    status, body = post(console, agenda, page, reference="2026-00042", summary=NIR_SUMMARY)
    assert status == 400
    assert "semble contenir une identité" in body and "numéro de sécurité sociale" in body
    assert "1 85 05 78 006 084 36" in body and 'aria-invalid="true"' in body
    status, body = post(console, agenda, page, reference="2026-00042", summary=BIRTH_SUMMARY)
    assert status == 400 and "date de naissance « née le 12/03/1985 »" in body
    assert session.scalars(select(AgendaItem)).first() is None

    # An anonymised summary: on the agenda.
    status, _body = post(console, agenda, page, reference="2026-00042", summary=CLEAN_SUMMARY)
    assert status == 302
    item = session.scalars(select(AgendaItem)).one()
    assert item.summary == CLEAN_SUMMARY and item.request_id == call_request.id
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"record_consent", "put_on_agenda"} <= actions
    shown = console.get(f"/console/network/meetings/{meeting.id}").get_data(as_text=True)
    assert "2026-00042" in shown and CLEAN_SUMMARY in shown


def test_a_request_of_another_category_cannot_go_on_an_agenda(
    console: FlaskClient, session: Session
) -> None:
    meeting = a_meeting(session)
    make_request(session, category="interpreting", reference="2026-00043")
    session.commit()
    assert sign_in(console, "coord@example.org") == 302
    status, body = post(
        console, f"/console/network/meetings/{meeting.id}/agenda", "/console/network/meetings",
        reference="2026-00043", summary=CLEAN_SUMMARY,
    )  # fmt: skip
    assert status == 400 and "situation complexe" in body


def on_the_agenda(session: Session, meeting: Meeting, call_request: Request) -> AgendaItem:
    nurse = make_user(session, "nurse", "nora@example.org")
    session.add(
        Consent(
            request_id=call_request.id, is_given=True, given_to="Dr Martin",
            given_on=datetime(2026, 11, 20).date(), recorded_by=nurse.id,
        )
    )  # fmt: skip
    item = AgendaItem(
        meeting_id=meeting.id, request_id=call_request.id, summary=CLEAN_SUMMARY,
        proposed_by=nurse.id,
    )  # fmt: skip
    session.add(item)
    session.flush()
    return item


def test_the_decision_is_recorded_and_a_case_is_published_only_once_anonymised(
    console: FlaskClient, session: Session, clock: Clock
) -> None:
    meeting = a_meeting(session)
    item = on_the_agenda(session, meeting, a_complex_situation(session))
    session.commit()
    clock.at = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # the meeting was held
    assert sign_in(console, "coord@example.org") == 302
    page = f"/console/network/meetings/{meeting.id}"
    decide = f"/console/network/agenda/{item.id}/decision"

    status, body = post(
        console, decide, page, decision="Voir avec M. Dupont", orientations="", follow_up_on=""
    )
    assert status == 400 and "Dupont" in body  # an identity in the decision: refused
    data = {"decision": "Orientation PASS puis médecin traitant.", "follow_up_on": ""}
    response = console.post(
        decide,
        data={**data, "orientations": "Accompagnement social", "orientation_codes": ["pass", "gp"],
              "csrf_token": csrf_of(console, page)},
    )  # fmt: skip
    assert response.status_code == 302
    session.refresh(item)
    assert item.decision == data["decision"] and item.orientation_codes == "pass,gp"

    # A summary that became flagged (written before the check) cannot be published.
    item.summary = "Patiente joignable au 06 12 34 56 78"
    session.commit()
    status, body = post(console, f"/console/network/agenda/{item.id}/publish", page)
    assert status == 400 and "numéro de téléphone" in body
    item.summary = CLEAN_SUMMARY
    session.commit()
    assert post(console, f"/console/network/agenda/{item.id}/publish", page)[0] == 302

    # Members read and export the published case; the meeting counts as held.
    cases = console.get("/console/network/cases").get_data(as_text=True)
    assert CLEAN_SUMMARY in cases and "Accompagnement social" in cases
    exported = console.get("/console/network/cases.csv")
    assert exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert CLEAN_SUMMARY in text and "2026-00042" not in text
    activities = console.get("/console/network/activities").get_data(as_text=True)
    assert "Réunions tenues (1)" in activities
    assert 'data-figure="meetings_held">1<' in activities
    assert 'data-figure="situations_presented">1<' in activities


def test_the_coordinator_enters_trainings_and_newsletters(
    console: FlaskClient, session: Session
) -> None:
    the_helpline(session)  # the coordinator works on it
    make_user(session, "coordinator", "coord@example.org")
    session.commit()
    assert sign_in(console, "coord@example.org") == 302
    page = "/console/network/activities"
    status, body = post(console, page, page, kind="training", held_on="2026-11-20",
                        theme="Formation flash : l'AME", count="beaucoup")  # fmt: skip
    assert status == 400 and "nombre entier" in body and "Formation flash" in body
    assert post(console, page, page, kind="training", held_on="2026-11-20",
                theme="Formation flash : l'AME", count="14")[0] == 302  # fmt: skip
    assert post(console, page, page, kind="newsletter", held_on="2026-11-01",
                theme="Lettre de novembre", count="230")[0] == 302  # fmt: skip
    rows = session.scalars(select(NetworkActivity).order_by(NetworkActivity.held_on)).all()
    assert [(row.kind, row.count) for row in rows] == [("newsletter", 230), ("training", 14)]
    shown = console.get(page).get_data(as_text=True)
    for key, value in (("trainings", 1), ("training_participants", 14), ("newsletters", 1),
                       ("newsletter_recipients", 230), ("meetings_held", 0)):  # fmt: skip
        assert f'data-figure="{key}">{value}<' in shown


def test_the_coordinator_puts_a_meeting_on_the_calendar_in_local_time(
    console: FlaskClient, session: Session
) -> None:
    the_helpline(session)  # the coordinator works on it
    make_user(session, "coordinator", "coord@example.org")
    session.commit()
    assert sign_in(console, "coord@example.org") == 302
    page = "/console/network/meetings"
    status, body = post(console, page, page, kind="rcp", day="2026-12-10", hour="14:00",
                        place="", video_url="")  # fmt: skip
    assert status == 400 and "lieu ou un lien" in body
    assert post(console, page, page, kind="rcp", day="2026-12-10", hour="14:00",
                place="", video_url="https://visio.example.org/rcp")[0] == 302  # fmt: skip
    meeting = session.scalars(select(Meeting)).one()
    assert meeting.starts_at == datetime(2026, 12, 10, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/console/network/meetings"),
        ("get", "/console/network/cases"),
        ("get", "/console/network/cases.csv"),
        ("get", "/console/network/activities"),
        ("get", "/console/network/mails"),
        ("post", "/console/network/meetings"),
        ("post", "/console/network/activities"),
    ],
)
def test_finance_sees_none_of_the_network(
    console: FlaskClient, session: Session, method: str, path: str
) -> None:
    make_user(session, "finance", "fin@example.org")
    session.commit()
    assert sign_in(console, "fin@example.org") == 302
    token = csrf_of(console, "/finance")
    response = getattr(console, method)(path, data={"csrf_token": token})
    assert response.status_code == 403


def test_a_nurse_cannot_run_a_meeting(console: FlaskClient, session: Session) -> None:
    meeting = a_meeting(session)
    make_user(session, "nurse", "nora@example.org")
    session.commit()
    assert sign_in(console, "nora@example.org") == 302
    page = "/console/network/meetings"
    assert post(console, page, page, kind="rcp", day="2026-12-10", hour="14:00",
                place="Salle")[0] == 403  # fmt: skip
    assert post(console, f"/console/network/meetings/{meeting.id}/send", page)[0] == 403


def test_notes_holding_an_identity_are_refused_and_kept_on_the_form(
    console: FlaskClient, session: Session
) -> None:
    call_request = make_request(session)
    make_user(session, "nurse", "nora@example.org")
    session.commit()
    assert sign_in(console, "nora@example.org") == 302
    page = f"/console/requests/{call_request.id}"
    notes = "Mme Fatima BENALI, rappeler au 06 12 34 56 78"
    status, body = post(console, page, page, notes=notes)
    assert status == 400
    assert "semble contenir une identité" in body and re.search(r'id="notes-error"', body)
    assert "Fatima BENALI, rappeler" in body  # nothing lost
    session.expire_all()
    assert session.get(Request, call_request.id).notes is None  # type: ignore[union-attr]
    assert post(console, page, page, notes="Patiente de 40 ans, à revoir.")[0] == 302


def test_the_demo_has_a_past_meeting_with_its_decisions_and_a_coming_one(session: Session) -> None:
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    seed_demo(session, at)
    seed_demo(session, at)  # twice adds nothing
    meetings = session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
    assert [m.starts_at < at for m in meetings] == [True, False]
    past, coming = meetings
    decided = session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == past.id)).all()
    assert decided and all(item.decision for item in decided)
    assert any(item.published_at for item in decided)
    assert session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == coming.id)).all()
    for item in session.scalars(select(AgendaItem)):
        assert identities(item.summary) == [] and identities(item.decision or "") == []
    assert len(session.scalars(select(NetworkActivity)).all()) == 2
    # and the partners the nurse orients to: an Arabic-speaking GP of Toulouse among them
    partners = session.scalars(select(Partner).where(Partner.is_active)).all()
    assert len(partners) >= 5
    assert any(
        p.profession == "gp" and p.commune == "Toulouse" and "ar" in p.language_codes
        for p in partners
    )
    # Partners of the network take part, with the addresses the agenda goes to.
    invited = session.scalars(
        select(MeetingParticipant).where(
            MeetingParticipant.meeting_id == coming.id, MeetingParticipant.partner_id.is_not(None)
        )
    ).all()
    assert len(invited) == 2 and all(p.email for p in invited)


def test_an_identity_found_is_explained_in_the_pages_language(
    console: FlaskClient, session: Session
) -> None:
    call_request = make_request(session)
    make_user(session, "nurse", "nora@example.org")
    session.commit()
    assert sign_in(console, "nora@example.org") == 302
    page = f"/console/requests/{call_request.id}"
    status, body = post(console, f"{page}?lang=en", page, notes="née le 12/03/1985")
    assert status == 400
    assert "This text seems to hold an identity (date of birth “née le 12/03/1985”)" in body


def test_a_decision_waits_for_the_meeting_and_bad_participants_are_refused(
    console: FlaskClient, session: Session
) -> None:
    meeting = a_meeting(session)  # on 3 December; the clock is at 23 November
    item = on_the_agenda(session, meeting, a_complex_situation(session))
    session.commit()
    assert sign_in(console, "coord@example.org") == 302
    page = f"/console/network/meetings/{meeting.id}"
    status, body = post(
        console, f"/console/network/agenda/{item.id}/decision", page,
        decision="Orientation PASS.", orientations="", follow_up_on="",
    )  # fmt: skip
    assert status == 400 and "après la réunion" in body
    for data in (
        {"user_id": "9" * 30, "name": "", "email": "", "partner_id": ""},
        {"user_id": "", "name": "Dr Benali", "email": "", "partner_id": "9" * 30},
        {"user_id": "", "name": "Dr Benali", "email": "pas une adresse", "partner_id": ""},
        {"user_id": "", "name": "", "email": "a@example.org", "partner_id": ""},
        {"user_id": "", "name": "Dr\x00Benali", "email": "", "partner_id": ""},
        {"user_id": "", "name": "", "email": "", "partner_id": "12"},  # no such partner
    ):
        status, body = post(console, f"{page}/participants", page, **data)
        assert status == 400, data
    partner = make_partner(session)
    session.commit()
    assert post(
        console, f"{page}/participants", page,
        user_id="", name="", email="K.Benali@Example.org", partner_id=str(partner.id),
    )[0] == 302  # fmt: skip
    [participant] = session.scalars(select(MeetingParticipant)).all()
    assert (participant.partner_id, participant.email) == (partner.id, "k.benali@example.org")
