"""Callback tasks, the clock process and every periodic job."""

from __future__ import annotations

from flask import Flask

from hotline import hooks, outbox
from hotline.i18n import N_


def init_app(app: Flask) -> None:
    """Plug callbacks into ``app``: webhooks, the console's callbacks page, the menu branch."""
    # Imported here, not at the top: importing the package (its models, for migrations) and the
    # clock process (``python -m callbacks``) must not load its views.
    from callbacks import (
        console,
        history,
        network,
        retention,
        services,
        story,
        twiml,
        views,
    )
    from hotline.console.scoping import READERS

    # blueprints
    app.register_blueprint(views.bp)
    # menu
    hooks.add_menu_branch(app, "3", views.menu_branch, name="callback", prompt=twiml.MENU_PROMPT)
    # signals: a page or a flow asks for a callback (the request page's follow-up date). Flows
    # ask from outbox threads and clock jobs too, with no application: see hotline.hooks.
    hooks.callback_wanted.connect(services.on_callback_wanted, weak=False)
    # console pages
    app.register_blueprint(console.bp)
    hooks.add_console_section(
        app, hooks.NavSection("callbacks_console.callbacks", N_("Rappels"), READERS, order=20)
    )
    hooks.add_event_labels(app, console.EVENT_LABELS)
    hooks.add_board_summary(app, console.board_summary)
    hooks.add_story_teller(app, story.tell)
    # the request page: the history of its callbacks, and a follow-up's outcome
    app.register_blueprint(history.bp)
    hooks.add_request_panel(app, history.history_panel)
    # a merge of two directory records: the callbacks follow the requests, counted beforehand
    hooks.add_merge_handler(app, history.MERGE_HANDLER)
    # outbox handlers
    outbox.register(retention.RECORDING_DELETED, on_sent=retention.on_recording_deleted)
    # the network: partners, orientations and their appointments' follow-ups; concertation
    # meetings, published cases, activities
    network.init_app(app)
