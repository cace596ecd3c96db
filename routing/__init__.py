"""Who should take a call now: opening hours, holidays, the rota and the escalation plan."""

from __future__ import annotations

from flask import Flask

from hotline import ringing
from routing import services


def init_app(app: Flask) -> None:
    """Plug the nurse flow into the application."""
    # outbox handlers
    ringing.register(services.FLOW, services.expected_legs)
