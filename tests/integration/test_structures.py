"""Structures and the professionals who work in them, over HTTP: the nurse (or an admin) attaches
a professional to two structures and detaches him (audited), each structure's page lists its
professionals, the directory is searched by structure; a request gets its caller's only structure
when it opens (one query on the incoming call) and the nurse chooses among his structures."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import Helpline, Professional, Request, RequestEvent, Structure, User
from hotline.structures import attach
from tests.conftest import call_sid, post_signed, voice_form
from tests.factories import make_professional, make_request, make_structure, make_user
from tests.integration.admin_support import audit_actions, console, helpline, page_text
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
def centre(session: Session) -> Structure:
    return make_structure(
        session, name="Centre de santé des Izards", kind="health_centre", finess="319990016"
    )


@pytest.fixture
def msp(session: Session) -> Structure:
    return make_structure(session, name="Maison de santé de Bagatelle", kind="msp")


def words(response: TestResponse) -> str:
    """The page's text without its tags, its spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def post(console: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    """Post a console form with the CSRF token the nurse's pages give."""
    return console.post(path, data={**data, "csrf_token": csrf_of(console, "/console/directory")})


def test_the_nurse_attaches_a_professional_to_two_structures_and_each_page_lists_him(
    console: FlaskClient, session: Session, nurse: User, centre: Structure, msp: Structure
) -> None:
    martin = make_professional(session, NUMBER)
    page = page_text(console.get(f"/console/directory/{martin.id}"))
    assert "Structures où il ou elle travaille" in page and "Aucune structure" in page
    path = f"/console/directory/{martin.id}/structures"
    for structure in (centre, msp, centre):  # the second time at the centre changes nothing
        response = post(console, path, {"structure_id": str(structure.id)})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/console/directory/{martin.id}")
    session.expire_all()
    assert [s.name for s in martin.structures] == [centre.name, msp.name]
    for structure in (centre, msp):
        listed = page_text(console.get(f"/console/structures/{structure.id}"))
        assert "Dr Claire Martin" in listed and "1 professionnel" in listed
    listed = words(console.get("/console/structures"))
    assert f"{centre.name} Centre de santé 319990016 Toulouse (31555) 1" in listed

    detached = post(console, f"/console/directory/{martin.id}/structures/{msp.id}/remove", {})
    assert detached.status_code == 302
    session.expire_all()
    assert [s.name for s in martin.structures] == [centre.name]
    after = page_text(console.get(f"/console/structures/{msp.id}"))
    assert f'data-professional-id="{martin.id}"' not in after and "0 professionnel" in after
    assert audit_actions(session, "professional") == [
        "structure_attached",
        "structure_attached",
        "structure_attached",
        "structure_detached",
    ]


def test_a_structure_not_offered_cannot_be_attached(
    console: FlaskClient, session: Session, nurse: User, centre: Structure
) -> None:
    martin = make_professional(session, NUMBER)
    closed = make_structure(session, name="Ancien cabinet", is_active=False)
    page = page_text(console.get(f"/console/directory/{martin.id}"))
    assert f'value="{centre.id}"' in page and f'value="{closed.id}"' not in page
    for typed in (str(closed.id), "999999", "abc", ""):
        refused = post(
            console, f"/console/directory/{martin.id}/structures", {"structure_id": typed}
        )
        assert refused.status_code == 302
        followed = page_text(console.get(refused.headers["Location"]))
        assert "Choisissez la structure dans la liste." in followed, typed
    session.expire_all()
    assert martin.structures == []


def test_an_admin_attaches_from_the_admin_page_and_comes_back_to_it(
    console: FlaskClient, session: Session, helpline: Helpline, centre: Structure
) -> None:
    make_user(session, "admin", "admin@example.org")
    assert sign_in(console, "admin@example.org") == 302
    martin = make_professional(session, NUMBER)
    page = page_text(console.get(f"/admin/directory/{martin.id}"))
    assert 'id="attach-structure"' in page and 'name="back" value="admin"' in page
    response = console.post(
        f"/console/directory/{martin.id}/structures",
        data={
            "structure_id": str(centre.id),
            "back": "admin",
            "csrf_token": csrf_of(console, "/admin"),
        },
    )
    assert response.headers["Location"].endswith(f"/admin/directory/{martin.id}")
    assert centre.name in page_text(console.get(f"/admin/directory/{martin.id}"))
    history = f"/admin/audit?object_type=structure&amp;object_id={centre.id}"
    assert history in console.get(f"/console/structures/{centre.id}").get_data(as_text=True)


def test_the_directory_is_searched_by_structure(
    console: FlaskClient, session: Session, nurse: User, centre: Structure, msp: Structure
) -> None:
    martin = make_professional(session, NUMBER)
    benali = make_professional(session, "+33623456789", first_name="Karim", last_name="Benali")
    attach(session, martin, centre.id)
    attach(session, benali, msp.id)
    found = page_text(console.get(f"/console/directory?structure_id={centre.id}"))
    assert "Dr Claire Martin" in found and "Dr Karim Benali" not in found
    assert f'<option value="{centre.id}" selected>' in found
    both = page_text(console.get(f"/console/directory?q=Benali&structure_id={msp.id}"))
    assert "Dr Karim Benali" in both and "Dr Claire Martin" not in both
    none = page_text(console.get(f"/console/directory?q=Martin&structure_id={msp.id}"))
    assert "Aucun professionnel ne correspond." in none
    everyone = page_text(console.get("/console/directory?structure_id=abc"))
    assert "Dr Claire Martin" in everyone and "Dr Karim Benali" in everyone


def incoming(console: FlaskClient, session: Session, n: int, number: str) -> Request:
    answered = post_signed(console, "/twilio/voice/incoming", voice_form(call_sid(n), number))
    assert answered.status_code == 200
    return session.scalars(select(Request).order_by(Request.id.desc())).first()  # type: ignore[return-value]


def test_a_caller_in_one_structure_gets_it_on_his_request_and_the_nurse_changes_it(
    console: FlaskClient, session: Session, nurse: User, centre: Structure, msp: Structure
) -> None:
    martin = make_professional(session, NUMBER)
    attach(session, martin, centre.id)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        call_request = incoming(console, session, 1, "0612345678")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert call_request.structure_id == centre.id
    assert len([s for s in statements if "professional_structures" in s]) == 1
    page = page_text(console.get(f"/console/requests/{call_request.id}"))
    assert f'value="{centre.id}" checked' in page
    assert "Structure de la demande : Centre de santé des Izards" in words(
        console.get(f"/console/requests/{call_request.id}")
    )

    # He works at the MSP too since: the nurse says the request is the MSP's.
    attach(session, martin, msp.id)
    path = f"/console/requests/{call_request.id}/structure"
    assert post(console, path, {"structure_id": str(msp.id)}).status_code == 302
    session.refresh(call_request)
    assert call_request.structure_id == msp.id
    page = words(console.get(f"/console/requests/{call_request.id}"))
    assert "Structure de la demande : Maison de santé de Bagatelle" in page
    assert "Structure de la demande choisie" in page  # the story tells it
    assert post(console, path, {"structure_id": ""}).status_code == 302
    session.refresh(call_request)
    assert call_request.structure_id is None
    events = session.scalars(
        select(RequestEvent.detail).where(
            RequestEvent.request_id == call_request.id, RequestEvent.kind == "structure_chosen"
        )
    ).all()
    assert [e["structure_id"] for e in events] == [msp.id, None]
    assert audit_actions(session, "request").count("choose_structure") == 2


def test_a_caller_in_two_structures_gets_none_until_the_nurse_chooses(
    console: FlaskClient, session: Session, nurse: User, centre: Structure, msp: Structure
) -> None:
    martin = make_professional(session, NUMBER)
    attach(session, martin, centre.id)
    attach(session, martin, msp.id)
    call_request = incoming(console, session, 1, NUMBER)
    assert call_request.professional_id == martin.id and call_request.structure_id is None
    page = words(console.get(f"/console/requests/{call_request.id}"))
    assert "Pour quelle structure l'appelant fait-il cette demande ?" in page
    assert "Structure de la demande : aucune" in page
    path = f"/console/requests/{call_request.id}/structure"
    assert post(console, path, {"structure_id": str(centre.id)}).status_code == 302
    session.refresh(call_request)
    assert call_request.structure_id == centre.id


def test_a_structure_the_caller_does_not_work_in_or_deactivated_is_refused(
    console: FlaskClient, session: Session, nurse: User, centre: Structure, msp: Structure
) -> None:
    martin = make_professional(session, NUMBER)
    attach(session, martin, centre.id)
    closed = make_structure(session, name="Ancien cabinet")
    attach(session, martin, closed.id)
    closed.is_active = False
    session.flush()
    call_request = incoming(console, session, 1, NUMBER)
    assert call_request.structure_id == centre.id  # his only active one
    assert f'value="{closed.id}"' not in page_text(
        console.get(f"/console/requests/{call_request.id}")
    )
    path = f"/console/requests/{call_request.id}/structure"
    for typed in (str(msp.id), str(closed.id), "abc", "999999"):
        refused = post(console, path, {"structure_id": typed})
        assert refused.status_code == 302
        followed = page_text(console.get(refused.headers["Location"]))
        assert "Choisissez une des structures de l'appelant, ou aucune." in followed, typed
    session.refresh(call_request)
    assert call_request.structure_id == centre.id


def test_linking_the_caller_gives_the_request_his_only_structure(
    console: FlaskClient, session: Session, nurse: User, centre: Structure, helpline: Helpline
) -> None:
    unknown = make_request(session, helpline, caller_number="+33699999999")
    martin = make_professional(session, NUMBER)
    attach(session, martin, centre.id)
    linked = post(
        console, f"/console/requests/{unknown.id}/caller", {"professional_id": str(martin.id)}
    )
    assert linked.status_code == 302
    session.refresh(unknown)
    assert (unknown.professional_id, unknown.structure_id) == (martin.id, centre.id)


def test_a_request_without_a_known_caller_shows_no_structure_panel(
    console: FlaskClient, session: Session, nurse: User, helpline: Helpline
) -> None:
    call_request = make_request(session, helpline, caller_number="+33699999999")
    page = page_text(console.get(f"/console/requests/{call_request.id}"))
    assert "Structure de la demande" not in page


def test_who_reads_and_who_keeps_structures(
    console: FlaskClient, session: Session, helpline: Helpline, centre: Structure
) -> None:
    martin = make_professional(session, NUMBER)
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    for path in ("/console/structures", f"/console/structures/{centre.id}"):
        assert console.get(path).status_code == 403, path
    assert console.get(f"/console/directory/{martin.id}").status_code == 403
    make_user(session, "nurse", "nurse@example.org")
    assert sign_in(console, "nurse@example.org") == 302
    page = page_text(console.get(f"/console/structures/{centre.id}"))
    assert "FINESS : 319990016" in page and "Modifier la fiche" not in page
    assert console.get(f"/console/structures/{centre.id}/edit").status_code == 403
    assert post(console, "/console/structures/new", {"name": "X"}).status_code == 403
    assert post(console, f"/console/structures/{centre.id}/active", {}).status_code == 403
    session.refresh(centre)
    assert centre.is_active


def test_a_coordinator_deactivates_a_structure_and_it_is_no_longer_offered(
    console: FlaskClient, session: Session, helpline: Helpline, centre: Structure
) -> None:
    make_user(session, "coordinator", "coordination@example.org")
    assert sign_in(console, "coordination@example.org") == 302
    response = console.post(
        f"/console/structures/{centre.id}/active",
        data={"csrf_token": csrf_of(console, "/console/structures")},
    )
    assert response.status_code == 302
    session.refresh(centre)
    assert not centre.is_active
    assert audit_actions(session, "structure") == ["structure_deactivated"]
    martin = make_professional(session, NUMBER)
    make_user(session, "nurse", "nurse@example.org")
    assert sign_in(console, "nurse@example.org") == 302
    assert f'value="{centre.id}"' not in page_text(console.get(f"/console/directory/{martin.id}"))


def test_the_structure_pages_and_a_finess_refusal_speak_english_in_english(
    console: FlaskClient, session: Session, helpline: Helpline, centre: Structure
) -> None:
    martin = make_professional(session, NUMBER)
    attach(session, martin, centre.id)
    make_user(session, "coordinator,nurse", "coordination@example.org")
    assert sign_in(console, "coordination@example.org") == 302
    console.get("/console/language/en")
    page = page_text(console.get(f"/console/structures/{centre.id}"))
    assert "Professionals who work there" in page and "1 professional" in page
    assert "Structures where they work" in page_text(console.get(f"/console/directory/{martin.id}"))
    refused = post(
        console, "/console/structures/new", {"name": "X", "kind": "other", "finess": "310781407"}
    )
    assert refused.status_code == 400
    assert "The FINESS number “310781407” is not valid" in page_text(refused)


def test_an_unknown_professional_or_structure_is_a_404(
    console: FlaskClient, session: Session, nurse: User, centre: Structure
) -> None:
    assert console.get("/console/directory/999999").status_code == 404
    assert console.get("/console/structures/999999").status_code == 404
    martin = make_professional(session, NUMBER)
    path = f"/console/directory/{martin.id}/structures/999999/remove"
    assert post(console, path, {}).status_code == 404
    assert session.scalars(select(Professional)).all() == [martin]


NEW_CALLER = {
    "title": "Dr",
    "first_name": "Karim",
    "last_name": "Benali",
    "profession": "gp",
    "commune": "Toulouse",
    "insee_code": "31555",
    "phones": "06 99 99 99 99",
}


def test_a_caller_added_from_the_call_with_his_structure_gives_it_to_the_request(
    console: FlaskClient, session: Session, nurse: User, centre: Structure, helpline: Helpline
) -> None:
    call_request = make_request(session, helpline, caller_number="+33699999999")
    path = f"/console/requests/{call_request.id}/caller/new"
    form = page_text(console.get(path))
    assert f'<option value="{centre.id}">' in form
    added = post(console, path, {**NEW_CALLER, "structure_id": str(centre.id)})
    assert added.status_code == 302
    session.refresh(call_request)
    benali = session.get(Professional, call_request.professional_id)
    assert benali is not None and [s.id for s in benali.structures] == [centre.id]
    assert call_request.structure_id == centre.id


def test_a_caller_added_with_a_structure_not_offered_is_refused_and_nothing_is_lost(
    console: FlaskClient, session: Session, nurse: User, helpline: Helpline
) -> None:
    closed = make_structure(session, name="Ancien cabinet", is_active=False)
    call_request = make_request(session, helpline, caller_number="+33699999999")
    path = f"/console/requests/{call_request.id}/caller/new"
    for typed in (str(closed.id), "abc"):
        refused = post(console, path, {**NEW_CALLER, "structure_id": typed})
        assert refused.status_code == 400, typed
        page = page_text(refused)
        assert "Choisissez la structure dans la liste." in page
        assert 'value="Benali"' in page and "06 99 99 99 99" in page
    assert session.scalars(select(Professional)).all() == []
