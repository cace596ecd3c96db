"""Retention: a voicemail is deleted at Twilio (the sandbox) before the service forgets it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callbacks.jobs import purge_old_records
from callbacks.models import CallbackTask
from hotline.demo import DEMO_HOURS, DemoStack
from hotline.models import Call, Helpline, OutboxMessage
from hotline.settings import Settings
from hotline.telephony.client import build_rest_client
from tests.e2e.conftest import eventually

DR_MARTIN = "+33612345678"
FRIDAY_NIGHT = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # 22:00 in Paris: nurse line closed
TWO_YEARS_LATER = FRIDAY_NIGHT + timedelta(days=800)


@pytest.fixture(autouse=True)
def office_hours(db: Session) -> Iterator[None]:
    """The nurse line keeps office hours: on Friday night a GP is offered the voicemail."""
    db.execute(update(Helpline).values(opening_hours="mon-fri 09:00-18:00"))
    db.commit()
    yield
    db.rollback()
    db.execute(update(Helpline).values(opening_hours=DEMO_HOURS))
    db.execute(update(CallbackTask).values(status="cancelled"))
    db.commit()


def leave_voicemail(stack: DemoStack, db: Session) -> CallbackTask:
    """Dr Martin calls on Friday night, asks for the nurse and leaves a 10 s message."""
    gp = stack.sandbox.place_call(from_=DR_MARTIN, to=stack.settings.hotline_number)
    stack.sandbox.settle()
    gp.press("2")
    eventually(lambda: "Après le bip" in gp.heard_text(), what="the voicemail offer")
    stack.sandbox.settle()
    gp.speak(10)
    gp.press("#")
    stack.sandbox.settle()
    request_id = db.scalars(select(Call.request_id).where(Call.sid == gp.sid)).one()

    def task() -> CallbackTask | None:
        db.expire_all()
        found = db.scalars(
            select(CallbackTask).where(CallbackTask.request_id == request_id)
        ).first()
        return found if found is not None and found.recording_sid else None

    return eventually(task, what="the callback with the message")


def purge(stack: DemoStack, when: datetime, settings: Settings | None = None) -> None:
    state = stack.app.extensions["hotline"]
    client = build_rest_client(settings or stack.settings)
    purge_old_records(state.database, lambda: when, 24, client, stack.settings.public_root)


def reread(db: Session, task_id: int) -> CallbackTask:
    db.expire_all()
    task = db.get(CallbackTask, task_id)
    assert task is not None
    return task


def media_status(stack: DemoStack, url: str) -> int:
    return requests.get(url + ".wav", timeout=5).status_code


@pytest.mark.parametrize("sandbox_clock", [FRIDAY_NIGHT], indirect=True)
def test_the_purge_deletes_the_voicemail_at_twilio_then_forgets_its_url(
    stack: DemoStack, db: Session
) -> None:
    task = leave_voicemail(stack, db)
    sid, url = task.recording_sid, task.recording_url
    assert sid in stack.sandbox.recordings and url is not None
    assert media_status(stack, url) == 200

    purge(stack, TWO_YEARS_LATER)

    assert sid not in stack.sandbox.recordings
    assert media_status(stack, url) == 404
    deletions = [r for r in stack.sandbox.rest_requests if r.method == "DELETE" and sid in r.path]
    assert [(r.path.rsplit("/", 1)[-1], r.status) for r in deletions] == [(f"{sid}.json", 204)]
    purged = reread(db, task.id)
    assert purged.recording_url is None and purged.phone is None


@pytest.mark.parametrize("sandbox_clock", [FRIDAY_NIGHT], indirect=True)
def test_a_recording_twilio_did_not_delete_keeps_its_url_until_a_later_purge_deletes_it(
    stack: DemoStack, db: Session
) -> None:
    task = leave_voicemail(stack, db)
    sid = task.recording_sid
    refused = replace(stack.settings, twilio_auth_token="0" * 32)

    purge(stack, TWO_YEARS_LATER, refused)  # Twilio answers 401: nothing deleted

    assert sid in stack.sandbox.recordings
    kept = reread(db, task.id)
    assert kept.recording_url is not None and kept.phone is None
    failed = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "delete_recording")).all()
    assert [m.status for m in failed if m.payload["recording_sid"] == sid] == ["failed"]

    purge(stack, TWO_YEARS_LATER + timedelta(days=1))

    assert sid not in stack.sandbox.recordings
    assert reread(db, task.id).recording_url is None


@pytest.mark.parametrize("sandbox_clock", [FRIDAY_NIGHT], indirect=True)
def test_a_recording_already_gone_at_twilio_is_forgotten(stack: DemoStack, db: Session) -> None:
    task = leave_voicemail(stack, db)
    client = build_rest_client(stack.settings)
    assert task.recording_sid is not None
    client.recordings(task.recording_sid).delete()  # deleted by hand in Twilio's console

    purge(stack, TWO_YEARS_LATER)

    assert reread(db, task.id).recording_url is None
