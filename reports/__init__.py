"""Activity indicators, finance views and exports."""

from __future__ import annotations

from flask import Flask

from hotline import hooks
from hotline.i18n import N_


def init_app(app: Flask) -> None:
    """Plug the reports into ``app``: the reports page, the finance pages, their sections, the
    aggregates' clock job and their build before the retention purge."""
    # Imported here, not at the top, like the other packages' pages.
    from reports import (
        aggregates,
        budget_assignment,
        budget_views,
        finance,
        report_views,
        report_warm,
        telephony_days,
    )
    from reports import report_exports as report_exports

    # the report aggregates: refreshed by the clock (then the reports page's usual questions
    # computed ahead: the report snapshots), built before the retention purge
    job = hooks.ClockJob("report_aggregates", 3600, report_warm.refresh_and_warm_job)
    hooks.add_clock_job(app, job)
    hooks.retention_due.connect(aggregates.on_retention_due, weak=False)
    # the daily telephony costs the finance pages read: the legs priced since the last run
    hooks.add_clock_job(app, hooks.ClockJob("telephony_days", 900, telephony_days.refresh_job))

    # console pages
    app.register_blueprint(finance.bp)
    app.register_blueprint(budget_assignment.bp)
    app.register_blueprint(budget_views.bp)
    app.register_blueprint(report_views.bp)
    app.register_blueprint(report_exports.bp)
    hooks.add_console_section(
        app, hooks.NavSection("finance.overview", N_("Finances"), ("finance", "admin"), order=30)
    )
    hooks.add_console_section(
        app,
        hooks.NavSection(
            "reports.index", N_("Rapports"), ("coordinator", "finance", "admin"), order=32
        ),
    )
