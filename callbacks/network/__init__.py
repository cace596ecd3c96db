"""The network around the line: concertation meetings with consent and anonymised summaries,
their agenda by e-mail, published anonymised cases, and the network's activities (and, from
other modules, what else the network runs)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Plug the network's meetings and activities into ``app`` (called by callbacks' init_app)."""
    # Imported here, not at the top: importing the package (its models, for migrations) must not
    # load its views.
    from callbacks.network import meeting_setup

    meeting_setup.init_app(app)
