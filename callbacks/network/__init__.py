"""The network around the line: partners and structures, orientations with appointments and their
follow-ups; concertation meetings with consent and anonymised summaries, their agenda by e-mail,
published anonymised cases, and the network's activities."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Plug the network into ``app`` (called by callbacks' init_app): partners and orientations,
    meetings and activities."""
    # Imported here, not at the top: importing the package (its models, for migrations) must not
    # load its views.
    from callbacks.network import meeting_setup, orientation_views, partner_views, story
    from hotline import hooks

    partner_views.init_app(app)
    orientation_views.init_app(app)
    meeting_setup.init_app(app)
    hooks.add_story_teller(app, story.tell)
