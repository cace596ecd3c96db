"""Every REST request reaching the sandbox, checked on Twilio's OpenAPI spec.

``RestConformance.wrap`` puts a WSGI layer in front of the sandbox: each request to the REST API
(``/2010-04-01/….json``) is read as sent on the wire (method, path, query, form with repeated
keys) and kept, then handed on untouched; it is checked with ``openapi.validate_request`` when
the violations are asked for, so the check never slows the sandbox's real-time answers. It sees
what the app's twilio client really sent, including requests to paths the sandbox does not
serve. Media downloads (``…/Recordings/RE….wav``) are not API calls and pass.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from tests.contract.openapi import validate_request

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
API_PREFIX = "/2010-04-01/"
FORM = "application/x-www-form-urlencoded"


@dataclass
class RestRequest:
    """One REST request as it arrived."""

    method: str
    path: str
    query: str
    form: dict[str, list[str]]

    @functools.cached_property
    def violation(self) -> str | None:
        """What Twilio's spec says of it; None when it conforms."""
        return check(self.method, self.path, self.query, self.form)

    @property
    def line(self) -> str:
        """METHOD path?query, for reports."""
        return f"{self.method} {self.path}" + (f"?{self.query}" if self.query else "")


def check(method: str, path: str, query: str, form: dict[str, list[str]]) -> str | None:
    """The spec's objections to this request, or None when Twilio's spec accepts it."""
    url = f"{path}?{query}" if query else path
    single = {k: v[0] if len(v) == 1 else v for k, v in form.items()}
    try:
        validate_request(method, url, single)
    except AssertionError as error:
        return str(error)
    return None


class RestConformance:
    """Collects the REST requests of a run; each test asks for the violations since its start."""

    def __init__(self) -> None:
        self.requests: list[RestRequest] = []
        self._lock = threading.Lock()

    def wrap(self, app: WsgiApp) -> WsgiApp:
        """A WSGI app recording and checking every API request before ``app`` serves it."""

        def checked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            path = environ.get("PATH_INFO", "")
            if path.startswith(API_PREFIX) and path.endswith(".json"):
                self.record(environ)
            return app(environ, start_response)

        return checked

    def record(self, environ: dict[str, Any]) -> RestRequest:
        """Read (and put back) the request's body; check and keep the request."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        form: dict[str, list[str]] = {}
        if environ.get("CONTENT_TYPE", "").split(";")[0].strip() == FORM:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        found = RestRequest(method, path, query, form)
        with self._lock:
            self.requests.append(found)
        return found

    def mark(self) -> int:
        """Where the log stands now (to read what came after)."""
        with self._lock:
            return len(self.requests)

    def violations(self, since: int = 0) -> list[RestRequest]:
        """The non-conforming requests since ``mark()``."""
        with self._lock:
            requests = self.requests[since:]
        return [r for r in requests if r.violation is not None]

    def forgive(self, request: RestRequest) -> None:
        """Drop a request a test sent wrong on purpose, so that the stack's check passes."""
        with self._lock:
            self.requests.remove(request)

    def report(self, since: int = 0) -> str:
        """Every violation since ``mark()``, readable in a test failure."""
        return "\n".join(f"{r.line}\n{r.violation}" for r in self.violations(since))
