"""The GP's one-key rating of the service, asked once a request when the nurse or the
interpreter has left and he is still on the line (a helpline setting, off by default)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.models import Participation, Request
from hotline.services import log_event
from routing.models import ServiceRating

SCORES = frozenset("12345")


def should_ask(session: Session, request: Request) -> bool:
    """Whether to ask the GP: the helpline wants ratings, someone talked with him in the room,
    and the request has no rating yet."""
    if not request.helpline.is_rating_enabled:
        return False
    if session.scalars(
        select(ServiceRating.id).where(ServiceRating.request_id == request.id)
    ).first():
        return False
    talked = session.scalars(
        select(Participation.id).where(
            Participation.request_id == request.id,
            Participation.label.is_not(None),
            Participation.label != "gp",
            Participation.joined_at.is_not(None),
        )
    ).first()
    return talked is not None


def record_rating(
    session: Session, request: Request, digits: str, call_sid: str, now: datetime
) -> ServiceRating | None:
    """Keep the GP's score (1 to 5) once; None for any other key."""
    if digits not in SCORES:
        return None
    found = session.scalars(
        select(ServiceRating).where(ServiceRating.request_id == request.id)
    ).first()
    if found is not None:
        return found
    rating = ServiceRating(
        request_id=request.id, score=int(digits), call_sid=call_sid, rated_at=now
    )
    try:
        with session.begin_nested():
            session.add(rating)
    except IntegrityError:  # the same key press delivered twice at once
        return session.scalars(
            select(ServiceRating).where(ServiceRating.request_id == request.id)
        ).one()
    log_event(
        session,
        request,
        "service_rated",
        now,
        call_sid=call_sid,
        detail={"score": rating.score},
        dedupe_key=f"rated:{request.id}",
    )
    return rating
