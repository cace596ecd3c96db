"""Who should take a call now: opening hours, holidays, the rota and the escalation plan."""

from __future__ import annotations

from flask import Flask

from hotline import hooks


def init_app(app: Flask) -> None:
    """Plug routing into the application (called by ``create_app``)."""
    # Imported here, not at the top: importing ``routing.models`` must not pull in the pages.
    from routing import console

    # console pages
    app.register_blueprint(console.bp)
    hooks.add_board_state(app, console.board_states)
    hooks.add_request_panel(app, console.call_actions_panel)
    hooks.add_event_labels(app, console.EVENT_LABELS)
