"""What the Twilio account must hold for a deployment's settings (pure)."""

from __future__ import annotations

from hotline.app import create_app
from hotline.twilio_account import (
    BROWSER_OUTGOING_PATH,
    INCOMING_PATH,
    STATUS_PATH,
    desired_account,
)
from tests.conftest import HOTLINE_NUMBER, make_settings


def test_without_helplines_in_the_database_the_hotline_number_is_the_one_to_set_up() -> None:
    wanted = desired_account(make_settings(public_base_url="https://hotline.example.org/"), [])
    (number,) = wanted.numbers
    assert number.phone_number == HOTLINE_NUMBER
    assert number.voice_url == "https://hotline.example.org/twilio/voice/incoming"
    assert number.status_callback == "https://hotline.example.org/twilio/voice/status"
    assert (number.voice_method, number.status_callback_method) == ("POST", "POST")
    assert wanted.twiml_app_voice_url == "https://hotline.example.org/twilio/voice/browser-outgoing"


def test_every_helpline_number_is_set_up_once() -> None:
    wanted = desired_account(make_settings(), ["+33562000000", HOTLINE_NUMBER, "+33562000000"])
    assert [n.phone_number for n in wanted.numbers] == [HOTLINE_NUMBER, "+33562000000"]


def test_the_configured_number_is_set_up_beside_the_active_helplines_numbers() -> None:
    wanted = desired_account(make_settings(), ["+33562000000"])
    assert [n.phone_number for n in wanted.numbers] == [HOTLINE_NUMBER, "+33562000000"]


def test_the_urls_setup_sets_are_routes_of_the_app_that_take_post() -> None:
    app = create_app(make_settings())
    adapter = app.url_map.bind("hotline.example.org")
    for path in (INCOMING_PATH, STATUS_PATH, BROWSER_OUTGOING_PATH):
        endpoint, _ = adapter.match(path, method="POST")
        assert endpoint.startswith("voice.")
    app.extensions["hotline"].close()
