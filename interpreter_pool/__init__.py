"""Interpreters and agencies, languages, dispatch, interpreting sessions, contracts and billing."""

from __future__ import annotations

from flask import Flask

from hotline import hooks, ringing
from hotline.i18n import N_


def init_app(app: Flask) -> None:
    """Plug interpreting into ``app``: webhooks, console API and pages, menu, receivers."""
    # Imported here, not at the top: importing the package (its models, for migrations) must
    # not load its views.
    from interpreter_pool import (
        admin_views,
        api,
        console,
        contract_views,
        helpline_settings,
        services,
        story,
        twiml,
        views,
    )
    from interpreter_pool.labels import INTERPRETER_LABEL_PREFIX

    # blueprints
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    # menu
    hooks.add_menu_branch(app, "1", views.menu_branch, name="interpreter", prompt=twiml.MENU_PROMPT)
    # signals
    hooks.connect(hooks.gp_left, app, views.on_gp_left)
    hooks.connect(hooks.presence_changed, app, views.on_presence_changed)
    hooks.connect(hooks.presence_closed, app, views.on_presence_closed)
    # admin pages
    app.register_blueprint(admin_views.bp)
    hooks.add_admin_section(
        app,
        hooks.NavSection(
            "interpreter_admin.interpreters",
            N_("Interprètes et contrats"),
            ("admin",),
            40,
            N_("Interprètes, agences, langues, disponibilités et tarifs."),
        ),
    )
    hooks.add_helpline_settings(app, helpline_settings.SETTINGS)
    # finance pages: contracts (the finance section is the reports')
    app.register_blueprint(contract_views.bp)
    # console pages: add or remove an interpreter, the patient's language, the board's state
    app.register_blueprint(console.bp)
    hooks.add_board_state(app, console.board_states)
    hooks.add_request_panel(app, console.patient_language_panel)
    hooks.add_request_panel(app, console.interpreter_panel)
    hooks.add_event_labels(app, console.EVENT_LABELS)
    hooks.add_story_teller(app, story.tell)
    hooks.add_participant_role(app, INTERPRETER_LABEL_PREFIX, console.INTERPRETER_ROLE)
    hooks.set_language_name(app, console.language_label)
    # outbox handlers
    ringing.register(services.FLOW, services.expected_legs)
