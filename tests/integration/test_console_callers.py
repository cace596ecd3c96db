"""Who called, from the request page: the directory searched and the caller linked, a new
professional added from the call (checked, duplicates shown first), the choice of who is calling
when a number is shared; the directory the nurse reads but cannot edit."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import AuditEvent, Helpline, Professional, Request, RequestEvent, User
from hotline.services import identify_professional
from tests.conftest import call_sid, post_signed, voice_form
from tests.factories import make_professional, make_request, make_user
from tests.integration.admin_support import console, helpline, page_text
from tests.integration.test_console_access import csrf_of, sign_in

__all__ = ["console", "helpline"]  # the fixtures these tests use

NUMBER = "+33612345678"


@pytest.fixture
def nurse(console: FlaskClient, session: Session, helpline: Helpline) -> User:
    """A nurse signed in on the console."""
    user = make_user(session, "nurse", "nurse@example.org", display_name="Amélie Roux")
    assert sign_in(console, user.email) == 302
    return user


@pytest.fixture
def call_request(session: Session, helpline: Helpline) -> Request:
    """A request from an unknown caller's number."""
    return make_request(session, helpline, caller_number=NUMBER)


def post(console: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    """Post a console form with the CSRF token the nurse's pages give."""
    return console.post(path, data={**data, "csrf_token": csrf_of(console, "/console/directory")})


def audit_of(session: Session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by("id"))
    )


NEW_CALLER = {
    "title": "Dr",
    "first_name": "Karim",
    "last_name": "Benali",
    "profession": "gp",
    "organisation": "Maison de santé des Izards",
    "commune": "Toulouse",
    "insee_code": "31555",
    "rpps": "10001234567",
    "phones": "06 12 34 56 78",
}


def test_the_nurse_finds_the_caller_in_the_directory_and_links_him_to_the_request(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    benali = make_professional(
        session,
        "+33561223344",
        first_name="Karim",
        last_name="Benali",
        commune="Blagnac",
        rpps="10001234567",
    )
    make_professional(session, "+33699999999", commune="Toulouse")
    page = page_text(console.get(f"/console/requests/{call_request.id}"))
    assert "Appelant inconnu" in page and 'id="caller_q"' in page
    for query in ("benal", "blagnac", "10001234567", "05 61 22", "karim benali"):
        found = page_text(console.get(f"/console/requests/{call_request.id}?caller_q={query}"))
        assert "Dr Karim Benali" in found, query
        assert "Dr Claire Martin" not in found, query
    linked = post(
        console, f"/console/requests/{call_request.id}/caller", {"professional_id": str(benali.id)}
    )
    assert linked.status_code == 302
    session.refresh(call_request)
    assert call_request.professional_id == benali.id
    shown = page_text(console.get(f"/console/requests/{call_request.id}"))
    assert '<strong id="caller">Dr Karim Benali</strong>' in shown
    assert "Appelant identifié" in shown
    event = session.scalars(select(RequestEvent).where(RequestEvent.kind == "caller_linked")).one()
    assert event.detail == {"professional_id": benali.id, "by": nurse.id, "nurse": "Amélie Roux"}
    (audited,) = audit_of(session, "link_caller")
    assert audited.user_id == nurse.id and audited.object_id == str(call_request.id)
    assert audited.detail["professional_id"] == benali.id


def test_an_unknown_caller_is_added_from_the_call_and_known_at_his_next_call(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    form = page_text(console.get(f"/console/requests/{call_request.id}/caller/new"))
    assert "06 12 34 56 78</textarea>" in form  # the call's number, pre-filled
    response = post(console, f"/console/requests/{call_request.id}/caller/new", NEW_CALLER)
    assert response.status_code == 302
    added = session.scalars(select(Professional)).one()
    assert (added.display_name, added.commune, added.insee_code, added.rpps) == (
        "Dr Karim Benali",
        "Toulouse",
        "31555",
        "10001234567",
    )
    assert [p.number for p in added.phones] == [NUMBER]
    session.refresh(call_request)
    assert call_request.professional_id == added.id
    assert identify_professional(session, NUMBER) == added
    (audited,) = audit_of(session, "professional_added")
    assert audited.user_id == nurse.id and audited.object_id == str(added.id)
    assert len(audit_of(session, "link_caller")) == 1


def test_a_new_caller_with_wrong_fields_is_refused_with_clear_messages_and_nothing_lost(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    wrong = {
        **NEW_CALLER,
        "last_name": "",
        "commune": "",
        "insee_code": "2C004",
        "rpps": "1234",
        "phones": "06 12 34",
    }
    response = post(console, f"/console/requests/{call_request.id}/caller/new", wrong)
    assert response.status_code == 400
    page = page_text(response)
    assert "Le nom de famille est obligatoire." in page
    assert "Le code INSEE de la commune compte 5 caractères" in page
    assert "Indiquez le nom de la commune avec son code INSEE." in page
    assert "Le numéro RPPS compte 11 chiffres" in page
    assert "« 06 12 34 » n'est pas un numéro de téléphone valide" in page
    assert 'value="Maison de santé des Izards"' in page and 'value="2C004"' in page
    assert 'value="1234"' in page and "06 12 34</textarea>" in page
    assert 'aria-invalid="true" aria-describedby="insee_code-error"' in page
    assert session.scalars(select(Professional)).first() is None
    session.refresh(call_request)
    assert call_request.professional_id is None


@pytest.mark.parametrize(
    ("existing", "reason"),
    [
        ({"rpps": "10001234567", "last_name": "Benali-Other"}, "même RPPS"),
        (
            {"first_name": "Karim", "last_name": "BENALI", "commune": "toulouse"},
            "même nom dans la même commune",
        ),
        ({"phones": [NUMBER]}, "même numéro"),
    ],
)
def test_a_possible_duplicate_is_shown_before_saving_and_the_nurse_picks_or_confirms(
    console: FlaskClient,
    session: Session,
    nurse: User,
    call_request: Request,
    existing: dict[str, object],
    reason: str,
) -> None:
    existing = dict(existing)  # the table is shared by both backends' runs
    numbers = existing.pop("phones", ["+33561000000"])
    assert isinstance(numbers, list)
    other = make_professional(session, *numbers, **existing)
    path = f"/console/requests/{call_request.id}/caller/new"
    flagged = post(console, path, NEW_CALLER)
    assert flagged.status_code == 200
    page = page_text(flagged)
    assert "Ce professionnel est peut-être déjà dans l'annuaire" in page
    assert reason in page and other.display_name in page
    assert 'name="confirmed" value="1"' in page and 'value="Maison de santé des Izards"' in page
    assert session.scalars(select(Professional)).all() == [other]
    confirmed = post(console, path, {**NEW_CALLER, "confirmed": "1"})
    assert confirmed.status_code == 302
    assert len(session.scalars(select(Professional)).all()) == 2
    session.refresh(call_request)
    assert call_request.professional_id not in (None, other.id)


def test_the_nurse_links_the_flagged_duplicate_instead_of_adding_a_new_one(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    other = make_professional(session, "+33561000000", rpps="10001234567")
    post(console, f"/console/requests/{call_request.id}/caller/new", NEW_CALLER)
    linked = post(
        console, f"/console/requests/{call_request.id}/caller", {"professional_id": str(other.id)}
    )
    assert linked.status_code == 302
    session.refresh(call_request)
    assert call_request.professional_id == other.id
    assert session.scalars(select(Professional)).all() == [other]


def test_a_number_shared_by_two_professionals_offers_the_choice_of_who_is_calling(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    martin = make_professional(session, NUMBER, label="cabinet")
    benali = make_professional(session, NUMBER, first_name="Karim", last_name="Benali")
    assert identify_professional(session, NUMBER) is None  # not linked to either at the call
    page = page_text(console.get(f"/console/requests/{call_request.id}"))
    assert "Ce numéro est celui de plusieurs professionnels : qui appelle ?" in page
    for professional in (martin, benali):
        assert (
            f'<input type="radio" name="professional_id" value="{professional.id}" required>'
            in page
        )
    chosen = post(
        console, f"/console/requests/{call_request.id}/caller", {"professional_id": str(benali.id)}
    )
    assert chosen.status_code == 302
    session.refresh(call_request)
    assert call_request.professional_id == benali.id
    after = page_text(console.get(f"/console/requests/{call_request.id}"))
    assert "qui appelle ?" not in after and '<strong id="caller">Dr Karim Benali</strong>' in after


def test_a_choice_without_a_professional_is_refused_and_links_nobody(
    console: FlaskClient, session: Session, nurse: User, call_request: Request
) -> None:
    response = post(console, f"/console/requests/{call_request.id}/caller", {})
    assert response.status_code == 302
    assert "Choisissez le professionnel qui appelle." in page_text(
        console.get(response.headers["Location"])
    )
    session.refresh(call_request)
    assert call_request.professional_id is None
    assert audit_of(session, "link_caller") == []


def test_the_nurse_reads_the_directory_but_cannot_edit_it(
    console: FlaskClient, session: Session, nurse: User
) -> None:
    make_professional(session, NUMBER, commune="Toulouse", insee_code="31555")
    make_professional(session, "+33623456789", first_name="Karim", last_name="Benali")
    listing = page_text(console.get("/console/directory?q=toulouse"))
    assert "Dr Claire Martin" in listing and "Dr Karim Benali" not in listing
    assert "06 12 34 56 78" in listing and "(31555)" in listing
    assert "/admin/directory" not in listing
    assert 'href="/console/directory"' in page_text(console.get("/console/directory"))  # the menu
    token = csrf_of(console, "/console/directory")
    assert console.get("/admin/directory").status_code == 403
    refused = console.post(
        "/admin/directory", data={"last_name": "Intrus", "phones": "", "csrf_token": token}
    )
    assert refused.status_code == 403
    professional = session.scalars(select(Professional)).first()
    assert professional is not None
    edit = console.post(
        f"/admin/directory/{professional.id}",
        data={"last_name": "Intrus", "phones": "", "csrf_token": token},
    )
    assert edit.status_code == 403
    assert (
        session.scalars(select(Professional).where(Professional.last_name == "Intrus")).all() == []
    )


def test_a_call_from_a_shared_number_links_nobody_and_the_nurse_picks_who_is_calling(
    console: FlaskClient, session: Session, nurse: User, helpline: Helpline
) -> None:
    martin = make_professional(session, NUMBER)
    benali = make_professional(session, NUMBER, first_name="Karim", last_name="Benali")
    solo = make_professional(session, "+33623456789", first_name="Aïcha", last_name="Diallo")
    for n, number in ((1, "0612345678"), (2, "0623456789")):
        answered = post_signed(console, "/twilio/voice/incoming", voice_form(call_sid(n), number))
        assert answered.status_code == 200
    shared, alone = session.scalars(select(Request).order_by(Request.id)).all()
    assert shared.professional_id is None and alone.professional_id == solo.id
    page = page_text(console.get(f"/console/requests/{shared.id}"))
    assert "qui appelle ?" in page
    assert martin.display_name in page and benali.display_name in page
    assert "qui appelle ?" not in page_text(console.get(f"/console/requests/{alone.id}"))


def test_the_board_says_a_live_call_comes_from_a_shared_number_in_one_query(
    console: FlaskClient, session: Session, nurse: User, helpline: Helpline
) -> None:
    """Not "Appelant inconnu": the nurse sees the number is shared before she opens the call."""
    shared_numbers = ("+33612345678", "+33623456789", "+33634567890")
    for number in shared_numbers:
        make_professional(session, number)
        make_professional(session, number, first_name="Karim", last_name="Benali")
    make_professional(session, shared_numbers[0], last_name="Parti", is_active=False)
    calls = (*shared_numbers, "+33645678901")  # the last one nobody in the directory has
    for n, number in enumerate(calls, start=1):
        answered = post_signed(console, "/twilio/voice/incoming", voice_form(call_sid(n), number))
        assert answered.status_code == 200
    session.expire_all()
    statements: list[str] = []
    engine = session.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = console.get("/console/api/board").get_json()["calls"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [row["caller"] for row in rows] == [
        "Numéro partagé (2 professionnels)",
        "Numéro partagé (2 professionnels)",
        "Numéro partagé (2 professionnels)",
        "Appelant inconnu",
    ]
    assert len([s for s in statements if "professional_phones" in s]) == 1, statements
    english = console.get("/console/api/board?lang=en").get_json()["calls"]
    assert english[0]["caller"] == "Shared number (2 professionals)"
