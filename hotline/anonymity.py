"""Text that looks like it holds a patient's identity: found before it is saved, never hoped away.

``identities(text)`` lists what looks like an identity, each with the kind and the excerpt found:

- ``nir``: a social security number (NIR), 13 characters and a 2-digit key. Written in the NIR's
  own groups (``1 85 05 78 006 084 36``) it is flagged whatever its key (a mistyped NIR is still
  someone's); written otherwise (``185057800608491``) only when its key is right (key = 97 − the
  13-character number mod 97, Corsica's 2A and 2B counted as 19 and 18), so that an ordinary long
  number, an invoice's say, is not;
- ``birth_date``: "né(e) le 12/03/1985", "née le 1er mars 1985", "DDN", "date de naissance";
- ``phone``: a French number (``06 12 34 56 78``, ``+33 6 12 34 56 78``, ``0033…``);
- ``email``: an e-mail address;
- ``name``: a capitalised name after a civility ("Mme Fatima BENALI", "M. Dupont"); "Mme X"
  (one letter, the usual way to anonymise) is not.

Not flagged: a request reference (``2026-00042``), an appointment date without a word of birth
("rendez-vous le 12/03"), a commune's INSEE code (``31555``), a postcode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from hotline.refusals import N_, Refusal

KIND_LABELS = {
    "nir": N_("numéro de sécurité sociale"),
    "birth_date": N_("date de naissance"),
    "phone": N_("numéro de téléphone"),
    "email": N_("adresse électronique"),
    "name": N_("nom de personne"),
}

_SEP = r"([ .\-]?)"
_NIR = re.compile(
    rf"(?<![\dA-Za-z])([1-478]){_SEP}(\d{{2}}){_SEP}(0[1-9]|1[0-2]|[2-9]\d){_SEP}"
    rf"(\d{{2}}|2[ABab]){_SEP}(\d{{3}}){_SEP}(\d{{3}}){_SEP}(\d{{2}})(?![\dA-Za-z])"
)
_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-]\d{{2,4}}|(?:1er|\d{{1,2}})\s+(?:{_MONTHS})(?:\s+\d{{4}})?)"
)
_BIRTH = re.compile(
    rf"\bn[ée]e?s?\s+le\s+{_DATE}"
    r"|\bDDN\b"
    r"|\bdate\s+de\s+naissance\b"
    rf"|\bn[ée]e?s?\s+en\s+(?:19|20)\d{{2}}\b",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)33[ .\-]?(?:\(0\)[ .\-]?)?|0)[1-9](?:[ .\-]?\d{2}){4}(?!\d)"
)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_NAME_WORD = r"[A-ZÀ-ÖØ-Ý][A-Za-zÀ-ÖØ-öø-ÿ'\-]+"
_NAME = re.compile(
    rf"(?:\b(?i:monsieur|madame|mademoiselle)|\bMmes?\b\.?|\bMlle\b\.?|\bMM?\.)"
    rf"\s+{_NAME_WORD}(?:\s+{_NAME_WORD})*"
)


@dataclass(frozen=True)
class Finding:
    """Something in a text that looks like an identity: its kind and what was found."""

    kind: str
    excerpt: str
    start: int


def nir_key_is_right(number: str, key: str) -> bool:
    """Whether a 13-character NIR (Corsica as 2A/2B) has this 2-digit key."""
    upper = number.upper()
    digits = upper.replace("2A", "19", 1) if "2A" in upper[5:7] else upper
    digits = digits.replace("2B", "18", 1) if "2B" in upper[5:7] else digits
    if not digits.isdigit() or len(digits) != 13 or not key.isdigit():
        return False
    return 97 - int(digits) % 97 == int(key)


def _nirs(text: str) -> Iterator[Finding]:
    for found in _NIR.finditer(text):
        groups = found.groups()
        parts, separators, key = groups[0:12:2], groups[1:12:2], groups[12]
        if all(separators) or nir_key_is_right("".join(parts), key):
            yield Finding("nir", found.group(0), found.start())


def identities(text: str) -> list[Finding]:
    """What in ``text`` looks like a patient's identity, in the order it appears."""
    found = list(_nirs(text))
    taken = [(f.start, f.start + len(f.excerpt)) for f in found]
    for kind, pattern in (
        ("birth_date", _BIRTH),
        ("phone", _PHONE),
        ("email", _EMAIL),
        ("name", _NAME),
    ):
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue  # a NIR's digits are not a phone number as well
            found.append(Finding(kind, match.group(0), match.start()))
            taken.append((match.start(), match.end()))
    return sorted(found, key=lambda finding: finding.start)


class IdentityRefusal(Refusal):
    """A text refused because it looks like it holds an identity; ``findings`` says where."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        # Each finding is a refusal of its own, so that a page says its kind in the reader's
        # language (``hotline.i18n.say`` translates a tuple of refusals and joins it).
        found = tuple(
            Refusal(
                N_("{kind} « {excerpt} »"), kind=Refusal(KIND_LABELS[f.kind]), excerpt=f.excerpt
            )
            for f in findings
        )
        msgid = N_(
            "Ce texte semble contenir une identité ({found}) : retirez-la (écrivez par "
            "exemple « Mme X », « 45 ans ») et réessayez."
        )
        super().__init__(msgid, found=found)
        self.args = (msgid.format(found=", ".join(str(one) for one in found)),)


def check(text: str) -> None:
    """Refuse (``IdentityRefusal``) a text that looks like it holds an identity."""
    findings = identities(text)
    if findings:
        raise IdentityRefusal(findings)
