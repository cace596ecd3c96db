"""The regional administrator's helpline pages, and what a helpline's own administrator may not
touch in another helpline."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Helpline, ReferenceValue, Request, User
from interpreter_pool.admin import add_interpreter
from interpreter_pool.models import LanguageMenuEntry
from routing.admin import add_closure, add_shift
from routing.models import Closure, Shift
from tests.conftest import post_signed, voice_form
from tests.factories import make_helpline, make_member, make_user
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
)
from tests.integration.test_console_access import sign_in

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use

ARIEGE = "+33534000000"
FORM: dict[str, str | list[str]] = {
    "name": "Permanence de l'Ariège",
    "phone_number": "05 34 00 00 00",
    "timezone": "Europe/Paris",
    "greeting": "Bonjour, permanence de l'Ariège.",
    "is_active": "y",
    "routing-opening_hours": "mon-fri 09:00-18:00",
    "routing-holiday_subdivision": "",
    "routing-ring_timeout_s": "25",
    "routing-voicemail_max_s": "90",
    "dispatch-dispatch_strategy": "priority",
    "dispatch-interpreter_ring_timeout_s": "25",
    "dispatch-agency_delay_s": "40",
    "dispatch-interpreter_budget_s": "150",
    "dispatch-language_menu_days": "60",
    "dispatch-pinned": "ar",
    "dispatch-recompute_days": "30",
}


def ariege(session: Session) -> Helpline | None:
    return session.scalars(select(Helpline).where(Helpline.phone_number == ARIEGE)).first()


def test_a_regional_administrator_creates_a_helpline_with_its_lists_menu_and_settings(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    session.commit()
    response = post(console, "/admin/helplines/new", FORM)
    assert response.status_code == 302
    made = ariege(session)
    assert made is not None
    assert (made.name, made.timezone, made.greeting, made.is_active) == (
        "Permanence de l'Ariège",
        "Europe/Paris",
        "Bonjour, permanence de l'Ariège.",
        True,
    )
    assert (made.opening_hours, made.ring_timeout_s, made.voicemail_max_s) == (
        "mon-fri 09:00-18:00",
        25,
        90,
    )
    assert (made.dispatch_strategy, made.agency_delay_s, made.interpreter_budget_s) == (
        "priority",
        40,
        150,
    )
    assert (made.language_menu_pinned, made.language_menu_days) == ("ar", 60)
    kinds = set(
        session.scalars(select(ReferenceValue.kind).where(ReferenceValue.helpline_id == made.id))
    )
    assert {"category", "outcome", "orientation"} <= kinds
    menu = session.scalars(
        select(LanguageMenuEntry.language).where(LanguageMenuEntry.helpline_id == made.id)
    ).all()
    assert list(menu) == ["ar"]
    assert audit_actions(session, "helpline") == ["helpline_created"]
    listed = page_text(console.get("/admin/helplines"))
    assert "Permanence de l'Ariège" in listed and "05 34 00 00 00" in listed


@pytest.mark.parametrize(
    ("lang", "change", "message"),
    [
        ("fr", {"phone_number": "12"}, "« 12 » n'est pas un numéro de téléphone valide."),
        ("en", {"phone_number": "12"}, "“12” is not a valid phone number."),
        (
            "fr",
            {"phone_number": "05 61 00 00 00"},
            "Le numéro 05 61 00 00 00 est déjà celui d'une autre ligne.",
        ),
        (
            "en",
            {"phone_number": "05 61 00 00 00"},
            "The number 05 61 00 00 00 already belongs to another helpline.",
        ),
        (
            "fr",
            {"timezone": "Europe/Toulouse"},
            "Fuseau horaire inconnu « Europe/Toulouse » : choisissez-le dans la liste "
            "(par exemple Europe/Paris).",
        ),
        (
            "en",
            {"timezone": "Europe/Toulouse"},
            'Unknown time zone "Europe/Toulouse": choose it from the list (for example '
            "Europe/Paris).",
        ),
        ("fr", {"name": " "}, "Le nom de la ligne est obligatoire."),
        ("en", {"name": " "}, "The helpline's name is required."),
        ("fr", {"dispatch-interpreter_budget_s": "5"}, "au moins 20."),
        ("fr", {"routing-opening_hours": "le matin"}, "Horaires illisibles"),
        ("en", {"dispatch-dispatch_strategy": "everyone"}, "Choose a strategy from the list."),
    ],
)
def test_a_refused_helpline_form_says_why_in_the_page_language_and_keeps_what_was_typed(
    console: FlaskClient,
    session: Session,
    admin: User,
    helpline: Helpline,
    lang: str,
    change: dict[str, str],
    message: str,
) -> None:
    response = post(console, f"/admin/helplines/new?lang={lang}", {**FORM, **change})
    page = page_text(response)
    assert response.status_code == 400
    assert message in page
    for field in ("name", "phone_number", "routing-opening_hours", "dispatch-pinned"):
        typed = str(change.get(field, FORM[field])).strip()
        assert f'value="{typed}"' in page, field
    assert "Bonjour, permanence de l'Ariège.</textarea>" in page
    assert session.scalars(select(Helpline).where(Helpline.name == FORM["name"])).first() is None
    assert audit_actions(session, "helpline") == []


def test_a_helpline_is_edited_and_deactivated_and_the_change_audited(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    other = make_helpline(session, name="Permanence 09", phone_number=ARIEGE)
    session.commit()
    page = page_text(console.get(f"/admin/helplines/{other.id}"))
    assert 'value="Permanence 09"' in page and 'value="05 34 00 00 00"' in page
    changed = {**FORM, "greeting": "Nouvel accueil.", "is_active": ""}
    del changed["is_active"]
    assert post(console, f"/admin/helplines/{other.id}", changed).status_code == 302
    session.refresh(other)
    assert (other.greeting, other.is_active, other.name) == (
        "Nouvel accueil.",
        False,
        "Permanence de l'Ariège",
    )
    assert audit_actions(session, "helpline") == ["helpline_updated"]


@pytest.fixture
def two_helplines(session: Session, helpline: Helpline) -> tuple[Helpline, Helpline]:
    """The default helpline and the Ariège's, each with a closure, a shift and a list value."""
    other = make_helpline(session, name="Permanence 09", phone_number=ARIEGE)
    for each in (helpline, other):
        nurse = make_user(session, "nurse", f"nurse-{each.id}@example.org")
        make_member(session, nurse, each, "nurse")
        add_shift(session, each, nurse, "2026-11-23 08:00", "2026-11-23 16:00")
        add_closure(session, each, date(2026, 12, 24), date(2026, 12, 24), "Noël")
    session.commit()
    return helpline, other


@pytest.fixture
def helpline_admin(
    console: FlaskClient, session: Session, two_helplines: tuple[Helpline, Helpline]
) -> User:
    """The administrator of the default helpline only, signed in."""
    user = make_user(session, "admin", "admin-31@example.org", display_name="Admin 31")
    make_member(session, user, two_helplines[0], "admin")
    session.commit()
    assert sign_in(console, user.email) == 302
    return user


def test_a_helpline_admin_may_not_see_the_regional_pages_nor_touch_another_helpline(
    console: FlaskClient,
    session: Session,
    two_helplines: tuple[Helpline, Helpline],
    helpline_admin: User,
) -> None:
    mine, other = two_helplines
    for path in ("/admin/helplines", "/admin/helplines/new", f"/admin/helplines/{other.id}"):
        assert console.get(path).status_code == 403, path
    assert post(console, f"/admin/helplines/{other.id}", FORM).status_code == 403
    assert console.get(f"/admin/lists/{other.id}/category").status_code == 404
    value = session.scalars(
        select(ReferenceValue).where(ReferenceValue.helpline_id == other.id)
    ).first()
    assert value is not None
    assert console.get(f"/admin/lists/values/{value.id}").status_code == 404
    shift = session.scalars(select(Shift).where(Shift.helpline_id == other.id)).one()
    closure = session.scalars(select(Closure).where(Closure.helpline_id == other.id)).one()
    assert post(console, f"/admin/rota/shifts/{shift.id}/delete", {}).status_code == 404
    assert post(console, f"/admin/closures/{closure.id}/delete", {}).status_code == 404
    # Choosing the other helpline in the header is refused: the greeting stays his own.
    chosen = post(console, "/console/helpline", {"helpline_id": str(other.id)})
    assert chosen.status_code == 302
    assert post(console, "/admin/greeting", {"greeting": "Bonjour du 31."}).status_code == 302
    session.refresh(mine)
    session.refresh(other)
    assert (mine.greeting, other.greeting == "Bonjour du 31.") == ("Bonjour du 31.", False)
    assert session.get(Shift, shift.id) is not None and session.get(Closure, closure.id)


def test_a_helpline_admin_manages_his_helplines_people_only(
    console: FlaskClient,
    session: Session,
    two_helplines: tuple[Helpline, Helpline],
    helpline_admin: User,
) -> None:
    mine, other = two_helplines
    theirs = session.scalars(
        select(User).where(User.email == f"nurse-{other.id}@example.org")
    ).one()
    ours = session.scalars(select(User).where(User.email == f"nurse-{mine.id}@example.org")).one()
    listed = page_text(console.get("/admin/users"))
    assert ours.email in listed and theirs.email not in listed
    assert console.get(f"/admin/users/{theirs.id}").status_code == 404
    # The table offers his helpline only; a box of another helpline is refused.
    page = page_text(console.get(f"/admin/users/{ours.id}"))
    assert f'value="{mine.id}:nurse"' in page and f'value="{other.id}:nurse"' not in page
    account = {"display_name": "Nora", "locale": "fr", "is_active": "y"}
    refused = post(
        console,
        f"/admin/users/{ours.id}?lang=en",
        {**account, "memberships": [f"{mine.id}:nurse", f"{other.id}:admin"]},
    )
    assert refused.status_code == 400
    assert "Only a regional administrator gives roles in a helpline you do not administer." in (
        page_text(refused)
    )
    regional = post(
        console,
        f"/admin/users/{ours.id}?lang=fr",
        {**account, "memberships": [f"{mine.id}:nurse"], "is_regional_admin": "y"},
    )
    assert regional.status_code == 400
    assert "Seul un administrateur régional peut nommer un administrateur régional." in (
        page_text(regional)
    )
    session.refresh(ours)
    assert not ours.is_regional_admin
    # What he may do: make the nurse a coordinator of his helpline too; her other roles stay.
    make_member(session, ours, other, "finance")
    session.commit()
    saved = post(
        console,
        f"/admin/users/{ours.id}",
        {**account, "memberships": [f"{mine.id}:nurse", f"{mine.id}:coordinator"]},
    )
    assert saved.status_code == 302
    session.refresh(ours)
    assert ours.roles == "nurse,coordinator,finance"


def test_a_regional_administrator_gives_roles_in_several_helplines_and_names_another(
    console: FlaskClient, session: Session, admin: User, two_helplines: tuple[Helpline, Helpline]
) -> None:
    mine, other = two_helplines
    nurse = session.scalars(select(User).where(User.email == f"nurse-{mine.id}@example.org")).one()
    response = post(
        console,
        f"/admin/users/{nurse.id}",
        {"display_name": "Nora", "locale": "fr", "is_active": "y", "is_regional_admin": "y",
         "memberships": [f"{mine.id}:nurse", f"{other.id}:nurse", f"{other.id}:admin"]},
    )  # fmt: skip
    assert response.status_code == 302
    session.refresh(nurse)
    assert nurse.is_regional_admin and nurse.roles == "nurse,admin"
    page = page_text(console.get(f"/admin/users/{nurse.id}"))
    assert f'value="{other.id}:admin" id="m-{other.id}-admin"' in page
    assert 'aria-label="Permanence 09 : administration" checked' in page
    assert audit_actions(session, "user")[-1] == "user_updated"


@pytest.mark.parametrize(
    ("number", "logged"),
    [
        (ARIEGE, "the number of the inactive helpline Permanence 09"),
        ("+33534999999", "a number no helpline has"),
    ],
)
def test_a_call_to_an_inactive_or_unknown_number_is_taken_by_the_default_helpline_and_logged(
    client: FlaskClient,
    session: Session,
    helpline: Helpline,
    caplog: pytest.LogCaptureFixture,
    number: str,
    logged: str,
) -> None:
    make_helpline(session, name="Permanence 09", phone_number=ARIEGE, is_active=False)
    session.commit()
    with caplog.at_level(logging.WARNING, logger="hotline.services"):
        response = post_signed(
            client, "/twilio/voice/incoming", voice_form("CA" + "9" * 32, To=number)
        )
    assert response.status_code == 200
    request = session.scalars(select(Request)).one()
    assert request.helpline_id == helpline.id
    assert logged in caplog.text and helpline.phone_number in caplog.text
