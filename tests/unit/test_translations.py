"""Every text of the console has its English translation, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from hotline.i18n import catalog, po_catalog

REPO = Path(__file__).resolve().parents[2]
METHODS = [
    ("hotline/**.py", "python"),
    ("interpreter_pool/**.py", "python"),
    ("routing/**.py", "python"),
    ("callbacks/**.py", "python"),
    ("reports/**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "N_": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
}


def extracted() -> tuple[set[str], set[tuple[str, str]]]:
    """The console's texts: single ones, and (singular, plural) pairs of counted ones."""
    texts: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map=METHODS, keywords=KEYWORDS
    ):
        if isinstance(message, str) and message.strip():
            texts.add(message)
        elif isinstance(message, tuple) and len(message) == 2 and all(message):
            pairs.add((str(message[0]), str(message[1])))
    return texts, pairs


def console_texts() -> set[str]:
    return extracted()[0]


def plural_entries(locale: str) -> dict[tuple[str, str], tuple[str, ...]]:
    return {
        (m.id[0], m.id[1]): tuple(m.string)
        for m in po_catalog(locale)
        if isinstance(m.id, tuple) and not m.fuzzy
    }


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_every_console_text_is_translated_into_english() -> None:
    texts = console_texts()
    assert len(texts) > 100  # the extraction found the console's texts
    english = catalog("en")
    missing = sorted(t for t in texts if not english.get(t))
    assert missing == [], f"{len(missing)} texts lack an English translation: {missing[:20]}"


def test_translations_keep_the_placeholders_of_the_french_text() -> None:
    english = catalog("en")
    wrong = [(fr, en) for fr, en in english.items() if placeholders(fr) != placeholders(en)]
    assert wrong == []


def test_every_counted_text_has_both_english_forms_with_the_same_placeholders() -> None:
    pairs = extracted()[1]
    assert ("{n} essai", "{n} essais") in pairs  # the extraction found the ngettext calls
    english = plural_entries("en")
    missing = sorted(p for p in pairs if len(english.get(p, ())) != 2 or not all(english[p]))
    assert missing == [], f"{len(missing)} counted texts lack an English form: {missing[:10]}"
    wrong = [
        (pair, forms)
        for pair, forms in english.items()
        if any(
            placeholders(form) != placeholders(pair[0]) | placeholders(pair[1]) for form in forms
        )
    ]
    assert wrong == []


def test_the_english_catalog_declares_the_english_plural_rule() -> None:
    english = po_catalog("en")
    assert english.num_plurals == 2
    assert english.plural_expr == "(n != 1)"


def test_no_console_text_hedges_a_plural_or_a_gender_with_brackets() -> None:
    texts, pairs = extracted()
    every = texts | {form for pair in pairs for form in pair}
    hedged = sorted(t for t in every if re.search(r"\w\((s|e|es|x)\)", t))
    assert hedged == []
