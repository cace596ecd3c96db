"""The typed-language resolver: names in French or English, the product's aliases, codes."""

from __future__ import annotations

import pytest

from interpreter_pool.language_names import (
    UnknownLanguage,
    choices,
    labelled,
    resolve_language,
    resolve_languages,
)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("bambara", "bm"),
        ("Bambara", "bm"),
        ("  BAMBARA ", "bm"),
        ("tigrigna", "ti"),
        ("Tigrinya", "ti"),
        ("dari", "prs"),
        ("arabe", "ar"),
        ("Arabic", "ar"),
        ("arabe soudanais", "ar"),
        ("créole haïtien", "ht"),
        ("creole haitien", "ht"),
        ("peulh", "ff"),
        ("soninké", "snk"),
        ("bm", "bm"),
        ("prs", "prs"),
        ("AR_sd", "ar"),
        ("fa-AF", "prs"),
        ("arabe (ar)", "ar"),
        ("Bambara (bm)", "bm"),
    ],
)
def test_a_typed_name_alias_or_code_gives_the_base_code(typed: str, code: str) -> None:
    assert resolve_language(typed) == code


def test_an_unknown_word_is_named_with_the_closest_languages() -> None:
    with pytest.raises(UnknownLanguage) as raised:
        resolve_language("bambaro")
    assert raised.value.word == "bambaro"
    assert raised.value.suggestions[0] == "bambara (bm)"


def test_a_word_close_to_nothing_has_no_suggestion() -> None:
    with pytest.raises(UnknownLanguage) as raised:
        resolve_language("zz9")
    assert raised.value.suggestions == ()


def test_a_list_keeps_its_order_once_each_and_reads_back_with_codes() -> None:
    codes = resolve_languages("bambara, Tigrinya; bm, dari")
    assert codes == ["bm", "ti", "prs"]
    shown = labelled(codes, "fr")
    assert shown == "bambara (bm), tigrigna (ti), dari (prs)"
    assert resolve_languages(shown) == codes
    assert labelled(codes, "en") == "Bambara (bm), Tigrinya (ti), Dari (prs)"


def test_the_choices_carry_the_code_beside_the_name() -> None:
    labels = [choice.label for choice in choices("fr")]
    assert "bambara (bm)" in labels and "dari (prs)" in labels
