"""The kinds of reference lists a helpline keeps, their default values, and the rules of a code.

Each helpline has its own lists, edited by its admins (``hotline.reference_lists``); these defaults
are what a new helpline starts with. A request stores the *code* of a value, never its label, so an
admin may rename a value without changing the figures, and a retired value stays readable on old
requests. The default codes are chosen so the indicators of shared/INDICATORS.md read from them:

- A03 "Répartition des demandes par motif" (breakdown key ``category``): one row per category code;
  ``interpreting`` is "interprétariat seul", the others keep INDICATORS.md's names.
- A11 "Issue / orientation des demandes": a closed request counts under its orientation when it
  has one, under its outcome otherwise. Outcomes: ``resolved`` = réponse apportée,
  ``interpreter_provided`` = interprétariat réalisé, ``intervision`` = présentation en intervision,
  ``no_follow_up`` = sans suite, ``other`` = autre (``oriented`` without an orientation too;
  ``follow_up`` and ``no_interpreter`` are also read by groups D and C). Orientations: ``pass`` =
  orientation PASS, ``gp`` = médecine de ville, ``dac`` = DAC, ``lhss_essms`` = LHSS-ESSMS,
  ``social_service`` and ``rights`` (CPAM / accès aux droits) = service social; ``cmp``,
  ``hospital``, ``network_partner`` and ``other`` have their own rows, under "autre" where only
  INDICATORS.md's ten rows are wanted.
- ``no_interpreter`` is also written by the interpreting dispatch when nobody answered
  (``NO_INTERPRETER``): it is in every helpline's outcomes.
- The patient's non-identifying facts (the "public" tables of PASS and LHSS reports): ``age_band``
  (bands a funder's table uses), ``sex``, ``coverage`` (AME, CSS, none, régime général…) and
  ``housing`` (from the street to one's own home). All optional; ``unknown`` says it was asked.

An admin's own values get codes of their own (``code_for``), never a default's meaning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hotline.refusals import N_, Refusal

NO_INTERPRETER = "no_interpreter"
MAX_CODE = 32
MAX_LABEL = 120
CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_]*")


class CodeRefusal(Refusal):
    """A code that cannot be given to a value (its form, or another value has it)."""


@dataclass(frozen=True)
class Kind:
    """A kind of list: its key, the request's column holding its codes, its name for people."""

    key: str
    field: str
    label: str
    is_patient_fact: bool = False


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("category", "category", N_("Catégorie")),
        Kind("outcome", "outcome", N_("Issue")),
        Kind("orientation", "orientation", N_("Orientation")),
        Kind("age_band", "patient_age_band", N_("Tranche d'âge"), is_patient_fact=True),
        Kind("sex", "patient_sex", N_("Sexe"), is_patient_fact=True),
        Kind("coverage", "patient_coverage", N_("Couverture maladie"), is_patient_fact=True),
        Kind("housing", "patient_housing", N_("Situation de logement"), is_patient_fact=True),
    )
}

DEFAULTS: dict[str, tuple[tuple[str, str], ...]] = {
    "category": (
        ("interpreting", N_("Interprétariat")),
        ("complex_situation", N_("Situation complexe")),
        ("access_to_rights", N_("Accès aux droits")),
        ("orientation", N_("Orientation")),
        ("other", N_("Autre")),
    ),
    "outcome": (
        ("resolved", N_("Réponse apportée")),
        ("interpreter_provided", N_("Interprète mis à disposition")),
        ("oriented", N_("Orienté vers une structure")),
        ("follow_up", N_("Suivi programmé")),
        ("intervision", N_("Présenté en intervision")),
        ("no_follow_up", N_("Sans suite")),
        (NO_INTERPRETER, N_("Pas d'interprète trouvé")),
        ("other", N_("Autre")),
    ),
    "orientation": (
        ("gp", N_("Médecin traitant / médecine de ville")),
        ("pass", N_("PASS")),
        ("rights", N_("CPAM / accès aux droits")),
        ("cmp", N_("CMP (centre médico-psychologique)")),
        ("hospital", N_("Hôpital")),
        ("dac", N_("DAC (dispositif d'appui à la coordination)")),
        ("lhss_essms", N_("LHSS / établissement médico-social")),
        ("social_service", N_("Service social / CCAS")),
        ("network_partner", N_("Partenaire du réseau")),
        ("other", N_("Autre")),
    ),
    "age_band": (
        ("age_0_17", N_("Moins de 18 ans")),
        ("age_18_24", N_("18 à 24 ans")),
        ("age_25_39", N_("25 à 39 ans")),
        ("age_40_59", N_("40 à 59 ans")),
        ("age_60_74", N_("60 à 74 ans")),
        ("age_75_plus", N_("75 ans et plus")),
    ),
    "sex": (
        ("female", N_("Femme")),
        ("male", N_("Homme")),
        ("not_stated", N_("Non précisé")),
    ),
    "coverage": (
        ("none", N_("Aucune couverture")),
        ("ame", N_("AME (aide médicale de l'État)")),
        ("css", N_("Complémentaire santé solidaire (CSS)")),
        ("general_scheme", N_("Régime général sans complémentaire")),
        ("general_complementary", N_("Régime général avec complémentaire")),
        ("pending", N_("Droits en cours d'ouverture")),
        ("unknown", N_("Inconnue")),
    ),
    "housing": (
        ("street", N_("Sans abri (rue)")),
        ("emergency_shelter", N_("Hébergement d'urgence (115)")),
        ("institution", N_("Hébergé en structure (CHRS, CADA, LHSS…)")),
        ("hosted", N_("Hébergé par un tiers")),
        ("squat", N_("Squat ou habitat précaire")),
        ("own_home", N_("Logement personnel")),
        ("unknown", N_("Inconnue")),
    ),
}


def kind_of(key: str) -> Kind:
    """The kind with this key; a Refusal for an unknown one."""
    kind = KINDS.get(key)
    if kind is None:
        raise Refusal(N_("Liste inconnue : {kind}."), kind=key[:40])
    return kind


def code_for(label: str) -> str:
    """A code made from a label: ASCII lower case, words joined by ``_`` ("CMP Nord" → cmp_nord)."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "_".join(words)[:MAX_CODE].strip("_")


def checked_code(code: str) -> str:
    """The code as stored; a Refusal when it is not lower-case letters, digits and ``_``."""
    if not code or len(code) > MAX_CODE or not CODE_PATTERN.fullmatch(code):
        raise CodeRefusal(
            N_(
                "Code « {code} » refusé : lettres minuscules sans accent, chiffres et « _ », "
                "{max} caractères au plus."
            ),
            code=code[:40],
            max=MAX_CODE,
        )
    return code
