"""The audit log of a helpline's administrator holds his helplines' events and the region's
shared ones (directory, pool, accounts), never another helpline's; a regional administrator
reads every event."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline import audit
from hotline.models import Helpline
from tests.factories import make_helpline, make_member, make_request, make_user
from tests.integration.admin_support import page_text
from tests.integration.test_console_access import console, sign_in

__all__ = ["console"]

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _events(session: Session) -> tuple[Helpline, Helpline, int, int]:
    ours = make_helpline(session, name="Permanence Garonne")
    theirs = make_helpline(session, name="Permanence Ariège", phone_number="+33534000000")
    mine = make_request(session, helpline=ours, reference="2026-00111")
    other = make_request(session, helpline=theirs, reference="2026-00222")
    audit.record(session, None, "view", "request", mine.id, AT, reference=mine.reference)
    audit.record(session, None, "view", "request", other.id, AT, reference=other.reference)
    audit.record(session, None, "update", "professional", 77, AT, name="Dr Regional")
    return ours, theirs, mine.id, other.id


def test_a_helpline_admin_reads_his_helpline_s_and_the_region_s_events_not_another_s(
    console: FlaskClient, session: Session
) -> None:
    ours, _theirs, mine, other = _events(session)
    admin = make_user(session, "admin", "garonne-admin@example.org")
    make_member(session, admin, ours, "admin")
    assert sign_in(console, admin.email) == 302
    page = page_text(console.get("/admin/audit"))
    assert f"request n° {mine}<" in page and "professional n° 77<" in page
    assert f"request n° {other}<" not in page
    only_theirs = page_text(console.get(f"/admin/audit?object_type=request&object_id={other}"))
    assert f"request n° {other}<" not in only_theirs


def test_the_regional_administrator_reads_every_helpline_s_events(
    console: FlaskClient, session: Session
) -> None:
    _, _, mine, other = _events(session)
    chief = make_user(session, "admin", "region@example.org", is_regional_admin=True)
    assert sign_in(console, chief.email) == 302
    page = page_text(console.get("/admin/audit"))
    assert f"request n° {mine}<" in page and f"request n° {other}<" in page


def test_an_event_names_the_helpline_of_its_object(session: Session) -> None:
    ours, theirs, _mine, other = _events(session)
    assert audit.helpline_of(session, "request", other) == theirs.id
    assert audit.helpline_of(session, "helpline", ours.id) == ours.id
    assert audit.helpline_of(session, "professional", 77) is None
    assert audit.helpline_of(session, "request", "not-a-number") is None
