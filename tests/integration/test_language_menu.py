"""The keypad language menu keeps its digits between scheduled recomputations."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hotline.db import Database
from interpreter_pool.admin import add_interpreter, set_dispatch
from interpreter_pool.menu import language_menu, recompute_due_menus
from tests.conftest import Clock, call_sid, post_signed, voice_form
from tests.factories import the_helpline

GP_SID = call_sid(4242)


def menu_heard(client: FlaskClient) -> str:
    """What the GP hears in the keypad menu of languages."""
    post_signed(client, "/twilio/voice/incoming", voice_form(GP_SID))
    answer = post_signed(client, "/twilio/interpreting/language", voice_form(GP_SID))
    assert answer.status_code == 200
    return " ".join(say.text or "" for say in ET.fromstring(answer.data).iter("Say"))


def test_adding_an_interpreter_does_not_change_the_keypad_digits_before_the_next_recomputation(
    client: FlaskClient, session: Session, connection: Connection, clock: Clock
) -> None:
    add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    add_interpreter(session, "Jean Pierre", "+33610000002", ["ht"])
    add_interpreter(session, "Ahmad Karimi", "+33610000003", ["prs"])
    session.flush()
    before = menu_heard(client)
    assert "Pour le créole haïtien, tapez 2." in before

    # A Bambara interpreter joins: by name he would come before the Creole.
    add_interpreter(session, "Awa Traoré", "+33610000004", ["bm"])
    session.flush()
    assert menu_heard(client) == before
    helpline = the_helpline(session)
    assert language_menu(session, helpline, clock()) == [("1", "ar"), ("2", "ht"), ("3", "prs")]
    clock.at += timedelta(days=29)
    assert recompute_due_menus(Database(connection), clock) == 0  # not due yet (30 days)
    assert menu_heard(client) == before

    clock.at += timedelta(days=1)
    assert recompute_due_menus(Database(connection), clock) == 1
    session.expire_all()
    assert language_menu(session, helpline, clock()) == [
        ("1", "ar"), ("2", "bm"), ("3", "ht"), ("4", "prs"),
    ]  # fmt: skip


def test_pinned_languages_keep_their_digits_and_changing_them_recomputes_the_menu(
    client: FlaskClient, session: Session, clock: Clock
) -> None:
    for n, code in enumerate(["ar", "ht", "prs", "ti"]):
        add_interpreter(session, f"Interprète {n}", f"+3361000001{n}", [code])
    helpline = the_helpline(session)
    set_dispatch(session, helpline.id, pinned="ti,prs")
    assert language_menu(session, helpline, clock())[:2] == [("1", "ti"), ("2", "prs")]
    add_interpreter(session, "Awa Traoré", "+33610000020", ["bm"])
    assert language_menu(session, helpline, clock())[:2] == [("1", "ti"), ("2", "prs")]
    set_dispatch(session, helpline.id, pinned="ht")
    assert language_menu(session, helpline, clock())[0] == ("1", "ht")


def test_a_language_left_without_interpreter_keeps_its_digit_and_the_gp_is_told(
    client: FlaskClient, session: Session, clock: Clock
) -> None:
    add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    creole = add_interpreter(session, "Jean Pierre", "+33610000002", ["ht"])
    session.flush()
    assert "Pour le créole haïtien, tapez 2." in menu_heard(client)
    creole.is_active = False
    session.flush()
    assert "Pour le créole haïtien, tapez 2." in menu_heard(client)

    chosen = post_signed(
        client,
        "/twilio/interpreting/language-choice?attempt=1",
        voice_form(GP_SID, Digits="2"),
    )
    said = " ".join(s.text or "" for s in ET.fromstring(chosen.data).iter("Say"))
    assert said.startswith("Nous n'avons pas d'interprète en créole haïtien disponible.")


def test_a_spoken_language_the_pool_lacks_is_said_to_the_gp_before_the_nurse(
    client: FlaskClient, session: Session
) -> None:
    add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    session.flush()
    menu_heard(client)
    answer = post_signed(
        client,
        "/twilio/interpreting/speech?attempt=1",
        voice_form(GP_SID, SpeechResult="wolof", Confidence="0.9"),
    )
    said = " ".join(s.text or "" for s in ET.fromstring(answer.data).iter("Say"))
    assert said.startswith("Nous n'avons pas d'interprète en wolof disponible.")
