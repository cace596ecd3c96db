"""The directory's rules on what is typed: a commune's INSEE code, an RPPS."""

from __future__ import annotations

import pytest

from hotline.directory import check_commune, check_rpps, clean_insee
from hotline.refusals import Refusal


@pytest.mark.parametrize("code", ["31555", "75056", "97411", "2A004", "2b033", " 2A 004 "])
def test_an_insee_code_of_five_digits_or_corsica_is_kept(code: str) -> None:
    check_commune("Commune", code)


@pytest.mark.parametrize("code", ["3155", "315555", "2C004", "2A04", "AB123", "31 55x"])
def test_an_insee_code_that_is_not_one_is_refused(code: str) -> None:
    with pytest.raises(Refusal, match="5 caractères"):
        check_commune("Commune", code)


def test_an_insee_code_needs_the_commune_name_but_a_commune_alone_is_enough() -> None:
    with pytest.raises(Refusal, match="nom de la commune"):
        check_commune("  ", "31555")
    check_commune("Toulouse", "")
    check_commune(None, None)


def test_corsica_codes_are_stored_in_capitals_without_spaces() -> None:
    assert clean_insee(" 2a 004") == "2A004"
    assert clean_insee("") is None


@pytest.mark.parametrize(
    ("rpps", "kept"),
    [
        ("10001234567", True),
        ("", True),
        ("1000123456", False),
        ("1000123456a", False),
        ("100012345678", False),
    ],
)
def test_an_rpps_is_eleven_digits_or_nothing(rpps: str, kept: bool) -> None:
    if kept:
        check_rpps(rpps)
    else:
        with pytest.raises(Refusal, match="11 chiffres"):
            check_rpps(rpps)
