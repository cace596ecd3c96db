"""Who should take a call now: opening hours, holidays, the rota and the escalation plan."""

from __future__ import annotations

from flask import Flask

from hotline import hooks


def init_app(app: Flask) -> None:
    """Plug the nurse flow into ``app``: its webhooks, its menu branch, its signal receivers."""
    # Imported here, not at the top: importing the package (its models, for migrations) must
    # not load its views.
    from routing import console, twiml, views

    # blueprints
    app.register_blueprint(views.bp)
    # menu
    hooks.add_menu_branch(app, "2", views.menu_branch, name="nurse", prompt=twiml.MENU_PROMPT)
    # signals
    hooks.connect(hooks.gp_left, app, views.on_gp_left)
    hooks.connect(hooks.presence_changed, app, views.on_presence_changed)
    # console pages: transfer and hold, their panel, the line's state on the board
    app.register_blueprint(console.bp)
    hooks.add_board_state(app, console.board_states)
    hooks.add_request_panel(app, console.call_actions_panel)
    hooks.add_event_labels(app, console.EVENT_LABELS)
