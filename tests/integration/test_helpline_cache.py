"""The incoming call's copy of the helpline: heard at once after a save in the same worker, and
within its TTL after a change made elsewhere (another gunicorn worker, another machine)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.incoming import HELPLINE_TTL_S, HelplineCache
from hotline.models import Helpline
from tests.conftest import HOTLINE_NUMBER, call_sid, post_signed, voice_form
from tests.factories import the_helpline


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def greeting_heard(client: FlaskClient, n: int) -> str:
    response = post_signed(client, "/twilio/voice/incoming", voice_form(call_sid(n)))
    return str(ET.fromstring(response.data).find("Say").text)  # type: ignore[union-attr]


def test_a_greeting_saved_in_this_worker_is_heard_by_the_next_call(
    client: FlaskClient, session: Session
) -> None:
    helpline = the_helpline(session)
    session.commit()
    first = greeting_heard(client, 1)
    helpline.greeting = "Bienvenue sur la nouvelle permanence."
    session.commit()
    assert first != helpline.greeting
    assert greeting_heard(client, 2) == "Bienvenue sur la nouvelle permanence."


def test_a_change_made_by_another_worker_is_heard_once_the_copy_expires(
    session: Session,
) -> None:
    helpline = the_helpline(session)
    session.commit()
    ticks = Ticks()
    cache = HelplineCache(monotonic=ticks)
    before = cache.reached_by(session, HOTLINE_NUMBER, HOTLINE_NUMBER)
    # Another process's write: no session of this one sees it.
    session.execute(
        update(Helpline).where(Helpline.id == helpline.id).values(greeting="Nouveau texte.")
    )
    ticks.now += HELPLINE_TTL_S / 2
    assert cache.reached_by(session, HOTLINE_NUMBER, HOTLINE_NUMBER) == before
    ticks.now += HELPLINE_TTL_S
    assert cache.reached_by(session, HOTLINE_NUMBER, HOTLINE_NUMBER).greeting == "Nouveau texte."
