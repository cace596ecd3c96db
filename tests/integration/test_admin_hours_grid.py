"""The opening hours' page: the weekly grid, the month calendar, the closed message previewed,
and the GP hearing the hours set on the grid read out in French (through the voice webhooks)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import Helpline, User
from tests.conftest import Clock, call_sid, post_signed, voice_form
from tests.integration.admin_support import (
    admin,
    audit_actions,
    console,
    helpline,
    page_text,
    post,
)

__all__ = ["admin", "console", "helpline"]  # the fixtures these tests use

WEEKDAY = [("09:00", "12:30"), ("13:30", "18:00")]
SPOKEN = (
    "Elle est ouverte du lundi au vendredi, de 9 heures à 12 heures 30 et de 13 heures 30 à "
    "18 heures ; le samedi, de 9 heures à midi."
)


def grid_form(days: list[list[tuple[str, str]]], action: str = "save") -> dict[str, str]:
    form = {"action": action}
    for weekday, rows in enumerate(days):
        for row, (start, end) in enumerate(rows):
            form[f"d{weekday}-{row}-start"] = start
            form[f"d{weekday}-{row}-end"] = end
    return form


WEEK = [WEEKDAY, WEEKDAY, WEEKDAY, WEEKDAY, [*WEEKDAY, ("", "")], [("09:00", "12:00")], [("", "")]]


def test_hours_set_on_the_grid_are_stored_as_the_syntax_stores_them(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    response = post(console, "/admin/hours/grid", grid_form(WEEK))
    assert response.status_code == 302
    session.refresh(helpline)
    assert helpline.opening_hours == "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00"
    assert audit_actions(session, "helpline") == ["hours_changed"]
    page = page_text(console.get("/admin/hours"))
    assert 'name="d4-1-end" value="18:00"' in page and 'name="d5-0-start" value="09:00"' in page
    assert 'name="d6-0-start" value=""' in page  # a spare row to open Sunday


def test_a_range_is_added_or_removed_without_script_and_without_saving(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    added = post(console, "/admin/hours/grid", grid_form(WEEK, "add-6"))
    assert added.status_code == 200
    page = page_text(added)
    assert 'name="d6-1-start"' in page and 'name="d6-2-start"' not in page
    removed = page_text(post(console, "/admin/hours/grid", grid_form(WEEK, "remove-0-0")))
    assert 'name="d0-0-start" value="13:30"' in removed and 'name="d0-1-start"' not in removed
    session.refresh(helpline)
    assert helpline.opening_hours == "mon-fri 09:00-18:00"
    assert audit_actions(session, "helpline") == []


def test_a_grid_mistake_is_said_in_french_and_in_english_and_the_grid_kept(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    week = [[("09:00", "")], [], [], [], [], [], []]
    french = post(console, "/admin/hours/grid", grid_form(week))
    assert french.status_code == 400
    page = page_text(french)
    assert "Lundi, plage 1 : indiquez l'heure de début et l'heure de fin" in page
    assert 'name="d0-0-start" value="09:00"' in page
    english = post(console, "/admin/hours/grid?lang=en", grid_form(week))
    assert "Monday, range 1: give the start and the end time" in page_text(english)
    session.refresh(helpline)
    assert helpline.opening_hours == "mon-fri 09:00-18:00"


def test_a_syntax_mistake_is_said_in_french_not_in_english(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    french = page_text(post(console, "/admin/hours", {"opening_hours": "lundi 9h-18h"}))
    assert "jour « lundi » inconnu dans « lundi 9h-18h »" in french
    assert "invalid day" not in french
    overlap = page_text(
        post(console, "/admin/hours", {"opening_hours": "tue 09:00-12:30,12:00-14:00"})
    )
    assert "Mardi : les plages 09:00-12:30 et 12:00-14:00 se chevauchent dans" in overlap
    english = page_text(post(console, "/admin/hours?lang=en", {"opening_hours": "lundi 9h-18h"}))
    assert "unknown day “lundi” in “lundi 9h-18h”" in english


def test_the_month_calendar_shows_closures_and_the_subdivision_s_holidays(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    helpline.holiday_subdivision = "57"
    session.commit()
    closure = {"first_day": "2026-12-28", "last_day": "2026-12-29", "label": "pont"}
    assert post(console, "/admin/closures", closure).status_code == 302
    page = page_text(console.get("/admin/hours?month=2026-12"))
    assert "Calendrier : décembre 2026" in page
    assert "Férié : Noël" in page and "Férié : Saint-Étienne" in page
    assert page.count("Fermeture : pont") == 2
    assert "Moselle" in page
    assert 'href="/admin/hours?month=2027-01#calendar"' in page
    english = page_text(console.get("/admin/hours?month=2026-12&lang=en"))
    assert "Calendar: December 2026" in english


def test_the_page_previews_what_the_gp_hears_when_the_line_is_closed(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    assert post(console, "/admin/hours/grid", grid_form(WEEK)).status_code == 302
    page = page_text(console.get("/admin/hours"))
    assert "« La permanence infirmière est actuellement fermée : hors horaires. »" in page
    assert f"« {SPOKEN} »" in page
    assert "« Elle rouvrira aujourd'hui à 13 heures 30. »" in page  # Monday 12:30 closing


def test_the_gp_hears_the_hours_set_on_the_grid_read_out_in_french(
    console: FlaskClient,
    client: FlaskClient,
    session: Session,
    admin: User,
    helpline: Helpline,
    clock: Clock,
) -> None:
    assert post(console, "/admin/hours/grid", grid_form(WEEK)).status_code == 302
    clock.at = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # Saturday 15:00 in Paris: closed
    gp = call_sid(777)
    post_signed(client, "/twilio/voice/incoming", voice_form(gp))
    response = post_signed(
        client, "/twilio/voice/menu?attempt=1", voice_form(gp, CallStatus="in-progress", Digits="2")
    )
    assert response.status_code == 200
    says = ET.fromstring(response.data).findall(".//Say")
    heard = [say.text for say in says]
    assert all(say.get("language") == "fr-FR" for say in says)
    assert "La permanence infirmière est actuellement fermée : hors horaires." in heard
    assert SPOKEN in heard
    assert "Elle rouvrira lundi à 9 heures." in heard
