"""Load the requests, their calls and their queue entries as plain rows (one query per family)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from callbacks.models import CallbackTask
from hotline.models import Call, Participation, Professional, Request, RequestEvent, Structure
from interpreter_pool.models import InterpretingSession
from reports.indicator_facts import CallFact, Keys, Period, QueueFact, RequestFact
from routing.models import NurseRouting, RoutingKind
from routing.twiml import NURSE_LABEL_PREFIX

# The events the request rows read, and nothing else.
EVENT_KINDS = (
    "received",
    "menu_choice",
    "nurse_answered",
    "nurse_closed",
    "nurse_unreachable",
    "voicemail_left",
    "callback_requested",
    "caller_linked",
)


@dataclass
class _Story:
    """What a request's events, legs, rooms and sessions say, gathered before the row is built."""

    caller_known: bool = False
    menu_choice: str | None = None
    nurse_answers: list[tuple[datetime, dict[str, Any]]] | None = None
    nurse_not_rung: bool = False
    voicemail: bool = False
    callback_requests: list[datetime] | None = None
    linked: bool = False
    gp_inbound: bool = False
    last_call_end: datetime | None = None
    nurse_seconds: int = 0
    by_gp: bool = False
    connected: bool = False
    language: str | None = None
    provider: str | None = None
    callbacks: bool = False


# Up to this many requests are looked up by their ids (``load_requests``).
FEW = 2000


def request_ids(scope: Sequence[int], period: Period, *, opened_only: bool = False) -> Select[Any]:
    """The requests the period's indicators read: opened or closed in it, or open at its end
    (``opened_only``: opened in it, or with a leg or a queue entry in it, the older ones being
    read from the aggregates; their stories are what the period's legs and queues need)."""
    start, end = period.start, period.end
    if opened_only:
        legs = select(Call.request_id).where(Call.created_at >= start, Call.created_at < end)
        queued = select(NurseRouting.request_id).where(
            NurseRouting.created_at >= start, NurseRouting.created_at < end
        )
        return select(Request.id).where(
            Request.helpline_id.in_(scope),
            or_(
                and_(Request.opened_at >= start, Request.opened_at < end),
                Request.id.in_(legs),
                Request.id.in_(queued),
            ),
        )
    return select(Request.id).where(
        Request.helpline_id.in_(scope),
        or_(
            and_(Request.opened_at >= start, Request.opened_at < end),
            and_(Request.closed_at >= start, Request.closed_at < end),
            and_(
                Request.opened_at < end,
                or_(Request.closed_at.is_(None), Request.closed_at >= end),
            ),
        ),
    )


def _stories(session: Session, ids: Select[Any] | list[int]) -> dict[int, _Story]:
    stories: dict[int, _Story] = {}

    def story(request_id: int) -> _Story:
        return stories.setdefault(request_id, _Story())

    events = session.execute(
        select(RequestEvent.request_id, RequestEvent.kind, RequestEvent.at, RequestEvent.detail)
        .where(RequestEvent.request_id.in_(ids), RequestEvent.kind.in_(EVENT_KINDS))
        .order_by(RequestEvent.at, RequestEvent.id)
    )
    for request_id, kind, at, detail in events:
        s = story(request_id)
        if kind == "received":
            s.caller_known = bool((detail or {}).get("caller_known"))
        elif kind == "menu_choice" and s.menu_choice is None:
            s.menu_choice = str((detail or {}).get("choice"))
        elif kind == "nurse_answered":
            s.nurse_answers = [*(s.nurse_answers or []), (at, detail or {})]
        elif kind in ("nurse_closed", "nurse_unreachable"):
            s.nurse_not_rung = True
        elif kind == "voicemail_left":
            s.voicemail = True
        elif kind == "callback_requested":
            s.callback_requests = [*(s.callback_requests or []), at]
        elif kind == "caller_linked":
            s.linked = True
    legs = session.execute(
        select(Call.request_id, Call.role, Call.direction, Call.ended_at).where(
            Call.request_id.in_(ids)
        )
    )
    for request_id, role, direction, ended_at in legs:
        s = story(request_id)
        if role == "gp" and direction == "inbound":
            s.gp_inbound = True
        if ended_at is not None and (s.last_call_end is None or ended_at > s.last_call_end):
            s.last_call_end = ended_at
    rooms = session.execute(
        select(Participation.request_id, Participation.joined_at, Participation.left_at).where(
            Participation.request_id.in_(ids), Participation.label.startswith(NURSE_LABEL_PREFIX)
        )
    )
    for request_id, joined_at, left_at in rooms:
        if joined_at is not None and left_at is not None:
            story(request_id).nurse_seconds += int((left_at - joined_at).total_seconds())
    sessions = session.execute(
        select(
            InterpretingSession.request_id,
            InterpretingSession.requested_by,
            InterpretingSession.connected_at,
            InterpretingSession.language,
            InterpretingSession.interpreter_id,
        )
        .where(InterpretingSession.request_id.in_(ids))
        .order_by(InterpretingSession.requested_at, InterpretingSession.id)
    )
    for request_id, by, connected_at, language, interpreter_id in sessions:
        s = story(request_id)
        s.by_gp = s.by_gp or by == "gp"
        s.language = s.language or language
        if connected_at is not None and not s.connected:
            s.connected = True
            s.provider = None if interpreter_id is None else str(interpreter_id)
    return stories


def _callback_requests(session: Session, ids: Select[Any] | list[int]) -> set[int]:
    query = select(CallbackTask.request_id).where(CallbackTask.request_id.in_(ids))
    return set(session.scalars(query))


def load_requests(
    session: Session, scope: Sequence[int], period: Period, *, opened_only: bool = False
) -> tuple[list[RequestFact], dict[int, Keys], dict[int, _Story]]:
    """The request rows, and the keys and stories of each request (for the other families)."""
    query = request_ids(scope, period, opened_only=opened_only)
    # A few requests (today's, read beside the aggregates at every view) are looked up by id in
    # the other tables; many (a build's months) through the query itself.
    found = list(session.scalars(query.limit(FEW + 1)))
    ids: Select[Any] | list[int] = found if len(found) <= FEW else query
    stories = _stories(session, ids)
    with_callback = _callback_requests(session, ids)
    rows = session.execute(
        select(
            Request,
            Professional.profession,
            Professional.territory,
            Professional.insee_code,
            Structure.kind,
        )
        .outerjoin(Professional, Professional.id == Request.professional_id)
        .outerjoin(Structure, Structure.id == Request.structure_id)
        .where(Request.id.in_(ids))
        .order_by(Request.opened_at, Request.id)
    )
    facts: list[RequestFact] = []
    keys: dict[int, Keys] = {}
    for request, profession, territory, insee, structure_kind in rows:
        s = stories.get(request.id, _Story())
        key = Keys(
            helpline=request.helpline_id,
            category=request.category,
            profession=profession,
            territory=territory,
            language=request.language or s.language,
            provider=s.provider,
            structure=structure_kind,
        )
        keys[request.id] = key
        facts.append(
            RequestFact(
                id=request.id,
                reference=request.reference,
                keys=key,
                opened_at=request.opened_at,
                closed_at=request.closed_at,
                channel=request.channel,
                outcome=request.outcome,
                orientation=request.orientation,
                has_language=request.language is not None,
                professional_id=request.professional_id,
                insee_code=insee,
                menu_choice=s.menu_choice,
                has_gp_inbound=s.gp_inbound,
                nurse_answered=bool(s.nurse_answers),
                nurse_not_rung=s.nurse_not_rung,
                nurse_seconds=s.nurse_seconds,
                interpreter_by_gp=s.by_gp,
                has_connected_session=s.connected,
                has_callback=request.id in with_callback,
                has_voicemail=s.voicemail,
                is_caller_known=s.caller_known,
                is_caller_linked=s.linked,
                last_call_ended_at=s.last_call_end,
            )
        )
    return facts, keys, stories


def load_calls(
    session: Session,
    scope: Sequence[int],
    period: Period,
    keys: Mapping[int, Keys],
    stories: dict[int, _Story],
) -> list[CallFact]:
    """The legs started in the period on the helplines in scope."""
    rows = session.execute(
        select(Call, InterpretingSession.language, InterpretingSession.interpreter_id)
        .join(Request, Request.id == Call.request_id)
        .outerjoin(InterpretingSession, InterpretingSession.id == Call.interpreting_session_id)
        .where(
            Request.helpline_id.in_(scope),
            Call.created_at >= period.start,
            Call.created_at < period.end,
        )
    ).all()
    keys = complete_keys(session, keys, [call.request_id for call, _, _ in rows])
    facts = []
    for call, language, interpreter_id in rows:
        key = keys.get(call.request_id) or Keys(helpline=call.helpline_id)
        if language is not None:
            provider = str(call.interpreter_id or interpreter_id or "") or None
            key = Keys(
                key.helpline,
                key.category,
                key.profession,
                key.territory,
                language,
                provider,
                key.structure,
            )
        story = stories.get(call.request_id, _Story())
        facts.append(
            CallFact(
                request_id=call.request_id,
                keys=key,
                role=call.role,
                direction=call.direction,
                started_at=call.created_at,
                status=str(call.status),
                price=None if call.price is None else abs(call.price),
                interpreting_session_id=call.interpreting_session_id,
                is_caller_known=story.caller_known,
            )
        )
    return facts


def load_queues(
    session: Session,
    scope: Sequence[int],
    period: Period,
    keys: Mapping[int, Keys],
    stories: dict[int, _Story],
) -> list[QueueFact]:
    """The GPs routed to the nurses in the period (routings of kind "gp")."""
    routings = session.scalars(
        select(NurseRouting)
        .join(Request, Request.id == NurseRouting.request_id)
        .where(
            Request.helpline_id.in_(scope),
            NurseRouting.kind == RoutingKind.GP,
            NurseRouting.created_at >= period.start,
            NurseRouting.created_at < period.end,
        )
        .order_by(NurseRouting.created_at, NurseRouting.id)
    ).all()
    keys = complete_keys(session, keys, [r.request_id for r in routings])
    facts = []
    for routing in routings:
        story = stories.get(routing.request_id, _Story())
        answered_at, rank = None, None
        for at, detail in story.nurse_answers or []:
            if at >= routing.created_at and (routing.ended_at is None or at <= routing.ended_at):
                answered_at, rank = at, _rank(routing.plan, detail)
                break
        asked = any(at >= routing.created_at for at in story.callback_requests or [])
        facts.append(
            QueueFact(
                request_id=routing.request_id,
                keys=keys.get(routing.request_id, Keys()),
                entered_at=routing.created_at,
                status=str(routing.status),
                answered_at=answered_at,
                ended_at=routing.ended_at,
                answered_rank=rank,
                callback_requested=asked,
            )
        )
    return facts


def _rank(plan: list[Any], detail: dict[str, Any]) -> str | None:
    step, user_id = detail.get("step"), detail.get("user_id")
    if not isinstance(step, int) or not 0 <= step < len(plan or []):
        return None
    for target in plan[step]:
        if target.get("user_id") == user_id:
            return target.get("rank")
    return None


def first_requests(session: Session, scope: Sequence[int]) -> dict[int, datetime]:
    """Each professional's first request ever on the helplines in scope."""
    rows = session.execute(
        select(Request.professional_id, func.min(Request.opened_at))
        .where(Request.helpline_id.in_(scope), Request.professional_id.is_not(None))
        .group_by(Request.professional_id)
    )
    return {pid: at for pid, at in rows}


def complete_keys(
    session: Session, keys: Mapping[int, Keys], wanted: Iterable[int | None]
) -> Mapping[int, Keys]:
    """``keys`` with those of the ``wanted`` requests it lacks (requests outside the period)."""
    missing = sorted({i for i in wanted if i is not None and i not in keys})
    if not missing:
        return keys
    found = dict(keys)
    for chunk in (missing[i : i + 500] for i in range(0, len(missing), 500)):
        rows = session.execute(
            select(
                Request.id,
                Request.helpline_id,
                Request.category,
                Request.language,
                Professional.profession,
                Professional.territory,
                Structure.kind,
            )
            .outerjoin(Professional, Professional.id == Request.professional_id)
            .outerjoin(Structure, Structure.id == Request.structure_id)
            .where(Request.id.in_(chunk))
        )
        for rid, helpline, category, language, profession, territory, kind in rows:
            found[rid] = Keys(helpline, category, profession, territory, language, None, kind)
    return found
