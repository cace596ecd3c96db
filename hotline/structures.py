"""Structures (establishments) and the professionals who work in them; the structure a request
is made for.

Rules:
- A structure has a name, a kind (``STRUCTURE_KINDS``), an optional FINESS number
  (``hotline.finess``) and a commune kept with its INSEE code as in the directory.
- A structure is never deleted: deactivated, it is no longer offered (to attach a professional,
  for a partner, for a request), and stays where it was chosen.
- A professional may work in several structures; attaching him twice changes nothing.
- A request is made for one of its caller's active structures, or none: set when the request
  opens if he has exactly one (``hotline.services.only_structure_id``), chosen by the nurse
  otherwise. A structure the request already has stays accepted.

Functions raise a ``Refusal``; they flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline import audit, directory
from hotline.finess import clean_finess
from hotline.models import Professional, ProfessionalStructure, Request, Structure, User
from hotline.refusals import N_, Refusal
from hotline.services import log_event

__all__ = ["STRUCTURE_KINDS", "StructureDetails", "clean_finess"]

# Code stored → what a person reads. The codes of the network's first list are kept ("msp",
# "health_centre", "pass", "hospital", "essms", "ccas", "pmi", "association", "other").
STRUCTURE_KINDS = {
    "cabinet": N_("Cabinet (médical, infirmier, de sages-femmes…)"),
    "health_centre": N_("Centre de santé"),
    "msp": N_("Maison de santé pluriprofessionnelle (MSP)"),
    "ehpad": N_("EHPAD"),
    "essms": N_("Établissement ou service médico-social (ESMS)"),
    "pass": N_("PASS (permanence d'accès aux soins de santé)"),
    "association": N_("Association"),
    "hospital": N_("Hôpital, clinique"),
    "ccas": N_("CCAS, service social"),
    "pmi": N_("PMI"),
    "other": N_("Autre"),
}
CHOOSE_STRUCTURE = N_("Choisissez la structure dans la liste.")


@dataclass(frozen=True)
class StructureDetails:
    """What the form says of a structure."""

    name: str
    kind: str = "other"
    finess: str | None = None
    commune: str | None = None
    insee_code: str | None = None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def save_structure(
    session: Session, details: StructureDetails, structure: Structure | None = None
) -> Structure:
    """Add a structure, or change ``structure``."""
    name = _clean(details.name)
    if name is None:
        raise Refusal(N_("Le nom de la structure est obligatoire."))
    if details.kind not in STRUCTURE_KINDS:
        raise Refusal(N_("Choisissez le type de structure dans la liste."))
    directory.check_commune(details.commune, details.insee_code)
    structure = structure or Structure()
    structure.name = name
    structure.kind = details.kind
    structure.finess = clean_finess(details.finess)
    structure.commune = _clean(details.commune)
    structure.insee_code = directory.clean_insee(details.insee_code)
    if structure.is_active is None:
        structure.is_active = True
    session.add(structure)
    session.flush()
    return structure


def set_structure_active(session: Session, structure: Structure, is_active: bool) -> None:
    """Deactivate a structure (no longer offered) or make it active again."""
    structure.is_active = is_active
    session.flush()


def all_structures(session: Session) -> list[Structure]:
    """Every structure, the active first, by name."""
    return list(
        session.scalars(
            select(Structure).order_by(Structure.is_active.desc(), Structure.name, Structure.id)
        )
    )


def offered_structures(session: Session, keep: int | None = None) -> list[Structure]:
    """What a form offers: the active structures, and ``keep`` (the one already chosen)."""
    return list(
        session.scalars(
            select(Structure)
            .where(or_(Structure.is_active, Structure.id == keep))
            .order_by(Structure.name, Structure.id)
        )
    )


def headcounts(session: Session) -> dict[int, int]:
    """Structure id → how many professionals of the directory work there."""
    rows = session.execute(
        select(ProfessionalStructure.structure_id, func.count()).group_by(
            ProfessionalStructure.structure_id
        )
    )
    return {structure_id: count for structure_id, count in rows.tuples()}


def professionals_of(session: Session, structure_id: int) -> list[Professional]:
    """The professionals who work in a structure, by name."""
    return list(
        session.scalars(
            select(Professional)
            .join(ProfessionalStructure, ProfessionalStructure.professional_id == Professional.id)
            .where(ProfessionalStructure.structure_id == structure_id)
            .options(selectinload(Professional.phones))
            .order_by(Professional.last_name, Professional.first_name, Professional.id)
        )
    )


def structures_of(session: Session, professional_id: int) -> list[Structure]:
    """The structures a professional works in, by name."""
    return list(
        session.scalars(
            select(Structure)
            .join(ProfessionalStructure, ProfessionalStructure.structure_id == Structure.id)
            .where(ProfessionalStructure.professional_id == professional_id)
            .order_by(Structure.name, Structure.id)
        )
    )


def _link(
    session: Session, professional_id: int, structure_id: int
) -> ProfessionalStructure | None:
    return session.scalars(
        select(ProfessionalStructure).where(
            ProfessionalStructure.professional_id == professional_id,
            ProfessionalStructure.structure_id == structure_id,
        )
    ).first()


def attach(session: Session, professional: Professional, structure_id: int | None) -> Structure:
    """Say the professional works in this (active) structure; attaching him twice changes
    nothing."""
    structure = session.get(Structure, structure_id) if structure_id is not None else None
    if structure is None or not structure.is_active:
        raise Refusal(CHOOSE_STRUCTURE)
    if _link(session, professional.id, structure.id) is None:
        session.add(
            ProfessionalStructure(professional_id=professional.id, structure_id=structure.id)
        )
        session.flush()
        session.expire(professional, ["structures"])
    return structure


def detach(session: Session, professional: Professional, structure_id: int) -> bool:
    """Say the professional no longer works in this structure; False when he did not. Requests
    made for it keep it."""
    link = _link(session, professional.id, structure_id)
    if link is None:
        return False
    session.delete(link)
    session.flush()
    session.expire(professional, ["structures"])
    return True


def choose_for_request(
    session: Session, call_request: Request, structure_id: int | None, user: User, now: datetime
) -> bool:
    """The nurse says which structure the request is made for (one of its caller's, or none);
    logged and audited. False when it already was."""
    before = call_request.structure_id
    if structure_id == before:
        return False
    structure = session.get(Structure, structure_id) if structure_id is not None else None
    if structure_id is not None:
        allowed = (
            structure is not None
            and structure.is_active
            and call_request.professional_id is not None
            and _link(session, call_request.professional_id, structure_id) is not None
        )
        if not allowed:
            raise Refusal(N_("Choisissez une des structures de l'appelant, ou aucune."))
    call_request.structure_id = structure_id
    log_event(
        session,
        call_request,
        "structure_chosen",
        now,
        detail={
            "structure_id": structure_id,
            "structure": structure.name if structure is not None else None,
            "by": user.id,
        },
    )
    audit.record(
        session,
        user,
        "choose_structure",
        "request",
        call_request.id,
        now,
        structure_id=structure_id,
        previous_structure_id=before,
    )
    return True
