"""The call story as a person tells it: one line per meaningful step, who and how long, the same
whatever order the events come in and however often Twilio repeats them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from callbacks import story as callbacks_story
from hotline.story import Facts, FrenchWords, Leg, Step, duration, french_moment, tell
from interpreter_pool import story as interpreting_story
from routing import story as routing_story

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris
TELLERS = (routing_story.tell, interpreting_story.tell, callbacks_story.tell)
WORDS = FrenchWords("Europe/Paris")
GP = "CA" + "1" * 32
# Events logged without a dedupe key (a nurse's actions): a repeat is alike, moments later.
KEYLESS = frozenset({"request_logged", "gp_on_hold", "gp_resumed", "follow_up_recorded"})


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def steps(*rows: tuple[Any, ...]) -> tuple[Step, ...]:
    """Steps from (seconds after T0, kind[, detail[, call SID]]) rows, on the GP's call."""
    found = []
    for number, row in enumerate(rows, start=1):
        detail: dict[str, Any] = row[2] if len(row) > 2 else {}
        sid = row[3] if len(row) > 3 else GP
        key = None if row[1] in KEYLESS else f"{row[1]}:{number}"
        found.append(Step(number, at(row[0]), row[1], detail, sid, key))
    return tuple(found)


# A GP asks for an Arabic interpreter: three are rung, one answers after 38 s; the nurse is added,
# two nurses are rung, Amélie Roux answers after 12 s and transfers to Paul Girard; the GP hangs
# up after 6 min 12 s, and a follow-up is promised; the conference's own steps are technical.
INTERPRETER_CALL = steps(
    (0, "received", {"caller_known": True, "caller_withheld": False}),
    (8, "menu_choice", {"choice": "interpreter"}),
    (12, "language_chosen", {"language": "ar", "by": "keypad"}),
    (12, "interpreter_requested", {"language": "ar", "by": "gp", "session_id": 4}),
    (12, "interpreter_ringing", {"session_id": 4, "step": 0, "interpreter": "Karim Haddad"}),
    (12, "interpreter_ringing", {"session_id": 4, "step": 0, "interpreter": "Leïla Nasser"}),
    (12, "interpreter_ringing", {"session_id": 4, "step": 0, "interpreter": "Omar Saïd"}),
    (13, "conference_start", {"label": "gp"}),
    (13, "participant_join", {"label": "gp"}),
    (
        50,
        "interpreter_connected",
        {"session_id": 4, "interpreter": "Leïla Nasser", "time_to_connect_s": 38},
    ),
    (50, "participant_join", {"label": "interpreter-4"}),
    (60, "nurse_ringing", {"step": 0, "user_id": 1, "nurse": "Amélie Roux"}),
    (60, "nurse_ringing", {"step": 0, "user_id": 2, "nurse": "Paul Girard"}),
    (72, "nurse_answered", {"step": 0, "user_id": 1, "nurse": "Amélie Roux"}),
    (72, "nurse_leg_ended", {"status": "canceled", "duration_s": 0}),
    (200, "gp_on_hold", {"user_id": 1}),
    (210, "gp_resumed", {"user_id": 1}),
    (250, "transfer_requested", {"from": 1, "to": 2, "nurse": "Paul Girard"}),
    (250, "nurse_ringing", {"step": 0, "user_id": 2, "nurse": "Paul Girard"}),
    (262, "transfer_done", {"from": 1, "to": 2}),
    (300, "interpreter_left", {"session_id": 4}),
    (372, "gp_leg_ended", {"status": "completed", "duration_s": 372}),
    (372, "conference_end", {}),
    (
        380,
        "callback_created",
        {"reason": "follow_up", "due_at": "2026-12-03T08:00:00+00:00", "callback_id": 9},
    ),
    (380, "request_logged", {"category": "interpreting", "outcome": "follow_up", "by": 2}),
    (381, "request_logged", {"category": "interpreting", "outcome": "follow_up", "by": 2}),
    (382, "charge_posted", {"session_id": 4, "amount": "12.00"}),
)
FACTS = Facts(
    steps=INTERPRETER_CALL,
    legs=(Leg(GP, "gp", "completed", at(0), at(372), 372),),
    caller="Dr Claire Martin",
    caller_number="+33612345678",
    people={1: "Amélie Roux", 2: "Paul Girard"},
)
TOLD = [
    "Appel reçu de Dr Claire Martin",
    "Choix au menu : interprète (arabe)",
    "3 interprètes sollicités, 1 a répondu",
    "Interprète en arabe en ligne après 38 s (Leïla Nasser)",
    "2 infirmières sollicitées, 1 a répondu",
    "Amélie Roux a répondu après 12 s",
    "Médecin mis en attente par Amélie Roux",
    "Médecin repris en ligne",
    "Transfert à Paul Girard",
    "Paul Girard a pris l'appel",
    "L'interprète a quitté l'appel après 4 min 10 s en ligne",
    "Le médecin a raccroché — appel de 6 min 12 s",
    "Suivi programmé : rappel le 3 décembre à 9 h",
    "Fiche enregistrée par Paul Girard",
]


def story(facts: Facts) -> list[str]:
    return [line.text for line in tell(facts, TELLERS, WORDS)]


def test_a_call_is_told_one_line_a_meaningful_step_with_who_and_how_long() -> None:
    assert story(FACTS) == TOLD


def test_no_line_shows_a_raw_key_or_an_english_role() -> None:
    for text in story(FACTS):
        assert "_" not in text and "(gp)" not in text and "gp" not in text.split()


def shuffled_and_repeated(seed: int) -> Facts:
    """Twilio's way: some callbacks twice (new ids, a moment later, the same key), all in any
    order; a repeated step without a key (a double click) is alike and moments after the first."""
    chance = random.Random(seed)
    repeated = [
        Step(
            step.id + 1000,
            step.at + timedelta(seconds=chance.choice((0, 1, 3, 8))),
            step.kind,
            step.detail,
            step.call_sid,
            step.key,
        )
        for step in INTERPRETER_CALL
        if chance.random() < 0.5
    ]
    every = [*INTERPRETER_CALL, *repeated]
    chance.shuffle(every)
    return Facts(tuple(every), FACTS.legs, (), FACTS.caller, FACTS.caller_number, FACTS.people)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_repeated_and_reordered_events_tell_the_same_story(seed: int) -> None:
    assert story(shuffled_and_repeated(seed)) == TOLD


def test_the_lines_are_in_the_order_of_time_and_each_comes_from_a_step() -> None:
    lines = tell(FACTS, TELLERS, WORDS)
    assert [line.at for line in lines] == sorted(line.at for line in lines)
    known = {step.id for step in INTERPRETER_CALL}
    assert all(line.told and line.told <= known for line in lines)


def test_nurses_rung_in_vain_are_summed_up_and_the_voicemail_said() -> None:
    facts = Facts(
        steps(
            (0, "received", {"caller_withheld": True}),
            (5, "menu_choice", {"choice": "nurse"}),
            (6, "nurse_ringing", {"step": 0, "user_id": 1, "nurse": "Amélie Roux"}),
            (6, "nurse_ringing", {"step": 0, "user_id": 2, "nurse": "Paul Girard"}),
            (26, "nurse_step_deadline", {"step": 0}),
            (26, "nurse_no_answer", {"step": 0}),
            (27, "nurse_ringing", {"step": 1, "user_id": 3, "nurse": "Zoé Petit"}),
            (47, "nurse_no_answer", {"step": 1}),
            (47, "nurse_voicemail"),
            (60, "voicemail_left", {"recording_sid": "RE1", "duration_s": 45, "callback_id": 3}),
            (
                60,
                "callback_created",
                {"reason": "voicemail", "due_at": "2026-12-01T13:20:00+00:00", "callback_id": 3},
            ),
            (62, "gp_leg_ended", {"status": "completed", "duration_s": 62}),
        )
    )
    assert story(facts) == [
        "Appel reçu d'un numéro masqué",
        "Choix au menu : infirmière",
        "3 infirmières sollicitées, aucune n'a répondu",
        "Aucune réponse : le médecin est orienté vers la messagerie",
        "Message vocal laissé (45 s)",
        "Rappel programmé pour le 1 décembre à 14 h 20",
        "Le médecin a raccroché — appel de 1 min 2 s",
    ]


def test_each_callback_attempt_is_one_line_with_who_and_how_it_ended() -> None:
    retry_at = "2026-12-03T08:15:00+00:00"
    facts = Facts(
        steps(
            (0, "callback_started", {"callback_id": 9, "attempt": 1, "nurse": "Amélie Roux"}),
            (5, "callback_dialling", {"callback_id": 9, "attempt": 1}),
            (30, "callback_machine", {"callback_id": 9, "attempt": 1}),
            (
                30,
                "callback_retry",
                {"callback_id": 9, "attempt": 1, "why": "machine", "next_attempt_at": retry_at},
            ),
            (900, "callback_started", {"callback_id": 9, "attempt": 2, "nurse": "Amélie Roux"}),
            (905, "callback_dialling", {"callback_id": 9, "attempt": 2}),
            (31, "gp_leg_ended", {"status": "no-answer", "duration_s": 0}),
            (1200, "gp_leg_ended", {"status": "completed", "duration_s": 290}, "CA-back"),
            (
                1200,
                "callback_reached",
                {"callback_id": 9, "attempt": 2, "duration_s": 290},
                "CA-back",
            ),
            (1300, "follow_up_recorded", {"callback_id": 9, "outcome": "improved", "by": 1}),
        ),
        people={1: "Amélie Roux"},
    )
    assert story(facts) == [
        "Rappel n° 1 par Amélie Roux : messagerie du professionnel"
        " — nouvel essai le 3 décembre à 9 h 15",
        "Rappel n° 2 par Amélie Roux : médecin joint, appel de 4 min 50 s",
        "Issue du suivi : situation améliorée (Amélie Roux)",
    ]


def test_a_menu_invalid_key_pressed_twice_is_one_line() -> None:
    facts = Facts(
        steps((0, "received"), (5, "menu_invalid_choice"), (9, "menu_invalid_choice")),
    )
    assert story(facts) == ["Appel reçu d'un appelant inconnu", "2 touches non valides au menu"]


def test_durations_and_moments_read_as_people_say_them() -> None:
    assert [duration(s) for s in (0, 38, 60, 372, 3900)] == [
        "0 s",
        "38 s",
        "1 min",
        "6 min 12 s",
        "1 h 05 min",
    ]
    assert french_moment(datetime(2026, 12, 3, 8, 0, tzinfo=UTC), "Europe/Paris") == (
        "3 décembre à 9 h"
    )
    assert french_moment(datetime(2026, 7, 3, 12, 20, tzinfo=UTC), "Europe/Paris") == (
        "3 juillet à 14 h 20"
    )
