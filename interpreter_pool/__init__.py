"""Interpreters and agencies, languages, dispatch, interpreting sessions, contracts and billing."""

from __future__ import annotations

from flask import Flask

from hotline import hooks


def init_app(app: Flask) -> None:
    """Plug interpreting into the application (called by ``create_app``)."""
    # Imported here, not at the top: importing ``interpreter_pool.models`` must not pull in the
    # pages.
    from interpreter_pool import console
    from interpreter_pool.labels import INTERPRETER_LABEL_PREFIX

    # console pages
    app.register_blueprint(console.bp)
    hooks.add_board_state(app, console.board_states)
    hooks.add_request_panel(app, console.patient_language_panel)
    hooks.add_request_panel(app, console.interpreter_panel)
    hooks.add_event_labels(app, console.EVENT_LABELS)
    hooks.add_participant_role(app, INTERPRETER_LABEL_PREFIX, console.INTERPRETER_ROLE)
