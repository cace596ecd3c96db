"""A local SMTP server that keeps the messages it receives (in memory): the demo's and the tests'
stand-in for the programme's relay, over a real socket (aiosmtpd in a thread)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask, current_app

EXTENSION_KEY = "hotline.mailbox"


@dataclass(frozen=True)
class KeptMessage:
    """A message the local server received."""

    received_at: datetime
    mail_from: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    # What the message is about, as its sender tagged it (``TAG_HEADER``: "meeting:12"), so a
    # page shows each reader the messages of his own records only.
    tag: str = ""


# The header a sender of this application tags its messages with.
TAG_HEADER = "X-Hotline-Tag"


class _Keeper:
    """aiosmtpd's handler: every message is accepted and kept."""

    def __init__(self) -> None:
        self.messages: list[KeptMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        parsed = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        part = parsed.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        kept = KeptMessage(
            received_at=datetime.now(UTC),
            mail_from=str(envelope.mail_from),
            recipients=tuple(envelope.rcpt_tos),
            subject=str(parsed.get("Subject", "")),
            body=str(body),
            tag=str(parsed.get(TAG_HEADER, "")),
        )
        with self.lock:
            self.messages.append(kept)
        return "250 Message accepted for delivery"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """The running server: its ``url`` (for ``SMTP_URL``) and the messages it kept."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._keeper = _Keeper()
        self.host, self.port = host, port or _free_port(host)
        self._controller = Controller(self._keeper, hostname=self.host, port=self.port)

    @property
    def url(self) -> str:
        """The ``SMTP_URL`` that reaches this server."""
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> Mailbox:
        """Listen (in a thread of its own)."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def messages(self) -> list[KeptMessage]:
        """What it received, newest first."""
        with self._keeper.lock:
            return list(reversed(self._keeper.messages))


def attach(app: Flask, mailbox: Mailbox) -> None:
    """Let the console's demo page show what ``mailbox`` kept."""
    app.extensions[EXTENSION_KEY] = mailbox


def attached(app: Flask | None = None) -> Mailbox | None:
    """The local mailbox of the application, if it runs one (the demo)."""
    found = (app or current_app).extensions.get(EXTENSION_KEY)
    return found if isinstance(found, Mailbox) else None
