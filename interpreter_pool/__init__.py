"""Interpreters and agencies, languages, dispatch, interpreting sessions, contracts and billing."""

from __future__ import annotations

from flask import Flask

from hotline import hooks, ringing
from hotline.i18n import N_


def init_app(app: Flask) -> None:
    """Plug interpreting into ``app``: webhooks, console API and finance pages, menu, receivers."""
    # Imported here, not at the top: importing the package (its models, for migrations) must
    # not load its views.
    from interpreter_pool import api, finance_views, services, twiml, views

    # blueprints
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(finance_views.bp)
    # menu
    hooks.add_menu_branch(app, "1", views.menu_branch, name="interpreter", prompt=twiml.MENU_PROMPT)
    # console nav
    hooks.add_console_section(
        app, hooks.NavSection("finance.overview", N_("Finances"), ("finance", "admin"), order=30)
    )
    # signals
    hooks.connect(hooks.gp_left, app, views.on_gp_left)
    hooks.connect(hooks.presence_changed, app, views.on_presence_changed)
    hooks.connect(hooks.presence_closed, app, views.on_presence_closed)
    # outbox handlers
    ringing.register(services.FLOW, services.expected_legs)
