"""Pure resolver of a typed language ("bambara", "Tigrigna", "dari", "arabe (ar)", "prs") to the
base code interpreters are registered under, with suggestions when the word is unknown.

A typed word is folded (case, accents, punctuation) and looked up, in this order, among the
product's spoken forms (``languages.spoken_forms``: aliases such as "dari", "peulh", "darija",
which win over Babel when both name a language), Babel's French names, Babel's English names,
then as a language tag ("bm", "ar-SD", "fa-AF") known to Babel or to the catalogue. A trailing
code in parentheses ("arabe (ar)", the form pages show back) is read as the code. An unknown
word raises ``UnknownLanguage`` naming the word and the closest known names.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import babel

from interpreter_pool.languages import CATALOGUE, base_code, language_name, spoken_forms

MAX_SUGGESTIONS = 3
SUGGESTION_CUTOFF = 0.7
_WITH_CODE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\)$")


class UnknownLanguage(ValueError):  # noqa: N818 - said to a person, not a programming error
    """A typed word names no known language; ``suggestions`` are "name (code)" labels."""

    def __init__(self, word: str, suggestions: tuple[str, ...]) -> None:
        self.word = word
        self.suggestions = suggestions
        super().__init__(f"unknown language: {word!r}")


@dataclass(frozen=True, slots=True)
class NamedLanguage:
    """A base code with the display name the resolver knows it by."""

    code: str
    name: str

    @property
    def label(self) -> str:
        """ "bambara (bm)": the name with its code, as a list or an error shows it."""
        return f"{self.name} ({self.code})"


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: " Créole-Haïtien" -> "creole haitien"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _known_code(tag: str) -> str | None:
    """The base code of a tag Babel or the catalogue names, else None."""
    try:
        code = base_code(tag)
    except ValueError:
        return None
    return code if language_name(code, "fr") != code else None


@lru_cache(maxsize=1)
def _index() -> dict[str, NamedLanguage]:
    """Folded name -> language: product aliases first, then Babel's French, then English names."""
    index: dict[str, NamedLanguage] = {}
    for form, language in spoken_forms().items():
        index.setdefault(fold(form), NamedLanguage(language.code, form))
    for locale in ("fr", "en"):
        for tag, name in babel.Locale.parse(locale).languages.items():
            code = _known_code(tag)
            if code is not None:
                index.setdefault(fold(name), NamedLanguage(code, name))
    return {key: value for key, value in index.items() if key}


def resolve_language(text: str) -> str:
    """Base code for a typed name or code: "Bambara" -> "bm", "dari" -> "prs", "ar-SD" -> "ar".

    Raises ``UnknownLanguage`` (the word and up to three close names) when nothing matches.
    """
    typed = text.strip()
    with_code = _WITH_CODE.match(typed)
    if with_code is not None:
        code = _known_code(with_code["code"])
        if code is not None:
            return code
        typed = with_code["name"]
    key = fold(typed)
    found = _index().get(key)
    if found is not None:
        return found.code
    if re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*", typed):
        code = _known_code(typed)
        if code is not None:
            return code
    raise UnknownLanguage(typed, suggestions(typed))


def suggestions(text: str) -> tuple[str, ...]:
    """Up to three "name (code)" labels whose name is closest to the typed word."""
    index = _index()
    close = difflib.get_close_matches(fold(text), index, n=MAX_SUGGESTIONS * 3, cutoff=0.6)
    labels: list[str] = []
    for key in close:
        named = index[key]
        label = NamedLanguage(named.code, language_name(named.code, "fr")).label
        if label not in labels:
            labels.append(label)
    return tuple(labels[:MAX_SUGGESTIONS])


def resolve_languages(text: str) -> list[str]:
    """Comma- or semicolon-separated names and codes -> base codes, in order, once each."""
    codes = [resolve_language(part) for part in re.split(r"[,;]", text) if part.strip()]
    return list(dict.fromkeys(codes))


def labelled(codes: list[str], locale: str) -> str:
    """ "bambara (bm), tigrigna (ti)": stored codes as the form shows them back."""
    return ", ".join(NamedLanguage(c, language_name(c, locale)).label for c in codes)


def choices(locale: str, extra_codes: tuple[str, ...] = ()) -> list[NamedLanguage]:
    """The catalogue's languages (and ``extra_codes``) named in a locale, sorted by name."""
    codes = dict.fromkeys((*CATALOGUE, *extra_codes))
    named = [NamedLanguage(code, language_name(code, locale)) for code in codes]
    return sorted(named, key=lambda n: (fold(n.name), n.code))
