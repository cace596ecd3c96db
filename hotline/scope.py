"""Who may see which helpline: users' roles per helpline, and the helplines a person or a job
works on (every page, list, export and job of the console is scoped through here).

Rules:

* A user holds a role in a helpline through a ``HelplineMembership``; ``User.roles`` is the union
  of those roles (what ``require_roles`` checks), kept in step by ``set_memberships``.
* A regional administrator sees every active helpline, for every role but the nurse's: he reads
  the nurse's pages (``hotline.console.scoping``) and acts as a nurse only in the helplines where
  he is one.
* A deployment's first helpline takes every account that exists when it is created, with the
  account's roles (a single programme works without a membership step); once there are several
  helplines, an account belongs only to the helplines it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from hotline.models import Helpline, HelplineMembership, User

ROLES = ("nurse", "coordinator", "finance", "admin")


def _active_helplines(session: Session) -> list[Helpline]:
    return list(
        session.scalars(
            select(Helpline).where(Helpline.is_active).order_by(Helpline.name, Helpline.id)
        )
    )


def helplines_for(session: Session, user: User, role: str | None = None) -> list[Helpline]:
    """The active helplines ``user`` may see (with ``role`` there, if given), by name. A
    regional administrator sees them all, but acts as a nurse only where he is one."""
    if user.is_regional_admin and role != "nurse":
        return _active_helplines(session)
    query = (
        select(Helpline)
        .join(HelplineMembership, HelplineMembership.helpline_id == Helpline.id)
        .where(HelplineMembership.user_id == user.id, Helpline.is_active)
        .order_by(Helpline.name, Helpline.id)
        .distinct()
    )
    if role is not None:
        query = query.where(HelplineMembership.role == role)
    return list(session.scalars(query))


def helpline_ids_for(session: Session, user: User, role: str | None = None) -> list[int]:
    """The ids of ``helplines_for``."""
    return [helpline.id for helpline in helplines_for(session, user, role)]


def roles_in(session: Session, user: User, helpline_id: int) -> set[str]:
    """The roles ``user`` holds in this helpline (every role but the nurse's for a regional
    admin: he is a nurse only where he is one)."""
    held = set(
        session.scalars(
            select(HelplineMembership.role).where(
                HelplineMembership.user_id == user.id,
                HelplineMembership.helpline_id == helpline_id,
            )
        )
    )
    if user.is_regional_admin:
        held |= {role for role in ROLES if role != "nurse"}
    return held


def can(session: Session, user: User, role: str, helpline_id: int) -> bool:
    """Whether ``user`` may act with ``role`` in this helpline."""
    return role in roles_in(session, user, helpline_id)


def memberships_of(session: Session, user: User) -> dict[int, set[str]]:
    """The user's roles by helpline id."""
    held: dict[int, set[str]] = {}
    for membership in session.scalars(
        select(HelplineMembership).where(HelplineMembership.user_id == user.id)
    ):
        held.setdefault(membership.helpline_id, set()).add(membership.role)
    return held


def set_memberships(
    session: Session, user: User, roles_by_helpline: Mapping[int, Iterable[str]]
) -> None:
    """Replace the user's memberships with these roles per helpline; ``user.roles`` becomes
    their union (in ``ROLES`` order). Unknown roles raise ``ValueError``."""
    wanted = {hid: {r for r in roles} for hid, roles in roles_by_helpline.items()}
    unknown = {r for roles in wanted.values() for r in roles} - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    session.execute(delete(HelplineMembership).where(HelplineMembership.user_id == user.id))
    for helpline_id, roles in sorted(wanted.items()):
        for role in sorted(roles):
            session.add(HelplineMembership(user_id=user.id, helpline_id=helpline_id, role=role))
    union = {r for roles in wanted.values() for r in roles}
    user.roles = ",".join(r for r in ROLES if r in union)
    session.flush()


def grant_roles_where_alone(session: Session, user: User) -> None:
    """A new account of a deployment with exactly one helpline works there with its roles
    (with several, the person creating it chooses the helplines)."""
    helplines = _active_helplines(session)
    if len(helplines) == 1 and not memberships_of(session, user):
        roles = [r.strip() for r in user.roles.split(",") if r.strip() in ROLES]
        set_memberships(session, user, {helplines[0].id: roles})


def adopt_accounts(session: Session, helpline: Helpline) -> None:
    """When ``helpline`` is the deployment's first, every existing account works there with its
    roles (see the module's rules); otherwise nothing."""
    others = session.scalar(
        select(func.count()).select_from(Helpline).where(Helpline.id != helpline.id)
    )
    if others:
        return
    for user in session.scalars(select(User)):
        roles = [r.strip() for r in user.roles.split(",") if r.strip() in ROLES]
        if roles and not memberships_of(session, user):
            set_memberships(session, user, {helpline.id: roles})


def members(helpline_id: int, role: str) -> Select[tuple[int]]:
    """The ids of the users holding ``role`` in this helpline by membership, as a subquery for
    ``User.id.in_(...)``: the people a job rings or notifies for that helpline's records (a
    regional administrator sees every helpline but is rung or notified for none)."""
    return select(HelplineMembership.user_id).where(
        HelplineMembership.helpline_id == helpline_id, HelplineMembership.role == role
    )


def grant(session: Session, user: User, helpline_id: int, role: str) -> None:
    """Give ``user`` this role in this helpline too (nothing when he holds it already)."""
    held = memberships_of(session, user)
    if role in held.get(helpline_id, set()):
        return
    held.setdefault(helpline_id, set()).add(role)
    set_memberships(session, user, held)
