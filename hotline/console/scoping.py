"""What the console shows a person: only the records of the helplines of his roles
(``hotline.scope``). A list filters its query on them (and, for a person of several, offers a
helpline filter and shows each row's helpline: the consolidated view); a record of another
helpline answers 404, never 403, so that another programme's reference numbers are not confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request, session
from sqlalchemy import select

from hotline.auth import HELPLINE_KEY, current_user, visible_helpline_ids
from hotline.i18n import gettext as _
from hotline.inputs import parse_id
from hotline.models import Helpline
from hotline.refusals import N_, Refusal
from hotline.web import db_session

# A regional administrator holds every role but the nurse's (``User.has_role``): naming this
# role next to "nurse" in ``require_roles`` opens a nurse's page to him, to read (his actions
# are refused: they require the nurse's role, he is never rung nor on duty).
REGIONAL = "regional_admin"
READERS = ("nurse", REGIONAL)

UNKNOWN_HELPLINE = N_("Choix « {value} » inconnu pour « {name} ».")


def visible_ids(*roles: str) -> list[int]:
    """The helplines whose records the signed-in user may see with one of these roles
    (the nurse's by default; every active helpline for a regional administrator)."""
    found: list[int] = []
    # By default: a page is read by the nurse's readers (a regional administrator too); an
    # action (any other method) is a nurse's, in the helplines where she is one.
    default = READERS if request.method in ("GET", "HEAD") else ("nurse",)
    for role in roles or default:
        # A regional administrator reads every helpline (any role but the nurse's sees them
        # all); he acts as a nurse only where he is one.
        wanted = "admin" if role == REGIONAL else role
        if role == REGIONAL and not _is_regional():
            continue
        found += [hid for hid in visible_helpline_ids(wanted) if hid not in found]
    return found


def _is_regional() -> bool:
    user = current_user()
    return user is not None and user.is_regional_admin


def in_scope_or_404(helpline_id: int, *roles: str) -> None:
    """Stop with 404 unless the record's helpline is one the user sees with these roles."""
    if helpline_id not in visible_ids(*roles):
        abort(404)


@dataclass(frozen=True)
class ListScope:
    """The helplines a list shows: those the person sees, narrowed by its helpline filter."""

    names: dict[int, str]  # the helplines the person sees here, by name
    chosen: int | None = None  # the list's helpline filter, if one is set
    problem: Refusal | None = None  # a filter naming a helpline not among ``names``

    @property
    def ids(self) -> list[int]:
        """The helplines whose rows the list holds."""
        return [self.chosen] if self.chosen is not None else list(self.names)

    @property
    def consolidated(self) -> bool:
        """Whether the person sees several helplines (the filter and the column are shown)."""
        return len(self.names) > 1

    def name(self, helpline_id: int) -> str:
        """A helpline's name, for the list's column."""
        return self.names.get(helpline_id, "")


def helpline_names(ids: list[int]) -> dict[int, str]:
    """These helplines' names, by name."""
    if not ids:
        return {}
    rows = db_session().execute(
        select(Helpline.id, Helpline.name)
        .where(Helpline.id.in_(ids))
        .order_by(Helpline.name, Helpline.id)
    )
    return dict(rows.tuples().all())


def list_scope(*roles: str, argument: str = "helpline") -> ListScope:
    """The scope of a list for the signed-in user, with the query string's helpline filter."""
    names = helpline_names(visible_ids(*roles))
    text = request.args.get(argument, "").strip()
    if not text:
        return ListScope(names)
    chosen = parse_id(text)
    if chosen is None or chosen not in names:
        return ListScope(names, None, Refusal(UNKNOWN_HELPLINE, value=text[:40], name=_("Ligne")))
    return ListScope(names, chosen)


def working_helpline_id(*roles: str) -> int:
    """The helpline a new record of these roles goes to: the one chosen in the header when the
    user holds one of these roles there, else the first where he does; 403 when none."""
    allowed = visible_ids(*roles)
    if not allowed:
        abort(403)
    wanted = session.get(HELPLINE_KEY)
    return wanted if wanted in allowed else allowed[0]
