"""The dispatch plan: who rings, together or in turn, then the agency, within the budget."""

from __future__ import annotations

import pytest

from interpreter_pool.dispatch import (
    Candidate,
    access_code_problem,
    build_dispatch_plan,
    is_send_digits,
    send_digits_for,
    step_timeout,
)

SAMIRA = Candidate(1, "individual", "Samira", "+33610000001", priority=10)
YOUSSEF = Candidate(2, "individual", "Youssef", "+33610000002", priority=20)
LEILA = Candidate(3, "individual", "Leïla", "+33610000003", priority=5)
AGENCY = Candidate(9, "agency", "Agence", "+33140000000", 100, "1234", "11")


def addresses(plan: list[list[dict[str, object]]]) -> list[list[object]]:
    return [[t["address"] for t in step] for step in plan]


def test_all_at_once_rings_every_individual_together_for_the_agency_delay_then_the_agency() -> None:
    plan = build_dispatch_plan([AGENCY, YOUSSEF, SAMIRA, LEILA], "all", 25, 30)
    assert addresses(plan) == [
        ["+33610000003", "+33610000001", "+33610000002"],
        ["+33140000000"],
    ]
    assert {t["timeout_s"] for t in plan[0]} == {30}
    assert plan[1][0]["timeout_s"] == 50
    assert plan[1][0]["send_digits"] == "wwww1234#wwww11#"
    assert plan[0][0]["send_digits"] is None


def test_without_an_agency_the_individuals_ring_for_the_ring_timeout() -> None:
    plan = build_dispatch_plan([SAMIRA, YOUSSEF], "all", 25, 30)
    assert [t["timeout_s"] for t in plan[0]] == [25, 25]


def test_priority_order_rings_one_by_one_lowest_priority_first_ties_by_id() -> None:
    twin = Candidate(0, "individual", "Twin", "+33610000009", priority=10)
    plan = build_dispatch_plan([YOUSSEF, SAMIRA, twin, AGENCY], "priority", 20, 30)
    assert addresses(plan) == [
        ["+33610000009"],
        ["+33610000001"],
        ["+33610000002"],
        ["+33140000000"],
    ]


def test_nobody_available_gives_an_empty_plan_and_a_bad_strategy_is_refused() -> None:
    assert build_dispatch_plan([], "all", 25, 30) == []
    with pytest.raises(ValueError, match="strategy"):
        build_dispatch_plan([SAMIRA], "random", 25, 30)


@pytest.mark.parametrize(
    ("planned", "remaining", "expected"),
    [(30, 120, 30), (50, 35.5, 35), (30, 12, 12), (30, 9.9, None), (5, 100, 10)],
)
def test_a_step_never_rings_past_the_budget(
    planned: int, remaining: float, expected: int | None
) -> None:
    assert step_timeout(planned, remaining) == expected


def test_agency_digits_wait_for_the_menu_before_each_code() -> None:
    assert send_digits_for("1234", "11") == "wwww1234#wwww11#"
    assert send_digits_for(None, "11") == "wwww11#"
    assert send_digits_for(None, None) is None


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("1234#", True),
        ("W1234#", True),  # the spec's own example
        ("wwww1234#wwww11#", True),
        ("*9A#BCDw", True),
        ("1" * 32, True),
        ("1" * 33, False),  # at most 32 characters
        ("12 34", False),
        ("1234E", False),
        ("abcd", False),  # A-D only in capitals; w is the pause
        ("", False),
    ],
)
def test_send_digits_follow_twilio_s_syntax(digits: str, valid: bool) -> None:
    assert is_send_digits(digits) is valid


def test_an_access_code_is_refused_when_twilio_could_not_key_it() -> None:
    assert access_code_problem("1234", ["11", "12"]) is None
    assert access_code_problem("W1234", []) is None
    assert access_code_problem(None, ["11"]) is None
    assert access_code_problem("12-34", ["11"]) == "characters"
    assert access_code_problem("1234", ["1x"]) == "characters"
    # wwww + 21 digits + # + wwww + 11 + # = 33 characters once the language code follows
    assert access_code_problem("1" * 21, []) is None
    assert access_code_problem("1" * 21, ["11"]) == "length"
