"""Interpreters and agencies, languages, dispatch, interpreting sessions, contracts and billing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline import hooks
from hotline.i18n import N_

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Plug interpreting into the application."""
    # admin pages
    from interpreter_pool import admin_views

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
