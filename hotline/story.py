"""The story of a request as a person tells it: one line per meaningful step, who and how long.

A pure fold over what the request log knows (its events, call legs and presences in rooms),
frozen here as ``Facts``. The ground floor tells its own steps (the call received, the menu, the
GP hanging up, the record saved); each feature tells its own through a teller registered with
``hooks.add_story_teller``. A teller returns ``Line``s naming the steps they tell (``told``); a
line with no text tells its steps by saying nothing (a technical step, a step another line
sums up). Invariants: the same facts in any order, with any step repeated, tell the same story;
every line comes from at least one step; lines are in the order of time.

The words are the reader's: a ``Words`` translates, counts and dates (``FrenchWords`` is the
plain French of the tests and of the command line).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from hotline.phones import format_for_display


@dataclass(frozen=True)
class Step:
    """A request event as the story reads it."""

    id: int
    at: datetime
    kind: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    call_sid: str | None = None
    key: str | None = None  # the event's dedupe key, when Twilio may deliver it more than once


@dataclass(frozen=True)
class Leg:
    """A call leg of the request."""

    sid: str
    role: str
    status: str
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: int | None = None


@dataclass(frozen=True)
class Presence:
    """A leg's stay in the request's room."""

    call_sid: str
    label: str | None
    joined_at: datetime | None = None
    left_at: datetime | None = None


@dataclass(frozen=True)
class Facts:
    """What the request log knows of one request."""

    steps: tuple[Step, ...]
    legs: tuple[Leg, ...] = ()
    presences: tuple[Presence, ...] = ()
    caller: str | None = None  # the professional's name, when the directory knows him
    caller_number: str | None = None
    people: Mapping[int, str] = field(default_factory=dict)  # console users' names by id

    def person(self, user_id: object) -> str | None:
        """The name of a console user named in a step's detail."""
        return self.people.get(user_id) if isinstance(user_id, int) else None

    def leg(self, sid: str | None) -> Leg | None:
        """The leg of a call SID."""
        return next((leg for leg in self.legs if leg.sid == sid), None)


@dataclass(frozen=True)
class Line:
    """One line of the story; no text: its steps are told by saying nothing."""

    at: datetime
    text: str
    told: frozenset[int] = frozenset()
    kind: str = ""  # what the line is about ("call", "nurse", "interpreter", "callback", ...)


class Words(Protocol):
    """The reader's words: a French text translated, a counted one, a moment."""

    @property
    def locale(self) -> str: ...

    def gettext(self, text: str, **values: object) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str: ...

    def moment(self, at: datetime) -> str: ...


Teller = Callable[[Facts, Words], Iterable[Line]]


@dataclass(frozen=True)
class FrenchWords:
    """The French texts themselves (the source language), moments in a time zone."""

    tz: str = "Europe/Paris"
    locale: str = "fr"

    def gettext(self, text: str, **values: object) -> str:
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return (singular if abs(n) < 2 else plural).format(n=n, **values)

    def moment(self, at: datetime) -> str:
        return french_moment(at, self.tz)


MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_moment(at: datetime, tz: str) -> str:
    """ "3 décembre à 9 h", "3 décembre à 14 h 20" in the time zone."""
    local = at.astimezone(ZoneInfo(tz))
    hour = f"{local.hour} h" + (f" {local.minute:02d}" if local.minute else "")
    return f"{local.day} {MONTHS_FR[local.month - 1]} à {hour}"


def duration(seconds: float | None) -> str:
    """ "38 s", "6 min 12 s", "1 h 05 min" (the same in French and English)."""
    total = max(0, round(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def seconds_between(start: datetime, end: datetime) -> float:
    """How long from ``start`` to ``end`` (never negative)."""
    return max(0.0, (end - start).total_seconds())


# Two steps alike (kind, call, detail) this close in time are one step told twice (a double
# click, a retried request); further apart they are two steps (a second hold).
SAME_STEP_WITHIN_S = 10


def distinct_steps(steps: Iterable[Step]) -> tuple[Step, ...]:
    """The steps in the order of time, each told once: a step with the key of an earlier one,
    or alike an earlier keyless one moments before, is left out."""
    keys: set[str] = set()
    alike: dict[tuple[str, str, str], datetime] = {}
    kept: list[Step] = []
    for step in sorted(steps, key=lambda s: (s.at, s.id)):
        if step.key is not None:
            if step.key in keys:
                continue
            keys.add(step.key)
        else:
            detail = json.dumps(step.detail, sort_keys=True, default=str)
            same = (step.kind, step.call_sid or "", detail)
            last = alike.get(same)
            alike[same] = step.at
            if last is not None and seconds_between(last, step.at) <= SAME_STEP_WITHIN_S:
                continue
        kept.append(step)
    return tuple(kept)


def tell(
    facts: Facts,
    tellers: Sequence[Teller],
    words: Words,
    labels: Mapping[str, str] | None = None,
) -> list[Line]:
    """The story: the features' tellers first, then the ground floor for the steps left (a step
    nobody tells is said by its kind's label in ``labels``, else by its kind)."""
    facts = replace(facts, steps=distinct_steps(facts.steps))
    lines: list[Line] = []
    told: set[int] = set()
    for teller in tellers:
        for line in teller(facts, words):
            fresh = line.told - told
            if line.told and not fresh:
                continue  # another teller already told these steps
            told |= line.told
            lines.append(line)
    left = replace(facts, steps=tuple(step for step in facts.steps if step.id not in told))
    lines.extend(ground_floor(left, words, labels or {}))
    # At the same moment, the order the steps were logged in.
    return sorted(
        (line for line in lines if line.text),
        key=lambda line: (line.at, min(line.told, default=0)),
    )


# The ground floor's technical steps: the story says nothing of them.
SILENT = frozenset(
    {
        "menu_no_choice",
        "nurse_leg_ended",
        "interpreter_leg_ended",
        "participant_join",
        "participant_leave",
        "conference_start",
        "conference_end",
        # the lifecycle's note that the calls are over: the GP's hang-up line already says it
        "call_ended",
    }
)


def ground_floor(facts: Facts, words: Words, labels: Mapping[str, str]) -> Iterator[Line]:
    """The ground floor's steps, and a plain line for a step no teller knows."""
    saved = [step for step in facts.steps if step.kind == "request_logged"]
    invalid = [step for step in facts.steps if step.kind == "menu_invalid_choice"]
    for step in facts.steps:
        only = frozenset({step.id})
        if step.kind in SILENT:
            yield Line(step.at, "", only)
        elif step.kind == "received":
            yield Line(step.at, received(facts, step, words), only, "call")
        elif step.kind == "menu_choice":
            choice = str(step.detail.get("choice") or "")
            yield Line(step.at, words.gettext("Choix au menu : {choice}", choice=choice), only)
        elif step.kind == "menu_invalid_choice" and step is invalid[0]:
            text = words.ngettext(
                "{n} touche non valide au menu", "{n} touches non valides au menu", len(invalid)
            )
            yield Line(step.at, text, frozenset(s.id for s in invalid), "call")
        elif step.kind == "menu_abandoned":
            yield Line(step.at, words.gettext("Aucun choix au menu : appel terminé"), only, "call")
        elif step.kind == "gp_leg_ended":
            # A leg that never answered (a callback's ring) is told by its attempt's line.
            answered = step.detail.get("status", "completed") == "completed"
            yield Line(step.at, gp_hung_up(facts, step, words) if answered else "", only, "call")
        elif step.kind in ("request_closed", "request_reopened"):
            yield Line(step.at, closed_or_reopened(facts, step, words), only)
        elif step.kind == "request_logged" and step is saved[-1]:
            yield Line(step.at, record_saved(facts, saved, words), frozenset(s.id for s in saved))
        elif step.kind not in ("request_logged", "menu_invalid_choice"):
            label = labels.get(step.kind)
            yield Line(step.at, words.gettext(label) if label else step.kind, only)


def received(facts: Facts, step: Step, words: Words) -> str:
    """ "Appel reçu de Dr Martin", of an unknown number, of a withheld one."""
    if facts.caller:
        return words.gettext("Appel reçu de {caller}", caller=facts.caller)
    if step.detail.get("caller_withheld"):
        return words.gettext("Appel reçu d'un numéro masqué")
    if facts.caller_number:
        number = format_for_display(facts.caller_number)
        return words.gettext("Appel reçu du {number} (appelant inconnu)", number=number)
    return words.gettext("Appel reçu d'un appelant inconnu")


def gp_hung_up(facts: Facts, step: Step, words: Words) -> str:
    """ "Le médecin a raccroché — appel de 6 min 12 s"."""
    seconds = step.detail.get("duration_s")
    if seconds is None:
        leg = facts.leg(step.call_sid)
        seconds = leg.duration_s if leg is not None else None
    if not seconds:
        return words.gettext("Le médecin a raccroché")
    return words.gettext("Le médecin a raccroché — appel de {length}", length=duration(seconds))


def closed_or_reopened(facts: Facts, step: Step, words: Words) -> str:
    """ "Demande clôturée par Amélie Roux", "Demande rouverte par …"."""
    name = facts.person(step.detail.get("by"))
    if step.kind == "request_closed":
        if name:
            return words.gettext("Demande clôturée par {nurse}", nurse=name)
        return words.gettext("Demande clôturée")
    if name:
        return words.gettext("Demande rouverte par {nurse}", nurse=name)
    return words.gettext("Demande rouverte")


def record_saved(facts: Facts, saved: Sequence[Step], words: Words) -> str:
    """The record saved (once a line, however many times it was saved)."""
    names = [facts.person(step.detail.get("by")) for step in saved]
    known = [name for name in dict.fromkeys(names) if name]
    if known:
        return words.gettext("Fiche enregistrée par {nurse}", nurse=", ".join(known))
    return words.gettext("Fiche enregistrée")


@dataclass
class Round:
    """People rung for one purpose (a nurse for the call, an interpreter for a session) and how
    it ended: ``answered`` names who took it."""

    started_at: datetime
    rung: list[str] = field(default_factory=list)
    told: set[int] = field(default_factory=set)
    answered: str | None = None

    def ring(self, step: Step, who: str | None) -> None:
        """One more leg rung (the same person rung again counts once)."""
        self.told.add(step.id)
        if who and who not in self.rung:
            self.rung.append(who)

    @property
    def count(self) -> int:
        """How many people were rung (legs, when their names are unknown)."""
        return len(self.rung) or len(self.told)

    def wait(self, at: datetime) -> float:
        """Seconds from the first ring to ``at``."""
        return seconds_between(self.started_at, at)
