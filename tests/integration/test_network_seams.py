"""Where partners and meetings meet: a meeting's participants picked among the network's active
partners (their e-mail address receives the agenda), a decision's orientations naming partners."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callbacks.network.meeting_models import AgendaOrientationPartner, MeetingParticipant
from callbacks.network.partner_models import Partner
from hotline.db import Database
from hotline.migrate import alembic_config
from hotline.models import Helpline, OutboxMessage, Request, User
from tests.conftest import Clock, fresh_database_url
from tests.factories import make_partner, make_request, make_structure, make_user
from tests.integration.test_console_access import csrf_of, sign_in
from tests.integration.test_network_meetings import (
    a_complex_situation,
    a_meeting,
    console,
    on_the_agenda,
    post,
)
from tests.integration.test_network_orientations import call_request, helpline, nurse
from tests.integration.test_network_partners import PARTNER

__all__ = ["call_request", "console", "helpline", "nurse"]  # the fixtures these tests use


def test_a_partner_of_the_network_takes_part_and_receives_the_agenda_at_his_address(
    console: FlaskClient, session: Session
) -> None:
    meeting = a_meeting(session)
    on_the_agenda(session, meeting, a_complex_situation(session))
    benali = make_partner(session, email="k.benali@example.org")
    roux = make_partner(session, name="Dr Anne Roux", email=None)
    gone = make_partner(session, name="Dr Parti", is_active=False, email="parti@example.org")
    session.commit()
    assert sign_in(console, "coord@example.org") == 302
    page = f"/console/network/meetings/{meeting.id}"
    shown = console.get(page).get_data(as_text=True)
    # The form offers the active partners in a select, not the one who left the network.
    assert 'id="participant-partner"' in shown and f'value="{benali.id}"' in shown
    assert "Dr Anne Roux" in shown and "Dr Parti" not in shown

    status, body = post(console, f"{page}/participants", page, partner_id=str(gone.id),
                        user_id="", name="", email="")  # fmt: skip
    assert status == 400 and "partenaire actif" in body
    for partner in (benali, roux):
        status, _body = post(console, f"{page}/participants", page, partner_id=str(partner.id),
                             user_id="", name="", email="")  # fmt: skip
        assert status == 302
    rows = session.scalars(select(MeetingParticipant).order_by(MeetingParticipant.id)).all()
    assert [(p.partner_id, p.name, p.email) for p in rows] == [
        (benali.id, "Dr Karim Benali", "k.benali@example.org"),
        (roux.id, "Dr Anne Roux", None),
    ]
    shown = console.get(page).get_data(as_text=True)
    assert "ne reçoit pas l&#39;ordre du jour" in shown  # said of Dr Roux, who has no address

    assert post(console, f"{page}/send", page)[0] == 302
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "send_mail")).one()
    assert message.payload["to"] == ["k.benali@example.org"]


def test_a_partner_s_e_mail_address_is_checked_and_kept(
    console: FlaskClient, session: Session
) -> None:
    make_user(session, "coordinator", "coordination@example.org")
    session.commit()
    assert sign_in(console, "coordination@example.org") == 302
    page = "/console/network/partners/new"
    for bad in ("k.benali", "k benali@example.org", "k@example", "k@@example.org", "k@ex..org"):
        status, body = post(console, page, page, **{**PARTNER, "email": bad})
        assert status == 400, bad
        assert "adresse électronique valide" in body and "Dr Karim Benali" in body
    assert session.scalars(select(Partner)).first() is None
    status, _body = post(console, page, page, **{**PARTNER, "email": " K.Benali@Example.ORG "})
    assert status == 302
    partner = session.scalars(select(Partner)).one()
    assert partner.email == "k.benali@example.org"
    edit = console.get(f"/console/network/partners/{partner.id}").get_data(as_text=True)
    assert 'value="k.benali@example.org"' in edit


def test_a_decision_proposes_partners_of_the_network_shown_by_name(
    console: FlaskClient, session: Session, clock: Clock
) -> None:
    meeting = a_meeting(session)
    item = on_the_agenda(session, meeting, a_complex_situation(session))
    benali = make_partner(session)
    roux = make_partner(session, name="Dr Anne Roux", commune="Blagnac", insee_code="31069")
    gone = make_partner(session, name="Dr Parti", is_active=False)
    session.commit()
    clock.at = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # the meeting was held
    assert sign_in(console, "coord@example.org") == 302
    page = f"/console/network/meetings/{meeting.id}"
    decide = f"/console/network/agenda/{item.id}/decision"

    def decided(*partners: str) -> int:
        data = {
            "decision": "Orientation vers la médecine de ville.",
            "follow_up_on": "",
            "orientations": "",
            "orientation_codes": ["gp"],
            "orientation_partners": list(partners),
            "csrf_token": csrf_of(console, page),
        }
        return console.post(decide, data=data).status_code  # fmt: skip

    for bad in (str(gone.id), "999999", "9" * 30, "x"):
        assert decided(bad) == 400, bad
    assert session.scalars(select(AgendaOrientationPartner)).first() is None
    assert decided(str(roux.id), str(benali.id)) == 302
    named = session.scalars(select(AgendaOrientationPartner.partner_id)).all()
    assert sorted(named) == sorted([benali.id, roux.id])
    shown = console.get(page).get_data(as_text=True)
    assert (
        "Médecin traitant / médecine de ville, Dr Anne Roux (Blagnac), Dr Karim Benali"
        in " ".join(shown.split())
    )
    # Dr Roux left the network since: the decision keeps him when saved again.
    roux.is_active = False
    session.commit()
    assert decided(str(roux.id)) == 302
    assert session.scalars(select(AgendaOrientationPartner.partner_id)).all() == [roux.id]
    # Published, the case names the partners for the members.
    assert post(console, f"/console/network/agenda/{item.id}/publish", page)[0] == 302
    assert "Dr Anne Roux" in console.get("/console/network/cases").get_data(as_text=True)


def test_an_orientation_fills_the_request_s_own_orientation_field_when_it_is_empty(
    console: FlaskClient, session: Session, helpline: Helpline, nurse: User, call_request: Request
) -> None:
    benali = make_partner(session)  # a GP
    pass_team = make_partner(
        session, name="Équipe de la PASS", profession="structure",
        structure=make_structure(session, name="PASS du CHU", kind="pass"),
    )  # fmt: skip
    psychologist = make_partner(session, name="Mme Lina Roux", profession="psychologist")
    others = [make_request(session, helpline, reference=f"2026-0090{n}") for n in range(3)]
    session.commit()

    def orient(target: Request, **data: str) -> None:
        path = f"/console/requests/{target.id}/orientations/new"
        token = csrf_of(console, "/console/follow-ups")
        assert console.post(path, data={**data, "csrf_token": token}).status_code == 302

    # A kind of service: the field takes its code; a later orientation leaves it alone.
    orient(call_request, service="pass")
    orient(call_request, partner_id=str(benali.id))
    # A partner: the code he stands for (a GP, a PASS's team, else a partner of the network).
    orient(others[0], partner_id=str(benali.id))
    orient(others[1], partner_id=str(pass_team.id))
    orient(others[2], partner_id=str(psychologist.id))
    for target in (call_request, *others):
        session.refresh(target)
    assert [r.orientation for r in (call_request, *others)] == [
        "pass", "gp", "pass", "network_partner",
    ]  # fmt: skip
    # A field the nurse filled is never changed.
    others[0].orientation = "cmp"
    session.commit()
    orient(others[0], service="hospital")
    session.refresh(others[0])
    assert others[0].orientation == "cmp"


def test_the_migration_links_participants_to_partners_and_forgets_unknown_ids(
    tmp_path: Path, backend: str
) -> None:
    """A participant's partner id was never checked before 0022: one naming no partner is
    forgotten, a real one kept, and the foreign key then refuses an unknown one."""
    url = fresh_database_url(backend, tmp_path)
    database = Database.from_url(url)
    with database.session() as session:  # made at head: the models are today's
        meeting_id = a_meeting(session).id
        session.commit()
    command.downgrade(alembic_config(url), "0021_meetings")
    with database.session() as session:
        session.execute(
            text(
                "INSERT INTO partners (id, name, profession, is_accepting_patients, "
                "has_third_party_payment, is_active, created_at) "
                "VALUES (5, 'Dr Karim Benali', 'gp', true, false, true, :at)"
            ),
            {"at": datetime(2026, 11, 1, tzinfo=UTC)},
        )
        for partner_id in (5, 999):
            session.execute(
                text(
                    "INSERT INTO meeting_participants (meeting_id, partner_id, name) "
                    "VALUES (:meeting, :partner, 'Dr Benali')"
                ),
                {"meeting": meeting_id, "partner": partner_id},
            )
        session.commit()
    command.upgrade(alembic_config(url), "head")
    with database.session() as session:
        kept = session.scalars(
            select(MeetingParticipant.partner_id).order_by(MeetingParticipant.id)
        ).all()
        assert kept == [5, None]
        session.add(MeetingParticipant(meeting_id=meeting_id, partner_id=999, name="Inconnu"))
        with pytest.raises(IntegrityError):
            session.flush()
    database.dispose()
