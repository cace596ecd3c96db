"""The clock: one process (or a thread of the demo) running the periodic jobs with APScheduler."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from callbacks import jobs
from hotline import hooks
from hotline.outbox import resend_unsent
from hotline.web import AppState
from interpreter_pool.finance import reconcile
from interpreter_pool.menu import recompute_due_menus

logger = logging.getLogger(__name__)


def _guarded(name: str, job: Callable[[], Any]) -> Callable[[], None]:
    # A failing job is logged and runs again at its next time; the clock itself never dies.
    def run() -> None:
        try:
            result = job()
        except Exception:
            logger.exception("clock job %s failed", name)
            return
        if result:
            logger.info("clock job %s: %s", name, result)

    return run


def add_jobs(scheduler: BaseScheduler, state: AppState, app: Flask | None = None) -> None:
    """Schedule every periodic job of the service on a scheduler (with ``app``, the features'
    own jobs too: ``hooks.add_clock_job``)."""
    settings = state.settings
    database, clock, root = state.database, state.clock, settings.public_root
    tick = settings.clock_tick_s

    def every(seconds: float, name: str, job: Callable[[], Any]) -> None:
        scheduler.add_job(
            _guarded(name, job),
            "interval",
            seconds=seconds,
            id=name,
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )

    every(tick, "fire_due_callbacks",
          lambda: jobs.fire_due_callbacks(database, state.rest_client(), clock, root))  # fmt: skip
    rest = state.rest_client
    every(tick, "advance_overdue_steps",
          lambda: jobs.advance_overdue_steps(database, rest(), clock, root))  # fmt: skip
    every(tick * 2, "resend_unsent",
          lambda: resend_unsent(database, state.rest_client(), clock, root))  # fmt: skip
    every(300, "reconcile", lambda: reconcile(database, state.rest_client(), clock))
    every(900, "budget_alerts", lambda: jobs.check_budgets(database, clock, settings.timezone))
    every(3600, "language_menus", lambda: recompute_due_menus(database, clock))
    every(600, "sweep_stale_calls",
          lambda: jobs.sweep_stale_calls(database, state.rest_client(), clock))  # fmt: skip
    for job in hooks.registries(app).clock_jobs if app is not None else ():
        every(job.seconds, job.name, lambda job=job: job.run(state))  # type: ignore[misc]
    scheduler.add_job(
        _guarded(
            "retention",
            lambda: jobs.purge_old_records(
                database, clock, settings.retention_months, state.rest_client(), root
            ),
        ),
        "cron",
        hour=3,
        minute=30,
        timezone=settings.timezone,
        id="retention",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
