"""Who should take a call now: opening hours, holidays, the rota and the escalation plan."""

from __future__ import annotations

from flask import Flask

from hotline import hooks, ringing
from hotline.i18n import N_


def init_app(app: Flask) -> None:
    """Plug the nurse flow into ``app``: its webhooks, menu branch, receivers and admin pages."""
    # Imported here, not at the top: importing the package (its models, for migrations) must
    # not load its views.
    from routing import (
        admin_rota,
        admin_rota_changes,
        admin_views,
        console,
        helpline_settings,
        hours,
        notify,
        services,
        story,
        twiml,
        views,
    )

    # blueprints
    app.register_blueprint(views.bp)
    # loaded with the app (before gunicorn forks, with --preload), not by a GP's first key 2
    hours.load_holiday_calendars()
    # menu
    hooks.add_menu_branch(app, "2", views.menu_branch, name="nurse", prompt=twiml.MENU_PROMPT)
    # signals
    hooks.connect(hooks.gp_left, app, views.on_gp_left)
    hooks.connect(hooks.presence_changed, app, views.on_presence_changed)
    # texts: sent from outbox threads and clock jobs too (no application), like callback_wanted
    hooks.callback_promised.connect(notify.on_callback_promised, weak=False)
    hooks.voicemail_left.connect(notify.on_voicemail_left, weak=False)
    # admin pages
    app.register_blueprint(admin_views.bp)
    assert admin_rota_changes.bp is admin_rota.bp  # its routes are on the rota's blueprint
    app.register_blueprint(admin_rota.bp)
    app.register_blueprint(admin_rota.assets)
    hooks.add_admin_home_panel(app, admin_rota.holes_panel)
    hooks.add_admin_section(
        app,
        hooks.NavSection(
            "routing_rota.rota",
            N_("Planning des gardes"),
            ("admin",),
            20,
            N_(
                "Qui est de permanence ou en renfort : semaines types, absences, échanges, "
                "créneaux non couverts."
            ),
        ),
    )
    hooks.add_admin_section(
        app,
        hooks.NavSection(
            "routing_admin.hours",
            N_("Horaires et fermetures"),
            ("admin",),
            30,
            N_("Horaires d'ouverture, jours fériés, fermetures exceptionnelles."),
        ),
    )
    hooks.add_helpline_settings(app, helpline_settings.SETTINGS)
    # console pages: transfer and hold, their panel, the line's state on the board
    app.register_blueprint(console.bp)
    hooks.add_board_state(app, console.board_states)
    hooks.add_request_panel(app, console.call_actions_panel)
    hooks.add_event_labels(app, console.EVENT_LABELS)
    hooks.add_story_teller(app, story.tell)
    # outbox handlers
    ringing.register(services.FLOW, services.expected_legs)
