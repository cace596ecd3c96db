"""Callback tasks, the clock process and every periodic job."""

from __future__ import annotations

from flask import Flask

from hotline import hooks


def init_app(app: Flask) -> None:
    """Plug callbacks into the application (called by ``create_app``)."""
    # Imported here, not at the top: the clock process (``python -m callbacks``) and importing
    # ``callbacks.models`` must not pull in the pages.
    from callbacks import console, services

    # console pages
    app.register_blueprint(console.bp)
    hooks.add_event_labels(app, console.EVENT_LABELS)
    # a page or a flow asks for a callback (the request page's follow-up date)
    hooks.callback_wanted.connect(services.on_callback_wanted, weak=False)
