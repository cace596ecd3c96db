"""`python -m callbacks`: the clock process (the Procfile's `clock:`)."""

from __future__ import annotations

import logging
import signal
import sys

from apscheduler.schedulers.blocking import BlockingScheduler

from callbacks.clock import add_jobs
from hotline.app import create_app
from hotline.settings import SettingsError


def main() -> None:
    """Run the periodic jobs until SIGTERM or Ctrl+C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s clock %(levelname)s %(message)s")
    try:
        app = create_app()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    state = app.extensions["hotline"]
    scheduler = BlockingScheduler(timezone="UTC")
    add_jobs(scheduler, state, app)

    def stop(*_: object) -> None:
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    logging.getLogger(__name__).info("clock started: %s", [job.id for job in scheduler.get_jobs()])
    try:
        scheduler.start()
    except KeyboardInterrupt:
        pass
    finally:
        state.close()


if __name__ == "__main__":
    main()
