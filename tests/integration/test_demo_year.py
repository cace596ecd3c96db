"""The demo's past year: played through the services, realistic, priced, idempotent, anonymous."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callbacks.models import CallbackStatus, CallbackTask
from hotline import demo_tables
from hotline.app import create_app
from hotline.db import Database
from hotline.demo import DEMO_HOTLINE_NUMBER, DEMO_PASSWORDS, seed_demo, seed_past_year
from hotline.demo_plan import plan_directory, plan_year
from hotline.demo_player import YearSeeded
from hotline.models import (
    Call,
    OutboxMessage,
    OutboxStatus,
    Professional,
    Request,
    RequestEvent,
    Structure,
)
from interpreter_pool.finance import price
from interpreter_pool.models import Budget, InterpretingSession, LedgerEntry, SessionStatus
from tests.conftest import Clock, RecordingDispatcher, fresh_database_url, make_settings
from tests.integration.test_console_access import sign_in

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
# A smaller year than the demo's 400 requests keeps the test short on both backends; the
# shares are the same.
REQUESTS = 80


@dataclass
class Year:
    """A database with the demo and its past year, and the app on it."""

    app: Flask
    database: Database
    first: YearSeeded
    second: YearSeeded
    # requests the demo had before its year (the network's situations for its meetings)
    before: int


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def year(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Year]:
    url = fresh_database_url(request.param, tmp_path_factory.mktemp("demo-year"))
    database = Database.from_url(url)
    with database.session() as session:
        seed_demo(session, NOW)
        session.commit()
        before = session.scalar(select(func.count()).select_from(Request)) or 0
    app = create_app(
        make_settings(database_url=url, hotline_number=DEMO_HOTLINE_NUMBER),
        database=database,
        clock=Clock(NOW),
        dispatcher=RecordingDispatcher(),
    )
    started = time.perf_counter()
    first = seed_past_year(app, database, NOW, requests=REQUESTS)
    second = seed_past_year(app, database, NOW, requests=REQUESTS)
    print(f"\n{request.param}: {REQUESTS} requests in {time.perf_counter() - started:.1f} s")
    yield Year(app, database, first, second, before)
    database.dispose()


@pytest.fixture
def session(year: Year) -> Iterator[Session]:
    with year.database.session() as session:
        yield session


def _console(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "hotline.example.org"})
    return client


def test_the_year_has_its_requests_mostly_on_weekdays_in_opening_hours(
    year: Year, session: Session
) -> None:
    opened = session.scalars(select(Request.opened_at)).all()

    assert year.first.requests == REQUESTS and len(opened) == REQUESTS + year.before
    local = [at.replace(tzinfo=UTC).astimezone(PARIS) for at in opened]
    assert min(local) >= (NOW - timedelta(days=366)).astimezone(PARIS)
    assert max(local) < NOW.astimezone(PARIS)
    assert sum(at.weekday() < 5 for at in local) >= 0.85 * REQUESTS
    assert sum(8 <= at.hour < 19 for at in local) >= 0.8 * REQUESTS
    months = Counter((at.year, at.month) for at in local)
    assert len(months) >= 11


def test_callers_are_mostly_gps_from_many_communes_and_some_share_a_practice_line(
    session: Session,
) -> None:
    directory = session.scalars(select(Professional)).all()
    professions = Counter(
        session.scalars(
            select(Professional.profession).join(
                Request, Request.professional_id == Professional.id
            )
        ).all()
    )

    assert len(directory) >= demo_tables.DIRECTORY_SIZE
    assert len({p.territory for p in directory}) >= 15
    communes = {c.name for c in demo_tables.COMMUNES}
    assert {p.territory for p in directory} - {"Toulouse"} <= communes
    assert professions["gp"] > sum(professions.values()) / 2
    assert {"midwife", "pharmacist", "social_worker"} <= set(professions)
    unknown = session.scalar(select(func.count()).where(Request.professional_id.is_(None)))
    assert 0 < (unknown or 0) < 0.25 * REQUESTS


def test_interpreting_sessions_cover_many_languages_and_about_250_hours_a_year(
    session: Session,
) -> None:
    sessions = session.scalars(select(InterpretingSession)).all()
    ended = [s for s in sessions if s.status == SessionStatus.ENDED]
    hours = sum(((s.ended_at or NOW) - (s.connected_at or NOW)).total_seconds() for s in ended)
    hours /= 3600

    assert len({s.language for s in sessions}) >= 8
    assert len(ended) >= 0.5 * REQUESTS
    scaled = 250 * REQUESTS / demo_tables.REQUESTS_A_YEAR
    assert 0.7 * scaled <= hours <= 1.3 * scaled
    assert any(s.status == SessionStatus.NO_INTERPRETER for s in sessions) or all(
        s.language != "wo" for s in sessions
    )
    assert {s.requested_by for s in sessions} == {"gp", "nurse"}


def test_each_ended_session_has_one_charge_equal_to_its_price_under_its_contract(
    session: Session,
) -> None:
    entries = session.scalars(select(LedgerEntry)).all()
    by_session = Counter(e.interpreting_session_id for e in entries)
    ended = session.scalars(
        select(InterpretingSession).where(InterpretingSession.status == SessionStatus.ENDED)
    ).all()

    assert set(by_session) == {s.id for s in ended}
    assert set(by_session.values()) == {1}
    for entry in entries:
        interpreting = session.get(InterpretingSession, entry.interpreting_session_id)
        assert interpreting is not None
        charge, contract = price(
            session,
            interpreting,
            datetime.fromisoformat(entry.detail["joined_at"]),
            datetime.fromisoformat(entry.detail["left_at"]),
        )
        assert (entry.amount, entry.contract_id) == (charge.total, contract.id)
    assert sum((e.amount for e in entries), Decimal(0)) > 0
    # Checked against Twilio's figures, as the clock does: nothing to adjust.
    assert all(s.reconciled_at is not None for s in ended)


def test_every_ended_leg_has_twilio_s_price_the_telephony_cost(session: Session) -> None:
    legs = session.scalars(select(Call)).all()

    assert all(leg.priced_at is not None for leg in legs)
    assert sum((leg.price or Decimal(0) for leg in legs), Decimal(0)) < 0
    assert {leg.price_unit for leg in legs if leg.price is not None} == {"EUR"}


def test_voicemails_and_follow_ups_became_callbacks_the_nurses_made(session: Session) -> None:
    tasks = session.scalars(select(CallbackTask)).all()
    reasons = Counter(t.reason for t in tasks)

    assert reasons["follow_up"] > 0 and reasons["no_answer"] > 0
    assert any(t.recording_sid for t in tasks)
    done = [t for t in tasks if t.status == CallbackStatus.DONE]
    assert len(done) >= 0.7 * len(tasks)
    assert {t.outcome for t in done} == {"reached"}
    kinds = set(session.scalars(select(RequestEvent.kind).distinct()).all())
    assert {"callback_reached", "voicemail_left", "request_logged"} <= kinds
    # Each reached follow-up has the outcome the nurse recorded, through the callbacks' service.
    reached_follow_ups = [t for t in done if t.reason == "follow_up"]
    assert reached_follow_ups
    assert all(t.follow_up_outcome and t.follow_up_recorded_by for t in reached_follow_ups)
    assert len({t.follow_up_outcome for t in reached_follow_ups}) >= 2


def test_the_last_days_leave_requests_to_complete_and_nothing_left_to_send(
    session: Session,
) -> None:
    to_complete = session.scalars(select(Request).where(Request.category.is_(None))).all()
    pending = session.scalar(select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT))

    recent = NOW - timedelta(days=demo_tables.TO_COMPLETE_DAYS + 3)
    assert sum(r.opened_at.replace(tzinfo=UTC) > recent for r in to_complete) >= (
        demo_tables.TO_COMPLETE_COUNT
    )
    # Older ones wait for a callback that has not reached the professional yet.
    assert len(to_complete) < 0.1 * REQUESTS + demo_tables.TO_COMPLETE_COUNT
    assert pending == 0  # nothing rings when the demo starts
    live = session.scalar(
        select(func.count()).where(Call.status.in_(["queued", "ringing", "in-progress"]))
    )
    assert live == 0


def test_no_request_says_anything_about_a_patient(session: Session) -> None:
    notes = set(session.scalars(select(Request.notes)).all())

    assert notes <= {None, *demo_tables.NOTES.values()}
    labels = session.scalars(select(LedgerEntry.label)).all()
    assert all(label.startswith("Séance 20") for label in labels)


def test_running_it_again_adds_nothing(year: Year, session: Session) -> None:
    assert year.second.already and year.second.requests == 0
    assert session.scalar(select(func.count()).select_from(Request)) == REQUESTS + year.before


def test_the_finance_pages_and_the_board_show_the_year(year: Year) -> None:
    with year.database.session() as session:
        latest = session.scalars(select(Request).order_by(Request.opened_at.desc())).first()
        assert latest is not None
        latest_id, reference = latest.id, latest.reference
    finance = _console(year.app)
    assert (
        sign_in(finance, "finance@demo.e-care.fr", DEMO_PASSWORDS["finance@demo.e-care.fr"]) == 302
    )
    page = finance.get("/finance").get_data(as_text=True)
    assert "Interprétariat 2026" in page
    assert "Arabe" in page and "Samira Haddad" in page
    ledger = finance.get("/finance/ledger").get_data(as_text=True)
    assert ledger.count("Séance 20") >= 20

    nurse = _console(year.app)
    email = "amelie.roux@demo.e-care.fr"
    assert sign_in(nurse, email, DEMO_PASSWORDS[email]) == 302
    assert nurse.get("/console/board").status_code == 200
    story = nurse.get(f"/console/requests/{latest_id}")
    assert story.status_code == 200
    assert reference in story.get_data(as_text=True)


def test_the_plan_is_the_same_for_the_same_day() -> None:
    def plan() -> list[tuple[datetime, str, str]]:
        rnd = random.Random(demo_tables.SEED)
        people = plan_directory(rnd)
        return [(p.at, p.number, p.path) for p in plan_year(rnd, NOW, "Europe/Paris", people)]

    assert plan() == plan()
    assert len(plan()) == demo_tables.REQUESTS_A_YEAR


def test_logged_requests_are_closed_the_others_are_to_complete_and_callers_have_an_insee_code(
    session: Session,
) -> None:
    from hotline.models import RequestStatus

    statuses = Counter(session.scalars(select(Request.status)).all())
    unlogged = session.scalar(select(func.count()).where(Request.category.is_(None)))
    codes = {c.insee for c in demo_tables.COMMUNES}
    directory = session.scalars(select(Professional).where(Professional.insee_code.is_not(None)))

    assert set(statuses) == {RequestStatus.CLOSED, RequestStatus.TO_COMPLETE}
    assert statuses[RequestStatus.TO_COMPLETE] == unlogged
    assert {p.insee_code for p in directory} <= codes
    oriented = session.scalars(select(Request).where(Request.outcome == "oriented")).all()
    assert oriented and all(r.orientation for r in oriented)
    assert all(r.patient_age_band for r in oriented)


def test_some_professionals_work_in_structures_and_their_requests_say_which(
    session: Session,
) -> None:
    by_name = {s.name: s for s in session.scalars(select(Structure)).all()}
    centre = by_name[demo_tables.FACILISOINS_STRUCTURE]
    assert (centre.kind, centre.finess) == ("health_centre", "319990016")
    martin = session.scalars(select(Professional).where(Professional.last_name == "Martin")).first()
    assert martin is not None
    assert [s.name for s in martin.structures] == [
        "Cabinet médical des Carmes",
        "Centre de santé des Izards",
    ]
    workers = session.scalars(
        select(Professional).join(Professional.structures).where(Structure.id == centre.id)
    ).all()
    assert len(workers) == 4  # Dr Martin and three of the year's directory
    line = session.scalars(select(Budget).where(Budget.scope_structure_id == centre.id)).one()
    assert (line.scope, line.amount) == ("structure", Decimal("50000.00"))
    charged = session.scalars(select(LedgerEntry).where(LedgerEntry.structure_id == centre.id))
    assert {entry.budget_line_id for entry in charged} <= {line.id}
    for request in session.scalars(
        select(Request).where(Request.professional_id.is_not(None), Request.channel == "phone")
    ):
        assert request.professional is not None
        mine = [s.id for s in request.professional.structures]
        assert request.structure_id == (mine[0] if len(mine) == 1 else None), request.reference
