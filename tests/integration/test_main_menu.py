"""The main menu answers the pressed key with that branch's TwiML, in the same webhook response."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from hotline import hooks
from hotline.models import Request
from hotline.telephony.twiml import say_fr
from tests.conftest import call_sid, post_signed, voice_form

PROBE_SAYS = "Branche de test."


class ProbeBranch:
    """A feature's branch: remembers whom it answered, answers one sentence."""

    def __init__(self) -> None:
        self.answered: list[tuple[int, str]] = []

    def __call__(self, call_request: Request, gp_call_sid: str) -> VoiceResponse:
        self.answered.append((call_request.id, gp_call_sid))
        response = VoiceResponse()
        say_fr(response, PROBE_SAYS)
        return response


def greeting(client: FlaskClient, sid: str) -> ET.Element:
    response = post_signed(client, "/twilio/voice/incoming", voice_form(sid))
    assert response.status_code == 200
    return ET.fromstring(response.data)


def press(client: FlaskClient, sid: str, key: str) -> ET.Element:
    response = post_signed(
        client,
        "/twilio/voice/menu?attempt=1",
        voice_form(sid, CallStatus="in-progress", Digits=key),
    )
    assert response.status_code == 200
    return ET.fromstring(response.data)


def prompt_of(document: ET.Element) -> str:
    said = document.find("./Gather/Say")
    assert said is not None
    return said.text or ""


def test_the_menu_announces_the_three_branches_the_features_registered(
    client: FlaskClient,
) -> None:
    assert prompt_of(greeting(client, call_sid(1))) == (
        "Pour obtenir un interprète, tapez 1. "
        "Pour parler à l'infirmière de permanence, tapez 2. "
        "Pour être rappelé, tapez 3."
    )


@pytest.mark.parametrize(
    ("key", "first_verb", "branch_url"),
    [
        ("1", "Gather", "/twilio/interpreting/language-choice"),
        ("2", "Say", "/twilio/nurse/voicemail-done"),  # nobody on duty: the voicemail
        ("3", "Gather", "/twilio/callback/time"),
    ],
)
def test_each_key_is_answered_by_its_branch_at_once_never_by_a_redirect_to_it(
    client: FlaskClient, key: str, first_verb: str, branch_url: str
) -> None:
    greeting(client, call_sid(2))
    answer = press(client, call_sid(2), key)
    assert answer[0].tag == first_verb
    actions = [
        element.get("action", "")
        for element in answer.iter()
        if element.tag in {"Gather", "Record"}
    ]
    assert any(branch_url in action for action in actions)


def test_a_registered_branch_answers_in_the_menus_own_response_and_is_logged_by_name(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    probe = ProbeBranch()
    hooks.add_menu_branch(app, "4", probe, name="probe", prompt="Pour tester")
    assert prompt_of(greeting(client, call_sid(3))).endswith("Pour tester, tapez 4.")

    answer = press(client, call_sid(3), "4")

    assert [element.tag for element in answer] == ["Say"]
    assert answer[0].text == PROBE_SAYS
    request = session.scalars(select(Request)).one()
    assert probe.answered == [(request.id, call_sid(3))]
    assert ("menu_choice", {"choice": "probe"}) in [(e.kind, e.detail) for e in request.events]


def test_an_app_without_the_callbacks_feature_neither_offers_nor_accepts_its_key(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    registered = hooks.registries(app)
    del registered.menu_branches["3"]
    del registered.menu_options["3"]

    prompt = prompt_of(greeting(client, call_sid(4)))
    assert "tapez 3" not in prompt
    assert prompt.endswith("tapez 2.")

    answer = press(client, call_sid(4), "3")
    assert "n'est pas valide" in (answer[0].text or "")
    gather = answer.find("Gather")
    assert gather is not None and gather.get("action", "").endswith("attempt=2")
    request = session.scalars(select(Request)).one()
    assert ("menu_invalid_choice", {"digits": "3"}) in [(e.kind, e.detail) for e in request.events]
