"""gunicorn's settings for the web process (the Procfile's `web:` names the worker class and the
threads; these are the rest): the access log names the worker, and a stopping worker ends its
board streams at once (they would hold it until their lifetime ends; the browsers reopen theirs on
another worker within seconds)."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

from hotline.live import end_streams

# Who (the peer), which worker (<pid>), what, the status, the size and the time taken.
access_log_format = '%(h)s %(p)s "%(r)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker: Any) -> None:
    """Chain the worker's stop signals (graceful or quick) to ending its board streams first."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        previous = signal.getsignal(signum)

        def stop(number: int, frame: FrameType | None, previous: Any = previous) -> None:
            end_streams()
            if callable(previous):
                previous(number, frame)

        signal.signal(signum, stop)
