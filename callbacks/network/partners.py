"""The network's partners: keep them (coordinators and admins), and find the partners a nurse may
orient a patient to. Structures are the directory's (``hotline.structures``): a partner may
belong to one.

Rules:
- A commune is kept with its INSEE code as in the directory (``hotline.directory.check_commune``).
- An e-mail address is optional (the agenda of a meeting he takes part in goes there): checked
  by ``clean_email``, stored in lower case.
- Phones are E.164 (``hotline.directory.parse_phones``); languages are base codes the interpreter
  pool knows ("ar", "prs": ``interpreter_pool.admin.parse_languages``).
- A partner is never deleted: deactivated, he is no longer offered, and stays on the orientations
  that name him.
- The nurse's search finds active partners only, by commune (its name or INSEE code),
  profession, language spoken and whether they accept new patients.

Functions raise a ``Refusal``; they flush, never commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from callbacks.network.partner_models import Partner, PartnerLanguage, PartnerPhone
from hotline import directory
from hotline.directory import PhoneEntry
from hotline.models import Structure
from hotline.refusals import N_, Refusal
from interpreter_pool.admin import parse_languages
from interpreter_pool.languages import language_name

# The directory's professions, and a structure oriented to as a whole.
PARTNER_PROFESSIONS = {
    **directory.PROFESSIONS,
    "dentist": N_("Chirurgien-dentiste"),
    "psychologist": N_("Psychologue"),
    "structure": N_("Structure"),
}
# An address's parts (RFC 5321 limits): a local part of printable characters without spaces,
# quotes or angle brackets; a domain of letters, digits and hyphens, with a top-level domain.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class PartnerDetails:
    """What the form says of a partner."""

    name: str
    profession: str = "gp"
    specialty: str | None = None
    structure_id: int | None = None
    commune: str | None = None
    insee_code: str | None = None
    phones: Sequence[PhoneEntry] = ()
    languages: Sequence[str] = ()
    is_accepting_patients: bool = True
    has_third_party_payment: bool = False
    charter_signed_on: date | None = None
    email: str | None = None


@dataclass(frozen=True)
class PartnerSearch:
    """What the nurse looks for: each criterion empty when it does not matter."""

    commune: str = ""
    profession: str = ""
    language: str = ""
    accepting_only: bool = False

    @property
    def is_empty(self) -> bool:
        """Whether nothing was asked (no search made)."""
        return not (self.commune or self.profession or self.language or self.accepting_only)


@dataclass
class SearchResult:
    """The partners found, in order, and whether more were left off."""

    partners: list[Partner] = field(default_factory=list)
    truncated: bool = False


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def clean_email(text: str | None) -> str | None:
    """An e-mail address as stored (trimmed, lower case), None when empty; refuses what cannot be
    an address one can write to (one "@", a dotted domain, no spaces or quotes, RFC lengths)."""
    email = (text or "").strip().lower()
    if not email:
        return None
    local, at, domain = email.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(email) > 254
        or len(local) > 64
        or not _LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise Refusal(
            N_("« {email} » n'est pas une adresse électronique valide (ex. nom@exemple.fr)."),
            email=email[:80],
        )
    return email


def check_languages(text: str) -> list[str]:
    """ "ar, en" → the base codes, each a language the interpreter pool knows."""
    return parse_languages(text)


def language_names(codes: Sequence[str], locale: str = "fr") -> str:
    """ "ar", "en" → "Arabe, Anglais"."""
    return ", ".join(language_name(code, locale, capitalise=True) for code in codes)


def save_partner(
    session: Session, details: PartnerDetails, partner: Partner | None = None
) -> Partner:
    """Add a partner, or change ``partner`` (its phones and languages replaced by the form's)."""
    name = _clean(details.name)
    if name is None:
        raise Refusal(N_("Le nom du partenaire est obligatoire."))
    if details.profession not in PARTNER_PROFESSIONS:
        raise Refusal(N_("Choisissez la profession dans la liste."))
    if details.structure_id is not None and details.structure_id != partner_structure(partner):
        chosen = session.get(Structure, details.structure_id)
        if chosen is None or not chosen.is_active:
            raise Refusal(N_("Choisissez la structure dans la liste."))
    directory.check_commune(details.commune, details.insee_code)
    partner = partner or Partner(is_active=True)
    partner.name = name
    partner.profession = details.profession
    partner.specialty = _clean(details.specialty)
    partner.structure_id = details.structure_id
    partner.commune = _clean(details.commune)
    partner.insee_code = directory.clean_insee(details.insee_code)
    partner.is_accepting_patients = details.is_accepting_patients
    partner.has_third_party_payment = details.has_third_party_payment
    partner.charter_signed_on = details.charter_signed_on
    partner.email = clean_email(details.email)
    _replace_phones(partner, details.phones)
    _replace_languages(partner, details.languages)
    session.add(partner)
    session.flush()
    return partner


def partner_structure(partner: Partner | None) -> int | None:
    """The structure a partner has already (kept even when it was deactivated since)."""
    return partner.structure_id if partner is not None else None


def _replace_phones(partner: Partner, phones: Sequence[PhoneEntry]) -> None:
    kept = {phone.number: phone for phone in partner.phones}
    wanted = {entry.number: entry for entry in phones}
    for number, phone in kept.items():
        if number not in wanted:
            partner.phones.remove(phone)
    for number, entry in wanted.items():
        if number in kept:
            kept[number].label = entry.label
        else:
            partner.phones.append(PartnerPhone(number=number, label=entry.label))


def _replace_languages(partner: Partner, codes: Sequence[str]) -> None:
    wanted = list(dict.fromkeys(codes))
    for spoken in list(partner.languages):
        if spoken.language not in wanted:
            partner.languages.remove(spoken)
    known = set(partner.language_codes)
    for code in wanted:
        if code not in known:
            partner.languages.append(PartnerLanguage(language=code))


def set_active(session: Session, partner: Partner, is_active: bool) -> None:
    """Deactivate a partner (no longer offered to nurses) or make him active again."""
    partner.is_active = is_active
    session.flush()


def all_partners(session: Session) -> list[Partner]:
    """Every partner, the active first, by name."""
    return list(
        session.scalars(
            select(Partner)
            .options(
                selectinload(Partner.phones),
                selectinload(Partner.languages),
                selectinload(Partner.structure),
            )
            .order_by(Partner.is_active.desc(), Partner.name, Partner.id)
        )
    )


def spoken_languages(session: Session) -> list[str]:
    """The languages active partners speak (what the nurse's search offers)."""
    return list(
        session.scalars(
            select(PartnerLanguage.language)
            .join(Partner)
            .where(Partner.is_active)
            .distinct()
            .order_by(PartnerLanguage.language)
        )
    )


def search_partners(
    session: Session, wanted: PartnerSearch, limit: int = SEARCH_LIMIT
) -> SearchResult:
    """Active partners matching every criterion asked, by name."""
    query = (
        select(Partner)
        .where(Partner.is_active)
        .options(
            selectinload(Partner.phones),
            selectinload(Partner.languages),
            selectinload(Partner.structure),
        )
        .order_by(Partner.name, Partner.id)
    )
    commune = wanted.commune.strip()
    if commune:
        typed = commune.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(
            or_(
                Partner.commune.ilike(f"%{typed}%", escape="\\"),
                Partner.insee_code == directory.clean_insee(commune),
            )
        )
    if wanted.profession:
        query = query.where(Partner.profession == wanted.profession)
    if wanted.language:
        query = query.where(
            Partner.id.in_(
                select(PartnerLanguage.partner_id).where(
                    PartnerLanguage.language == wanted.language
                )
            )
        )
    if wanted.accepting_only:
        query = query.where(Partner.is_accepting_patients)
    found = list(session.scalars(query.limit(limit + 1)))
    return SearchResult(found[:limit], truncated=len(found) > limit)
