"""Who should take a call now: opening hours, holidays, the rota and the escalation plan."""

from __future__ import annotations

from flask import Flask

from hotline import hooks, ringing


def init_app(app: Flask) -> None:
    """Plug the nurse flow into ``app``: its webhooks, its menu branch, its signal receivers."""
    # Imported here, not at the top: importing the package (its models, for migrations) must
    # not load its views.
    from routing import services, twiml, views

    # blueprints
    app.register_blueprint(views.bp)
    # menu
    hooks.add_menu_branch(app, "2", views.menu_branch, name="nurse", prompt=twiml.MENU_PROMPT)
    # signals
    hooks.connect(hooks.gp_left, app, views.on_gp_left)
    hooks.connect(hooks.presence_changed, app, views.on_presence_changed)
    # outbox handlers
    ringing.register(services.FLOW, services.expected_legs)
