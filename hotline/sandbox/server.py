"""The Sandbox: engine + REST API + control page on one threaded werkzeug server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, make_server

from hotline.sandbox import (
    rest_account,  # noqa: F401 - adds the account's routes to rest_bp
    rest_messages,  # noqa: F401 - adds the Messages routes to rest_bp
)
from hotline.sandbox.account import Account
from hotline.sandbox.clock import Clock
from hotline.sandbox.control import bp as control_bp
from hotline.sandbox.debugger_views import bp as debugger_bp
from hotline.sandbox.engine import API_VERSION, Engine
from hotline.sandbox.messaging import MessagingMixin
from hotline.sandbox.model import Conference, Leg
from hotline.sandbox.rest import RestRecord, twilio_error
from hotline.sandbox.rest import bp as rest_bp
from hotline.sandbox.rest import media as media_bp
from hotline.sandbox.webhooks import WebhookRecord

logger = logging.getLogger(__name__)


def create_wsgi_app(sandbox: Sandbox) -> Flask:
    """The Flask app serving Twilio's REST API, recordings, the control API and page."""
    app = Flask(__name__)
    app.config["SANDBOX"] = sandbox
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.register_blueprint(rest_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(control_bp)
    app.register_blueprint(debugger_bp)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if request.path.startswith(f"/{API_VERSION}/"):
            status = exc.code or 500
            code = 20404 if status == 404 else 20004 if status == 405 else 20001
            return twilio_error(status, code, exc.description or exc.name)
        return jsonify({"error": exc.name, "message": exc.description}), exc.code or 500

    return app


class Sandbox(Engine, MessagingMixin):
    """A local Twilio: start it, point the app's `client.api.base_url` at `start()`'s URL."""

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "sandbox-auth-token",  # noqa: S107 - a local stand-in's default
        clock: Clock | None = None,
        caller_ids: Iterable[str] = (),
    ) -> None:
        super().__init__(account_sid, auth_token, clock)
        # The account's TwiML apps, API keys and verified caller IDs; its numbers are `numbers`.
        self.account = Account()
        for number in caller_ids:
            self.verify_caller_id(number)
        self.rest_requests: list[RestRecord] = []
        self.init_messaging()
        # Fault injection: CreateCall makes the call at once but answers this many seconds
        # late (a slow Twilio API, a client that times out on a call that exists).
        self.create_call_answer_delay_s = 0.0
        # The same for CreateMessage: the message exists (and is delivered), the answer is late.
        self.create_message_answer_delay_s = 0.0
        self.wsgi_app = create_wsgi_app(self)
        self._server: BaseWSGIServer | None = None
        self._server_thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve REST + control page in a daemon thread; return the base URL."""
        if self._server is not None:
            return self.base_url
        self._server = make_server(host, port, self.wsgi_app, threaded=True)
        self.base_url = f"http://{host}:{self._server.server_port}"
        server = self._server
        self._server_thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05),
            name="sandbox-http",
            daemon=True,
        )
        self._server_thread.start()
        self.start_engine()
        logger.info("Twilio sandbox listening on %s", self.base_url)
        return self.base_url

    @property
    def url(self) -> str:
        """The base URL (REST API root and the simulator page at `/`)."""
        return self.base_url

    def stop(self) -> None:
        """Stop serving and stop the engine."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.stop_engine()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def verify_caller_id(self, phone_number: str, friendly_name: str | None = None) -> None:
        """Make `phone_number` a verified caller ID of the account (allowed as `From`)."""
        with self.lock:
            self.account.verify_caller_id(phone_number, self.clock.now(), friendly_name)

    # ----- reading state -------------------------------------------------------------------

    @property
    def calls(self) -> list[Leg]:
        """Every leg, oldest first."""
        with self.lock:
            return list(self.calls_by_sid.values())

    def conference(self, name_or_sid: str) -> Conference:
        """The conference with this SID or friendly name (the newest); KeyError when unknown."""
        room = self.find_conference(name_or_sid)
        if room is None:
            raise KeyError(name_or_sid)
        return room

    def webhooks_to(self, path: str, kind: str | None = None) -> list[WebhookRecord]:
        """Webhooks whose URL contains `path` (and of `kind`, if given), in order."""
        with self.lock:
            return [w for w in self.webhooks if path in w.url and (kind is None or w.kind == kind)]

    def status_events(self, call_sid: str) -> list[str]:
        """The CallStatus values posted to a leg's status callback, in order."""
        with self.lock:
            return [
                w.params["CallStatus"]
                for w in self.webhooks
                if w.kind == "status" and w.call_sid == call_sid
            ]

    def conference_events(self, name_or_sid: str) -> list[tuple[int, str]]:
        """(SequenceNumber, StatusCallbackEvent) of a conference's posted events."""
        room = self.conference(name_or_sid)
        with self.lock:
            return [
                (int(w.params["SequenceNumber"]), w.params["StatusCallbackEvent"])
                for w in self.webhooks
                if w.kind == "conference-status" and w.params.get("ConferenceSid") == room.sid
            ]
