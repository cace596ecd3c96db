"""Follow-ups: every attempt of a callback recorded once, a reached follow-up's outcome recorded
by the nurse and shown in the request's callback history, the voicemail kept after the callback
is done until the retention purge."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from callbacks import calling, retention
from callbacks.jobs import purge_old_records
from callbacks.models import CallbackAttempt, CallbackTask
from callbacks.services import attach_recording, promise_callback
from callbacks.twiml import CallbackUrls
from hotline.db import Database
from hotline.models import AuditEvent, OutboxMessage, Request
from hotline.telephony.parsing import Recording
from tests.conftest import PUBLIC_BASE_URL, call_sid, post_signed, voice_form
from tests.factories import make_professional, make_user
from tests.integration.test_console_access import console, csrf_of, sign_in
from tests.integration.test_nurse_routing import T0, set_up_rota

__all__ = ["console"]  # the fixture, imported for these tests

GP_SID = call_sid(900)
NURSE_LEG = call_sid(901)
PROFESSIONAL_LEG = call_sid(902)
URLS = CallbackUrls(PUBLIC_BASE_URL)
RECORDING_SID = "RE" + "a" * 32


def a_callback(client: FlaskClient, session: Session, reason: str) -> tuple[Request, CallbackTask]:
    """Dr Martin called; a callback of his request is due now."""
    set_up_rota(session)
    make_professional(session, "+33612345678")
    post_signed(client, "/twilio/voice/incoming", voice_form(GP_SID))
    request = session.scalars(select(Request)).one()
    task = promise_callback(session, request, reason, T0, T0)
    session.commit()
    return request, task


def ring_professional(
    session: Session, task: CallbackTask, nurse_leg: str, now: datetime = T0
) -> OutboxMessage:
    """The clock claims the attempt, the nurse's phone rings, she presses 1: his phone rings."""
    [claimed] = calling.claim_due(session, max(task.next_attempt_at or now, now))
    assert claimed.id == task.id
    assert calling.fire(session, claimed, now, URLS)
    assert calling.nurse_accepts(session, task.id, claimed.attempts, nurse_leg, now, URLS)
    session.commit()
    return session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"cb-gp:{task.id}:{claimed.attempts}"
        )
    ).one()


def his_leg_ends(
    client: FlaskClient, ring: OutboxMessage, leg: str, status: str, duration: str = "0"
) -> None:
    form = voice_form(leg, CallStatus=status, Direction="outbound-api", CallDuration=duration)
    url = urlsplit(ring.payload["params"]["status_callback"])
    assert post_signed(client, f"{url.path}?{url.query}", form).status_code == 204


def attempts(session: Session, task: CallbackTask) -> list[tuple[int, str | None, str | None]]:
    session.expire_all()
    rows = session.scalars(
        select(CallbackAttempt)
        .where(CallbackAttempt.callback_id == task.id)
        .order_by(CallbackAttempt.number)
    ).all()
    return [(row.number, row.result, row.why) for row in rows]


def test_each_attempt_is_recorded_once_whatever_twilio_repeats(
    client: FlaskClient, session: Session
) -> None:
    _request, task = a_callback(client, session, "requested")
    ring = ring_professional(session, task, NURSE_LEG)
    assert attempts(session, task) == [(1, None, None)]  # under way

    for _ in range(3):  # Twilio delivers his leg's end three times
        his_leg_ends(client, ring, PROFESSIONAL_LEG, "no-answer")
    assert attempts(session, task) == [(1, "no_answer", "no-answer")]

    task = session.get(CallbackTask, task.id)  # type: ignore[assignment]
    assert task.status == "pending" and task.next_attempt_at is not None
    second = ring_professional(session, task, call_sid(903))
    # The second attempt's end comes twice, the first attempt's end once more, late.
    his_leg_ends(client, second, call_sid(904), "completed", "180")
    his_leg_ends(client, ring, PROFESSIONAL_LEG, "no-answer")
    his_leg_ends(client, second, call_sid(904), "completed", "180")
    assert attempts(session, task) == [(1, "no_answer", "no-answer"), (2, "reached", "reached")]
    [who] = set(
        session.scalars(
            select(CallbackAttempt.user_id).where(CallbackAttempt.callback_id == task.id)
        )
    )
    assert who is not None  # the nurse who called


def test_a_follow_up_closed_as_situation_amelioree_appears_in_the_requests_callback_history(
    client: FlaskClient, console: FlaskClient, session: Session
) -> None:
    request, task = a_callback(client, session, "follow_up")
    ring = ring_professional(session, task, NURSE_LEG)
    his_leg_ends(client, ring, PROFESSIONAL_LEG, "completed", "240")
    make_user(session, "nurse", "nora@example.org", display_name="Nora Blanc")
    session.commit()
    assert sign_in(console, "nora@example.org") == 302

    # Reached, the follow-up waits for its outcome: the callbacks page says so.
    listed = console.get("/console/callbacks").get_data(as_text=True)
    assert f'data-callback-id="{task.id}"' in listed and "Issue à saisir" in listed
    page_path = f"/console/requests/{request.id}"
    page = console.get(page_path).get_data(as_text=True)
    assert "Issue à saisir" in page and "Aucune donnée identifiante du patient" in page

    outcome_path = f"/console/callbacks/{task.id}/outcome"
    form_page = console.get(outcome_path)
    assert form_page.status_code == 200
    assert 'name="outcome"' in form_page.get_data(as_text=True)
    token = csrf_of(console, page_path)
    note = "Rendez-vous pris au centre de santé."
    refused = console.post(
        outcome_path, data={"outcome": "bogus", "note": note, "csrf_token": token}
    )
    assert refused.status_code == 400
    assert note in refused.get_data(as_text=True)  # nothing lost

    saved = console.post(
        outcome_path, data={"outcome": "improved", "note": note, "csrf_token": token}
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(page_path)

    page = console.get(page_path).get_data(as_text=True)
    history = page[page.index('id="callback-history"') :]
    assert "Issue du suivi :</strong> Situation améliorée" in history
    assert note in history
    assert "Amélie Roux" in history and "Joint" in history  # who called, how it ended
    assert "Issue du suivi : situation améliorée (Nora Blanc)" in page  # and the story says it
    listed = console.get("/console/callbacks").get_data(as_text=True)
    assert f'data-callback-id="{task.id}"' not in listed
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "follow_up_outcome")).one()


def test_a_done_callback_keeps_its_voicemail_until_the_retention_purge(
    client: FlaskClient,
    console: FlaskClient,
    session: Session,
    connection: Connection,
) -> None:
    request, task = a_callback(client, session, "voicemail")
    recording = Recording(
        GP_SID, RECORDING_SID, f"https://api.twilio.com/x/Recordings/{RECORDING_SID}", 45
    )
    attach_recording(session, request, recording, T0, T0)
    session.commit()
    ring = ring_professional(session, task, NURSE_LEG)
    his_leg_ends(client, ring, PROFESSIONAL_LEG, "completed", "60")
    make_user(session, "nurse", "nora@example.org", display_name="Nora Blanc")
    session.commit()
    assert sign_in(console, "nora@example.org") == 302

    session.expire_all()
    assert session.get(CallbackTask, task.id).status == "done"  # type: ignore[union-attr]
    page_path = f"/console/requests/{request.id}"
    page = console.get(page_path).get_data(as_text=True)
    history = page[page.index('id="callback-history"') :]
    assert f"/console/callbacks/{task.id}/recording" in history  # the player, after done
    assert "Message vocal laissé (45 s)" in page

    task = session.get(CallbackTask, task.id)  # type: ignore[assignment]
    task.follow_up_note = "Orienté vers la PASS."
    session.commit()
    later = T0 + timedelta(days=800)
    purge_old_records(Database(connection), lambda: later, months=24)
    [deletion] = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"delete-recording:{RECORDING_SID}:%")
        )
    ).all()
    retention.on_recording_deleted(session, deletion, later, PUBLIC_BASE_URL)
    session.commit()
    page = console.get(page_path).get_data(as_text=True)
    history = page[page.index('id="callback-history"') :]
    assert f"/console/callbacks/{task.id}/recording" not in history
    assert "Message vocal supprimé" in history
    session.expire_all()
    assert [
        phone
        for _n, phone in session.execute(select(CallbackAttempt.number, CallbackAttempt.phone))
    ] == [None]  # the purge forgets the number called too
    assert session.get(CallbackTask, task.id).follow_up_note is None  # type: ignore[union-attr]
