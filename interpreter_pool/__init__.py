"""Interpreters and agencies, languages, dispatch, interpreting sessions, contracts and billing."""

from __future__ import annotations

from flask import Flask

from hotline import ringing
from interpreter_pool import services


def init_app(app: Flask) -> None:
    """Plug interpreting into the application."""
    # outbox handlers
    ringing.register(services.FLOW, services.expected_legs)
