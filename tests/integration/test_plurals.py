"""Counted texts take the form their number calls for, in French and in English."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string

from hotline.i18n import current_locale, lazy_gettext, lazy_ngettext
from interpreter_pool.console import interpreters_called


@pytest.mark.parametrize(
    ("lang", "language", "n", "expected"),
    [
        ("fr", "arabe", 1, "Recherche d'un interprète en arabe : 1 interprète appelé."),
        ("fr", "arabe", 3, "Recherche d'un interprète en arabe : 3 interprètes appelés."),
        ("en", "Arabic", 1, "Looking for an interpreter in Arabic: 1 interpreter called."),
        ("en", "Arabic", 3, "Looking for an interpreter in Arabic: 3 interpreters called."),
    ],
)
def test_the_request_page_counts_the_interpreters_called_in_the_singular_and_the_plural(
    app: Flask, lang: str, language: str, n: int, expected: str
) -> None:
    with app.test_request_context(f"/console/requests/1?lang={lang}"):
        assert current_locale() == lang
        assert interpreters_called(language, n) == expected


def test_french_puts_no_interpreter_called_in_the_singular_and_english_in_the_plural(
    app: Flask,
) -> None:
    with app.test_request_context("/?lang=fr"):
        assert interpreters_called("arabe", 0).endswith(": 0 interprète appelé.")
    with app.test_request_context("/?lang=en"):
        assert interpreters_called("Arabic", 0).endswith(": 0 interpreters called.")


@pytest.mark.parametrize(
    ("lang", "attempts", "expected"),
    [("fr", 1, "1 essai"), ("fr", 3, "3 essais"), ("en", 1, "1 attempt"), ("en", 3, "3 attempts")],
)
def test_templates_write_the_attempts_of_a_callback_with_ngettext(
    app: Flask, lang: str, attempts: int, expected: str
) -> None:
    with app.test_request_context(f"/console/callbacks?lang={lang}"):
        text = render_template_string(
            '{{ ngettext("{n} essai", "{n} essais", attempts) }}', attempts=attempts
        )
    assert text == expected


def test_a_lazy_text_is_translated_when_shown_in_the_language_of_the_request(app: Flask) -> None:
    label = lazy_gettext("Priorité")  # made outside any request, as at import
    counted = lazy_ngettext("{n} essai", "{n} essais", 2)
    with app.test_request_context("/?lang=en"):
        assert (str(label), str(counted)) == ("Priority", "2 attempts")
    with app.test_request_context("/?lang=fr"):
        assert (str(label), str(counted)) == ("Priorité", "2 essais")
