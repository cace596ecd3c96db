"""The demo's structures and who works in them (``hotline.demo_tables``); running it twice adds
nothing."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import demo_tables, structures
from hotline.models import Professional, ProfessionalPhone, Structure


def seed_structures(session: Session) -> dict[str, Structure]:
    """The demo's structures, by name (those already there are kept as they are)."""
    found: dict[str, Structure] = {}
    for name, kind, finess, commune, insee in demo_tables.DEMO_STRUCTURES:
        known = session.scalars(select(Structure).where(Structure.name == name)).first()
        details = structures.StructureDetails(name, kind, finess, commune, insee)
        found[name] = known or structures.save_structure(session, details)
    return found


def seed_workplaces(session: Session, workplaces: Iterable[tuple[str, Iterable[str]]]) -> None:
    """Attach each professional (found by a number of his) to his structures."""
    by_name = seed_structures(session)
    for number, names in workplaces:
        professional = session.scalars(
            select(Professional)
            .join(ProfessionalPhone)
            .where(ProfessionalPhone.number == number)
            .order_by(Professional.id)
        ).first()
        if professional is None:
            continue
        for name in names:
            structures.attach(session, professional, by_name[name].id)
