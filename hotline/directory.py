"""The directory of professionals: create and edit them, their numbers, and likely duplicates.

Rules:

- Numbers are stored in E.164 (what Twilio's ``From`` is matched against) and shown in the
  national format for French numbers ("06 12 34 56 78").
- One number may belong to several professionals (a practice's switchboard shared by its GPs):
  an incoming call from it is not linked to anyone, the nurse picks who is calling.
- Likely duplicates (the same RPPS, the same name in the same commune, the same number) are shown
  before a new professional is saved; the same name elsewhere is a warning after saving.
- A commune is kept with its INSEE code (5 characters: digits, or 2A/2B and 3 digits in Corsica);
  the code is optional, the commune's name required with it. The RPPS is 11 digits.

Functions raise a ``Refusal`` (a French text, translated where a page shows it); they flush,
never commit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline import audit
from hotline.models import Professional, ProfessionalPhone, ProfessionalStructure, Request, User
from hotline.names import name_key
from hotline.phones import NOT_A_PHONE, format_for_display, normalise_number
from hotline.refusals import N_, Refusal
from hotline.services import log_event, only_structure_id

# Code stored → what a person reads.
PROFESSIONS = {
    "gp": N_("Médecin généraliste"),
    "specialist": N_("Médecin spécialiste"),
    "midwife": N_("Sage-femme"),
    "nurse": N_("Infirmier ou infirmière"),
    "pharmacist": N_("Pharmacien ou pharmacienne"),
    "social_worker": N_("Travailleur social ou travailleuse sociale"),
    "other": N_("Autre"),
}
_RPPS = re.compile(r"\d{11}")
_INSEE = re.compile(r"\d{5}|2[AB]\d{3}")


@dataclass(frozen=True)
class PhoneEntry:
    """One number typed on the form: E.164, with an optional label ("cabinet", "portable")."""

    number: str
    label: str | None = None


@dataclass(frozen=True)
class ProfessionalDetails:
    """What the form says of a professional."""

    last_name: str
    first_name: str = ""
    title: str | None = None
    profession: str = "gp"
    organisation: str | None = None
    territory: str | None = None
    commune: str | None = None
    insee_code: str | None = None
    rpps: str | None = None
    phones: Sequence[PhoneEntry] = ()
    is_active: bool = True


@dataclass
class SavedProfessional:
    """A professional just saved, with what a person should double-check."""

    professional: Professional
    warnings: list[str] = field(default_factory=list)


def national(e164: str) -> str:
    """A stored number as French eyes read it: "06 12 34 56 78"."""
    return format_for_display(e164)


def parse_phones(text: str) -> list[PhoneEntry]:
    """One number a line (or separated by commas), optionally "label : number"; E.164 out."""
    entries: dict[str, PhoneEntry] = {}
    for raw in re.split(r"[\n,;]", text):
        line = raw.strip()
        if not line:
            continue
        label, sep, number = line.rpartition(":")
        if not sep:
            label, number = "", line
        try:
            e164 = normalise_number(number)
        except ValueError:
            raise Refusal(NOT_A_PHONE, number=number.strip()) from None
        entries.setdefault(e164, PhoneEntry(e164, label.strip() or None))
    return list(entries.values())


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _check(details: ProfessionalDetails) -> None:
    if not details.last_name.strip():
        raise Refusal(N_("Le nom de famille est obligatoire."))
    if details.profession not in PROFESSIONS:
        raise Refusal(N_("Choisissez une profession dans la liste."))
    check_rpps(details.rpps)
    check_commune(details.commune, details.insee_code)


def check_rpps(rpps: str | None) -> None:
    """Refuse an RPPS that is not 11 digits (none is fine)."""
    rpps = _clean(rpps)
    if rpps is not None and not _RPPS.fullmatch(rpps):
        raise Refusal(N_("Le numéro RPPS compte 11 chiffres (ou laissez le champ vide)."))


def check_commune(commune: str | None, insee_code: str | None) -> None:
    """Refuse an INSEE code that is not one, or given without the commune's name."""
    insee = clean_insee(insee_code)
    if insee is not None and not _INSEE.fullmatch(insee):
        raise Refusal(
            N_(
                "Le code INSEE de la commune compte 5 caractères : 5 chiffres, ou 2A / 2B suivi "
                "de 3 chiffres en Corse (par exemple 31555 ou 2A004)."
            )
        )
    if insee is not None and not _clean(commune):
        raise Refusal(N_("Indiquez le nom de la commune avec son code INSEE."))


def clean_insee(code: str | None) -> str | None:
    """An INSEE code as stored: no spaces, Corsica's 2A / 2B in capitals."""
    return _clean((code or "").replace(" ", "").upper())


def _holders(session: Session, numbers: Iterable[str], other_than: int | None) -> dict[str, str]:
    """Number → display name of another professional already holding it."""
    query = (
        select(ProfessionalPhone.number, Professional)
        .join(Professional, ProfessionalPhone.professional_id == Professional.id)
        .where(ProfessionalPhone.number.in_(list(numbers)))
    )
    if other_than is not None:
        query = query.where(Professional.id != other_than)
    return {number: holder.display_name for number, holder in session.execute(query).tuples()}


def namesakes(
    session: Session, first_name: str, last_name: str, other_than: int | None = None
) -> list[Professional]:
    """Other professionals with the same first and last name."""
    key = name_key(first_name, last_name)
    query = select(Professional).where(Professional.name_key == key).order_by(Professional.id)
    if other_than is not None:
        query = query.where(Professional.id != other_than)
    return list(session.scalars(query))


def save_professional(
    session: Session, details: ProfessionalDetails, professional: Professional | None = None
) -> SavedProfessional:
    """Create a professional, or update this one; a number held by another one is refused."""
    _check(details)
    other_than = professional.id if professional is not None else None
    shared = _holders(session, (p.number for p in details.phones), other_than)
    if professional is None:
        professional = Professional(last_name=details.last_name.strip())
        session.add(professional)
    professional.title = _clean(details.title)
    professional.first_name = details.first_name.strip()
    professional.last_name = details.last_name.strip()
    professional.profession = details.profession
    professional.organisation = _clean(details.organisation)
    professional.territory = _clean(details.territory)
    professional.commune = _clean(details.commune)
    professional.insee_code = clean_insee(details.insee_code)
    professional.rpps = _clean(details.rpps)
    professional.is_active = details.is_active
    _replace_phones(professional, details.phones)
    session.flush()
    warnings = [
        f"Attention : {other.display_name} (fiche n° {other.id}"
        f"{', ' + other.organisation if other.organisation else ''}) porte le même nom. "
        "Vérifiez qu'il ne s'agit pas d'un doublon."
        for other in namesakes(
            session, professional.first_name, professional.last_name, professional.id
        )
    ]
    warnings += [
        f"Le numéro {national(number)} est aussi celui de {holder} : à l'appel, "
        "l'infirmière choisira qui appelle."
        for number, holder in shared.items()
    ]
    return SavedProfessional(professional, warnings)


def _replace_phones(professional: Professional, phones: Sequence[PhoneEntry]) -> None:
    # Rows kept for numbers still listed: deleting and re-adding one would trip the unique key.
    wanted = {p.number: p for p in phones}
    for row in list(professional.phones):
        if row.number not in wanted:
            professional.phones.remove(row)
    present = {row.number: row for row in professional.phones}
    for number, entry in wanted.items():
        if number in present:
            present[number].label = entry.label
        else:
            professional.phones.append(ProfessionalPhone(number=number, label=entry.label))


def search_professionals(
    session: Session, text: str = "", limit: int = 200, structure_id: int | None = None
) -> list[Professional]:
    """Professionals whose name, organisation, commune, RPPS or number matches (and who work in
    the structure, when one is given), by name."""
    query = (
        select(Professional)
        .options(selectinload(Professional.phones), selectinload(Professional.structures))
        .order_by(Professional.last_name, Professional.first_name, Professional.id)
    )
    if structure_id is not None:
        workers = select(ProfessionalStructure.professional_id)
        query = query.where(
            Professional.id.in_(workers.where(ProfessionalStructure.structure_id == structure_id))
        )
    text = text.strip()
    if text:
        conditions = [
            Professional.last_name.ilike(f"%{text}%"),
            Professional.first_name.ilike(f"%{text}%"),
            Professional.organisation.ilike(f"%{text}%"),
            Professional.commune.ilike(f"%{text}%"),
            Professional.insee_code == text.replace(" ", "").upper(),
            Professional.rpps == text.replace(" ", ""),
        ]
        words = text.split()
        if len(words) > 1:  # "Claire Martin", "Martin Claire"
            conditions.append(
                and_(
                    *(
                        or_(
                            Professional.first_name.ilike(f"%{word}%"),
                            Professional.last_name.ilike(f"%{word}%"),
                        )
                        for word in words
                    )
                )
            )
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 4:
            # "06 12 34" and "+33 6 12 34" both find +33612345678: drop the trunk 0 or 33.
            if digits.startswith("0"):
                digits = digits[1:]
            elif digits.startswith("33") and text.lstrip().startswith(("+", "00")):
                digits = digits[2:]
            conditions.append(
                Professional.id.in_(
                    select(ProfessionalPhone.professional_id).where(
                        ProfessionalPhone.number.contains(digits)
                    )
                )
            )
        query = query.where(or_(*conditions))
    return list(session.scalars(query.limit(limit)))


def _duplicate_groups(
    session: Session, professionals: Sequence[Professional]
) -> list[tuple[str, str, list[int]]]:
    """(kind, the shared value, the ids sharing it) for these professionals (a page of the
    directory): same name, same RPPS, same number; records merged into another are left out.
    Three indexed reads, whatever the size of the directory."""
    shown = {p.id: p for p in professionals if p.merged_into_id is None}
    if not shown:
        return []
    current = Professional.merged_into_id.is_(None)
    groups: list[tuple[str, str, list[int]]] = []
    by_name: dict[str, list[int]] = defaultdict(list)
    keys = {professional.name_key for professional in shown.values()}
    rows = session.execute(
        select(Professional.name_key, Professional.id)
        .where(Professional.name_key.in_(keys), current)
        .order_by(Professional.id)
    )
    for key, professional_id in rows.tuples():
        by_name[key].append(professional_id)
    groups += [("name", key, ids) for key, ids in by_name.items() if len(ids) > 1]
    rpps_shown = {professional.rpps for professional in shown.values() if professional.rpps}
    by_rpps: dict[str, list[int]] = defaultdict(list)
    if rpps_shown:
        rows = session.execute(
            select(Professional.rpps, Professional.id)
            .where(Professional.rpps.in_(rpps_shown), current)
            .order_by(Professional.id)
        )
        for rpps, professional_id in rows.tuples():
            by_rpps[str(rpps)].append(professional_id)
    groups += [("rpps", rpps, ids) for rpps, ids in by_rpps.items() if len(ids) > 1]
    numbers = {phone.number for professional in shown.values() for phone in professional.phones}
    by_number: dict[str, list[int]] = defaultdict(list)
    if numbers:
        rows = session.execute(
            select(ProfessionalPhone.number, ProfessionalPhone.professional_id)
            .join(Professional)
            .where(ProfessionalPhone.number.in_(numbers), current)
            .order_by(ProfessionalPhone.number, ProfessionalPhone.professional_id)
        )
        for number, professional_id in rows.tuples():
            if professional_id not in by_number[number]:
                by_number[number].append(professional_id)
    groups += [("number", number, ids) for number, ids in by_number.items() if len(ids) > 1]
    return groups


def duplicate_flags(
    session: Session, professionals: Sequence[Professional]
) -> dict[int, list[str]]:
    """Professional id → why it looks like a duplicate (same name, same RPPS, shared number),
    for these professionals."""
    shown = {p.id for p in professionals}
    flags: dict[int, list[str]] = defaultdict(list)
    for kind, value, ids in _duplicate_groups(session, professionals):
        for professional_id in ids:
            if professional_id not in shown:
                continue
            if kind == "name":
                others = ", ".join(str(i) for i in ids if i != professional_id)
                flags[professional_id].append(f"même nom que la fiche n° {others}")
            elif kind == "rpps":
                flags[professional_id].append(f"même RPPS ({value})")
            else:
                flags[professional_id].append(f"numéro {national(value)} partagé")
    return dict(flags)


def duplicate_peers(
    session: Session, professionals: Sequence[Professional]
) -> dict[int, list[int]]:
    """Professional id → the ids of the records it may duplicate (to merge), in id order, for
    these professionals."""
    shown = {p.id for p in professionals}
    peers: dict[int, set[int]] = defaultdict(set)
    for _kind, _value, ids in _duplicate_groups(session, professionals):
        for professional_id in ids:
            if professional_id not in shown:
                continue
            peers[professional_id].update(i for i in ids if i != professional_id)
    return {pid: sorted(others) for pid, others in peers.items()}


def professionals_with_number(session: Session, e164: str | None) -> list[Professional]:
    """The active professionals holding this number (several share a practice's), by name."""
    if e164 is None:
        return []
    return list(
        session.scalars(
            select(Professional)
            .join(ProfessionalPhone)
            .where(ProfessionalPhone.number == e164, Professional.is_active)
            .order_by(Professional.last_name, Professional.first_name, Professional.id)
            .distinct()
        )
    )


@dataclass(frozen=True)
class Duplicate:
    """A professional of the directory that may be the one about to be added, and why."""

    professional: Professional
    reasons: tuple[str, ...]  # lazy (N_) French msgids


SAME_RPPS = N_("même RPPS")
SAME_NAME_AND_COMMUNE = N_("même nom dans la même commune")
SAME_NUMBER = N_("même numéro")


def possible_duplicates(session: Session, details: ProfessionalDetails) -> list[Duplicate]:
    """Professionals that look like the one described (same RPPS, same name and commune, same
    number), to show before a new one is saved."""
    reasons: dict[int, list[str]] = defaultdict(list)
    found: dict[int, Professional] = {}

    def note(professional: Professional, reason: str) -> None:
        found[professional.id] = professional
        if reason not in reasons[professional.id]:
            reasons[professional.id].append(reason)

    rpps = _clean(details.rpps)
    if rpps is not None:
        for professional in session.scalars(select(Professional).where(Professional.rpps == rpps)):
            note(professional, SAME_RPPS)
    commune, insee = _clean(details.commune), clean_insee(details.insee_code)
    if commune is not None or insee is not None:
        for professional in namesakes(session, details.first_name, details.last_name):
            same_place = (insee is not None and professional.insee_code == insee) or (
                commune is not None
                and name_key("", professional.commune or "") == name_key("", commune)
            )
            if same_place:
                note(professional, SAME_NAME_AND_COMMUNE)
    numbers = [p.number for p in details.phones]
    if numbers:
        holders = session.scalars(
            select(Professional)
            .join(ProfessionalPhone)
            .where(ProfessionalPhone.number.in_(numbers))
            .distinct()
        )
        for professional in holders:
            note(professional, SAME_NUMBER)
    ordered = sorted(found.values(), key=lambda p: (p.last_name, p.first_name, p.id))
    return [Duplicate(p, tuple(reasons[p.id])) for p in ordered]


def link_caller(
    session: Session, call_request: Request, professional: Professional, user: User, now: datetime
) -> bool:
    """Say who called: the request is linked to this professional (logged and audited); False
    when it already was."""
    before = call_request.professional_id
    if before == professional.id:
        return False
    call_request.professional_id = professional.id
    call_request.professional = professional
    # His structure when he works in one only; else none (the nurse chooses among his).
    call_request.structure_id = only_structure_id(session, professional.id)
    log_event(
        session,
        call_request,
        "caller_linked",
        now,
        detail={"professional_id": professional.id, "by": user.id, "nurse": user.display_name},
    )
    audit.record(
        session,
        user,
        "link_caller",
        "request",
        call_request.id,
        now,
        professional_id=professional.id,
        previous_professional_id=before,
    )
    return True
