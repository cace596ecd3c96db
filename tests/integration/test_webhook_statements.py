"""The hot webhooks' SQL, counted on a real engine as in production (no test transaction):
an incoming call and the key that rings the nurse send few statements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app import create_app
from hotline.db import Database
from hotline.models import OutboxMessage, Request
from tests.conftest import (
    Clock,
    RecordingDispatcher,
    call_sid,
    fresh_database_url,
    make_settings,
    post_signed,
    voice_form,
)
from tests.factories import make_professional, the_helpline
from tests.integration.test_nurse_routing import set_up_rota
from tests.statements import statements_sent

INCOMING_MAX_STATEMENTS = 4
KEY_2_MAX_STATEMENTS = 8


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of the test's own, on its real engines."""
    database = Database.from_url(fresh_database_url(backend, tmp_path))
    yield database
    database.dispose()


@pytest.fixture
def real_app(database: Database, clock: Clock, dispatched: RecordingDispatcher) -> Flask:
    """The application on that database, committing as in production."""
    return create_app(make_settings(), database=database, clock=clock, dispatcher=dispatched)


def test_an_incoming_call_from_a_known_gp_sends_at_most_four_statements(
    real_app: Flask, database: Database
) -> None:
    with database.session() as session:
        the_helpline(session)
        make_professional(session, "+33612345678")
        session.commit()
    client: FlaskClient = real_app.test_client()
    # The first call of the worker reads the helpline; the next ones use its copy.
    post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(1), "+33699999999"))
    with statements_sent() as sent:
        response = post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(2)))
    assert response.status_code == 200
    assert b"Bonjour docteur Martin" in response.data
    assert len(sent) <= INCOMING_MAX_STATEMENTS, sent
    with database.session() as session:
        request = session.scalars(select(Request).where(Request.reference == "2026-00002")).one()
        assert request.professional is not None
        assert request.professional.last_name == "Martin"


def test_pressing_2_sends_at_most_eight_statements(
    real_app: Flask, database: Database, dispatched: RecordingDispatcher
) -> None:
    with database.session() as session:
        set_up_rota(session)
    client = real_app.test_client()
    post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(3)))
    form = voice_form(call_sid(3), CallStatus="in-progress", Digits="2")
    with statements_sent() as sent:
        response = post_signed(client, "/twilio/voice/menu?attempt=1", form)
    assert response.status_code == 200
    assert len(sent) <= KEY_2_MAX_STATEMENTS, sent
    with database.session() as session:
        [ring] = session.scalars(select(OutboxMessage)).all()
        assert ring.kind == "create_call"
        assert dispatched.submitted == [ring.id]
