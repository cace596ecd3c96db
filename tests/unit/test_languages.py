"""Language codes, names, spoken matching and the keypad menu of the interpreter pool."""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interpreter_pool.languages import (
    CATALOGUE,
    MAX_HINT_LENGTH,
    MAX_HINT_PHRASES,
    Language,
    base_code,
    keypad_choice,
    keypad_menu,
    keypad_prompt_fr,
    language_name,
    match_spoken_language,
    normalise_spoken,
    normalise_tag,
    parse_language,
    speech_hints,
    spoken_forms,
    usage_counts,
    with_article_fr,
)
from interpreter_pool.twiml import pin_menu, pinned_menu

POOL: tuple[str, ...] = (
    "ar", "prs", "fa", "ps", "ti", "am", "so", "ff", "snk", "bm", "wo", "ln", "ht", "ku", "ckb",
    "tr", "ru", "uk", "ro", "bg", "sq", "ka", "hy", "bn", "ta", "ur", "zh", "es", "pt", "en", "mn",
)  # fmt: skip

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- spoken matching -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("speech", "code", "variant"),
    [
        ("tigrigna", "ti", None),
        ("Tigrinya.", "ti", None),
        ("tigrina", "ti", None),
        ("euh... arabe soudanais", "ar", "soudanais"),
        ("arabe maghrébin", "ar", "maghrébin"),
        ("l'arabe du Soudan", "ar", "soudanais"),
        ("darija", "ar", "maghrébin"),
        ("Arabe.", "ar", None),
        ("je voudrais un interprète en arabe s'il vous plaît", "ar", None),
        ("en dari s'il vous plaît", "prs", None),
        ("Pachto", "ps", None),
        ("pashto", "ps", None),
        ("pachtoune", "ps", None),
        ("créole haïtien", "ht", None),
        ("creole haitien", "ht", None),
        ("CRÉOLE HAÏTIEN", "ht", None),
        ("il parle le peul", "ff", None),
        ("poular", "ff", "poular"),
        ("fulfulde", "ff", None),
        ("soninké", "snk", None),
        ("soninke", "snk", None),
        ("lingala", "ln", None),
        ("kurde", "ku", None),
        ("kurmandji", "ku", "kurmandji"),
        ("sorani", "ckb", None),
        ("kurde sorani", "ckb", None),
        ("bambara", "bm", None),
        ("wolof", "wo", None),
        ("mandarin", "zh", "mandarin"),
        ("chinois", "zh", None),
        ("albanais", "sq", None),
        ("géorgien", "ka", None),
        ("arménien", "hy", None),
        ("somali", "so", None),
        ("amharique", "am", None),
        ("ourdou", "ur", None),
        ("bengali", "bn", None),
        ("tamoul", "ta", None),
        ("russe", "ru", None),
        ("ukrainien", "uk", None),
        ("roumain", "ro", None),
        ("bulgare", "bg", None),
        ("turc", "tr", None),
        ("persan", "fa", None),
        ("farsi", "fa", None),
        ("anglais", "en", None),
        ("espagnol", "es", None),
        ("portugais", "pt", None),
        ("mongol", "mn", None),
        ("Euh, la langue... le tigrigna, merci", "ti", None),
    ],
)
def test_spoken_phrase_is_matched_to_its_code_and_variant(
    speech: str, code: str, variant: str | None
) -> None:
    match = match_spoken_language(speech, POOL)
    assert match is not None
    assert (match.code, match.variant) == (code, variant)
    assert match.method == "exact"
    assert match.confidence == 1.0
    assert match.is_available


@pytest.mark.parametrize(
    ("speech", "code"),
    [
        ("tigrinia", "ti"),
        ("pachtou", "ps"),
        ("lingalla", "ln"),
        ("amarique", "am"),
        ("ukranien", "uk"),
        ("albannais", "sq"),
        ("bulgar", "bg"),
        ("espagnole", "es"),
        ("en tigrinia s'il vous plaît", "ti"),
    ],
)
def test_near_miss_is_matched_by_fuzzy_comparison(speech: str, code: str) -> None:
    match = match_spoken_language(speech, POOL)
    assert match is not None
    assert match.code == code
    assert match.method == "fuzzy"
    assert 0.8 <= match.confidence < 1.0


@pytest.mark.parametrize(
    "speech",
    [
        "bonjour",
        "docteur",
        "patate",
        "oui",
        "non",
        "euh",
        "",
        "   ",
        "s'il vous plaît",
        "je ne sais pas",
        "français",
        "ordonnance",
        "infirmière",
        "rendez-vous",
        "fièvre",
        "c'est pour un enfant",
        "Mali",
        "sang",
        "truc",
        "afghanistan",
    ],
)
def test_unrelated_words_are_not_understood(speech: str) -> None:
    assert match_spoken_language(speech, POOL) is None


def test_gp_saying_tigrigna_gets_the_tigrinya_interpreters_with_a_french_read_back() -> None:
    match = match_spoken_language("tigrigna", ["ar", "ti"])
    assert match is not None
    assert match.code == "ti"
    assert match.is_available
    assert match.name_fr == "tigrigna"


def test_dialect_is_kept_as_a_preference_on_the_base_code() -> None:
    match = match_spoken_language("arabe soudanais", ["ar"])
    assert match is not None
    assert match.language == Language("ar", "soudanais")
    assert match.is_available  # interpreters are registered under "ar"
    assert match.name_fr == "arabe soudanais"


def test_slightly_misheard_dialect_still_refines_the_base_language() -> None:
    match = match_spoken_language("arabe soudanai", ["ar"])
    assert match is not None
    assert match.language == Language("ar", "soudanais")
    assert match.method == "fuzzy"


def test_language_outside_the_pool_is_recognised_but_flagged_unavailable() -> None:
    match = match_spoken_language("amharique", ["ar", "ti"])
    assert match is not None
    assert match.code == "am"
    assert not match.is_available


@pytest.mark.parametrize(("pool", "code"), [(["rom"], "rom"), (["ro"], "ro"), ([], "ro")])
def test_a_word_close_to_two_languages_goes_to_the_one_the_pool_covers(
    pool: list[str], code: str
) -> None:
    # "romain" is close to both "roumain" (ro) and "romani" (rom).
    match = match_spoken_language("romain", pool)
    assert match is not None
    assert match.code == code


def test_languages_outside_the_pool_need_a_closer_fuzzy_call() -> None:
    # "kurd" is 0.89 from "kurde": enough for the pool, not for the catalogue at large.
    assert match_spoken_language("kurd", ["ar"]) is None
    match = match_spoken_language("kurd", ["ar", "ku"])
    assert match is not None
    assert match.code == "ku"


def test_pool_language_outside_the_catalogue_is_matched_by_its_babel_name() -> None:
    assert match_spoken_language("islandais", []) is None
    match = match_spoken_language("islandais", ["is"])
    assert match is not None
    assert match.code == "is"
    assert match.is_available


def test_longest_name_in_a_sentence_wins() -> None:
    match = match_spoken_language("il parle arabe, arabe tchadien je crois", POOL)
    assert match is not None
    assert match.language == Language("ar", "tchadien")


@pytest.mark.parametrize(
    ("speech", "normalised"),
    [
        ("Euh… l'Arabe !", "arabe"),
        ("en dari s'il vous plaît", "dari"),
        ("Créole-Haïtien", "creole haitien"),
        ("  PACHTO  ", "pachto"),
    ],
)
def test_speech_is_normalised_before_matching(speech: str, normalised: str) -> None:
    assert normalise_spoken(speech) == normalised


FILLERS = ["euh", "euh...", "en", "la langue", "le", "du", "de la", "s'il vous plaît", "alors"]
FILLERS += ["ben", "merci", "svp", "un interprète en", "il parle", "Hum,", "!", "?"]


@given(
    form=st.sampled_from(sorted(spoken_forms())),
    upper=st.lists(st.booleans(), min_size=60, max_size=60),
    drop_accents=st.booleans(),
    before=st.lists(st.sampled_from(FILLERS), max_size=3),
    after=st.lists(st.sampled_from(FILLERS), max_size=3),
    elide=st.booleans(),
)
def test_matching_ignores_case_accents_and_surrounding_filler_for_every_spoken_form(
    form: str,
    upper: list[bool],
    drop_accents: bool,
    before: list[str],
    after: list[str],
    elide: bool,
) -> None:
    said = strip_accents(form) if drop_accents else form
    said = "".join(ch.upper() if up else ch.lower() for ch, up in zip(said, upper, strict=False))
    said += form[len(upper) :]
    if elide:
        said = "l'" + said
    speech = " ".join([*before, said, *after])
    match = match_spoken_language(speech, POOL)
    assert match is not None
    assert match.language == spoken_forms()[form]
    assert match.method == "exact"


@pytest.mark.parametrize("code", CATALOGUE)
def test_every_catalogue_language_is_found_by_its_french_and_english_names(code: str) -> None:
    for locale in ("fr", "en"):
        match = match_spoken_language(language_name(code, locale), [])
        assert match is not None, locale
        assert match.language == Language(code)


def test_catalogue_covers_at_least_forty_languages_with_real_names() -> None:
    assert len(set(CATALOGUE)) == len(CATALOGUE) >= 40
    for code in CATALOGUE:
        assert language_name(code, "fr") != code
        assert language_name(code, "en") != code


# --- codes and names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "french", "english"),
    [
        ("ar", "arabe", "Arabic"),
        ("ti", "tigrigna", "Tigrinya"),
        ("ps", "pachto", "Pashto"),
        ("prs", "dari", "Dari"),
        ("fa-AF", "dari", "Dari"),
        ("fa", "persan", "Persian"),
        ("ff", "peul", "Fula"),
        ("snk", "soninké", "Soninke"),
        ("ln", "lingala", "Lingala"),
        ("ht", "créole haïtien", "Haitian Creole"),
        ("ku", "kurde", "Kurdish"),
        ("ckb", "sorani", "Central Kurdish"),
        ("bn", "bengali", "Bangla"),
        ("ur", "ourdou", "Urdu"),
        ("zh", "chinois", "Chinese"),
        ("ber", "berbère", "Berber"),
        ("mnk", "mandingue", "Mandinka"),
        ("ar-SD", "arabe soudanais", "Sudanese Arabic"),
        ("ar_MA", "arabe marocain", "Moroccan Arabic"),
        ("pt-BR", "portugais brésilien", "Brazilian Portuguese"),
        ("kmr", "kurde kurmandji", "Kurmanji Kurdish"),
    ],
)
def test_language_names_in_french_and_english(code: str, french: str, english: str) -> None:
    assert language_name(code, "fr") == french
    assert language_name(code, "en") == english


@pytest.mark.parametrize(
    ("code", "in_a_list"),
    [("ar", "Arabe"), ("ht", "Créole haïtien"), ("ar-SD", "Arabe soudanais"), ("en", "Anglais")],
)
def test_french_names_are_capitalised_only_for_lists(code: str, in_a_list: str) -> None:
    assert language_name(code, capitalise=True) == in_a_list
    assert language_name(code) == in_a_list.lower()


def test_language_object_names_itself() -> None:
    assert Language("ar", "soudanais").name() == "arabe soudanais"
    assert Language("ar", "soudanais").name("en", capitalise=True) == "Sudanese Arabic"


def test_unknown_code_falls_back_to_the_code_itself() -> None:
    assert language_name("qaa") == "qaa"


@pytest.mark.parametrize(
    ("tag", "normalised"),
    [
        ("AR_sd", "ar-SD"),
        ("sr_latn", "sr-Latn"),
        ("zh-hans-cn", "zh-Hans-CN"),
        ("es-419", "es-419"),
        (" ti ", "ti"),
    ],
)
def test_tags_are_spelled_the_bcp47_way(tag: str, normalised: str) -> None:
    assert normalise_tag(tag) == normalised


@pytest.mark.parametrize("tag", ["", "  ", "42", "a1-FR"])
def test_garbage_is_not_a_language_tag(tag: str) -> None:
    with pytest.raises(ValueError, match="not a language tag"):
        normalise_tag(tag)


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("ar", Language("ar")),
        ("ar-SD", Language("ar", "soudanais")),
        ("ar-FR", Language("ar")),
        ("ar-001", Language("ar", "littéraire")),
        ("fa-AF", Language("prs")),
        ("FA_af", Language("prs")),
        ("fa-IR", Language("fa")),
        ("prs", Language("prs")),
        ("cmn", Language("zh", "mandarin")),
        ("fuc", Language("ff", "poular")),
        ("apd", Language("ar", "soudanais")),
        ("sr-Latn", Language("sr")),
        ("iw", Language("he")),
    ],
)
def test_stored_tags_map_to_the_language_interpreters_are_registered_under(
    tag: str, language: Language
) -> None:
    assert parse_language(tag) == language
    assert base_code(tag) == language.code


@pytest.mark.parametrize(
    ("name", "with_article"),
    [
        ("arabe", "l'arabe"),
        ("anglais", "l'anglais"),
        ("arménien", "l'arménien"),
        ("ourdou", "l'ourdou"),
        ("ouzbek", "l'ouzbek"),
        ("éwé", "l'éwé"),
        ("hindi", "l'hindi"),
        ("hébreu", "l'hébreu"),
        ("hongrois", "le hongrois"),
        ("haoussa", "le haoussa"),
        ("yoruba", "le yoruba"),
        ("dari", "le dari"),
        ("tigrigna", "le tigrigna"),
        ("pachto", "le pachto"),
        ("peul", "le peul"),
        ("créole haïtien", "le créole haïtien"),
    ],
)
def test_french_article_elides_before_vowels_and_mute_h(name: str, with_article: str) -> None:
    assert with_article_fr(name) == with_article


# --- speech hints ----------------------------------------------------------------------------


def test_hints_carry_french_names_and_aliases_of_the_pool() -> None:
    phrases = speech_hints(["ti", "ar", "prs", "ht"]).split(", ")
    for phrase in ["tigrigna", "tigrinya", "arabe", "arabe soudanais", "dari", "créole haïtien"]:
        assert phrase in phrases
    assert "pachto" not in phrases  # not in this pool
    assert len(phrases) == len({p.lower() for p in phrases})


def test_hints_for_the_whole_catalogue_stay_within_twilio_limits() -> None:
    phrases = speech_hints([*CATALOGUE, *CATALOGUE]).split(", ")
    assert 100 < len(phrases) <= MAX_HINT_PHRASES
    for phrase in phrases:
        assert phrase
        assert len(phrase) <= MAX_HINT_LENGTH
        assert not set(phrase) & set(",()")


def test_hints_for_an_empty_pool_are_empty() -> None:
    assert speech_hints([]) == ""


# --- usage and keypad menu -------------------------------------------------------------------


def test_usage_counts_only_the_window_and_folds_tags_onto_base_codes() -> None:
    events = [
        (NOW - timedelta(days=1), "ar"),
        (NOW - timedelta(days=2), "ar-SD"),
        (NOW - timedelta(days=3), "fa-AF"),
        (NOW - timedelta(days=29, hours=23), "ti"),
        (NOW - timedelta(days=30), "ps"),  # on the window's open edge: out
        (NOW - timedelta(days=90), "ps"),
        (NOW, "ti"),  # on the closed edge: in
        (NOW + timedelta(minutes=1), "ps"),  # future: out
    ]
    assert usage_counts(events, NOW, 30) == Counter({"ar": 2, "ti": 2, "prs": 1})


def test_usage_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        usage_counts([], NOW, 0)


def test_menu_follows_usage_and_keeps_only_pool_languages() -> None:
    usage = {"ti": 12, "ar": 30, "prs": 7, "ps": 7, "ko": 50}
    menu = keypad_menu(usage, ["ar", "prs", "ps", "ti"])
    assert menu == [("1", "ar"), ("2", "ti"), ("3", "prs"), ("4", "ps")]


def test_menu_order_changes_when_usage_changes() -> None:
    pool = ["ar", "prs", "ti"]
    before = keypad_menu({"ar": 10, "ti": 3, "prs": 1}, pool)
    after = keypad_menu({"ar": 10, "ti": 3, "prs": 15}, pool)
    assert [code for _, code in before] == ["ar", "ti", "prs"]
    assert [code for _, code in after] == ["prs", "ar", "ti"]


def test_menu_breaks_ties_by_french_name_whatever_the_pool_order() -> None:
    # anglais < arabe < dari < éwé (accent ignored) < pachto < tigrigna
    pool = ["ti", "ee", "ps", "prs", "ar", "en"]
    expected = ["en", "ar", "prs", "ee", "ps", "ti"]
    assert [code for _, code in keypad_menu({}, pool)] == expected
    assert [code for _, code in keypad_menu({}, list(reversed(pool)))] == expected


def test_menu_is_filled_with_unused_pool_languages_and_capped_at_eight() -> None:
    menu = keypad_menu({"ti": 1}, POOL)
    assert [digit for digit, _ in menu] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert menu[0] == ("1", "ti")


def test_pinned_languages_come_first_when_the_pool_has_them() -> None:
    menu = keypad_menu({"ti": 9, "ar": 5}, ["ar", "ti", "prs"], pinned=["prs", "ko", "prs"])
    assert menu == [("1", "prs"), ("2", "ti"), ("3", "ar")]


def test_menu_counts_dialect_tags_as_their_base_language() -> None:
    menu = keypad_menu({"ar-SD": 3, "ar-MA": 3, "ti": 5}, ["ar", "ti"])
    assert menu == [("1", "ar"), ("2", "ti")]


@pytest.mark.parametrize("size", [-1, 9])
def test_menu_never_takes_the_reserved_keys(size: int) -> None:
    with pytest.raises(ValueError, match="menu size"):
        keypad_menu({}, POOL, size=size)


@given(
    usage=st.dictionaries(st.sampled_from(POOL), st.integers(0, 1000)),
    size=st.integers(0, 8),
)
def test_menu_lists_most_used_pool_languages_in_non_increasing_use(
    usage: dict[str, int], size: int
) -> None:
    menu = keypad_menu(usage, POOL, size=size)
    codes = [code for _, code in menu]
    assert [digit for digit, _ in menu] == [str(i) for i in range(1, len(menu) + 1)]
    assert len(codes) == len(set(codes)) == min(size, len(POOL))
    counts = [usage.get(code, 0) for code in codes]
    assert counts == sorted(counts, reverse=True)
    if codes:
        left_out = set(POOL) - set(codes)
        assert all(usage.get(code, 0) <= counts[-1] for code in left_out)


def test_keypad_choice_reads_the_menu() -> None:
    menu = keypad_menu({}, ["ar", "ti"])
    assert keypad_choice(menu, "2") == "ti"
    assert keypad_choice(menu, " 1 ") == "ar"
    assert keypad_choice(menu, "9") is None
    assert keypad_choice(menu, "7") is None


def test_prompt_reads_the_menu_with_french_articles() -> None:
    menu = [("1", "ar"), ("2", "prs"), ("3", "ti"), ("4", "en"), ("5", "ps"), ("6", "ff")]
    assert keypad_prompt_fr(menu) == (
        "Pour l'arabe, tapez 1. Pour le dari, tapez 2. Pour le tigrigna, tapez 3. "
        "Pour l'anglais, tapez 4. Pour le pachto, tapez 5. Pour le peul, tapez 6. "
        "Pour une autre langue, tapez 9. Pour parler à l'infirmière, tapez 0."
    )


def test_prompt_without_nurse_or_languages_still_offers_speech() -> None:
    assert keypad_prompt_fr([], include_nurse=False) == "Pour une autre langue, tapez 9."


def test_the_language_menu_pinned_in_the_action_url_reads_back_as_the_gp_heard_it() -> None:
    menu = [("1", "ar"), ("2", "ti"), ("3", "prs")]
    assert pin_menu(menu) == "1:ar,2:ti,3:prs"
    assert pinned_menu(pin_menu(menu)) == menu


@pytest.mark.parametrize("text", [None, "", "1ar", "12:ar", "x:ar", "1:", "1:ar,,2:ti"])
def test_a_missing_or_malformed_pinned_menu_is_ignored(text: str | None) -> None:
    assert pinned_menu(text) is None
