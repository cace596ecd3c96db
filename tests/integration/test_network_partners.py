"""The network's partners and structures, kept by coordinators and admins in the console: added,
changed, deactivated (audited), bad input refused with nothing lost; nurses and finance cannot."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from callbacks.network.partner_models import Partner
from hotline.models import Helpline, Structure, User
from hotline.users import create_user
from tests.factories import make_partner, make_request, make_structure, make_user
from tests.integration.admin_support import audit_actions, console, helpline, page_text
from tests.integration.test_console_access import csrf_of, sign_in

__all__ = ["console", "helpline"]  # the fixtures these tests use

PARTNER = {
    "name": "Dr Karim Benali",
    "profession": "gp",
    "specialty": "",
    "commune": "Toulouse",
    "insee_code": "31555",
    "phones": "cabinet : 05 61 22 33 44\n06 12 34 56 78",
    "languages": "ar, Fr",
    "is_accepting_patients": "y",
    "charter_signed_on": "2025-03-14",
}


@pytest.fixture
def coordinator(console: FlaskClient, session: Session, helpline: Helpline) -> User:
    """A network coordinator signed in on the console."""
    user = make_user(session, "coordinator", "coordination@example.org", display_name="Coord")
    assert sign_in(console, user.email) == 302
    return user


def post(console: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    return console.post(path, data={**data, "csrf_token": csrf_of(console, "/console/follow-ups")})


def test_a_coordinator_adds_changes_and_deactivates_a_partner(
    console: FlaskClient, session: Session, coordinator: User
) -> None:
    assert console.get("/console").headers["Location"].endswith("/reports")  # its home page
    page = page_text(console.get("/console/network/partners"))
    assert "Partenaires du réseau" in page and "Aucun partenaire pour l'instant." in page
    structure = make_structure(session)
    response = post(
        console, "/console/network/partners/new", {**PARTNER, "structure_id": str(structure.id)}
    )
    assert response.status_code == 302, page_text(response)
    partner = session.scalars(select(Partner)).one()
    assert partner.language_codes == ["ar", "fr"]
    assert [(p.number, p.label) for p in partner.phones] == [
        ("+33561223344", "cabinet"),
        ("+33612345678", None),
    ]
    assert partner.structure_id == structure.id and partner.is_accepting_patients
    assert not partner.has_third_party_payment
    assert str(partner.charter_signed_on) == "2025-03-14"
    page = page_text(console.get("/console/network/partners"))
    assert "Dr Karim Benali" in page and "Arabe, Français" in page and "14/03/2025" in page

    edit = page_text(console.get(f"/console/network/partners/{partner.id}"))
    assert "cabinet : 05 61 22 33 44" in edit and 'value="ar, fr"' in edit
    changed = {**PARTNER, "languages": "ar", "has_third_party_payment": "y"}
    del changed["is_accepting_patients"]
    assert post(console, f"/console/network/partners/{partner.id}", changed).status_code == 302
    session.refresh(partner)
    assert partner.language_codes == ["ar"]
    assert partner.has_third_party_payment and not partner.is_accepting_patients

    assert post(console, f"/console/network/partners/{partner.id}/active", {}).status_code == 302
    session.refresh(partner)
    assert not partner.is_active
    assert audit_actions(session, "partner") == [
        "partner_added",
        "partner_changed",
        "partner_deactivated",
    ]


def test_a_deactivated_partner_is_no_longer_offered_to_the_nurse(
    console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    make_partner(session, "ar", name="Dr Omar Saïdi", is_active=False)
    make_partner(session, "ar")
    call_request = make_request(session, helpline)
    make_user(session, "nurse", "nurse@example.org")
    assert sign_in(console, "nurse@example.org") == 302
    page = page_text(console.get(f"/console/requests/{call_request.id}?partner_language=ar"))
    assert "Dr Karim Benali" in page and "Dr Omar Saïdi" not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("insee_code", "3155", "5 caractères"),
        ("languages", "ar, xx9", "langue inconnue"),
        ("phones", "12", "n'est pas un numéro"),
        ("name", "", "Le nom du partenaire est obligatoire."),
        ("profession", "astronaut", "Choisissez la profession dans la liste."),
        ("charter_signed_on", "14/03", "une date est attendue"),
        ("structure_id", "abc", "Choisissez la structure dans la liste."),
        ("structure_id", "999999", "Choisissez la structure dans la liste."),
    ],
)
def test_a_partner_that_cannot_be_kept_says_why_and_keeps_what_was_typed(
    console: FlaskClient,
    session: Session,
    coordinator: User,
    field: str,
    value: str,
    message: str,
) -> None:
    response = post(console, "/console/network/partners/new", {**PARTNER, field: value})
    assert response.status_code == 400
    page = page_text(response)
    assert message in page
    assert "Toulouse" in page and "cabinet : 05 61 22 33 44" in page  # nothing lost
    assert session.scalars(select(Partner)).first() is None


def test_a_coordinator_adds_a_structure_with_its_finess(
    console: FlaskClient, session: Session, coordinator: User
) -> None:
    data = {"name": "PASS du CHU", "kind": "pass", "finess": "31 078 140 6", "commune": "Toulouse"}
    refused = post(console, "/console/structures/new", {**data, "finess": "12345"})
    assert refused.status_code == 400
    assert "Le numéro FINESS compte 9 caractères" in page_text(refused)
    assert "PASS du CHU" in page_text(refused)
    mistyped = post(console, "/console/structures/new", {**data, "finess": "310781407"})
    assert mistyped.status_code == 400
    assert "« 310781407 » n'est pas valide" in page_text(mistyped)
    assert session.scalars(select(Structure)).first() is None
    response = post(console, "/console/structures/new", data)
    assert response.status_code == 302
    structure = session.scalars(select(Structure)).one()
    assert response.headers["Location"].endswith(f"/console/structures/{structure.id}")
    assert (structure.finess, structure.kind) == ("310781406", "pass")
    response = post(
        console,
        f"/console/structures/{structure.id}/edit",
        {**data, "finess": "2a 000 001 4", "insee_code": "31555"},
    )
    assert response.status_code == 302
    session.refresh(structure)
    assert (structure.finess, structure.insee_code) == ("2A0000014", "31555")
    assert audit_actions(session, "structure") == ["structure_added", "structure_changed"]
    # The network's page lists it, and links to the directory's page of it.
    partners_page = page_text(console.get("/console/network/partners"))
    assert f'href="/console/structures/{structure.id}"' in partners_page


def test_a_nurse_searches_partners_but_cannot_edit_them(
    console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    partner = make_partner(session, "ar")
    make_user(session, "nurse", "nurse@example.org")
    assert sign_in(console, "nurse@example.org") == 302
    assert console.get("/console/network/partners").status_code == 403
    assert console.get(f"/console/network/partners/{partner.id}").status_code == 403
    assert post(console, "/console/network/partners/new", PARTNER).status_code == 403
    assert post(console, f"/console/network/partners/{partner.id}/active", {}).status_code == 403
    assert "Partenaires du réseau" not in page_text(console.get("/console/follow-ups"))
    session.refresh(partner)
    assert partner.is_active


def test_an_admin_keeps_partners_too_and_a_coordinator_is_a_role_an_admin_gives(
    console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    make_user(session, "admin", "admin@example.org")
    assert sign_in(console, "admin@example.org") == 302
    assert console.get("/console/network/partners").status_code == 200
    form = page_text(console.get("/admin/users"))
    assert f'value="{helpline.id}:coordinator"' in form and "coordination du réseau" in form


def test_the_user_command_gives_the_coordinator_role(session: Session) -> None:
    user = create_user(
        session, "claire@example.org", "Claire Vidal", "Coordinator", "a long enough passphrase"
    )
    assert user.roles == "coordinator" and user.has_role("coordinator")
    assert not user.has_role("nurse")


def test_a_deactivated_structure_is_no_longer_offered_for_new_partners(
    console: FlaskClient, session: Session, coordinator: User
) -> None:
    structure = make_structure(session)
    kept = make_partner(session, "ar", structure_id=structure.id)
    path = f"/console/structures/{structure.id}/active"
    assert post(console, path, {}).status_code == 302
    session.refresh(structure)
    assert not structure.is_active
    assert audit_actions(session, "structure") == ["structure_deactivated"]
    assert f'value="{structure.id}"' not in page_text(console.get("/console/network/partners/new"))
    refused = post(
        console,
        "/console/network/partners/new",
        {**PARTNER, "structure_id": str(structure.id)},
    )
    assert refused.status_code == 400
    assert "Choisissez la structure dans la liste." in page_text(refused)
    # A partner who has it keeps it when his record is changed.
    edit = page_text(console.get(f"/console/network/partners/{kept.id}"))
    assert f'value="{structure.id}" selected' in edit
    changed = {**PARTNER, "structure_id": str(structure.id)}
    assert post(console, f"/console/network/partners/{kept.id}", changed).status_code == 302


def test_the_nurse_s_commune_search_takes_what_she_types_literally(
    console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    make_partner(session, "ar", commune="Saint-Orens-de-Gameville", insee_code="31506")
    make_partner(session, "ar", name="Dr Omar Saïdi", commune="Toulouse")
    call_request = make_request(session, helpline)
    make_user(session, "nurse", "nurse@example.org")
    assert sign_in(console, "nurse@example.org") == 302
    for typed, found in (("saint-orens", 1), ("31506", 1), ("%", 0), ("_oulouse", 0)):
        page = page_text(
            console.get(f"/console/requests/{call_request.id}?partner_commune={typed}")
        )
        expected = "1 partenaire trouvé" if found else "0 partenaire trouvé"
        assert expected in page, typed
