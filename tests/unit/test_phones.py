"""Caller numbers as Twilio and people write them."""

from __future__ import annotations

import pytest

from hotline.phones import format_for_display, mask_for_log, normalise_caller, normalise_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("05 61 77 22 33", "+33561772233"),
        ("+32 470 12 34 56", "+32470123456"),
        ("+262 692 12 34 56", "+262692123456"),
    ],
)
def test_french_and_international_formats_become_e164(raw: str, expected: str) -> None:
    assert normalise_number(raw) == expected
    assert normalise_caller(raw).e164 == expected


@pytest.mark.parametrize(
    "raw", ["", "anonymous", "Anonymous", "private", "restricted", "unknown", "+266696687", None]
)
def test_withheld_numbers_are_recognised(raw: str | None) -> None:
    caller = normalise_caller(raw)
    assert caller.is_withheld
    assert caller.e164 is None


def test_a_browser_caller_is_not_taken_for_a_withheld_number() -> None:
    caller = normalise_caller("client:nurse_7")
    assert caller.client_identity == "nurse_7"
    assert not caller.is_withheld


@pytest.mark.parametrize("raw", ["12", "06 12", "abc", "+33 6 12"])
def test_a_number_that_is_not_one_is_refused_with_a_clear_message(raw: str) -> None:
    with pytest.raises(ValueError, match="telephone number"):
        normalise_number(raw)


def test_french_numbers_display_in_national_format_and_others_internationally() -> None:
    assert format_for_display("+33612345678") == "06 12 34 56 78"
    assert format_for_display("+32470123456") == "+32 470 12 34 56"
    assert format_for_display(None) == "numéro masqué"


def test_logs_keep_only_the_last_two_digits() -> None:
    masked = mask_for_log("+33612345678")
    assert masked.endswith("78")
    assert "12345" not in masked
