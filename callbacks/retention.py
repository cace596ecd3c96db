"""Retention of voicemails: a recording is deleted at Twilio (through the outbox) before the
service forgets where it was; its URL is cleared only once Twilio confirmed the deletion."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from callbacks.models import CallbackTask
from hotline import outbox
from hotline.models import OutboxMessage

logger = logging.getLogger(__name__)

RECORDING_DELETED = "callback_recording_deleted"
_SID_IN_URL = re.compile(r"/Recordings/(RE[0-9a-fA-F]{32})(?:\.\w+)?$")


def recording_sid_of(task: CallbackTask) -> str | None:
    """The SID of a callback's voicemail (kept, or read from its URL)."""
    if task.recording_sid:
        return task.recording_sid
    found = _SID_IN_URL.search(task.recording_url or "")
    return found.group(1) if found else None


def delete_recordings(session: Session, request_ids: Select[tuple[int]], now: datetime) -> int:
    """Ask Twilio to delete the voicemails of these requests; return how many were asked.

    One intent a recording a day (a failed deletion is asked again by the next day's purge).
    A URL that names no recording points at nothing we could delete: it is simply forgotten.
    """
    tasks = session.scalars(
        select(CallbackTask).where(
            CallbackTask.request_id.in_(request_ids), CallbackTask.recording_url.is_not(None)
        )
    ).all()
    asked = 0
    for task in tasks:
        sid = recording_sid_of(task)
        if sid is None:
            task.recording_url = None
            continue
        outbox.enqueue(
            session,
            outbox.DELETE_RECORDING,
            {"recording_sid": sid, "on_sent": RECORDING_DELETED},
            now,
            dedupe_key=f"delete-recording:{sid}:{now.date().isoformat()}",
        )
        asked += 1
    session.flush()
    return asked


def on_recording_deleted(
    session: Session, message: OutboxMessage, now: datetime, public_root: str
) -> None:
    """Twilio confirmed a deletion: forget where the recording was."""
    sid = str(message.payload["recording_sid"])
    session.execute(
        update(CallbackTask)
        .where(
            or_(
                CallbackTask.recording_sid == sid,
                CallbackTask.recording_url.like(f"%/Recordings/{sid}%"),
            )
        )
        .values(recording_url=None)
        .execution_options(synchronize_session=False)
    )
    logger.info("retention: recording %s deleted at Twilio and forgotten", sid)
