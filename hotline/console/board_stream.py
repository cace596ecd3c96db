"""The board's stream: server-sent events telling an open board that its helplines changed (it then
fetches its state once: ``/console/api/board``), with a heartbeat that also keeps a nurse's
console seen while it is open."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from sqlalchemy import update
from werkzeug.wrappers import Response

from hotline.auth import current_user, require_roles, signed_in_user
from hotline.console import bp
from hotline.console.scoping import READERS, visible_ids
from hotline.live import Subscription, live_board
from hotline.models import User
from hotline.web import AppState, app_state, now

logger = logging.getLogger(__name__)

HEARTBEAT_S = 15.0
# A stream ends after this long and the browser opens another at once: the console session's idle
# time is renewed as the board's polling did, and a worker being replaced lets go of it.
LIFETIME_S = 300.0
RETRY_MS = 3000  # how soon the browser reopens a broken stream
# Each open stream holds one of a gunicorn worker's threads (the Procfile's gthread, 32 threads):
# past this many, a board is refused a stream (it polls slowly), so that webhooks and pages always
# find threads free.
STREAMS_PER_WORKER = 24

CHANGED = "event: changed\ndata: changed\n\n"
HEARTBEAT = ": heartbeat\n\n"


def board_events(
    subscribe: Callable[[], Subscription],
    unsubscribe: Callable[[Subscription], None],
    on_heartbeat: Callable[[], None],
    *,
    heartbeat_s: float = HEARTBEAT_S,
    lifetime_s: float = LIFETIME_S,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """The stream's text: "changed" at once (the board fetches its state) and after each change of
    its helplines, a comment every ``heartbeat_s`` when nothing changes, until ``lifetime_s``."""
    subscription = subscribe()  # here, not before: a stream never started holds nothing
    try:
        yield f"retry: {RETRY_MS}\n" + CHANGED
        ends_at = clock() + lifetime_s
        while (left := ends_at - clock()) > 0:
            if subscription.wait(min(heartbeat_s, left)):
                if subscription.is_ended:
                    return
                yield CHANGED
            else:
                on_heartbeat()
                yield HEARTBEAT
    finally:
        unsubscribe(subscription)


def _console_seen(state: AppState, user_id: int) -> Callable[[], None]:
    """Note, on each heartbeat, that the nurse's console is open (routing rings her browser only
    then), as her board's polling did; in a short transaction of its own."""

    def seen() -> None:
        try:
            with state.database.session() as session:
                session.execute(
                    update(User).where(User.id == user_id).values(console_seen_at=state.clock())
                )
                session.commit()
        except Exception:  # the stream outlives a database hiccup; the next heartbeat retries
            logger.warning("console presence of user %s not noted", user_id, exc_info=True)

    return seen


@bp.get("/api/board/stream")
def board_stream() -> Response:
    """The stream of the reader's board: 401 when the session ended (``EventSource`` follows a
    redirect, and the sign-in page it would load takes the page's flashed messages), 503 when this
    worker holds its share of streams."""
    if current_user() is None:
        return Response("", status=401)
    return _open_stream()


@require_roles(*READERS)
def _open_stream() -> Response:
    board = live_board()
    if board.broker.open_count >= STREAMS_PER_WORKER:
        return Response("", status=503, headers={"Retry-After": "30"})
    me = signed_in_user()
    helplines = frozenset(visible_ids())
    on_heartbeat: Callable[[], None] = lambda: None  # noqa: E731 - a reader who is no nurse
    if me.has_role("nurse"):
        me.console_seen_at = now()
        on_heartbeat = _console_seen(app_state(), me.id)
    events = board_events(
        lambda: board.subscribe(helplines), board.broker.unsubscribe, on_heartbeat
    )
    return Response(
        events,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
