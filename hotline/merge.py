"""Merging two professionals of the directory: every row naming the merged one follows the kept one.

Rules:

- The kept record keeps its details; a detail it lacks (title, RPPS, commune…) is taken from the
  merged one. Its numbers and structures are the union of both (a number or a structure both
  had is kept once).
- Every request of the merged record, and every record merged into it earlier, now names the kept
  one; the features' rows move through their ``hooks.MergeHandler``.
- The merged record is not deleted: it stays, inactive, with ``merged_into_id`` set, so that the
  audit log and old exports still resolve it. A record already merged cannot be merged again, nor
  be kept.
- A merge touching requests of a helpline the person does not administer is refused by the view
  (``helplines_of``), never half done.

Functions raise a ``Refusal``; they flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.hooks import MergeHandler
from hotline.models import Professional, ProfessionalPhone, ProfessionalStructure, Request
from hotline.refusals import N_, Refusal

FILLED_FROM_MERGED = ("title", "first_name", "organisation", "territory", "commune", "rpps")


@dataclass(frozen=True)
class Counts:
    """What one record holds: the ground floor's rows, then the features' by handler key."""

    requests: int
    phones: int
    structures: int
    features: dict[str, int]


def counts(
    session: Session, professional: Professional, handlers: Sequence[MergeHandler]
) -> Counts:
    """How many requests, numbers, structures and feature rows a record holds."""
    pid = professional.id
    requests = session.scalar(select(func.count(Request.id)).where(Request.professional_id == pid))
    structures = session.scalar(
        select(func.count(ProfessionalStructure.id)).where(
            ProfessionalStructure.professional_id == pid
        )
    )
    return Counts(
        requests=requests or 0,
        phones=len(professional.phones),
        structures=structures or 0,
        features={handler.key: handler.count(session, pid) for handler in handlers},
    )


def helplines_of(session: Session, *professionals: Professional) -> set[int]:
    """The helplines whose requests name one of these records."""
    ids = [p.id for p in professionals]
    return set(
        session.scalars(
            select(Request.helpline_id).where(Request.professional_id.in_(ids)).distinct()
        )
    )


def check_merge(kept: Professional, merged: Professional) -> None:
    """Refuse a merge of a record with itself, or of a record already merged."""
    if kept.id == merged.id:
        raise Refusal(N_("Choisissez deux fiches différentes."))
    for professional in (kept, merged):
        if professional.merged_into_id is not None:
            raise Refusal(
                N_("La fiche n° {id} a déjà été fusionnée dans la fiche n° {into}."),
                id=professional.id,
                into=professional.merged_into_id,
            )


def merge_professionals(
    session: Session,
    kept: Professional,
    merged: Professional,
    handlers: Sequence[MergeHandler] = (),
) -> dict[str, int]:
    """Move everything of ``merged`` to ``kept`` and mark it merged; what moved, by kind."""
    check_merge(kept, merged)
    moved: dict[str, int] = {}
    moved["requests"] = _rowcount(
        session.execute(
            update(Request)
            .where(Request.professional_id == merged.id)
            .values(professional_id=kept.id)
            .execution_options(synchronize_session="fetch")
        )
    )
    moved["phones"] = _move_phones(kept, merged)
    moved["structures"] = _move_structures(session, kept, merged)
    moved["merged_records"] = _rowcount(
        session.execute(
            update(Professional)
            .where(Professional.merged_into_id == merged.id)
            .values(merged_into_id=kept.id)
            .execution_options(synchronize_session="fetch")
        )
    )
    for handler in handlers:
        if handler.move is not None:
            moved[handler.key] = handler.move(session, merged.id, kept.id)
    for name in FILLED_FROM_MERGED:
        if not getattr(kept, name) and getattr(merged, name):
            setattr(kept, name, getattr(merged, name))
    if not kept.commune and not kept.insee_code and merged.insee_code:
        kept.insee_code = merged.insee_code
    merged.is_active = False
    merged.merged_into_id = kept.id
    session.flush()
    return moved


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _move_phones(kept: Professional, merged: Professional) -> int:
    """The merged record's numbers join the kept one's (a number both had is kept once)."""
    held = {phone.number for phone in kept.phones}
    count = 0
    for phone in list(merged.phones):
        merged.phones.remove(phone)  # delete-orphan: a number both had goes with this
        if phone.number not in held:
            kept.phones.append(ProfessionalPhone(number=phone.number, label=phone.label))
            held.add(phone.number)
            count += 1
    return count


def _move_structures(session: Session, kept: Professional, merged: Professional) -> int:
    held = set(
        session.scalars(
            select(ProfessionalStructure.structure_id).where(
                ProfessionalStructure.professional_id == kept.id
            )
        )
    )
    count = 0
    for link in session.scalars(
        select(ProfessionalStructure).where(ProfessionalStructure.professional_id == merged.id)
    ).all():
        if link.structure_id in held:
            session.delete(link)
        else:
            link.professional_id = kept.id
            held.add(link.structure_id)
            count += 1
    return count
