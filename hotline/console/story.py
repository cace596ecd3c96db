"""The request page's story: the request log loaded for ``hotline.story`` and told in the reader's
words (the features' tellers from ``hooks.add_story_teller``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import hooks, i18n
from hotline.models import Call, Participation, Request, User
from hotline.story import Facts, Leg, Presence, Step, french_moment, tell

# The keys of an event's detail that name a console user by id.
PEOPLE_KEYS = ("by", "to", "from", "user_id")


@dataclass(frozen=True)
class ConsoleWords:
    """The reader's words: the console's catalog, moments in the helpline's time zone."""

    tz: str
    locale: str

    def gettext(self, text: str, **values: object) -> str:
        return i18n.gettext(text, **values)

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return i18n.ngettext(singular, plural, n, **values)

    def moment(self, at: datetime) -> str:
        if self.locale == i18n.DEFAULT_LOCALE:
            return french_moment(at, self.tz)
        pattern = "d MMMM 'at' H:mm"
        return str(format_datetime(at, pattern, tzinfo=ZoneInfo(self.tz), locale=self.locale))


@dataclass(frozen=True)
class ToldLine:
    """A line of the story as the page shows it: when (in the helpline's zone), what."""

    at: datetime
    stamp: str
    text: str
    kind: str


def load_facts(session: Session, request: Request) -> Facts:
    """What the request log knows of the request (four queries, whatever its length)."""
    steps = tuple(
        Step(
            event.id,
            event.at,
            event.kind,
            dict(event.detail or {}),
            event.call_sid,
            event.dedupe_key,
        )
        for event in request.events
    )
    legs = tuple(
        Leg(call.sid, call.role, str(call.status), call.answered_at, call.ended_at, call.duration_s)
        for call in session.scalars(select(Call).where(Call.request_id == request.id))
    )
    presences = tuple(
        Presence(row.call_sid, row.label, row.joined_at, row.left_at)
        for row in session.scalars(
            select(Participation).where(Participation.request_id == request.id)
        )
    )
    ids = {
        value
        for step in steps
        for key in PEOPLE_KEYS
        if isinstance(value := step.detail.get(key), int)
    }
    people = (
        {
            user.id: user.display_name
            for user in session.scalars(select(User).where(User.id.in_(ids)))
        }
        if ids
        else {}
    )
    professional = request.professional
    return Facts(
        steps=steps,
        legs=legs,
        presences=presences,
        caller=professional.display_name if professional is not None else None,
        caller_number=request.caller_number,
        people=people,
    )


def told(session: Session, request: Request, labels: Mapping[str, str]) -> list[ToldLine]:
    """The request's story for the page, in the reader's language and the helpline's zone (a
    step nobody tells is said by its kind's label)."""
    tz = request.helpline.timezone
    locale = i18n.current_locale()
    words = ConsoleWords(tz, locale)
    tellers = hooks.registries().story_tellers
    lines = tell(load_facts(session, request), tellers, words, labels)
    zone = ZoneInfo(tz)
    opened_on = request.opened_at.astimezone(zone).date()
    found = []
    for line in lines:
        form = "HH:mm:ss" if line.at.astimezone(zone).date() == opened_on else "d MMM, HH:mm"
        stamp = str(format_datetime(line.at, form, tzinfo=zone, locale=locale))
        found.append(ToldLine(line.at, stamp, line.text, line.kind))
    return found
