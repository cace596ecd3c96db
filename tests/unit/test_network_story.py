"""The network's lines in the request's story: one line a step, in French, with who, and never
the patient's identity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from callbacks import story as callbacks_story
from callbacks.network import story as network_story
from hotline.story import Facts, FrenchWords, Step, tell
from interpreter_pool import story as interpreting_story
from routing import story as routing_story

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Paris
TELLERS = (
    routing_story.tell,
    interpreting_story.tell,
    callbacks_story.tell,
    network_story.tell,
)
WORDS = FrenchWords("Europe/Paris")


def step(number: int, kind: str, detail: dict[str, Any]) -> Step:
    return Step(number, T0 + timedelta(minutes=number), kind, detail)


NETWORK_STEPS = (
    step(1, "consent_recorded", {"given": True, "on": "2026-11-30", "by": 7}),
    step(
        2,
        "orientation_recorded",
        {
            "orientation": 1,
            "partner": "Dr Karim Benali",
            "profession_label": "Médecin généraliste",
            "commune": "Toulouse",
            "appointment_at": "2026-12-04T09:00:00+00:00",
            "nurse": "Amélie Roux",
        },
    ),
    step(
        3,
        "orientation_recorded",
        {
            "orientation": 2,
            "service": "pass",
            "service_label": "PASS",
            "nurse": "Amélie Roux",
        },
    ),
    step(
        4,
        "appointment_follow_up_recorded",
        {
            "follow_up": 1,
            "result": "not_honoured",
            "nurse": "Amélie Roux",
        },
    ),
    step(
        5,
        "put_on_agenda",
        {
            "meeting_id": 3,
            "meeting_at": "2026-12-03T13:00:00+00:00",
            "by": 7,
        },
    ),
    step(
        6,
        "meeting_decision",
        {
            "meeting_id": 3,
            "meeting_at": "2026-12-03T13:00:00+00:00",
            "follow_up_on": "2026-12-15",
            "by": 8,
        },
    ),
    step(7, "consent_recorded", {"given": False, "on": "2026-11-30"}),
)


def test_the_network_s_steps_are_told_one_line_each_with_who() -> None:
    facts = Facts(NETWORK_STEPS, people={7: "Amélie Roux", 8: "Claire Coord"})
    lines = [line.text for line in tell(facts, TELLERS, WORDS)]
    assert lines == [
        "Consentement du patient donné le 30/11/2026 (Amélie Roux)",
        "Orientation vers Dr Karim Benali (médecin généraliste, Toulouse) — rendez-vous le "
        "4 décembre à 10 h (Amélie Roux)",
        "Orientation vers PASS (Amélie Roux)",
        "Rendez-vous non honoré (Amélie Roux)",
        "Situation mise à l'ordre du jour de la réunion du 3 décembre à 14 h (Amélie Roux)",
        "Décision de la réunion du 3 décembre à 14 h — suivi le 15/12/2026 (Claire Coord)",
        "Consentement du patient refusé le 30/11/2026",
    ]


def test_old_events_without_the_new_details_are_still_told_in_french() -> None:
    facts = Facts(
        (
            step(1, "orientation_recorded", {"orientation": 1, "partner": "Dr Karim Benali"}),
            step(2, "put_on_agenda", {"meeting_id": 3}),
            step(3, "meeting_decision", {"meeting_id": 3, "follow_up_on": None}),
        )
    )
    assert [line.text for line in tell(facts, TELLERS, WORDS)] == [
        "Orientation vers Dr Karim Benali",
        "Situation mise à l'ordre du jour d'une réunion de concertation",
        "Décision de la réunion de concertation",
    ]


def test_no_patient_identity_reaches_the_story() -> None:
    """What a detail might carry beside what the lines need (a summary, a decision, a note) is
    never told."""
    secret = "Mme Fatima Diallo née le 12/03/1985"
    leaky = tuple(
        Step(s.id, s.at, s.kind, {**s.detail, "summary": secret, "decision": secret,
                                  "note": secret, "given_to": secret})
        for s in NETWORK_STEPS
    )  # fmt: skip
    lines = tell(Facts(leaky), TELLERS, WORDS)
    assert len(lines) == len(NETWORK_STEPS)
    assert not any("Diallo" in line.text or "1985" in line.text for line in lines)
