"""Twilio's side of a conversation with the app, played in-process from Twilio's documentation.

``TwilioSide`` posts documented webhook payloads, signed with the real ``RequestValidator``, to
the exact URLs the app handed to Twilio (its TwiML attributes and its REST parameters), and
checks what Twilio would check: a 2xx, TwiML that only uses Twilio's vocabulary, and that the
same request delivered twice (Twilio retries) changes nothing the first one did not.

The app's recorded REST intents are sent by the app's own outbox code, through the real twilio
client, to ``SpecRest``: a transport that checks each request on Twilio's OpenAPI spec and
answers with the spec's own example bodies (with fresh SIDs), so the walk knows each leg's SID.
"""

from __future__ import annotations

import copy
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

import hotline.all_models  # noqa: F401 - every table in the metadata
from hotline import outbox
from hotline.db import Base, Database
from tests.contract.openapi import load_spec, validate_request
from tests.contract.payloads import sid
from tests.contract.twiml_vocabulary import twiml_violations


@dataclass
class Leg:
    """A call the app created through the REST API (CreateCall), as Twilio knows it."""

    sid: str
    params: dict[str, Any]

    @property
    def to(self) -> str:
        """Whom it rings."""
        return str(self.params["To"])

    @property
    def from_(self) -> str:
        """The caller ID."""
        return str(self.params["From"])

    @property
    def url(self) -> str:
        """The TwiML fetched when it is answered."""
        return str(self.params["Url"])

    @property
    def status_callback(self) -> str:
        """Where its call-progress events go."""
        return str(self.params["StatusCallback"])


class SpecRest(HttpClient):
    """The REST API as the spec documents it: every request validated, example bodies back."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger(__name__), is_async=False)
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.legs: list[Leg] = []
        self.redirects: list[tuple[str, dict[str, Any]]] = []
        self.texts: list[tuple[str, dict[str, Any]]] = []

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        """Validate the request on the spec; answer its documented example."""
        method = method.upper()
        form = {k: v if isinstance(v, list) else str(v) for k, v in (data or {}).items()}
        query = urlencode(params or {}, doseq=True)
        url = f"{uri}?{query}" if query else uri
        validate_request(method, url, form if method == "POST" else {})
        self.requests.append((method, url, form))
        op = load_spec().find(method, urlsplit(uri).path)
        status = next(s for s in op.statuses if s.startswith("2"))
        if status == "204":
            return TwilioResponse(204, "")
        body = copy.deepcopy(load_spec().example(op.operation_id, status))
        path = urlsplit(uri).path
        if op.operation_id == "CreateCall":
            leg = Leg(sid("CA", f"leg-{len(self.legs)}-{form.get('To')}"), form)
            self.legs.append(leg)
            body.update(sid=leg.sid, to=form["To"], status="queued", parent_call_sid=None)
            body["from"] = form["From"]
        elif op.operation_id == "UpdateCall":
            body["sid"] = path.rsplit("/", 1)[1].removesuffix(".json")
            self.redirects.append((body["sid"], form))
        elif op.operation_id == "CreateMessage":
            body.update(sid=sid("SM", f"text-{len(self.texts)}"), to=form["To"], status="queued")
            body["from"] = form["From"]
            self.texts.append((body["sid"], form))
        elif op.operation_id == "UpdateParticipant":
            body["call_sid"] = path.rsplit("/", 1)[1].removesuffix(".json")
        return TwilioResponse(int(status), json.dumps(body))


def snapshot(connection: Connection) -> dict[str, list[str]]:
    """Every row of every table, as sorted reprs: what a replay must leave as it found it."""
    return {
        table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
        for table in Base.metadata.sorted_tables
    }


def differences(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """Rows added or removed, table by table."""
    lines = []
    for name in before:
        gone = sorted(set(before[name]) - set(after[name]))
        new = sorted(set(after[name]) - set(before[name]))
        lines += [f"{name}: - {row}" for row in gone] + [f"{name}: + {row}" for row in new]
    return lines


class TwilioSide:
    """Twilio, as far as the app can tell: signed webhooks, REST answers, retries."""

    def __init__(
        self,
        client: FlaskClient,
        connection: Connection,
        submitted: list[int],
        clock: Callable[[], datetime],
        account_sid: str,
        auth_token: str,
        public_root: str,
    ) -> None:
        self.client = client
        self.connection = connection
        self.submitted = submitted
        self.clock = clock
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.public_root = public_root.rstrip("/")
        self.rest = SpecRest()
        self.rest_client = Client(account_sid, auth_token, http_client=self.rest)
        self.database = Database(connection)
        self._sent = 0
        self.hits: list[str] = []

    # ----- webhooks ----------------------------------------------------------------------

    def post(
        self, url: str, form: dict[str, str], *, document: bool, retry: bool = True
    ) -> ET.Element | None:
        """Deliver a webhook twice, as Twilio may; the answers and the state must agree.

        ``retry=False`` delivers it once, for a request whose retry is a known, reported bug
        shown by a test of its own.
        """
        # The fragment (connection overrides) never travels in the HTTP request.
        url = url.split("#", 1)[0]
        assert url.startswith(self.public_root), f"{url} is not under {self.public_root}"
        first = self._deliver(url, form)
        self.send_outbox()
        self.hits.append(urlsplit(url).path)
        responses = [first]
        if retry:
            before = snapshot(self.connection)
            second = self._deliver(url, form)
            changed = differences(before, snapshot(self.connection))
            assert not changed, f"replaying {url} changed the database:\n" + "\n".join(changed)
            self.send_outbox()
            responses.append(second)
        for response in responses:
            if not document:
                assert response.status_code in (200, 204), (url, response.status_code)
                continue
            assert response.status_code == 200, (url, response.status_code, response.data)
            assert response.mimetype in ("text/xml", "application/xml"), response.mimetype
            problems = twiml_violations(response.data)
            assert not problems, f"{url} answered TwiML Twilio refuses:\n" + "\n".join(problems)
        if document and retry:
            assert first.data == responses[1].data, (
                f"{url} answered a retry differently:\n{first.data!r}\n{responses[1].data!r}"
            )
        return ET.fromstring(first.data) if document else None

    def _deliver(self, url: str, form: dict[str, str]) -> Any:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    # ----- REST ---------------------------------------------------------------------------

    def send_outbox(self) -> None:
        """Send the intents the app committed, with its own outbox code and the twilio client."""
        while self._sent < len(self.submitted):
            message_id = self.submitted[self._sent]
            self._sent += 1
            sent = outbox.send_message(
                self.database, self.rest_client, message_id, self.clock, self.public_root
            )
            self.submitted.extend(sent.follow_up)

    def leg_to(self, to: str) -> Leg:
        """The newest leg created to this address."""
        found = [leg for leg in self.rest.legs if leg.to == to]
        assert found, f"no call was created to {to}: {[leg.to for leg in self.rest.legs]}"
        return found[-1]

    def redirect_of(self, call_sid: str) -> str:
        """The URL the app last redirected this call to (UpdateCall Url)."""
        found = [form["Url"] for sid_, form in self.rest.redirects if sid_ == call_sid]
        assert found, f"call {call_sid} was never redirected: {self.rest.redirects}"
        return str(found[-1])


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a URL."""
    return dict(parse_qsl(urlsplit(url).query))


def only(root: ET.Element, path: str) -> ET.Element:
    """The single element at this path of a TwiML document."""
    found = root.findall(path)
    assert len(found) == 1, f"{path}: {len(found)} in {ET.tostring(root)!r}"
    return found[0]
