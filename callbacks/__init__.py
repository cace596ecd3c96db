"""Callback tasks, the clock process and every periodic job."""

from __future__ import annotations

from flask import Flask

from callbacks import retention, services
from hotline import hooks, outbox


def init_app(app: Flask) -> None:
    """Plug the callbacks feature into the application."""
    # outbox handlers
    outbox.register(retention.RECORDING_DELETED, on_sent=retention.on_recording_deleted)
    # signals
    hooks.callback_wanted.connect(services.on_callback_wanted)
