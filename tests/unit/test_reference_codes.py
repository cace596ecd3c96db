"""The kinds of reference lists, their defaults and the rules of a code (pure)."""

from __future__ import annotations

import pytest

from hotline.models import Request
from hotline.reference_codes import (
    DEFAULTS,
    KINDS,
    MAX_CODE,
    NO_INTERPRETER,
    CodeRefusal,
    checked_code,
    code_for,
    kind_of,
)
from hotline.refusals import Refusal

# What the console offered before the lists were per helpline: requests already hold these codes.
FORMER_CATEGORIES = {
    "interpreting",
    "complex_situation",
    "access_to_rights",
    "orientation",
    "other",
}
FORMER_OUTCOMES = {"resolved", "oriented", "interpreter_provided", "follow_up", "no_interpreter",
                   "other"}  # fmt: skip


def test_every_kind_has_defaults_with_valid_unique_codes_and_a_request_column() -> None:
    assert set(DEFAULTS) == set(KINDS)
    for key, defaults in DEFAULTS.items():
        codes = [code for code, _label in defaults]
        assert len(codes) == len(set(codes)), key
        assert all(checked_code(code) == code for code in codes)
        assert all(label.strip() for _code, label in defaults)
        assert hasattr(Request, KINDS[key].field)


def test_the_defaults_keep_the_codes_requests_already_hold_and_the_one_dispatch_writes() -> None:
    assert {code for code, _label in DEFAULTS["category"]} >= FORMER_CATEGORIES
    assert {code for code, _label in DEFAULTS["outcome"]} >= FORMER_OUTCOMES
    assert NO_INTERPRETER in {code for code, _label in DEFAULTS["outcome"]}


def test_the_orientations_and_patient_facts_the_reports_need_are_there() -> None:
    orientations = {code for code, _label in DEFAULTS["orientation"]}
    assert {"gp", "pass", "rights", "cmp", "hospital", "network_partner"} <= orientations
    assert {"ame", "css", "none"} <= {code for code, _label in DEFAULTS["coverage"]}
    assert [key for key, kind in KINDS.items() if kind.is_patient_fact] == [
        "age_band", "sex", "coverage", "housing"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("CMP Nord", "cmp_nord"),
        ("Équipe mobile psychiatrie-précarité", "equipe_mobile_psychiatrie_precar"),
        ("  PASS dentaire (CHU) ", "pass_dentaire_chu"),
        ("Centre d'hébergement", "centre_d_hebergement"),
        ("« ? »", ""),
    ],
)
def test_a_code_is_made_from_a_label(label: str, code: str) -> None:
    assert code_for(label) == code
    assert len(code) <= MAX_CODE


@pytest.mark.parametrize("code", ["", "PASS", "cmp-nord", "é", "_x", "a b", "x" * (MAX_CODE + 1)])
def test_a_code_other_than_lower_case_ascii_digits_and_underscores_is_refused(code: str) -> None:
    with pytest.raises(CodeRefusal, match="refusé"):
        checked_code(code)


def test_an_unknown_kind_is_refused() -> None:
    assert kind_of("orientation").field == "orientation"
    with pytest.raises(Refusal, match="Liste inconnue : colour"):
        kind_of("colour")
