"""New passwords: long enough, not commonly used, not holding the name or address of the person."""

from __future__ import annotations

import pytest

from hotline.passwords import COMMON, PERSONAL, check_password, dummy_hash, password_problem


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "aaaaaaaaaaaa",
        "123456789012",
        "azertyuiop123",
        "qwertyuiop!!",
        "ababababababab",
        "iloveyou2026!",
    ],
)
def test_a_commonly_used_password_is_refused(password: str) -> None:
    problem = password_problem(password)
    assert problem is not None and problem.msgid == COMMON


@pytest.mark.parametrize(
    ("password", "name", "email"),
    [
        ("amelie.roux@demo.e-care.fr", "Amélie Roux", "amelie.roux@demo.e-care.fr"),
        ("Roux-du-matin-7", "Amélie Roux", "a.r@demo.e-care.fr"),
        ("mon-compte-AMELIE", "Amélie Roux", "amelie.roux@demo.e-care.fr"),
        ("garde-de-nuit-jdupont", "J. D.", "jdupont@example.org"),
    ],
)
def test_a_password_holding_the_name_or_the_address_is_refused(
    password: str, name: str, email: str
) -> None:
    problem = password_problem(password, name=name, email=email)
    assert problem is not None and problem.msgid == PERSONAL


def test_a_long_uncommon_password_unrelated_to_the_person_is_accepted() -> None:
    assert password_problem("correct horse battery") is None
    assert password_problem("trois-pommes-vertes", name="Amélie Roux", email="a.roux@x.fr") is None
    # Parts of names shorter than three letters do not count ("Li", "de").
    assert password_problem("grande-lune-bleue", name="Li de Bo", email="li@x.fr") is None


def test_the_old_rules_hold() -> None:
    assert password_problem("court") is not None
    assert password_problem(" espace-devant-x") is not None


def test_the_dummy_hash_matches_nothing_and_is_made_once() -> None:
    assert dummy_hash() is dummy_hash()
    assert not check_password("", dummy_hash())
    assert not check_password("correct horse battery", dummy_hash())
