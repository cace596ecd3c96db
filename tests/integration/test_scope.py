"""Users belong to helplines with a role in each; a regional administrator sees them all; the
header lets a user of several helplines choose the one he works on."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline import scope
from hotline.models import Helpline, User
from tests.factories import make_helpline, make_member, make_user
from tests.integration.admin_support import page_text, post
from tests.integration.test_console_access import console, sign_in

__all__ = ["console"]


def two_helplines(session: Session) -> tuple[Helpline, Helpline]:
    first = make_helpline(session, name="Permanence Garonne")
    second = make_helpline(session, name="Permanence Ariège", phone_number="+33534000000")
    return first, second


def test_memberships_give_roles_per_helpline_and_their_union_to_the_account(
    session: Session,
) -> None:
    garonne, ariege = two_helplines(session)
    user = make_user(session, "nurse", "claire@example.org")
    scope.set_memberships(session, user, {garonne.id: {"nurse"}, ariege.id: {"finance"}})
    assert user.roles == "nurse,finance"
    assert scope.roles_in(session, user, garonne.id) == {"nurse"}
    assert scope.helpline_ids_for(session, user, "finance") == [ariege.id]
    assert {h.name for h in scope.helplines_for(session, user)} == {
        "Permanence Garonne",
        "Permanence Ariège",
    }
    assert not scope.can(session, user, "finance", garonne.id)


def test_a_regional_administrator_sees_every_active_helpline_but_is_no_nurse(
    session: Session,
) -> None:
    garonne, ariege = two_helplines(session)
    closed = make_helpline(session, name="Fermée", phone_number="+33534000001", is_active=False)
    chief = make_user(session, "admin", "region@example.org", is_regional_admin=True)
    assert scope.helpline_ids_for(session, chief, "finance") == sorted(
        [garonne.id, ariege.id],
        key=lambda i: session.get(Helpline, i).name,  # type: ignore[union-attr]
    )
    assert closed.id not in scope.helpline_ids_for(session, chief)
    assert chief.has_role("finance") and not chief.has_role("nurse")


def test_the_first_helpline_takes_the_existing_accounts_a_second_does_not(
    session: Session,
) -> None:
    nurse = make_user(session, "nurse", "early@example.org")
    assert scope.memberships_of(session, nurse) == {}
    garonne, ariege = two_helplines(session)
    assert scope.memberships_of(session, nurse) == {garonne.id: {"nurse"}}
    late = make_user(session, "finance", "late@example.org")
    assert scope.memberships_of(session, late) == {}  # two helplines: someone must choose
    make_member(session, late, ariege, "finance")
    assert scope.helpline_ids_for(session, late) == [ariege.id]


def test_a_user_of_two_helplines_chooses_in_the_header_and_cannot_choose_another(
    console: FlaskClient, session: Session
) -> None:
    garonne, ariege = two_helplines(session)
    other = make_helpline(session, name="Permanence Tarn", phone_number="+33563000000")
    user: User = make_user(session, "admin", "admin@example.org")
    scope.set_memberships(session, user, {garonne.id: {"admin"}, ariege.id: {"admin"}})
    assert sign_in(console, user.email) == 302
    page = page_text(console.get("/admin"))
    assert 'id="helpline-choice"' in page and "Permanence Tarn" not in page
    chosen = post(console, "/console/helpline", {"helpline_id": str(ariege.id), "next": "/admin"})
    assert chosen.status_code == 302
    assert "Vous travaillez sur Permanence Ariège." in page_text(console.get("/admin"))
    refused = post(console, "/console/helpline", {"helpline_id": str(other.id)})
    assert refused.status_code == 302
    assert "Vous ne travaillez pas sur cette permanence." in page_text(console.get("/admin"))
