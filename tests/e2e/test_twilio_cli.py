"""`hotline twilio setup|check` against the sandbox's account, over the real twilio client."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from twilio.rest import Client

from hotline.cli import cli
from hotline.db import Database
from hotline.sandbox import Sandbox
from hotline.telephony.client import build_rest_client
from tests.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    HOTLINE_NUMBER,
    PUBLIC_BASE_URL,
    fresh_database_url,
    make_settings,
)
from tests.contract.openapi import validate_request, validate_response
from tests.factories import make_helpline

SECOND_HELPLINE = "+33562000000"
CLOSED_HELPLINE = "+33534000000"  # an inactive helpline's number, still on the account
BOUGHT_WITH = "https://demo.twilio.com/welcome/voice/"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The account: the helpline numbers are bought, still on Twilio's welcome URL.

    Every request the commands made, and every 2xx answer, is checked on Twilio's spec after.
    """
    box = Sandbox(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
    box.start()
    box.add_number(HOTLINE_NUMBER, BOUGHT_WITH)
    box.add_number(SECOND_HELPLINE, BOUGHT_WITH)
    box.add_number(CLOSED_HELPLINE, BOUGHT_WITH)
    yield box
    box.stop()
    assert box.rest_requests
    for record in box.rest_requests:
        if not 200 <= record.status < 300:
            continue
        if record.method == "POST":
            validate_request("POST", record.path, record.form)
        body = b"" if record.status == 204 else json.dumps(record.body).encode()
        query = urlencode([(k, v) for k, values in record.query.items() for v in values])
        validate_response(record.method, record.path, record.status, body, query=query)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = fresh_database_url("sqlite", tmp_path)
    database = Database.from_url(url)
    with database.session() as session:
        make_helpline(session)
        make_helpline(session, name="Permanence 31", phone_number=SECOND_HELPLINE)
        make_helpline(session, name="Permanence 09", phone_number=CLOSED_HELPLINE, is_active=False)
        session.commit()
    database.dispose()
    return url


@pytest.fixture
def client(sandbox: Sandbox) -> Client:
    return build_rest_client(make_settings(twilio_api_base_url=sandbox.url))


class Hotline:
    """Runs `hotline …` with the service's environment, which the administrator completes."""

    def __init__(self, database_url: str, sandbox: Sandbox) -> None:
        self.env = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-0123456789",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "HOTLINE_NUMBER": HOTLINE_NUMBER,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "TWILIO_API_BASE_URL": sandbox.url,
        }

    def __call__(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), env=self.env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.output

    def take_settings(self, output: str) -> dict[str, str]:
        """Copy the NAME=value lines setup printed into the environment, as told."""
        found = dict(re.findall(r"^\s+(TWILIO_[A-Z_]+)=(\S+)$", output, flags=re.MULTILINE))
        self.env.update(found)
        return found


@pytest.fixture
def hotline(database_url: str, sandbox: Sandbox) -> Hotline:
    return Hotline(database_url, sandbox)


def snapshot(client: Client) -> dict[str, Any]:
    """The account's numbers, TwiML apps and keys, with their last-update dates."""
    return {
        "numbers": sorted(
            (
                n.sid,
                n.phone_number,
                n.voice_url,
                n.voice_method,
                n.status_callback,
                n.status_callback_method,
                str(n.date_updated),
            )
            for n in client.incoming_phone_numbers.list()
        ),
        "applications": sorted(
            (a.sid, a.friendly_name, a.voice_url, a.voice_method, str(a.date_updated))
            for a in client.applications.list()
        ),
        "keys": sorted((k.sid, k.friendly_name, str(k.date_updated)) for k in client.keys.list()),
    }


def test_setup_points_every_helpline_number_and_makes_the_browser_phone(
    hotline: Hotline, client: Client
) -> None:
    code, out = hotline("twilio", "setup")
    assert code == 0, out

    numbers = {n.phone_number: n for n in client.incoming_phone_numbers.list()}
    # The inactive helpline's number is left as it was, and the command says so.
    assert numbers.pop(CLOSED_HELPLINE).voice_url == BOUGHT_WITH
    assert f"Lignes inactives, numéros laissés tels quels : {CLOSED_HELPLINE}" in out
    assert sorted(numbers) == [HOTLINE_NUMBER, SECOND_HELPLINE]
    for number in numbers.values():
        assert number.voice_url == f"{PUBLIC_BASE_URL}/twilio/voice/incoming"
        assert number.voice_method == "POST"
        assert number.status_callback == f"{PUBLIC_BASE_URL}/twilio/voice/status"
        assert number.status_callback_method == "POST"
    (app,) = client.applications.list()
    assert app.voice_url == f"{PUBLIC_BASE_URL}/twilio/voice/browser-outgoing"
    (key,) = client.keys.list()
    printed = hotline.take_settings(out)
    assert printed["TWILIO_TWIML_APP_SID"] == app.sid
    assert printed["TWILIO_API_KEY_SID"] == key.sid
    assert printed["TWILIO_API_KEY_SECRET"]
    assert "Modifié / Changed" in out


def test_setup_run_twice_changes_nothing_the_second_time(hotline: Hotline, client: Client) -> None:
    code, first = hotline("twilio", "setup")
    assert code == 0, first
    secret = hotline.take_settings(first)["TWILIO_API_KEY_SECRET"]
    before = snapshot(client)

    code, second = hotline("twilio", "setup")

    assert code == 0, second
    assert snapshot(client) == before
    assert "Rien à changer" in second and "Nothing to change" in second
    assert secret not in second


def test_setup_rerun_before_the_settings_are_set_makes_no_second_key_or_app(
    hotline: Hotline, client: Client
) -> None:
    code, first = hotline("twilio", "setup")
    assert code == 0, first
    before = snapshot(client)

    code, second = hotline("twilio", "setup")

    assert snapshot(client) == before
    assert code == 1  # the API key's secret cannot be shown again: the administrator must act
    assert "TWILIO_API_KEY_SECRET" in second
    assert "Rien à changer" in second


def test_check_reports_a_wrong_voice_url_and_exits_non_zero(
    hotline: Hotline, client: Client
) -> None:
    code, out = hotline("twilio", "setup")
    hotline.take_settings(out)
    (number,) = client.incoming_phone_numbers.list(phone_number=HOTLINE_NUMBER)
    client.incoming_phone_numbers(number.sid).update(
        voice_url="https://old-host.example.org/twilio/voice/incoming", voice_method="GET"
    )

    code, out = hotline("twilio", "check")

    assert code == 1, out
    assert "https://old-host.example.org/twilio/voice/incoming" in out
    assert "l'URL d'appel entrant est https://old-host.example.org" in out
    assert "the voice URL is https://old-host.example.org" in out
    assert "GET au lieu de POST" in out
    assert SECOND_HELPLINE not in out  # the other number is right


def test_check_on_a_correct_account_exits_zero(hotline: Hotline) -> None:
    code, out = hotline("twilio", "setup")
    hotline.take_settings(out)

    code, out = hotline("twilio", "check")

    assert code == 0, out
    assert "Tout est en ordre" in out and "Everything is in order" in out


def test_check_lists_everything_missing_on_a_fresh_account(
    hotline: Hotline, sandbox: Sandbox
) -> None:
    with sandbox.lock:
        del sandbox.numbers[SECOND_HELPLINE]

    code, out = hotline("twilio", "check")

    assert code == 1
    assert f"{SECOND_HELPLINE} n'est pas un numéro de ce compte Twilio" in out
    assert f"{HOTLINE_NUMBER}: the voice URL is {BOUGHT_WITH}" in out
    assert "no status callback" in out
    assert "TWILIO_TWIML_APP_SID" in out
    assert "TWILIO_API_KEY_SID" in out


def test_check_reports_an_api_key_secret_that_does_not_match(
    hotline: Hotline, client: Client
) -> None:
    code, out = hotline("twilio", "setup")
    hotline.take_settings(out)
    hotline.env["TWILIO_API_KEY_SECRET"] = "not-the-secret"

    code, out = hotline("twilio", "check")

    assert code == 1
    assert "TWILIO_API_KEY_SECRET n'est pas le secret de la clé" in out
    hotline.env["TWILIO_API_KEY_SID"] = "SK" + "0" * 32
    code, out = hotline("twilio", "check")
    assert "is not on this account" in out
