"""The application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask

from hotline import hooks, live
from hotline.db import Database, utcnow
from hotline.incoming import watch_helpline_changes
from hotline.inputs import BoundedIntConverter
from hotline.live_postgres import PostgresListener
from hotline.settings import Settings
from hotline.telephony.client import build_rest_client
from hotline.web import (
    EXTENSION_KEY,
    AppState,
    OutboxSender,
    close_db_session,
    install_commit_point,
)

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Callable[[], datetime] | None = None,
    dispatcher: OutboxSender | None = None,
) -> Flask:
    """Build the application; settings come from the environment when not given.

    ``dispatcher`` replaces the thread pool that sends recorded Twilio intents after each commit
    (tests that run inside one database transaction pass one that only records them).
    """
    app = Flask("hotline", instance_relative_config=True)
    app.url_map.converters["int"] = BoundedIntConverter  # an id past the column's range: 404
    if settings is None:
        instance = Path(app.instance_path)
        settings = Settings.from_env(os.environ, instance)
        if settings.database_url.startswith("sqlite:///" + str(instance.resolve())):
            instance.mkdir(parents=True, exist_ok=True)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    resolved_settings = settings
    app.extensions[EXTENSION_KEY] = AppState(
        settings=settings,
        database=database or Database.from_url(settings.database_url),
        clock=clock or utcnow,
        rest_client_factory=lambda: build_rest_client(resolved_settings),
        _dispatcher=dispatcher,
    )
    app.teardown_appcontext(close_db_session)
    watch_helpline_changes()
    hooks.init_app(app)
    live.init_app(app, listener_factory=PostgresListener)  # the board's pushes

    import callbacks
    import interpreter_pool
    import reports
    import routing
    from hotline import admin, console, headers, i18n, landing, outbox, security, sms
    from hotline.console import (
        board,  # noqa: F401 - the live board, on the console's blueprint
        board_stream,  # noqa: F401 - the board's server-sent events, on the console's blueprint
        callers,
        lifecycle,  # noqa: F401 - closing and reopening a request, on the console's blueprint
        request_list,  # noqa: F401 - the requests list, on the console's blueprint
        requests,  # noqa: F401 - the request page, on the console's blueprint
        structures,
        workplaces,
    )
    from hotline.sms_views import bp as sms_bp
    from hotline.views import bp as voice_bp

    app.register_blueprint(voice_bp)
    app.register_blueprint(sms_bp)
    outbox.register(sms.SENT_HANDLER, on_sent=sms.on_sent, on_failure=sms.on_sent)
    # The features, bottom layer first: each registers its blueprints, menu branch, console
    # and admin sections, signal receivers and admin pages (before the console's blueprint,
    # which some add pages to).
    admin.init_app(app)
    routing.init_app(app)
    interpreter_pool.init_app(app)
    callbacks.init_app(app)
    reports.init_app(app)
    console.init_app(app)
    callers.init_app(app)  # who called: the request page's caller panel, the nurse's directory
    structures.init_app(app)  # the structures' pages
    workplaces.init_app(app)  # where a professional works; the structure of a request
    app.register_blueprint(console.bp)
    app.register_blueprint(landing.bp)  # `/`: the front page, the way to the console
    i18n.init_app(app)
    security.init_app(app)
    headers.init_app(app)  # security headers, the too-large page

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    install_commit_point(app)  # last: every view registered above runs in one transaction
    return app
