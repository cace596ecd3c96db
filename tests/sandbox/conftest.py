"""Fixtures for the sandbox tests: the sandbox, a TwiML app of the test's own, a REST client.

Everything talks real HTTP on loopback ports: the twilio client to the sandbox's REST API, the
sandbox to the test's Flask app (signed webhooks). Time is a ManualClock that tests advance.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, Response, request
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.serving import make_server

from hotline.sandbox import ManualClock, Sandbox
from hotline.telephony.client import build_rest_client
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, make_settings
from tests.contract.openapi import validate_request, validate_response

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOTLINE = "+33561000000"
GP = "+33612345678"
NURSE = "+33698765432"
INTERPRETER = "+33655555555"
EMPTY = "<Response/>"


# ----- the test's own TwiML app ------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One webhook request the app received, with the signature check done on arrival."""

    method: str
    path: str
    url: str
    args: dict[str, str]
    form: dict[str, str]
    signature: str
    signature_valid: bool

    @property
    def params(self) -> dict[str, str]:
        """Twilio's parameters: the form for POST, the query string for GET."""
        return self.form if self.method == "POST" else self.args


Reply = str | tuple[int, str] | Callable[[Hit], str]


class TwimlApp:
    """A Flask app on a loopback port answering TwiML per path and logging signed webhooks."""

    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token)
        self._lock = threading.Lock()
        self.hits: list[Hit] = []
        self.routes: dict[str, Reply] = {}
        flask = Flask(__name__)
        flask.add_url_rule(
            "/", "root", self._handle, defaults={"path": ""}, methods=["GET", "POST"]
        )
        flask.add_url_rule("/<path:path>", "any", self._handle, methods=["GET", "POST"])
        self._server = make_server("127.0.0.1", 0, flask, threaded=True)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=lambda: self._server.serve_forever(poll_interval=0.05), daemon=True
        )
        self._thread.start()

    def _handle(self, path: str) -> Response:
        raw_uri = str(request.environ.get("RAW_URI") or request.environ["REQUEST_URI"])
        url = self.base + raw_uri
        signature = request.headers.get("X-Twilio-Signature", "")
        hit = Hit(
            method=request.method,
            path="/" + path,
            url=url,
            args=request.args.to_dict(),
            form=request.form.to_dict(),
            signature=signature,
            signature_valid=bool(self._validator.validate(url, request.form, signature)),
        )
        with self._lock:
            self.hits.append(hit)
            reply = self.routes.get(hit.path, EMPTY)
        if callable(reply):
            reply = reply(hit)
        status, body = reply if isinstance(reply, tuple) else (200, reply)
        return Response(body, status=status, mimetype="text/xml")

    def on(self, path: str, reply: Reply) -> str:
        """Answer `path` with `reply` (TwiML, (status, body) or a function of the hit)."""
        with self._lock:
            self.routes[path] = reply
        return self.url(path)

    def url(self, path: str) -> str:
        """The absolute URL of a path of this app."""
        return self.base + path

    def to(self, path: str) -> list[Hit]:
        """The hits on `path`, oldest first."""
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]

    def one(self, path: str) -> Hit:
        """The single hit on `path`."""
        hits = self.to(path)
        assert len(hits) == 1, f"expected one request to {path}, got {hits}"
        return hits[0]

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# ----- the REST client, contract-checked on every exchange ---------------------------------


@dataclass
class Exchange:
    """One REST request the twilio client made, and the sandbox's answer."""

    method: str
    url: str
    params: dict[str, Any]
    data: dict[str, Any]
    status: int
    body: str


def _form(data: dict[str, Any]) -> dict[str, str | list[str]]:
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in data.items()}


class ContractHttpClient(TwilioHttpClient):
    """The twilio client's own transport; each request and 2xx answer is checked on the spec."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.exchanges: list[Exchange] = []

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        """Send the request, then validate the form sent and the JSON received."""
        response = super().request(
            method, url, params, data, headers, auth, timeout, allow_redirects
        )
        exchange = Exchange(
            method=method.upper(),
            url=url,
            params=dict(params or {}),
            data=dict(data or {}),
            status=response.status_code,
            body=response.text,
        )
        self.exchanges.append(exchange)
        if 200 <= exchange.status < 300:
            if exchange.method == "POST":
                validate_request("POST", url, _form(exchange.data))
            validate_response(
                exchange.method,
                url,
                exchange.status,
                exchange.body,
                content_type=response.headers.get("Content-Type") or "application/json",
                query=urlencode(_form(exchange.params), doseq=True),
            )
        return response


# ----- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    """The sandbox's clock: timers fire only when a test advances it."""
    return ManualClock(START)


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[Sandbox]:
    """A sandbox serving on a loopback port; the test's HOTLINE is a verified caller ID."""
    box = Sandbox(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, clock=clock, caller_ids=[HOTLINE])
    box.start()
    yield box
    box.stop()


@pytest.fixture
def app() -> Iterator[TwimlApp]:
    """The test's TwiML app; every webhook it received must carry a valid signature."""
    twiml_app = TwimlApp(AUTH_TOKEN)
    yield twiml_app
    twiml_app.stop()
    bad = [hit for hit in twiml_app.hits if not hit.signature_valid]
    assert not bad, f"webhooks with a bad X-Twilio-Signature: {bad}"


@pytest.fixture
def http() -> ContractHttpClient:
    """The transport of the REST client, with its log of exchanges."""
    return ContractHttpClient()


@pytest.fixture
def client(sandbox: Sandbox, http: ContractHttpClient) -> Client:
    """The twilio REST client built as the project builds it, aimed at the sandbox."""
    rest = build_rest_client(make_settings(twilio_api_base_url=sandbox.url))
    rest.http_client = http
    return rest


def advance(sandbox: Sandbox, clock: ManualClock, seconds: float, step: float = 1.0) -> None:
    """Let `seconds` of sandbox time pass in steps, the engine settling after each."""
    sandbox.settle()
    remaining = seconds
    while remaining > 1e-9:
        jump = min(step, remaining)
        clock.advance(jump)
        sandbox.settle()
        remaining -= jump


@dataclass
class World:
    """What most tests need at hand."""

    sandbox: Sandbox
    clock: ManualClock
    app: TwimlApp
    client: Client

    def settle(self) -> None:
        """Wait until the engine has nothing left to do now."""
        self.sandbox.settle()

    def advance(self, seconds: float, step: float = 1.0) -> None:
        """Let sandbox time pass."""
        advance(self.sandbox, self.clock, seconds, step)


@pytest.fixture
def world(sandbox: Sandbox, clock: ManualClock, app: TwimlApp, client: Client) -> World:
    """The sandbox, its clock, the test's app and the REST client together."""
    return World(sandbox, clock, app, client)
