"""Activity indicators, finance views and exports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Plug the reports into the application (called by ``create_app``)."""
    from reports import finance

    # console pages
    app.register_blueprint(finance.bp)
