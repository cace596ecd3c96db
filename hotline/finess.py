"""The FINESS number of an establishment: how it is written, and whether it can be one.

Rules (a number from the Fichier national des établissements sanitaires et sociaux):
- 9 characters, typed with or without spaces ("31 078 140 6"); stored without them, Corsica's
  2A / 2B in capitals.
- The first two are the département: 01 to 95 (20 is written 2A or 2B since Corsica was split),
  97 and 98 overseas.
- The last is a Luhn check digit over the first eight, Corsica's letters counted as A = 1 and
  B = 2 (2A → 21, 2B → 22), as gip-inclusion/pilotage's ``pilotage/itoutils/validators.py``
  ``validate_finess`` does. The digit is checked against published numbers in
  ``tests/unit/test_finess.py`` (the FINESS extraction's 010003812 / 010003820 quoted on
  https://www.npmjs.com/package/finess; the AP-HP's 750712184; the CHU de Toulouse's 310781406).

Pure: no Flask, no SQLAlchemy. Refusals are ``hotline.refusals.Refusal`` (French, translated
where a page shows them).
"""

from __future__ import annotations

import re

from hotline.refusals import N_, Refusal

_SHAPE = re.compile(r"(?:\d{2}|2[AB])\d{7}")
_CORSICA = {"2A": "21", "2B": "22"}

NOT_NINE = N_(
    "Le numéro FINESS compte 9 caractères : 9 chiffres, ou 2A / 2B suivi de 7 chiffres en Corse "
    "(ou laissez le champ vide)."
)
NOT_A_DEPARTEMENT = N_(
    "Le numéro FINESS « {finess} » ne commence pas par un numéro de département (01 à 95, 2A, "
    "2B, 97 ou 98)."
)
WRONG_KEY = N_(
    "Le numéro FINESS « {finess} » n'est pas valide : son dernier chiffre (la clé) ne correspond "
    "pas aux autres. Vérifiez-le chiffre par chiffre."
)


def normalise(text: str | None) -> str:
    """What was typed, as stored: no spaces, dots or hyphens; capitals."""
    return re.sub(r"[\s.\-]", "", text or "").upper()


def is_departement(prefix: str) -> bool:
    """Whether the first two characters of a FINESS number name a département."""
    if prefix in _CORSICA:
        return True
    if not prefix.isdigit():
        return False
    number = int(prefix)
    return (1 <= number <= 95 and number != 20) or number in (97, 98)


def luhn_ok(digits: str) -> bool:
    """Whether a string of digits ends with its Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def clean_finess(text: str | None) -> str | None:
    """A FINESS number as stored, None when nothing was typed; a ``Refusal`` saying what is
    wrong (its length or characters, its département, its check digit) otherwise."""
    finess = normalise(text)
    if not finess:
        return None
    if not _SHAPE.fullmatch(finess):
        raise Refusal(NOT_NINE)
    if not is_departement(finess[:2]):
        raise Refusal(NOT_A_DEPARTEMENT, finess=finess)
    digits = _CORSICA.get(finess[:2], finess[:2]) + finess[2:]
    if not luhn_ok(digits):
        raise Refusal(WRONG_KEY, finess=finess)
    return finess
