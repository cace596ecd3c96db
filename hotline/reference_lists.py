"""A helpline's reference lists (categories, outcomes, orientations, the patient's
non-identifying facts): read them for forms, lists and reports, and change them for the admins.

The kinds, their defaults and what the default codes mean for the indicators are in
``hotline.reference_codes``. Values are never deleted: a retired value keeps its code and label for
the requests that have it, and is no longer offered for new choices. Services flush, never commit.

For the other features:
- ``choices(session, helpline_id, kind)``: the active values, in order, as (code, label): what a
  form or a filter offers;
- ``labels(session, helpline_id, kind)``: every code's label, retired ones included: what a list,
  an export or a report shows for a stored code (``labels_by_kind`` for every list at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Helpline, ReferenceValue
from hotline.reference_codes import (
    CODE_PATTERN,
    DEFAULTS,
    KINDS,
    MAX_CODE,
    MAX_LABEL,
    NO_INTERPRETER,
    CodeRefusal,
    Kind,
    checked_code,
    code_for,
    kind_of,
)
from hotline.refusals import N_, Refusal

__all__ = [
    "DEFAULTS",
    "KINDS",
    "NO_INTERPRETER",
    "CodeRefusal",
    "Kind",
    "Option",
    "add_value",
    "check_choice",
    "choices",
    "labels",
    "labels_by_kind",
    "move_value",
    "options",
    "rename_value",
    "restore_value",
    "retire_value",
    "seed_defaults",
    "values",
]


@dataclass(frozen=True)
class Option:
    """One choice of a form's select: a value, and whether it is retired (offered only because the
    request already has it)."""

    code: str
    label: str
    is_retired: bool = False


def seed_defaults(session: Session, helpline: Helpline) -> int:
    """Give a helpline the default values it lacks (by code); how many were added. Running it
    again adds nothing, and brings back no value an admin retired."""
    have = set(
        session.execute(
            select(ReferenceValue.kind, ReferenceValue.code).where(
                ReferenceValue.helpline_id == helpline.id
            )
        ).tuples()
    )
    missing = [
        ReferenceValue(helpline_id=helpline.id, kind=kind, code=code, label=label, position=at)
        for kind, defaults in DEFAULTS.items()
        for at, (code, label) in enumerate(defaults, start=1)
        if (kind, code) not in have
    ]
    session.add_all(missing)
    session.flush()
    return len(missing)


def values(session: Session, helpline_id: int, kind: str | None = None) -> list[ReferenceValue]:
    """A helpline's values, retired ones included, in the lists' order (of one kind if given)."""
    query = select(ReferenceValue).where(ReferenceValue.helpline_id == helpline_id)
    if kind is not None:
        query = query.where(ReferenceValue.kind == kind)
    return list(
        session.scalars(
            query.order_by(ReferenceValue.kind, ReferenceValue.position, ReferenceValue.id)
        )
    )


def choices(session: Session, helpline_id: int, kind: str) -> list[tuple[str, str]]:
    """The values offered for new choices, in order: (code, label)."""
    return [
        (value.code, value.label)
        for value in values(session, helpline_id, kind)
        if value.retired_at is None
    ]


def labels(session: Session, helpline_id: int, kind: str) -> dict[str, str]:
    """Every code of a list with its label, retired values included (to show stored codes)."""
    return {value.code: value.label for value in values(session, helpline_id, kind)}


def labels_by_kind(session: Session, helpline_id: int) -> dict[str, dict[str, str]]:
    """Every list of a helpline as ``labels`` gives one (one query, for a list or an export)."""
    found: dict[str, dict[str, str]] = {key: {} for key in KINDS}
    for value in values(session, helpline_id):
        found.setdefault(value.kind, {})[value.code] = value.label
    return found


def options(
    session: Session, helpline_id: int, current: dict[str, str | None]
) -> dict[str, list[Option]]:
    """Each list's choices for a request's form: the active values, and the one the request has
    (``current``, by kind) even when it was retired since; a code no list knows shows as itself."""
    found: dict[str, list[Option]] = {key: [] for key in KINDS}
    for value in values(session, helpline_id):
        if value.kind not in found:
            continue
        if value.retired_at is None or value.code == current.get(value.kind):
            found[value.kind].append(Option(value.code, value.label, value.retired_at is not None))
    for key, code in current.items():
        if code and key in found and all(option.code != code for option in found[key]):
            found[key].append(Option(code, code, is_retired=True))
    return found


def check_choice(
    session: Session, helpline_id: int, kind: str, code: str, current: str | None
) -> None:
    """A Refusal unless ``code`` may be saved on a request: empty, the value it has already (even
    retired since), or an active value of the helpline's list."""
    if not code or code == current:
        return
    name = kind_of(kind).label
    if len(code) > MAX_CODE or not CODE_PATTERN.fullmatch(code):
        raise Refusal(N_("{list} : valeur inconnue."), list=name)  # no list has such a code
    found = session.scalars(
        select(ReferenceValue).where(
            ReferenceValue.helpline_id == helpline_id,
            ReferenceValue.kind == kind,
            ReferenceValue.code == code,
        )
    ).first()
    if found is None:
        raise Refusal(N_("{list} : valeur inconnue."), list=name)
    if found.retired_at is not None:
        raise Refusal(
            N_(
                "{list} : « {label} » a été retiré de la liste et ne peut plus être choisi ; "
                "choisissez une autre valeur."
            ),
            list=name,
            label=found.label,
        )


def _checked_label(
    session: Session, helpline_id: int, kind: str, label: str, value_id: int | None = None
) -> str:
    label = " ".join(label.split())
    if not label:
        raise Refusal(N_("Le libellé est obligatoire."))
    if len(label) > MAX_LABEL:
        raise Refusal(N_("Libellé trop long ({max} caractères au plus)."), max=MAX_LABEL)
    for other in values(session, helpline_id, kind):
        if other.id != value_id and other.label.casefold() == label.casefold():
            raise Refusal(
                N_("« {label} » est déjà dans cette liste (code {code})."),
                label=other.label,
                code=other.code,
            )
    return label


def add_value(
    session: Session, helpline_id: int, kind: str, label: str, code: str = ""
) -> ReferenceValue:
    """Add a value at the end of a list; its code is made from the label unless given. A code
    already in the list (retired or not) is refused: a code keeps one meaning."""
    kind_of(kind)
    label = _checked_label(session, helpline_id, kind, label)
    code = checked_code(code.strip() or code_for(label))
    taken = session.scalars(
        select(ReferenceValue).where(
            ReferenceValue.helpline_id == helpline_id,
            ReferenceValue.kind == kind,
            ReferenceValue.code == code,
        )
    ).first()
    if taken is not None:
        raise CodeRefusal(
            N_(
                "Le code « {code} » est déjà pris dans cette liste (« {label} ») : rétablissez "
                "cette valeur ou choisissez un autre code."
            ),
            code=code,
            label=taken.label,
        )
    last = session.scalar(
        select(func.max(ReferenceValue.position)).where(
            ReferenceValue.helpline_id == helpline_id, ReferenceValue.kind == kind
        )
    )
    value = ReferenceValue(
        helpline_id=helpline_id, kind=kind, code=code, label=label, position=(last or 0) + 1
    )
    session.add(value)
    session.flush()
    return value


def rename_value(session: Session, value: ReferenceValue, label: str) -> None:
    """Give a value a new label; its code, and so every request that has it, is unchanged."""
    value.label = _checked_label(session, value.helpline_id, value.kind, label, value.id)
    session.flush()


def move_value(session: Session, value: ReferenceValue, offset: int) -> None:
    """Move a value one place up (-1) or down (+1) in its list; at an end it stays."""
    siblings = values(session, value.helpline_id, value.kind)
    index = next(i for i, other in enumerate(siblings) if other.id == value.id)
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, other in enumerate(siblings, start=1):
        other.position = position
    session.flush()


def retire_value(session: Session, value: ReferenceValue, now: datetime) -> None:
    """No longer offer a value; the requests that have it keep it, with its label."""
    if value.retired_at is None:
        value.retired_at = now
        session.flush()


def restore_value(session: Session, value: ReferenceValue) -> None:
    """Offer a retired value again."""
    value.retired_at = None
    session.flush()
