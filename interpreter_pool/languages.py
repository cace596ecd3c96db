"""Pure language logic: BCP 47 codes, French/English names, spoken matching and the keypad menu.

Decisions the rest of the pool relies on:

* Interpreters are registered by a bare language subtag (``Language.code``: "ar", "prs", "ti").
  A dialect people ask for ("arabe soudanais") is kept as ``Language.variant``, a French label
  ("soudanais"): a *preference* shown to the nurse and usable to favour matching interpreters,
  never a different pool. Region tags for which a variant is known map onto it ("ar-SD" ->
  ``Language("ar", "soudanais")``); other regions and scripts are dropped ("sr-Latn" -> "sr").
* Dari is ``"prs"`` (its own ISO 639-3 code, so Dari and Persian interpreters stay distinct);
  CLDR's "fa-AF" is mapped to it. Likewise Babel-less ISO 639-3 codes people may store
  ("kmr", "cmn", "fuc", "apd", …) map to a base code plus variant.
* Matching speech: normalise (case, accents, punctuation, filler words), then an exact spoken
  form, then the longest spoken form contained in the phrase, then a difflib fuzzy match on
  forms of 4+ letters (ratio >= ``FUZZY_THRESHOLD`` for pool languages, a stricter
  ``FUZZY_THRESHOLD_OUTSIDE_POOL`` for the rest). Codes the pool covers are preferred;
  a match on a language the pool lacks is still returned (``is_available=False``) so the caller
  can say "no interpreter for X" rather than "I did not understand".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

import babel

# Digits 1..8 carry languages; 9 and 0 are reserved.
OTHER_LANGUAGE_KEY = "9"
NURSE_KEY = "0"
MAX_MENU_SIZE = 8

# difflib ratios: "tigrinia"/"tigrigna" 0.88, "pachtou"/"pachto" 0.92, but "mali"/"somali" 0.80
# and "sang"/"sango" 0.89 — so languages outside the pool need a closer call.
FUZZY_THRESHOLD = 0.82
FUZZY_THRESHOLD_OUTSIDE_POOL = 0.9
FUZZY_MIN_LENGTH = 4
# Twilio <Gather hints>: at most 500 phrases, each at most 100 characters.
MAX_HINT_PHRASES = 500
MAX_HINT_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Language:
    """A language interpreters are registered under, plus an optional dialect preference."""

    code: str
    variant: str | None = None

    def name(self, locale: str = "fr", *, capitalise: bool = False) -> str:
        """Display name, e.g. "arabe soudanais" (fr) or "Sudanese Arabic" (en)."""
        return language_name(self, locale, capitalise=capitalise)


@dataclass(frozen=True, slots=True)
class LanguageMatch:
    """What a spoken phrase was understood as, with enough to read it back for confirmation."""

    language: Language
    confidence: float
    is_available: bool
    method: Literal["exact", "fuzzy"]
    matched_form: str

    @property
    def code(self) -> str:
        """Base code interpreters are registered under."""
        return self.language.code

    @property
    def variant(self) -> str | None:
        """Dialect preference in French, if one was said."""
        return self.language.variant

    @property
    def name_fr(self) -> str:
        """French name to read back in a sentence ("arabe soudanais")."""
        return language_name(self.language, "fr")


# --- catalogue -------------------------------------------------------------------------------

# code -> (French label, English label, region subtag or None). Names read "<base> <fr label>"
# in French and "<en label> <base>" in English.
_VARIANTS: dict[str, dict[str, tuple[str, str | None]]] = {
    "ar": {
        "maghrébin": ("Maghrebi", None),
        "marocain": ("Moroccan", "MA"),
        "algérien": ("Algerian", "DZ"),
        "tunisien": ("Tunisian", "TN"),
        "libyen": ("Libyan", "LY"),
        "égyptien": ("Egyptian", "EG"),
        "soudanais": ("Sudanese", "SD"),
        "tchadien": ("Chadian", "TD"),
        "syrien": ("Syrian", "SY"),
        "libanais": ("Lebanese", "LB"),
        "palestinien": ("Palestinian", "PS"),
        "irakien": ("Iraqi", "IQ"),
        "yéménite": ("Yemeni", "YE"),
        "littéraire": ("Modern Standard", "001"),
    },
    "zh": {"mandarin": ("Mandarin", None)},
    "ku": {"kurmandji": ("Kurmanji", None)},
    "ff": {"poular": ("Pulaar", None)},
    "pt": {"brésilien": ("Brazilian", "BR")},
}

# Names for codes Babel lacks (or names differently from what French services say).
_EXTRA_NAMES: dict[str, tuple[str, str]] = {
    "prs": ("dari", "Dari"),
    "ber": ("berbère", "Berber"),
    "mnk": ("mandingue", "Mandinka"),
}

# Tags that are not the canonical form of a language we register interpreters under.
_TAG_ALIASES: dict[str, Language] = {
    "fa-AF": Language("prs"),
    "pes": Language("fa"),
    "pbu": Language("ps"),
    "pbt": Language("ps"),
    "kmr": Language("ku", "kurmandji"),
    "cmn": Language("zh", "mandarin"),
    "fuc": Language("ff", "poular"),
    "fuf": Language("ff", "poular"),
    "ary": Language("ar", "marocain"),
    "arq": Language("ar", "algérien"),
    "aeb": Language("ar", "tunisien"),
    "arz": Language("ar", "égyptien"),
    "apd": Language("ar", "soudanais"),
    "shu": Language("ar", "tchadien"),
    "iw": Language("he"),
    "in": Language("id"),
    "ji": Language("yi"),
}

# Languages asked for on French helplines serving people in precarious situations. Their Babel
# names (fr and en) are spoken forms; codes outside this list are only matched when the pool has
# them, to keep the fuzzy matcher from wandering among 600 languages.
CATALOGUE: tuple[str, ...] = (
    "ar", "prs", "fa", "ps", "ti", "tig", "am", "om", "so", "sw", "ff", "snk", "bm", "mnk", "dyu",
    "sus", "wo", "ln", "kg", "lua", "sg", "rw", "rn", "ha", "yo", "ig", "tw", "ee", "ht", "kea",
    "mfe", "ber", "kab", "shi", "rif", "ku", "ckb", "tr", "az", "ru", "uk", "ro", "bg", "sq",
    "sr", "hr", "bs", "mk", "pl", "cs", "sk", "hu", "el", "ka", "hy", "ce", "mn", "uz", "tg",
    "tk", "kk", "ky", "ug", "bn", "ta", "ur", "hi", "pa", "ne", "si", "zh", "yue", "vi", "km",
    "lo", "th", "my", "tl", "es", "pt", "en", "it", "de", "nl", "he", "rom", "mg", "lt", "lv",
)  # fmt: skip

# Spoken French forms and common spellings beyond Babel's names, in display spelling (they
# also feed <Gather hints>). Variant phrases "<base> <variant>" are added automatically.
_ALIASES: dict[str, Language] = {
    # Arabic and its dialects
    "darija": Language("ar", "maghrébin"),
    "maghrébin": Language("ar", "maghrébin"),
    "arabe du Maghreb": Language("ar", "maghrébin"),
    "arabe standard": Language("ar", "littéraire"),
    "arabe classique": Language("ar", "littéraire"),
    "arabe standard moderne": Language("ar", "littéraire"),
    "arabe du Soudan": Language("ar", "soudanais"),
    "arabe du Tchad": Language("ar", "tchadien"),
    # Afghanistan and Iran
    "dari": Language("prs"),
    "persan afghan": Language("prs"),
    "persan d'Afghanistan": Language("prs"),
    "farsi": Language("fa"),
    "perse": Language("fa"),
    "iranien": Language("fa"),
    "pashto": Language("ps"),
    "pachtoune": Language("ps"),
    "pachtoun": Language("ps"),
    "pushto": Language("ps"),
    # Horn of Africa
    "tigrinya": Language("ti"),
    "tigrina": Language("ti"),
    "amhara": Language("am"),
    "somalien": Language("so"),
    # West Africa
    "peulh": Language("ff"),
    "fulfulde": Language("ff"),
    "fulani": Language("ff"),
    "poular": Language("ff", "poular"),
    "pulaar": Language("ff", "poular"),
    "pular": Language("ff", "poular"),
    "soninke": Language("snk"),
    "sarakolé": Language("snk"),
    "malinké": Language("mnk"),
    "mandinka": Language("mnk"),
    "jula": Language("dyu"),
    "ouolof": Language("wo"),
    "créole d'Haïti": Language("ht"),
    "haïtien": Language("ht"),
    "créole cap-verdien": Language("kea"),
    "créole du Cap-Vert": Language("kea"),
    # Central Africa
    "tshiluba": Language("lua"),
    "ciluba": Language("lua"),
    "kirundi": Language("rn"),
    # Berber languages
    "amazigh": Language("ber"),
    "tamazight": Language("ber"),
    "tachelhit": Language("shi"),
    "tarifit": Language("rif"),
    # Kurdish
    "kurmandji": Language("ku", "kurmandji"),
    "kurmanji": Language("ku", "kurmandji"),
    "kurde sorani": Language("ckb"),
    # Europe, Caucasus, Central Asia
    "azéri": Language("az"),
    "kosovar": Language("sq"),
    "romanès": Language("rom"),
    # South and East Asia
    "tamil": Language("ta"),
    "urdu": Language("ur"),
    "punjabi": Language("pa"),
    "népali": Language("ne"),
    "bangla": Language("bn"),
    "mandarin": Language("zh", "mandarin"),
    "brésilien": Language("pt", "brésilien"),
    "cambodgien": Language("km"),
    "laotien": Language("lo"),
    "philippin": Language("tl"),
}

# Words that carry no language: removed from speech and from spoken forms alike.
_FILLER_WORDS = frozenset(
    {
        # articles and prepositions ("en arabe", "le dari", "l'arabe", "du peul")
        "en", "le", "la", "l", "les", "du", "de", "d", "des", "un", "une", "pour", "avec",
        # hesitations and politeness ("euh", "s'il vous plaît")
        "euh", "heu", "hum", "hein", "ben", "bah", "bon", "alors", "svp", "s", "il", "elle",
        "vous", "plait", "merci", "oui", "c", "est", "ca",
        # the request around the name ("je voudrais un interprète, il parle …")
        "je", "j", "voudrais", "veux", "voulais", "aimerais", "faut", "faudrait", "parle",
        "parlent", "langue", "langues", "dialecte", "interprete", "interpretes",
        "interpretariat", "traducteur", "traduction", "madame", "monsieur",
    }
)  # fmt: skip

# French names starting with an "h" muet take "l'" (l'hébreu, l'hindi); other h are aspirated.
_H_MUET = ("hebreu", "hindi", "hindoustani")


# --- codes and names -------------------------------------------------------------------------


def normalise_tag(tag: str) -> str:
    """Canonical BCP 47 spelling of a tag: "AR_sd" -> "ar-SD", "sr_latn" -> "sr-Latn"."""
    parts = [p for p in re.split(r"[-_\s]+", tag.strip()) if p]
    if not parts or not parts[0].isalpha():
        raise ValueError(f"not a language tag: {tag!r}")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def parse_language(tag: str) -> Language:
    """Language for a stored or configured tag: "ar-SD" -> Language("ar", "soudanais")."""
    norm = normalise_tag(tag)
    if norm in _TAG_ALIASES:
        return _TAG_ALIASES[norm]
    base, *rest = norm.split("-")
    if base in _TAG_ALIASES:
        return _TAG_ALIASES[base]
    region = next((p for p in rest if p.isupper() or p.isdigit()), None)
    if region is not None:
        for variant, (_en, variant_region) in _VARIANTS.get(base, {}).items():
            if variant_region == region:
                return Language(base, variant)
    return Language(base)


def base_code(tag: str) -> str:
    """Code interpreters are registered under for a tag: "fa-AF" -> "prs", "ar-SD" -> "ar"."""
    return parse_language(tag).code


@lru_cache(maxsize=16)
def _babel_languages(locale: str) -> Mapping[str, str]:
    return babel.Locale.parse(locale).languages


def _is_french(locale: str) -> bool:
    return re.split(r"[-_]", locale)[0].lower() == "fr"


def _base_name(code: str, locale: str) -> str:
    if code in _EXTRA_NAMES:
        fr, en = _EXTRA_NAMES[code]
        return fr if _is_french(locale) else en
    name = _babel_languages(locale).get(code)
    return name if name is not None else code


def language_name(code: str | Language, locale: str = "fr", *, capitalise: bool = False) -> str:
    """Name of a language in a locale; French names are lower case for use inside a sentence.

    ``capitalise=True`` gives the form for a list or a heading ("Créole haïtien"). Unknown codes
    fall back to the code itself, so a prompt never breaks on a misconfigured pool.
    """
    language = code if isinstance(code, Language) else parse_language(code)
    name = _base_name(language.code, locale)
    if language.variant is not None:
        labels = _VARIANTS.get(language.code, {})
        if _is_french(locale) or language.variant not in labels:
            name = f"{name} {language.variant}"
        else:
            name = f"{labels[language.variant][0]} {name}"
    return name[:1].upper() + name[1:] if capitalise else name


def with_article_fr(name: str) -> str:
    """French name with its definite article: "l'arabe", "le dari", "l'hindi", "le hongrois"."""
    folded = _fold(name)
    if folded[:1] in ("a", "e", "i", "o", "u") or folded.startswith(_H_MUET):
        return f"l'{name}"
    return f"le {name}"


# --- speech matching -------------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise_spoken(text: str) -> str:
    """Lower case, no accents, no punctuation, no filler words: "Euh… l'Arabe !" -> "arabe"."""
    words = re.sub(r"[^a-z0-9]+", " ", _fold(text)).split()
    return " ".join(w for w in words if w not in _FILLER_WORDS)


def _french_forms(code: str) -> dict[str, Language]:
    """French display spellings naming one base code: Babel's name, variants, aliases."""
    forms = {_base_name(code, "fr"): Language(code)}
    for variant in _VARIANTS.get(code, {}):
        forms[language_name(Language(code, variant), "fr")] = Language(code, variant)
    for alias, language in _ALIASES.items():
        if language.code == code:
            forms[alias] = language
    return forms


def _spoken_forms_for(code: str) -> dict[str, Language]:
    """Every display spelling naming one base code (English name included: GPs use it too)."""
    forms = _french_forms(code)
    forms.setdefault(_base_name(code, "en"), Language(code))  # after French: French spelling wins
    return {form: lang for form, lang in forms.items() if form != code}


@lru_cache(maxsize=1)
def _catalogue_index() -> dict[str, tuple[str, Language]]:
    return _build_index(CATALOGUE)


def _build_index(codes: Iterable[str]) -> dict[str, tuple[str, Language]]:
    """Normalised form -> (display form, language)."""
    index: dict[str, tuple[str, Language]] = {}
    for code in codes:
        for form, language in _spoken_forms_for(code).items():
            key = normalise_spoken(form)
            if key:
                index.setdefault(key, (form, language))
    return index


def spoken_forms() -> dict[str, Language]:
    """Every catalogue spoken form (display spelling) and the language it names."""
    return {form: language for form, language in _catalogue_index().values()}


def match_spoken_language(speech: str, available_codes: Iterable[str]) -> LanguageMatch | None:
    """Understand a spoken language name ("euh… arabe soudanais") against the catalogue and pool.

    Order: exact spoken form; else the longest form contained in the phrase; else the best
    fuzzy form. Pool codes are preferred over others at the same step. ``None`` means not
    understood (the caller re-prompts once, then hands over to the nurse). Raises ValueError
    if an available code is not a language tag.
    """
    available = {base_code(code) for code in available_codes}
    index = dict(_catalogue_index())
    for key, entry in _build_index(sorted(available - set(CATALOGUE))).items():
        index.setdefault(key, entry)
    words = normalise_spoken(speech).split()[:16]  # speech is short; bound the fuzzy work
    if not words:
        return None

    def found(key: str, method: Literal["exact", "fuzzy"], score: float) -> LanguageMatch:
        form, language = index[key]
        return LanguageMatch(language, score, language.code in available, method, form)

    phrase = " ".join(words)
    if phrase in index:
        return found(phrase, "exact", 1.0)

    longest = max(len(key.split()) for key in index)
    ngrams = [
        (" ".join(words[i : i + n]), n, i)
        for n in range(min(longest, len(words)), 0, -1)
        for i in range(len(words) - n + 1)
    ]
    contained = [(n, index[g][1].code in available, -i, g) for g, n, i in ngrams if g in index]
    if contained:
        n, _is_available, _i, key = max(contained)
        code = index[key][1].code
        # A longer, slightly misheard phrase of the same language refines it ("arabe soudanai").
        longer = [gram for gram, m, _i in ngrams if m > n]
        refined = _best_fuzzy(longer, index, available, only_code=code)
        if refined is not None:
            return found(refined[0], "fuzzy", refined[1])
        return found(key, "exact", 1.0)

    fuzzy = _best_fuzzy([gram for gram, _n, _i in ngrams], index, available)
    return None if fuzzy is None else found(fuzzy[0], "fuzzy", fuzzy[1])


def _best_fuzzy(
    grams: Iterable[str],
    index: Mapping[str, tuple[str, Language]],
    available: set[str],
    only_code: str | None = None,
) -> tuple[str, float] | None:
    """Closest spoken form to any of the grams: pool languages first, then the ratio."""
    best: tuple[bool, float, int, str] | None = None
    for gram in grams:
        matcher = difflib.SequenceMatcher(None, b=gram)  # b is the side difflib caches
        for key, (_form, language) in index.items():
            if len(key) < FUZZY_MIN_LENGTH or only_code not in (None, language.code):
                continue
            in_pool = language.code in available
            threshold = FUZZY_THRESHOLD if in_pool else FUZZY_THRESHOLD_OUTSIDE_POOL
            matcher.set_seq1(key)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio >= threshold:
                candidate = (in_pool, ratio, len(key), key)
                if best is None or candidate > best:
                    best = candidate
    return None if best is None else (best[3], round(best[1], 3))


def speech_hints(codes: Iterable[str]) -> str:
    """Comma-separated French names and aliases of these codes, for ``<Gather hints>``."""
    phrases: list[str] = []
    seen: set[str] = set()
    for code in dict.fromkeys(base_code(c) for c in codes):
        for form in _french_forms(code):
            # A comma would split the phrase; parentheses are not spoken.
            phrase = re.sub(r"\s+", " ", re.sub(r"[(),;]", " ", form)).strip()
            if phrase and len(phrase) <= MAX_HINT_LENGTH and phrase.lower() not in seen:
                seen.add(phrase.lower())
                phrases.append(phrase)
    return ", ".join(phrases[:MAX_HINT_PHRASES])


# --- keypad menu -----------------------------------------------------------------------------


def usage_counts(
    events: Iterable[tuple[datetime, str]], now: datetime, window_days: int
) -> Counter[str]:
    """How often each base code was requested in the ``window_days`` days up to ``now``."""
    if window_days <= 0:
        raise ValueError("window_days must be positive")
    start = now - timedelta(days=window_days)
    return Counter(base_code(code) for at, code in events if start < at <= now)


def _name_sort_key(code: str) -> tuple[str, str]:
    return (_fold(language_name(code, "fr")), code)


def keypad_menu(
    usage_counts: Mapping[str, int],
    available_codes: Iterable[str],
    size: int = MAX_MENU_SIZE,
    pinned: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """Digits "1".."size" -> pool codes: pinned first, then most used, ties by French name."""
    if not 0 <= size <= MAX_MENU_SIZE:
        raise ValueError(f"menu size must be between 0 and {MAX_MENU_SIZE}")
    available = list(dict.fromkeys(base_code(c) for c in available_codes))
    counts: Counter[str] = Counter()
    for code, count in usage_counts.items():
        counts[base_code(code)] += count
    head = [c for c in dict.fromkeys(base_code(p) for p in pinned) if c in available]
    rest = sorted(
        (c for c in available if c not in head),
        key=lambda c: (-counts[c], *_name_sort_key(c)),
    )
    return [(str(digit), code) for digit, code in enumerate([*head, *rest][:size], start=1)]


def keypad_choice(menu: Sequence[tuple[str, str]], digits: str) -> str | None:
    """Code behind the pressed digit, or None (9, 0 and unknown keys are the caller's)."""
    return dict(menu).get(digits.strip())


def keypad_prompt_fr(menu: Sequence[tuple[str, str]], *, include_nurse: bool = True) -> str:
    """French prompt read by <Gather>: "Pour l'arabe, tapez 1. … Pour une autre langue, tapez 9."""
    sentences = [
        f"Pour {with_article_fr(language_name(code, 'fr'))}, tapez {digit}." for digit, code in menu
    ]
    sentences.append(f"Pour une autre langue, tapez {OTHER_LANGUAGE_KEY}.")
    if include_nurse:
        sentences.append(f"Pour parler à l'infirmière, tapez {NURSE_KEY}.")
    return " ".join(sentences)
