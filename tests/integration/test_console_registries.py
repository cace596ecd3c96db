"""The console shell shows what the features registered: board states, request panels, the
story's event and participant labels; with nothing registered its pages still render; the request
page's follow-up asks for a callback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks import story as callbacks_story
from callbacks.models import CallbackTask
from callbacks.network import story as network_story
from hotline import hooks
from hotline.console.board import combined_state
from hotline.hooks import BoardState, Panel
from hotline.models import Request, User
from hotline.services import log_event
from interpreter_pool import console as interpreting_console
from interpreter_pool import story as interpreting_story
from routing import console as routing_console
from routing import story as routing_story
from tests.conftest import Clock, call_sid, post_signed, voice_form
from tests.factories import make_user
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests


@pytest.fixture
def nurse_console(console: FlaskClient, session: Session) -> FlaskClient:
    """A nurse signed in on the console."""
    make_user(session, "nurse", "nurse@example.org")
    assert sign_in(console, "nurse@example.org") == 302
    return console


def incoming_call(app: Flask, session: Session) -> Request:
    """A GP calls the helpline and hears the menu: a live call no feature has taken yet."""
    response = post_signed(app.test_client(), "/twilio/voice/incoming", voice_form(call_sid(1)))
    assert response.status_code == 200
    return session.scalars(select(Request)).one()


def board_rows(console: FlaskClient) -> list[dict[str, object]]:
    response = console.get("/console/api/board")
    assert response.status_code == 200
    calls = response.get_json()["calls"]
    assert isinstance(calls, list)
    return calls


def test_the_features_register_their_board_states_and_request_panels(app: Flask) -> None:
    registered = hooks.registries(app)
    assert routing_console.board_states in registered.board_states
    assert interpreting_console.board_states in registered.board_states
    assert routing_console.call_actions_panel in registered.request_panels
    assert interpreting_console.interpreter_panel in registered.request_panels
    assert interpreting_console.patient_language_panel in registered.request_panels
    assert registered.story_tellers == [
        routing_story.tell,
        interpreting_story.tell,
        callbacks_story.tell,
        network_story.tell,
    ]
    hooks.add_story_teller(app, routing_story.tell)  # registered once, whoever asks again
    assert len(registered.story_tellers) == 4


def test_a_board_state_registered_by_a_package_shows_on_the_board(
    app: Flask, session: Session, nurse_console: FlaskClient
) -> None:
    call_request = incoming_call(app, session)
    seen: list[Sequence[int]] = []

    def reader(
        session: Session, request_ids: Sequence[int], user: User, now: datetime
    ) -> Mapping[int, BoardState]:
        seen.append(list(request_ids))
        return {call_request.id: BoardState("testing", "Dans le test", precedence=50)}

    hooks.add_board_state(app, reader)
    [row] = board_rows(nurse_console)
    assert (row["state"], row["state_label"]) == ("testing", "Dans le test")
    assert seen == [[call_request.id]]  # one batched read for every live call


def test_without_any_board_state_the_board_still_shows_the_live_calls(
    app: Flask, session: Session, nurse_console: FlaskClient
) -> None:
    incoming_call(app, session)
    hooks.registries(app).board_states.clear()
    [row] = board_rows(nurse_console)
    assert (row["state"], row["state_label"]) == ("menu", "Au menu d'accueil")
    assert row["ringing_me"] is False and row["held_by_me"] is False
    assert nurse_console.get("/console/board").status_code == 200


def test_the_state_of_highest_precedence_is_shown_and_held_if_any_package_says_so(
    app: Flask,
) -> None:
    line = BoardState("with_nurse", "En ligne avec Claire", held_by_me=True)
    interpreter = BoardState("interpreting", "Avec interprète (arabe)", precedence=10)
    with app.test_request_context("/"):
        shown = combined_state([line, interpreter])
        assert (shown.state, shown.label, shown.held_by_me) == (
            "interpreting",
            "Avec interprète (arabe)",
            True,
        )
        assert combined_state([line]) == line
        assert combined_state([]).state == "menu"


def with_test_templates(app: Flask, templates: dict[str, str]) -> None:
    assert app.jinja_loader is not None
    app.jinja_env.loader = ChoiceLoader([DictLoader(templates), app.jinja_env.loader])


def test_a_request_panel_registered_by_a_package_shows_on_the_request_page(
    app: Flask, session: Session, nurse_console: FlaskClient
) -> None:
    call_request = incoming_call(app, session)
    with_test_templates(
        app,
        {
            "test/aside.html": '<p id="test-aside">{{ what }} · {{ req.reference }}</p>',
            "test/call.html": '<p id="test-call">{{ user.display_name }}</p>',
        },
    )

    def aside_panel(session: Session, request: Request, user: User, now: datetime) -> Panel | None:
        return Panel("test/aside.html", {"what": "Un panneau"}, place="aside")

    def call_panel(session: Session, request: Request, user: User, now: datetime) -> Panel | None:
        return Panel("test/call.html", place="call")

    hooks.add_request_panel(app, aside_panel)
    page = nurse_console.get(f"/console/requests/{call_request.id}").get_data(as_text=True)
    assert f'<p id="test-aside">Un panneau · {call_request.reference}</p>' in page
    assert 'id="call-actions"' not in page  # no panel in the call's card: no card

    hooks.add_request_panel(app, call_panel)
    page = nurse_console.get(f"/console/requests/{call_request.id}").get_data(as_text=True)
    assert 'id="call-actions"' in page
    assert '<p id="test-call">Nurse</p>' in page


def test_without_any_request_panel_the_request_page_still_renders(
    app: Flask, session: Session, nurse_console: FlaskClient
) -> None:
    call_request = incoming_call(app, session)
    hooks.registries(app).request_panels.clear()
    response = nurse_console.get(f"/console/requests/{call_request.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert call_request.reference in page and 'id="request-form"' in page


def test_a_panel_in_an_unknown_place_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown panel place"):
        Panel("test/panel.html", place="footer")


def test_the_patient_s_language_is_the_interpreting_panel_of_the_caller_s_card(
    app: Flask, session: Session, nurse_console: FlaskClient
) -> None:
    call_request = incoming_call(app, session)
    path = f"/console/requests/{call_request.id}"
    assert 'id="patient-language"' not in nurse_console.get(path).get_data(as_text=True)
    call_request.language = "ar"
    session.commit()
    page = nurse_console.get(path).get_data(as_text=True)
    assert '<span id="patient-language">arabe</span>' in page


def test_a_follow_up_date_on_the_request_form_promises_a_callback_that_day(
    app: Flask, session: Session, nurse_console: FlaskClient
) -> None:
    call_request = incoming_call(app, session)
    path = f"/console/requests/{call_request.id}"
    response = nurse_console.post(
        path,
        data={"csrf_token": csrf_of(nurse_console, path), "follow_up_on": "2026-12-07"},
    )
    assert response.status_code == 302
    session.refresh(call_request)
    assert call_request.follow_up_on == date(2026, 12, 7)
    task = session.scalars(select(CallbackTask)).one()
    assert task.reason == "follow_up"
    assert task.due_at.astimezone(UTC) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # 9:00 Paris


def test_the_story_names_the_events_and_participants_the_features_registered(
    app: Flask, session: Session, console: FlaskClient, clock: Clock
) -> None:
    make_user(session, "nurse,admin", "admin@example.org")
    assert sign_in(console, "admin@example.org") == 302
    call_request = incoming_call(app, session)
    log_event(session, call_request, "callback_created", clock.at)  # callbacks' own label
    log_event(
        session, call_request, "participant_join", clock.at, detail={"label": "interpreter-7"}
    )
    log_event(session, call_request, "tested", clock.at)
    session.commit()
    path = f"/console/requests/{call_request.id}"
    page = console.get(path).get_data(as_text=True)
    story, raw_log = page.split('id="raw-log"')
    assert "Rappel programmé" in story  # told by the callbacks' teller
    assert "Entrée dans la conférence" not in story  # a technical step
    assert "Entrée dans la conférence (interprète)" in raw_log
    assert "— tested" in raw_log  # a kind nobody named is shown as it is
    assert "</time> tested</li>" in story

    hooks.add_event_labels(app, {"tested": "Événement du test"})
    page = console.get(path).get_data(as_text=True)
    assert "— Événement du test" in page and "</time> Événement du test</li>" in page
    with pytest.raises(ValueError, match="already has a label"):
        hooks.add_event_labels(app, {"tested": "Autre chose"})


def test_without_the_features_the_story_still_shows_their_events_by_kind(
    app: Flask, session: Session, console: FlaskClient, clock: Clock
) -> None:
    make_user(session, "nurse,admin", "admin@example.org")
    assert sign_in(console, "admin@example.org") == 302
    call_request = incoming_call(app, session)
    log_event(
        session, call_request, "participant_join", clock.at, detail={"label": "interpreter-7"}
    )
    log_event(session, call_request, "interpreter_connected", clock.at)
    session.commit()
    registered = hooks.registries(app)
    registered.event_labels.clear()
    registered.participant_roles.clear()
    registered.story_tellers.clear()
    page = console.get(f"/console/requests/{call_request.id}").get_data(as_text=True)
    story, raw_log = page.split('id="raw-log"')
    assert "Entrée dans la conférence (interpreter-7)" in raw_log
    assert "</time> interpreter_connected</li>" in story  # nobody tells it: its kind
    assert "Appel reçu" in story  # the ground floor tells its own steps


def test_the_board_says_when_it_was_updated_on_the_helplines_clock(
    nurse_console: FlaskClient,
) -> None:
    state = nurse_console.get("/console/api/board").get_json()
    at = datetime.fromisoformat(state["at"])
    # Read by a nurse in Paris, whatever the browser's own zone and language.
    assert state["at_local"] == at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M:%S")
    assert (
        at.utcoffset() == timedelta(0) and at.hour != at.astimezone(ZoneInfo("Europe/Paris")).hour
    )
