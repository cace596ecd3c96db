"""Who should take a call now: opening hours, holidays, the rota and the escalation plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline import hooks
from hotline.i18n import N_

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Plug routing into the application."""
    # admin pages
    from routing import admin_views

    app.register_blueprint(admin_views.bp)
    hooks.add_admin_section(
        app,
        hooks.NavSection(
            "routing_admin.rota",
            N_("Planning des gardes"),
            ("admin",),
            20,
            N_("Qui est de permanence ou en renfort, semaine par semaine."),
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
