"""A nurse orients a patient from the request page: she searches the network's partners (commune,
profession, language, new patients), records an orientation with an appointment, and the day
after the appointment its follow-up is due and its coded result is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from callbacks.network import orientations
from callbacks.network.appointments import FollowUpResult
from callbacks.network.orientation_models import AppointmentFollowUp, Orientation
from hotline.models import AuditEvent, Helpline, Request, RequestEvent, User
from tests.conftest import Clock
from tests.factories import T0, make_partner, make_request, make_user
from tests.integration.admin_support import console, helpline, page_text
from tests.integration.test_console_access import csrf_of, sign_in

__all__ = ["console", "helpline"]  # the fixtures these tests use


@pytest.fixture
def nurse(console: FlaskClient, session: Session, helpline: Helpline) -> User:
    """A nurse signed in on the console."""
    user = make_user(session, "nurse", "nurse@example.org", display_name="Amélie Roux")
    assert sign_in(console, user.email) == 302
    return user


@pytest.fixture
def call_request(session: Session, helpline: Helpline) -> Request:
    return make_request(session, helpline, caller_number="+33612345678")


def post(console: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    """Post a console form with the CSRF token the nurse's pages give."""
    return console.post(path, data={**data, "csrf_token": csrf_of(console, "/console/follow-ups")})


def search(console: FlaskClient, request_id: int, **criteria: str) -> str:
    query = "&".join(f"partner_{key}={value}" for key, value in criteria.items())
    return page_text(console.get(f"/console/requests/{request_id}?{query}"))


def summary_of(console: FlaskClient) -> dict[str, int]:
    state = console.get("/console/api/board").get_json()
    return {item["key"]: item["count"] for item in state["summary"]}


def test_a_nurse_orients_to_an_arabic_speaking_gp_and_the_unkept_appointment_is_followed_up(
    console: FlaskClient,
    session: Session,
    clock: Clock,
    nurse: User,
    call_request: Request,
) -> None:
    benali = make_partner(session, "ar", "fr", phones=("+33561223344",))
    make_partner(session, "en", name="Dr Claire Martin")  # Toulouse, no Arabic
    make_partner(session, "ar", name="Dr Leïla Haddad", commune="Blagnac", insee_code="31069")
    make_partner(session, "ar", name="Dr Omar Saïdi", is_accepting_patients=False)
    make_partner(session, "ar", name="Mme Nora Amrani", profession="midwife")

    page = search(console, call_request.id, commune="Toulouse", language="ar", profession="gp")
    assert "Dr Karim Benali" in page and "Dr Omar Saïdi" in page
    assert "Dr Claire Martin" not in page and "Dr Leïla Haddad" not in page
    assert "Mme Nora Amrani" not in page
    assert "2 partenaires trouvés" in page
    page = search(
        console, call_request.id, commune="31555", language="ar", profession="gp", new="1"
    )
    assert "1 partenaire trouvé" in page and "Dr Omar Saïdi" not in page
    assert 'id="partner-results"' in page and "05 61 22 33 44" in page
    assert f"/console/requests/{call_request.id}/orientations/new?partner={benali.id}" in page

    form = page_text(
        console.get(f"/console/requests/{call_request.id}/orientations/new?partner={benali.id}")
    )
    assert "Dr Karim Benali" in form and "Arabe" in form
    # Monday 23 November, 10:00 in Paris: the appointment is on Thursday at 14:30, three days on.
    response = post(
        console,
        f"/console/requests/{call_request.id}/orientations/new",
        {
            "partner_id": str(benali.id),
            "service": "gp",
            "appointment_day": "2026-11-26",
            "appointment_time": "14:30",
        },
    )
    assert response.status_code == 302, page_text(response)
    orientation = session.scalars(
        select(Orientation).where(Orientation.request_id == call_request.id)
    ).one()
    assert orientation.partner_id == benali.id
    assert orientation.appointment_at == datetime(2026, 11, 26, 13, 30, tzinfo=UTC)
    follow_up = session.scalars(select(AppointmentFollowUp)).one()
    assert follow_up.due_at == datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # Friday 00:00 in Paris
    assert follow_up.result is None
    kinds = session.scalars(
        select(RequestEvent.kind).where(RequestEvent.request_id == call_request.id)
    ).all()
    assert "orientation_recorded" in kinds
    page = page_text(console.get(f"/console/requests/{call_request.id}"))
    # The story tells the orientation in one line, with who.
    assert (
        "Orientation vers Dr Karim Benali (médecin généraliste, Toulouse), médecin traitant / "
        "médecine de ville — rendez-vous le 26 novembre à 14 h 30 (Amélie Roux)"
    ) in page
    assert "Rendez-vous le 26/11/2026 14:30" in page
    assert "Suivi du rendez-vous prévu le vendredi 27 novembre 2026" in page

    # Not due yet: listed as coming, no result to enter, not in the board's figure.
    listed = page_text(console.get("/console/follow-ups"))
    assert call_request.reference in listed and "à venir" in listed
    assert "Saisir le résultat" not in listed
    assert summary_of(console)["appointment_follow_ups_due"] == 0

    clock.at = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # the day after, 09:00 in Paris
    assert sign_in(console, nurse.email) == 302
    listed = page_text(console.get("/console/follow-ups"))
    assert "aujourd'hui" in listed and "Saisir le résultat" in listed
    assert summary_of(console)["appointment_follow_ups_due"] == 1
    question = page_text(console.get(f"/console/follow-ups/{follow_up.id}"))
    assert "Le rendez-vous a-t-il été honoré ?" in question
    assert "Aucune donnée identifiante du patient" in question

    response = post(
        console,
        f"/console/follow-ups/{follow_up.id}",
        {"result": "not_honoured", "note": "Le patient n'avait pas de moyen de transport."},
    )
    assert response.status_code == 302, page_text(response)
    session.refresh(follow_up)
    assert follow_up.result == FollowUpResult.NOT_HONOURED
    assert follow_up.done_by_id == nurse.id
    assert follow_up.done_at == clock.at
    assert follow_up.note == "Le patient n'avait pas de moyen de transport."
    assert summary_of(console)["appointment_follow_ups_due"] == 0
    assert call_request.reference not in page_text(console.get("/console/follow-ups"))
    page = page_text(console.get(f"/console/requests/{call_request.id}"))
    assert "Non honoré" in page and "Rendez-vous non honoré (Amélie Roux)" in page
    english = page_text(console.get(f"/console/requests/{call_request.id}?lang=en"))
    assert "Appointment not kept (Amélie Roux)" in english
    assert "Referral to Dr Karim Benali (general practitioner, Toulouse)" in english
    audited = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(call_request.id))
    ).all()
    assert {"orientation_recorded", "follow_up_recorded"} <= set(audited)


def test_a_follow_up_a_day_late_is_overdue_and_listed_first(
    console: FlaskClient, session: Session, clock: Clock, nurse: User, helpline: Helpline
) -> None:
    partner = make_partner(session, "ar")
    for reference, day in (("2026-80901", "2026-11-28"), ("2026-80902", "2026-11-24")):
        call_request = make_request(session, helpline, reference=reference)
        response = post(
            console,
            f"/console/requests/{call_request.id}/orientations/new",
            {"partner_id": str(partner.id), "appointment_day": day, "appointment_time": "09:00"},
        )
        assert response.status_code == 302
    clock.at = T0 + timedelta(days=2)  # Wednesday: Tuesday's appointment was due today…
    clock.at = T0 + timedelta(days=3)  # …and on Thursday it is overdue
    assert sign_in(console, nurse.email) == 302
    listed = page_text(console.get("/console/follow-ups"))
    assert listed.index("2026-80902") < listed.index("2026-80901")
    assert "en retard" in listed and "à venir" in listed


def test_an_appointment_already_past_is_refused_and_nothing_is_lost(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    partner = make_partner(session, "ar")
    path = f"/console/requests/{call_request.id}/orientations/new"
    response = post(
        console,
        path,
        {
            "partner_id": str(partner.id),
            "service": "gp",
            "appointment_day": "2026-11-23",
            "appointment_time": "09:30",  # 30 minutes ago
        },
    )
    assert response.status_code == 400
    page = page_text(response)
    assert "Le rendez-vous doit être à venir : vérifiez le jour et l'heure." in page
    assert 'value="2026-11-23"' in page and 'value="09:30"' in page
    assert "Dr Karim Benali" in page  # the partner chosen is still there
    assert 'value="gp" selected' in page
    assert session.scalars(select(Orientation)).first() is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisissez un partenaire ou un type de service."),
        ({"service": "no_such_service"}, "valeur inconnue"),
        ({"service": "gp", "appointment_day": "2026-02-30"}, "n'est pas une date"),
        ({"service": "gp", "appointment_time": "14:30"}, "Indiquez le jour"),
        ({"service": "gp", "appointment_day": "2062-11-26"}, "plus d'un an"),
        ({"partner_id": "999999"}, "Choisissez un partenaire dans la recherche."),
    ],
)
def test_an_orientation_that_cannot_be_kept_says_why(
    console: FlaskClient,
    session: Session,
    nurse: User,
    call_request: Request,
    data: dict[str, str],
    message: str,
) -> None:
    response = post(console, f"/console/requests/{call_request.id}/orientations/new", data)
    assert response.status_code == 400
    assert message in page_text(response)
    assert session.scalars(select(Orientation)).first() is None


def test_an_orientation_to_a_kind_of_service_without_appointment_has_no_follow_up(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    response = post(
        console, f"/console/requests/{call_request.id}/orientations/new", {"service": "pass"}
    )
    assert response.status_code == 302
    assert session.scalars(select(Orientation)).one().service == "pass"
    assert session.scalars(select(AppointmentFollowUp)).first() is None


def test_a_follow_up_without_a_result_is_refused(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    partner = make_partner(session, "ar")
    post(
        console,
        f"/console/requests/{call_request.id}/orientations/new",
        {"partner_id": str(partner.id), "appointment_day": "2026-11-24"},
    )
    follow_up = session.scalars(select(AppointmentFollowUp)).one()
    response = post(console, f"/console/follow-ups/{follow_up.id}", {"note": "Rappeler lundi"})
    assert response.status_code == 400
    page = page_text(response)
    assert "Choisissez : honoré, non honoré, reporté ou inconnu." in page
    assert "Rappeler lundi" in page
    session.refresh(follow_up)
    assert follow_up.result is None


def test_finance_sees_none_of_the_network(
    console: FlaskClient, session: Session, call_request: Request
) -> None:
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    for path in (
        "/console/follow-ups",
        f"/console/requests/{call_request.id}/orientations/new",
        "/console/network/partners",
        "/console/network/partners/new",
        "/console/structures",
        "/console/structures/new",
    ):
        assert console.get(path).status_code == 403, path
    assert "Suivis de rendez-vous" not in page_text(console.get("/finance"))


def test_a_partner_who_left_the_network_cannot_be_chosen(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    gone = make_partner(session, "ar", is_active=False)
    path = f"/console/requests/{call_request.id}/orientations/new"
    assert "Dr Karim Benali" not in page_text(console.get(f"{path}?partner={gone.id}"))
    response = post(console, path, {"partner_id": str(gone.id), "appointment_day": "2026-11-25"})
    assert response.status_code == 400
    assert "n'est plus actif dans le réseau" in page_text(response)
    assert session.scalars(select(Orientation)).first() is None


def test_the_reports_count_follow_ups_due_done_and_by_result(
    session: Session, clock: Clock, helpline: Helpline
) -> None:
    nurse = make_user(session, "nurse", "nurse@example.org")
    partner = make_partner(session, "ar")
    follow_ups = []
    for days in (1, 2, 3, 10):
        call_request = make_request(session, helpline)
        orientations.record_orientation(
            session, call_request, nurse, T0, partner=partner, appointment_at=T0 + timedelta(days)
        )
        follow_ups.append(
            session.scalars(
                select(AppointmentFollowUp).where(AppointmentFollowUp.request_id == call_request.id)
            ).one()
        )
    later = T0 + timedelta(days=4)
    for follow_up, result in zip(
        follow_ups, (FollowUpResult.HONOURED, FollowUpResult.NOT_HONOURED), strict=False
    ):
        orientations.record_result(session, follow_up, result, "", nurse, later)
    figures = orientations.follow_up_figures(session, T0, T0 + timedelta(days=7))
    assert (figures.due, figures.done) == (3, 2)
    assert figures.by_result == {
        FollowUpResult.HONOURED: 1,
        FollowUpResult.NOT_HONOURED: 1,
        FollowUpResult.POSTPONED: 0,
        FollowUpResult.UNKNOWN: 0,
    }
