"""The recurring rota's admin pages: patterns, their end, absences and swaps, the calendar's holes
and the holes mailed to the coordinators from the admin's home."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import AuditEvent, Helpline, OutboxMessage, User
from routing.admin import add_nurse, set_hours
from routing.models import RotaException, RotaPattern
from routing.rota import routing_plan
from routing.rota_admin import add_exception, add_pattern
from tests.conftest import Clock
from tests.factories import make_helpline, make_member, make_user
from tests.integration.admin_support import admin, audit_actions, console, helpline, page_text, post
from tests.integration.test_console_access import sign_in

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use

MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def pattern_form(nurse: User, **changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "user_id": str(nurse.id),
        "rank": "on_duty",
        "weekdays": ["0", "1", "2"],
        "starts": "09:00",
        "ends": "17:00",
        "every_weeks": "1",
        "first_day": "2026-11-23",
        "last_day": "",
        "week": "2026-W48",
    }
    form.update(changes)
    return form


def day_row(page: str, day: date) -> str:
    found = re.search(rf'<tr id="day-{day.isoformat()}">(.*?)</tr>', page, re.S)
    assert found, page
    return found.group(1)


def rung(session: Session, helpline: Helpline, at: datetime) -> list[int]:
    session.expire_all()  # what the pages wrote
    return [t.nurse_id for t in routing_plan(session, helpline, at).targets]


def amelie_and_paul(session: Session) -> tuple[User, User]:
    amelie = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    paul = add_nurse(session, "paul@example.org", "Paul Girard", "+33600000002")
    session.commit()
    return amelie, paul


def test_a_pattern_posted_on_the_rota_page_puts_her_on_duty_every_monday_to_wednesday(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline, clock: Clock
) -> None:
    amelie, _paul = amelie_and_paul(session)
    assert rung(session, helpline, clock.at) == []
    response = post(console, "/admin/rota/patterns", pattern_form(amelie))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/rota?week=2026-W48")
    row = session.scalars(select(RotaPattern)).one()
    assert (row.weekdays, row.starts_local, row.ends_local) == ("0,1,2", time(9), time(17))
    assert rung(session, helpline, clock.at) == [amelie.id]  # Monday 10:00
    assert rung(session, helpline, datetime(2026, 11, 26, 9, 0, tzinfo=UTC)) == []  # Thursday
    assert rung(session, helpline, datetime(2026, 12, 2, 9, 0, tzinfo=UTC)) == [amelie.id]
    assert audit_actions(session, "rota_pattern") == ["rota_pattern_added"]
    week = page_text(console.get("/admin/rota?week=2026-W48"))
    monday = day_row(week, MONDAY)
    assert "09:00 – 17:00" in monday and "Amélie Roux" in monday and "semaine type" in monday
    assert "Amélie Roux" not in day_row(week, date(2026, 11, 26))


def test_a_pattern_without_a_day_or_with_an_unreadable_time_is_refused_in_french_and_english(
    console: FlaskClient, session: Session, admin: User
) -> None:
    amelie, _paul = amelie_and_paul(session)
    response = post(
        console, "/admin/rota/patterns", pattern_form(amelie, weekdays=[], starts="9 heures")
    )
    page = page_text(response)
    assert response.status_code == 400
    assert "Cochez au moins un jour de la semaine." in page
    assert "De (heure locale) : une heure est attendue, par exemple 09:00." in page
    assert 'value="9 heures"' in page  # the form is kept as typed
    english = page_text(
        post(console, "/admin/rota/patterns?lang=en", pattern_form(amelie, weekdays=[]))
    )
    assert "Tick at least one day of the week." in english
    assert session.scalars(select(RotaPattern)).first() is None


def test_a_form_of_the_rota_posted_without_its_csrf_token_is_refused(
    console: FlaskClient, session: Session, admin: User
) -> None:
    amelie, _paul = amelie_and_paul(session)
    response = console.post("/admin/rota/patterns", data=pattern_form(amelie))
    assert response.status_code == 403
    assert session.scalars(select(RotaPattern)).first() is None


def test_an_absence_takes_her_off_that_day_only_and_cancelling_it_puts_her_back(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline, clock: Clock
) -> None:
    amelie, _paul = amelie_and_paul(session)
    add_pattern(session, helpline, amelie, rank="on_duty", weekdays=[0, 1, 2],
                starts=time(9), ends=time(17), first_day=MONDAY)  # fmt: skip
    session.commit()
    absence = {"kind": "absence", "user_id": str(amelie.id), "replacement_id": "",
               "first_day": "2026-11-24", "last_day": "", "week": "2026-W48"}  # fmt: skip
    assert post(console, "/admin/rota/exceptions", absence).status_code == 302
    assert rung(session, helpline, TUESDAY_10) == []
    assert rung(session, helpline, clock.at) == [amelie.id]
    week = page_text(console.get("/admin/rota?week=2026-W48"))
    assert "Amélie Roux" not in day_row(week, TUESDAY)
    assert "Non couvert" in day_row(week, TUESDAY)
    row = session.scalars(select(RotaException)).one()
    assert post(console, f"/admin/rota/exceptions/{row.id}/delete", {}).status_code == 302
    assert rung(session, helpline, TUESDAY_10) == [amelie.id]
    assert audit_actions(session, "rota_exception") == [
        "rota_exception_added",
        "rota_exception_deleted",
    ]
    # Both read by the helpline's own administrators (the events name its helpline).
    events = session.scalars(
        select(AuditEvent.helpline_id)
        .where(AuditEvent.object_type == "rota_exception")
        .order_by(AuditEvent.id)
    ).all()
    assert events == [helpline.id, helpline.id]


def test_a_swap_gives_her_tuesday_to_paul_and_a_swap_with_herself_is_refused(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    amelie, paul = amelie_and_paul(session)
    add_pattern(session, helpline, amelie, rank="on_duty", weekdays=[0, 1, 2],
                starts=time(9), ends=time(17), first_day=MONDAY)  # fmt: skip
    session.commit()
    swap = {"kind": "swap", "user_id": str(amelie.id), "replacement_id": str(amelie.id),
            "first_day": "2026-11-24", "last_day": "2026-11-24", "week": "2026-W48"}  # fmt: skip
    refused = post(console, "/admin/rota/exceptions", swap)
    assert refused.status_code == 400
    assert "Une infirmière ne peut pas échanger une garde avec elle-même." in page_text(refused)
    swap["replacement_id"] = str(paul.id)
    assert post(console, "/admin/rota/exceptions", swap).status_code == 302
    assert rung(session, helpline, TUESDAY_10) == [paul.id]
    tuesday = day_row(page_text(console.get("/admin/rota?week=2026-W48")), TUESDAY)
    assert "Paul Girard" in tuesday and "échange avec Amélie Roux" in tuesday


def test_ending_a_pattern_stops_it_after_its_last_day(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline, clock: Clock
) -> None:
    amelie, _paul = amelie_and_paul(session)
    row = add_pattern(session, helpline, amelie, rank="on_duty", weekdays=[0, 1, 2],
                      starts=time(9), ends=time(17), first_day=MONDAY)  # fmt: skip
    session.commit()
    early = post(console, f"/admin/rota/patterns/{row.id}/end", {"last_day": "2026-11-01"})
    assert early.status_code == 400
    assert "Le dernier jour vient avant le premier (23/11/2026)." in page_text(early)
    ended = post(console, f"/admin/rota/patterns/{row.id}/end", {"last_day": "2026-11-23"})
    assert ended.status_code == 302
    assert rung(session, helpline, clock.at) == [amelie.id]
    assert rung(session, helpline, TUESDAY_10) == []
    assert audit_actions(session, "rota_pattern") == ["rota_pattern_ended"]


def test_another_helplines_pattern_cannot_be_ended(
    console: FlaskClient, session: Session, helpline: Helpline
) -> None:
    other = make_helpline(session, name="Aveyron", phone_number="+33565000000")
    nurse = add_nurse(session, "hugo@example.org", "Hugo Lambert", "+33600000008")
    row = add_pattern(session, other, nurse, rank="on_duty", weekdays=[0],
                      starts=time(9), ends=time(17), first_day=MONDAY)  # fmt: skip
    mine = make_member(session, make_user(session, "admin", "local@example.org"), helpline, "admin")
    session.commit()
    assert sign_in(console, mine.email) == 302
    response = post(console, f"/admin/rota/patterns/{row.id}/end", {"last_day": "2026-11-30"})
    assert response.status_code == 404
    assert session.get(RotaPattern, row.id).last_day is None  # type: ignore[union-attr]


def test_the_month_view_marks_the_uncovered_open_hours(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    amelie, _paul = amelie_and_paul(session)
    set_hours(session, helpline, "mon-fri 08:00-18:00")
    add_pattern(session, helpline, amelie, rank="on_duty", weekdays=[0],
                starts=time(9), ends=time(17), first_day=MONDAY)  # fmt: skip
    session.commit()
    page = page_text(console.get("/admin/rota/month?month=2026-11"))
    monday = re.search(r'<td id="day-2026-11-23"[^>]*>(.*?)</td>', page, re.S)
    assert monday is not None
    assert "Non couvert 08:00–09:00" in monday.group(1)
    assert "Non couvert 17:00–18:00" in monday.group(1)
    assert "09:00–17:00 Amélie Roux" in monday.group(1)
    saturday = re.search(r'<td id="day-2026-11-28"[^>]*>(.*?)</td>', page, re.S)
    assert saturday is not None and "Non couvert" not in saturday.group(1)


def test_the_admins_home_lists_the_holes_and_mails_them_to_the_coordinators(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    amelie, _paul = amelie_and_paul(session)
    set_hours(session, helpline, "mon-fri 08:00-18:00")
    add_pattern(session, helpline, amelie, rank="on_duty", weekdays=[0, 1, 2, 3, 4],
                starts=time(8), ends=time(18), first_day=MONDAY)  # fmt: skip
    add_exception(session, helpline, "absence", amelie, TUESDAY, TUESDAY)
    coordinator = make_member(
        session, make_user(session, "coordinator", "coord@example.org"), helpline, "coordinator"
    )
    session.commit()
    home = " ".join(page_text(console.get("/admin")).split())
    assert "Créneaux non couverts dans les deux semaines" in home
    assert "Non couvert</strong> : Mardi 24/11/2026, 08:00 – 18:00" in home
    response = post(console, "/admin/rota/holes/mail", {})
    assert response.status_code == 302
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "send_mail")).one()
    assert message.payload["to"] == [coordinator.email]
    assert "- mardi 24/11/2026 de 08:00 à 18:00" in message.payload["body"]
    assert audit_actions(session, "helpline") == ["rota_holes_mailed"]
    english = " ".join(page_text(console.get("/admin?lang=en")).split())
    assert "Uncovered</strong> : Tuesday 24/11/2026" in english
