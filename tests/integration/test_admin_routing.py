"""Routing's admin pages: the rota, the opening hours and the closures."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Helpline, User
from routing.admin import add_nurse, add_shift
from routing.models import Closure, Shift
from routing.rota import routing_plan
from tests.conftest import Clock
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
)

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use


def day_row(page: str, day: date) -> str:
    found = re.search(rf'<tr id="day-{day.isoformat()}">(.*?)</tr>', page, re.S)
    assert found, page
    return found.group(1)


# --- rota --------------------------------------------------------------------------------------


def test_the_week_view_shows_a_night_shift_on_both_days_in_local_time(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    add_shift(session, helpline, nurse, "2026-11-24 20:00", "2026-11-25 08:00")
    session.commit()
    response = console.get("/admin/rota?week=2026-W48")
    page = page_text(response)
    assert response.status_code == 200
    assert "Amélie Roux" not in day_row(page, date(2026, 11, 23))
    tuesday, wednesday = day_row(page, date(2026, 11, 24)), day_row(page, date(2026, 11, 25))
    assert "20:00 – 25/11 08:00" in tuesday and "Amélie Roux" in tuesday
    assert "24/11 20:00 – 08:00" in wednesday and "Amélie Roux" in wednesday
    assert "de permanence" in tuesday
    assert "week=2026-W47" in page and "week=2026-W49" in page
    next_week = page_text(console.get("/admin/rota?week=2026-W49"))
    assert next_week.count("Personne au planning.") == 7


def test_a_shift_added_on_the_rota_page_makes_routing_ring_that_nurse(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline, clock: Clock
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    session.commit()
    assert routing_plan(session, helpline, clock.at).targets == ()
    response = post(
        console,
        "/admin/rota/shifts",
        {"user_id": str(nurse.id), "starts": "2026-11-23T08:00", "ends": "2026-11-23T20:00",
         "rank": "on_duty", "week": "2026-W48"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/rota?week=2026-W48")
    shift = session.scalars(select(Shift)).one()
    assert shift.starts_at == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    plan = routing_plan(session, helpline, clock.at)
    assert [(t.nurse_id, t.address) for t in plan.targets] == [(nurse.id, "+33600000001")]
    assert audit_actions(session, "shift") == ["shift_added"]


def test_a_shift_that_ends_before_it_starts_is_refused_with_the_form_kept(
    console: FlaskClient, session: Session, admin: User
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    session.commit()
    response = post(
        console,
        "/admin/rota/shifts",
        {"user_id": str(nurse.id), "starts": "2026-11-23T20:00", "ends": "2026-11-23T08:00",
         "rank": "backup", "week": "2026-W48"},
    )  # fmt: skip
    page = page_text(response)
    assert response.status_code == 400
    assert "La fin de la garde doit venir après son début." in page
    assert 'value="2026-11-23T20:00"' in page and 'value="2026-11-23T08:00"' in page
    assert f'<option value="{nurse.id}" selected>' in page
    assert '<option value="backup" selected>' in page
    assert session.scalars(select(Shift)).first() is None


def test_deleting_a_shift_takes_it_off_the_rota(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline, clock: Clock
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    shift = add_shift(session, helpline, nurse, "2026-11-23 08:00", "2026-11-23 20:00")
    session.commit()
    response = post(console, f"/admin/rota/shifts/{shift.id}/delete", {"week": "2026-W48"})
    assert response.status_code == 302
    assert session.scalars(select(Shift)).first() is None
    assert routing_plan(session, helpline, clock.at).targets == ()
    assert audit_actions(session, "shift") == ["shift_deleted"]


# --- hours and closures ------------------------------------------------------------------------


def test_opening_hours_are_changed_and_read_back_in_french(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    response = post(
        console,
        "/admin/hours",
        {"opening_hours": "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00",
         "holiday_subdivision": "57"},
    )  # fmt: skip
    assert response.status_code == 302
    session.refresh(helpline)
    assert helpline.opening_hours == "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00"
    assert helpline.holiday_subdivision == "57"
    page = page_text(console.get("/admin/hours"))
    assert "du lundi au vendredi, de 9 heures à 12 heures 30" in page
    assert "Moselle" in page
    assert audit_actions(session, "helpline") == ["hours_changed"]


def test_unreadable_hours_are_refused_and_kept_in_the_form(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    response = post(console, "/admin/hours", {"opening_hours": "lundi 9h-18h"})
    page = page_text(response)
    assert response.status_code == 400
    assert "Horaires illisibles" in page
    assert 'value="lundi 9h-18h"' in page
    session.refresh(helpline)
    assert helpline.opening_hours == "mon-fri 09:00-18:00"


def test_a_closure_is_added_in_local_days_and_deleted(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    response = post(
        console,
        "/admin/closures",
        {"first_day": "2026-12-24", "last_day": "2026-12-26", "label": "fêtes de fin d'année"},
    )
    assert response.status_code == 302
    closure = session.scalars(select(Closure)).one()
    assert closure.starts_at == datetime(2026, 12, 23, 23, 0, tzinfo=UTC)
    assert closure.ends_at == datetime(2026, 12, 26, 23, 0, tzinfo=UTC)
    page = page_text(console.get("/admin/hours"))
    assert "24/12/2026" in page and "26/12/2026" in page and "fêtes de fin d'année" in page
    backwards = post(
        console, "/admin/closures", {"first_day": "2026-12-26", "last_day": "2026-12-24"}
    )
    assert backwards.status_code == 400
    assert "Le dernier jour de la fermeture vient avant le premier." in page_text(backwards)
    assert post(console, f"/admin/closures/{closure.id}/delete", {}).status_code == 302
    assert session.scalars(select(Closure)).first() is None
    assert audit_actions(session, "closure") == ["closure_added", "closure_deleted"]


def test_a_shift_refused_in_english_says_why_next_to_its_end(
    console: FlaskClient, session: Session, admin: User
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    session.commit()
    response = post(
        console,
        "/admin/rota/shifts?lang=en",
        {"user_id": str(nurse.id), "starts": "2026-11-23T20:00", "ends": "2026-11-23T08:00",
         "rank": "backup", "week": "2026-W48"},
    )  # fmt: skip
    page = page_text(response)
    assert response.status_code == 400
    message = "The shift must end after it starts."
    assert f'<span class="field-error" id="ends-error">{message}</span>' in page
    assert 'aria-describedby="ends-error"' in page
    assert 'aria-describedby="starts-error"' not in page


def test_the_admin_turns_on_the_rating_and_the_voicemail_text_in_french_and_english(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    page = page_text(console.get("/admin/hours"))
    assert "Demander au médecin de noter le service (1 à 5) après l'appel" in page
    assert 'name="is_rating_enabled" >' in page  # off by default

    response = post(console, "/admin/after-call", {"is_rating_enabled": "y"})
    assert response.status_code == 302
    session.refresh(helpline)
    assert helpline.is_rating_enabled and not helpline.is_voicemail_sms_enabled
    assert "after_call_changed" in audit_actions(session, "helpline")
    post(console, "/admin/after-call", {"is_voicemail_sms_enabled": "y"})
    session.refresh(helpline)
    assert helpline.is_voicemail_sms_enabled and not helpline.is_rating_enabled

    english = page_text(console.get("/admin/hours?lang=en"))
    assert "Text the nurse on duty when a new voicemail arrives" in english
