"""A FINESS number is 9 characters, starts with a département and ends with its Luhn key; what
is not one is refused with the reason a person can act on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.finess import NOT_A_DEPARTEMENT, NOT_NINE, WRONG_KEY, clean_finess, luhn_ok
from hotline.refusals import Refusal

# Published numbers: the FINESS extraction's pair quoted on https://www.npmjs.com/package/finess
# (an establishment 010003820 and its legal entity 010003812), the AP-HP (750712184), the
# Hôpital européen Georges-Pompidou (750803447), the CHU de Toulouse (310781406), the CH
# d'Ajaccio (2A0000014) and of Bastia (2B0000020), the CHU de La Réunion (970421038).
REAL = [
    "010003820",
    "010003812",
    "750712184",
    "750803447",
    "310781406",
    "2A0000014",
    "2B0000020",
    "970421038",
]


@pytest.mark.parametrize("finess", REAL)
def test_a_real_finess_number_is_kept_as_it_is(finess: str) -> None:
    assert clean_finess(finess) == finess


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("31 078 140 6", "310781406"),
        ("2a 000 001 4", "2A0000014"),
        ("75-071-218-4", "750712184"),
        (" 010.003.820 ", "010003820"),
    ],
)
def test_spaces_dots_and_hyphens_are_dropped_and_corsica_is_in_capitals(
    typed: str, stored: str
) -> None:
    assert clean_finess(typed) == stored


@pytest.mark.parametrize("typed", [None, "", "   "])
def test_nothing_typed_is_no_finess_number(typed: str | None) -> None:
    assert clean_finess(typed) is None


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("31078140", NOT_NINE),  # 8 characters
        ("3107814060", NOT_NINE),  # 10
        ("31078140X", NOT_NINE),  # a letter at the end
        ("2C0000014", NOT_NINE),  # Corsica is 2A or 2B
        ("A20000014", NOT_NINE),
        ("000000000", NOT_A_DEPARTEMENT),
        ("200000007", NOT_A_DEPARTEMENT),  # 20 is written 2A or 2B
        ("960000004", NOT_A_DEPARTEMENT),
        ("990000000", NOT_A_DEPARTEMENT),
        ("310781223", WRONG_KEY),
        ("310781407", WRONG_KEY),  # the CHU de Toulouse's, its key mistyped
        ("750712148", WRONG_KEY),  # the AP-HP's, two digits swapped
        ("2B0000014", WRONG_KEY),  # Ajaccio's digits under Bastia's letter
    ],
)
def test_what_is_not_a_finess_number_is_refused_with_its_reason(typed: str, reason: str) -> None:
    with pytest.raises(Refusal) as refused:
        clean_finess(typed)
    assert refused.value.msgid == reason


def test_the_refusal_of_a_wrong_key_names_the_number_typed() -> None:
    with pytest.raises(Refusal, match="« 310781223 »"):
        clean_finess("310 781 223")


@given(
    st.sampled_from([f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "97", "98"]),
    st.text("0123456789", min_size=6, max_size=6),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=1, max_value=9),
)
def test_a_number_with_its_key_is_kept_and_any_one_digit_changed_is_refused(
    departement: str, serial: str, position: int, shift: int
) -> None:
    body = departement + serial
    digits = {"2A": "21", "2B": "22"}.get(departement, departement) + serial
    key = next(str(k) for k in range(10) if luhn_ok(digits + str(k)))
    finess = body + key
    assert clean_finess(finess) == finess
    if position < 2 or not finess[position].isdigit():
        return  # the département is refused for its own reason; a letter is not shifted
    changed = finess[:position] + str((int(finess[position]) + shift) % 10) + finess[position + 1 :]
    with pytest.raises(Refusal) as refused:
        clean_finess(changed)
    assert refused.value.msgid == WRONG_KEY
