"""The network around the line: partners and structures, orientations with appointments and their
follow-ups (and, from other modules, what else the network runs)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Plug the network's partners and orientations into ``app`` (called by callbacks' init_app)."""
    # Imported here, not at the top: importing the package (its models, for migrations) must not
    # load its views.
    from callbacks.network import orientation_views, partner_views

    partner_views.init_app(app)
    orientation_views.init_app(app)
